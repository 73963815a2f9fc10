/*
 * What the monitor's two terminal layouts share (tg_render_monitor.c
 * defines them; tg_render_monitor_fit.c uses them too). Internal to the
 * library.
 */
#ifndef TG_RENDER_MONITOR_INTERNAL_H
#define TG_RENDER_MONITOR_INTERNAL_H

#include <stdio.h>

#include "tg_monitor_policy.h"

/**
 * The outcome of check c for a window and tier (-1: the window), the
 * failing one first when worst; NULL when the policy has none.
 */
const tg_moutcome *tg_monitor_find(const tg_monitor_result *r, tg_mcheck c,
                                   int window, int tier, int worst);
/** "!" for a failing outcome, "?" for an inconclusive one, else " ". */
const char *tg_monitor_mark(const tg_moutcome *o);

/* How many of gate g's windows for tier k (-1: overall) were
 * inconclusive; *judged gets how many had enough data to be judged. */
int tg_monitor_count_inconclusive(const tg_monitor_result *r,
                                  const tg_mgate *g, int k, int *judged);
/** The full layout (--wide). */
void tg_render_monitor_text_wide(FILE *out, const tg_monitor_result *r,
                                 int color);

#endif
