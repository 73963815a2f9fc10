/*
 * What the report writers share (lib/tg_report*.c, lib/tg_render_compare.c):
 * reading the gate result document, the number formats of the page, the
 * status words, and the sections one file writes for another.
 */
#ifndef TG_REPORT_INTERNAL_H
#define TG_REPORT_INTERNAL_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_render.h"

/* The two splits every gate result reports, in the order pages show them. */
static const char *const rep_splits[2] = {"TRAIN", "TEST"};

/* A string member of o, "" when missing or not a string: pages print
 * what is there and never dereference NULL. */
static inline const char *rep_str(const cJSON *o, const char *k)
{
    const char *s =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

/* A number, NaN when missing: every writer prints NaN as "n/a". */
static inline double rep_num_item(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static inline double rep_num(const cJSON *o, const char *k)
{
    return rep_num_item(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* "12.34%", "n/a" when missing. */
static inline void rep_pct(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.2f%%", v * 100);
    else
        fputs("n/a", f);
}

/* A count with thousands separators ("27,265"), "n/a" when missing. */
static inline void rep_count(FILE *f, double v)
{
    char buf[32];
    if (isfinite(v) && v >= 0 && v < 1e19)
        fputs(tg_fmt_count((unsigned long long)(v + 0.5), buf), f);
    else
        fputs("n/a", f);
}

/* A right-aligned table cell holding member k of o as a count or a
 * percentage. */
static inline void rep_count_td(FILE *f, const cJSON *o, const char *k)
{
    fputs("<td class=\"n\">", f);
    rep_count(f, rep_num(o, k));
    fputs("</td>", f);
}

static inline void rep_pct_td(FILE *f, const cJSON *o, const char *k)
{
    fputs("<td class=\"n\">", f);
    rep_pct(f, rep_num(o, k));
    fputs("</td>", f);
}

/* One split's statistics ("TRAIN" or "TEST") of a gate result. */
static inline const cJSON *rep_split(const cJSON *gate, const char *name)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(gate, "splits"), name);
}

/* A status as a symbol and a word, so that it reads without colour. */
static inline const char *rep_status_sym(const char *s)
{
    return !strcmp(s, "pass")           ? "✔ pass"
           : !strcmp(s, "warn")         ? "▲ warn"
           : !strcmp(s, "fail")         ? "✖ fail"
           : !strcmp(s, "inconclusive") ? "◐ inconclusive"
                                        : "? insufficient";
}

/* The tier a gate judges; a gate over several tiers has none. */
static inline const char *rep_gate_tier(const cJSON *g)
{
    return cJSON_IsString(cJSON_GetObjectItem(g, "tier")) ? rep_str(g, "tier")
                                                          : "priority tiers";
}

/* An inline SVG chart's opening up to its <title> element's text, which
 * the caller writes (escaped) and closes; the title and the description
 * (<desc id="ID-d">) name the chart for screen readers. */
void tg_report_svg_begin(FILE *f, const char *id, int width, int height);

/* The colours of the two splits in every chart. */
#define TG_REPORT_TRAIN_COLOR "#1f5fa8"
#define TG_REPORT_TEST_COLOR "#c2571a"

/* A plot area: tier slots from x0, step wide; values from 0 at the base
 * line up to max, height pixels above it. */
typedef struct {
    double x0, step, base, height, max;
} tg_report_plot;

/* How rate marks look: TRAIN and TEST offset either side of the slot's
 * middle, the TEST square's side, the TRAIN circle's radius, extra
 * attributes of the interval line. */
typedef struct {
    double offset, square, radius;
    const char *line_extra;
} tg_report_marks;

void tg_report_rate_marks(FILE *f, const cJSON *tiers, int split, int n,
                          const tg_report_plot *p, const tg_report_marks *m);

/* Sections of the HTML page, one file each (see the files' comments). */
void tg_report_chart_rates(FILE *f, const cJSON *gate);
void tg_report_chart_lift(FILE *f, const cJSON *gate);
void tg_report_chart_volume(FILE *f, const cJSON *gate);
void tg_report_not_passed(FILE *f, const cJSON *gate);
void tg_report_tier_table(FILE *f, const cJSON *gate, int lift);
void tg_report_gates_table(FILE *f, const cJSON *gate);
void tg_report_calibration(FILE *f, const cJSON *gate);
void tg_report_reliability(FILE *f, const cJSON *gate);
void tg_report_compare_section(FILE *f, const cJSON *compare);
void tg_report_slices(FILE *f, const cJSON *gate);

#endif
