/*
 * Writers of a monitor result: terminal summary, Markdown, JUnit XML.
 */
#ifndef TG_RENDER_MONITOR_H
#define TG_RENDER_MONITOR_H

#include <stdio.h>

#include "tg_monitor_policy.h"

/**
 * Windows x tiers table of observed/calibrated ratios, alerts, status.
 * width > 0: fitted to width columns (columns as wide as their cells,
 * short tier labels from the rule set, the tier table in blocks, alerts
 * wrapped between words); width <= 0: the full layout (--wide).
 */
void tg_render_monitor_text(FILE *out, const tg_monitor_result *r, int color,
                            int width);
/** A Markdown summary fit for a pull-request comment or an issue. */
void tg_render_monitor_markdown(FILE *out, const tg_monitor_result *r);
/** JUnit XML: one testcase per gate, window and tier. */
void tg_render_monitor_junit(FILE *out, const tg_monitor_result *r);

#endif
