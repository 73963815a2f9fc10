/*
 * The reviewer's report: a self-contained HTML page (inline SVG charts,
 * no scripts, no network) or Markdown, rendered from a gate result
 * document (what `gate --json` writes) and, optionally, a comparison
 * (what `compare --format json` writes).
 */
#ifndef TG_REPORT_H
#define TG_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

/** Write the HTML page; compare may be NULL. */
void tg_report_html(FILE *out, const cJSON *gate, const cJSON *compare);

/** The page with a sweep's section (`sweep --format json`) too. */
void tg_report_html_with(FILE *out, const cJSON *gate, const cJSON *compare,
                         const cJSON *sweep);
/** The same content without charts, for a pull-request comment. */
void tg_report_markdown(FILE *out, const cJSON *gate, const cJSON *compare);

/** The report's stylesheet, shared by every page tiergate writes. */
const char *tg_report_css(void);

/**
 * The monitor page (what `monitor --json` writes): the status, the
 * alerts, rate per tier per window with its interval and the
 * calibration band, tier shares per window (stacked) with PSI, the
 * two-model comparison when present, the provenance. Same offline,
 * script-free HTML as the release report.
 */
void tg_report_monitor_html(FILE *out, const cJSON *monitor);

/**
 * A comparison (from tg_comparison_json) as text or Markdown tables; the
 * text fitted to width columns (<= 0: no limit).
 */
void tg_render_compare(FILE *out, const cJSON *compare, int markdown,
                       int width);

#endif
