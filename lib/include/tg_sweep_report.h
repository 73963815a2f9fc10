/*
 * Writers of a sweep result document (what `sweep --format json`
 * writes): a terminal table, Markdown, and an HTML section with a
 * volume-vs-rate chart of every variant (the frontier marked, the
 * chosen variant highlighted), alone or inside the release report.
 */
#ifndef TG_SWEEP_REPORT_H
#define TG_SWEEP_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

/**
 * The terminal text. width > 0: fitted to width columns (tables as wide
 * as their cells, a row on two lines when the names leave no room, the
 * per-tier table in blocks, messages wrapped between words); width <= 0:
 * the full layout (--wide), one column per field.
 */
void tg_sweep_render_text(FILE *out, const cJSON *sweep, int width);
void tg_sweep_render_markdown(FILE *out, const cJSON *sweep);
/** The HTML section (an <h2> and what follows), for a page's body. */
void tg_sweep_render_html_section(FILE *out, const cJSON *sweep);
/** A self-contained page holding the section. */
void tg_sweep_render_html(FILE *out, const cJSON *sweep);

/**
 * Which variants are on the TRAIN frontier of priority volume against
 * priority conversion rate: no other variant has at least the volume
 * and at least the rate, one of them strictly more. on[i] for the i-th
 * variant of the document's "variants".
 */
void tg_sweep_frontier(const cJSON *sweep, unsigned char *on, int n);

#endif
