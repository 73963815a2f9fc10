/*
 * Report writers. Every chart is inline SVG with a title, axis labels and
 * a table beside it holding the same numbers; statuses are words and
 * symbols as well as colours; the layout prints on A4 (tables shrink,
 * rows do not split across pages).
 */
#include "tg_report.h"
#include "tg_sweep_report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_render.h"
#include "tg_textfit.h"
#include "tg_tally.h"

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static double n_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double n_of_item(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Every text from the gate result is HTML-escaped (tg_escape.h), in
 * element content, attributes and <title> alike. */
static void esc(FILE *f, const char *s)
{
    tg_esc_html(f, s);
}

/* Markdown text and code spans of the Markdown report. */
static void md(FILE *f, const char *s)
{
    tg_esc_md(f, s);
}

static void md_code(FILE *f, const char *s)
{
    tg_esc_md_code(f, s);
}

static void pct(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.2f%%", v * 100);
    else
        fputs("n/a", f);
}

/* A count with thousands separators ("27,265"), "n/a" when missing. */
static void count(FILE *f, double v)
{
    char buf[32];
    if (isfinite(v) && v >= 0 && v < 1e19)
        fputs(tg_fmt_count((unsigned long long)(v + 0.5), buf), f);
    else
        fputs("n/a", f);
}

static const cJSON *split_of(const cJSON *gate, const char *name)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(gate, "splits"), name);
}

static const char *status_sym(const char *s)
{
    return !strcmp(s, "pass") ? "✔ pass" : !strcmp(s, "warn") ? "▲ warn"
         : !strcmp(s, "fail") ? "✖ fail"
         : !strcmp(s, "inconclusive") ? "◐ inconclusive" : "? insufficient";
}

static const char CSS[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:2em auto;max-width:60em;padding:0 1em;color:#1a1a1a}"
    "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;"
    "border-bottom:1px solid #ccc}"
    ".banner{padding:.8em 1em;border-radius:6px;font-size:1.3em;"
    "font-weight:bold;border:2px solid}"
    ".PASSED{background:#e6f4ea;border-color:#1e7e34}"
    ".PASSED_WITH_WARNINGS{background:#fff4e0;border-color:#b36b00}"
    ".FAILED{background:#fde8e8;border-color:#b3261e}"
    "table{border-collapse:collapse;width:100%;font-size:.85em;margin:.6em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;"
    "vertical-align:top}td.n{text-align:right;white-space:nowrap}"
    "tr{page-break-inside:avoid}"
    ".pass{color:#1e7e34}.warn{color:#8a5300}.fail{color:#b3261e}"
    ".insufficient{color:#6a3d9a}.inconclusive{color:#1f6f8b}"
    "figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}"
    "svg{max-width:100%;height:auto}"
    /* A phone (390 px): charts scale down, tables scroll inside their own
     * box, long names wrap instead of pushing the page sideways. */
    ".scroll{overflow-x:auto;max-width:100%}"
    "h1,p,li,.banner,summary{overflow-wrap:anywhere}"
    "details{margin:.6em 0}summary{cursor:pointer;font-weight:bold}"
    ".legend{font-size:.85em}"
    "@media (max-width:600px){body{margin:.5em auto;padding:0 .5em}"
    "h1{font-size:1.3em}.banner{font-size:1.05em}}"
    ".prov td:first-child{white-space:nowrap}code{font-size:.9em}"
    "table.gates td:nth-child(2){min-width:12em}li{margin:.2em 0}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    "table{font-size:8pt}h2{page-break-after:avoid}"
    "figure{page-break-inside:avoid}}"
    "@page{size:A4;margin:12mm}";

/* ---- charts ------------------------------------------------------------- */

#define W 760
#define H 360
#define L 130 /* left margin: room for the rotated tier names */
#define R 20
#define T 58 /* title, then a row of legend */
#define B 125

/*
 * "Nice" axis steps: 1, 2 or 5 times a power of ten, the smallest giving
 * at most `ticks` intervals up to max; the axis ends on a whole step.
 */
static double nice_top(double max, int ticks, double *step)
{
    if (!(max > 0))
        max = 1;
    double raw = max / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
    *step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    return ceil(max / *step - 1e-9) * *step;
}

static void axis_y(FILE *f, double max, double step, int is_pct,
                   const char *label)
{
    int n = (int)floor(max / step + 0.5);
    /* As many decimals as the step needs: 2%, 0.5%, 0.25x. */
    double unit = is_pct ? step * 100 : step;
    int dec = unit >= 1 - 1e-9 ? 0 : unit >= 0.1 - 1e-9 ? 1 : 2;
    for (int k = 0; k <= n; k++) {
        double v = step * k;
        double y = H - B - (H - T - B) * v / max;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\" font-size=\"11\">%.*f%s</text>",
                L, W - R, y, y, L - 6, y + 4, dec, is_pct ? v * 100 : v,
                is_pct ? "%" : "x");
    }
    fprintf(f, "<text transform=\"translate(16,%d) rotate(-90)\" "
               "text-anchor=\"middle\" font-size=\"12\">%s</text>",
            (T + H - B) / 2, label);
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            L, W - R, H - B, H - B);
}

/*
 * The legend: one row under the title, an entry for every mark and
 * colour of the chart, out of the plot area so that no label sits on
 * the data. *x advances past each entry (about 6 px per character).
 */
#define LEGEND_Y 44
static void legend_mark(FILE *f, int *x, const char *mark, const char *text)
{
    fprintf(f, "%s<text x=\"%d\" y=\"%d\" font-size=\"11\">", mark, *x + 16,
            LEGEND_Y + 4);
    esc(f, text);
    fputs("</text>", f);
    *x += 16 + 6 * tg_text_width(text) + 14;
}

static void legend_circle(FILE *f, int *x, const char *col, const char *text)
{
    char m[160];
    snprintf(m, sizeof m, "<circle cx=\"%d\" cy=\"%d\" r=\"4.5\" fill=\"%s\"/>",
             *x + 5, LEGEND_Y, col);
    legend_mark(f, x, m, text);
}

static void legend_box(FILE *f, int *x, const char *fill, const char *text)
{
    char m[200];
    snprintf(m, sizeof m, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
                          "fill=\"%s\" stroke=\"#555\"/>",
             *x, LEGEND_Y - 5, fill);
    legend_mark(f, x, m, text);
}

static void legend_line(FILE *f, int *x, const char *col, const char *dash,
                        int width, const char *text)
{
    char m[200];
    snprintf(m, sizeof m, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
                          "stroke=\"%s\" stroke-width=\"%d\" "
                          "stroke-dasharray=\"%s\"/>",
             *x, *x + 12, LEGEND_Y, LEGEND_Y, col, width, dash);
    legend_mark(f, x, m, text);
}

static double ypos(double v, double max)
{
    return H - B - (H - T - B) * (max > 0 ? v / max : 0);
}

static void tier_labels(FILE *f, const cJSON *tiers, int n)
{
    double step = (double)(W - L - R) / n;
    for (int i = 0; i < n; i++) {
        double x = L + step * (i + 0.5);
        fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-30)\" "
                   "text-anchor=\"end\" font-size=\"10\">",
                x, H - B + 14);
        esc(f, s_of(cJSON_GetArrayItem(tiers, i), "tier"));
        fprintf(f, "</text>");
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
               "font-size=\"12\">tier (rule order)</text>",
            (L + W - R) / 2, H - 4);
}

static void svg_open(FILE *f, const char *id, const char *title,
                     const char *desc)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "width=\"%d\" height=\"%d\" role=\"img\" "
               "aria-labelledby=\"%s-t %s-d\" class=\"chart\" id=\"%s\">"
               "<title id=\"%s-t\">", W, H, W, H, id, id, id, id);
    esc(f, title);
    fprintf(f, "</title><desc id=\"%s-d\">", id);
    esc(f, desc);
    fprintf(f, "</desc><text x=\"%d\" y=\"22\" font-size=\"14\" "
               "font-weight=\"bold\">", L);
    esc(f, title);
    fprintf(f, "</text>");
}

/* The tier's index in a split's tier list, -1 when absent. */
static int tier_index(const cJSON *tiers, const char *name)
{
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, tiers)
    {
        if (!strcmp(s_of(t, "tier"), name))
            return i;
        i++;
    }
    return -1;
}

/*
 * Each TRAIN gate of a check on one tier with a single threshold, drawn
 * as a short red segment across that tier's slot; returns how many.
 */
static int threshold_marks(FILE *f, const cJSON *gate, const cJSON *tiers,
                           const char *check, double max, int draw,
                           double *highest)
{
    int n = cJSON_GetArraySize(tiers), marks = 0;
    double step = (double)(W - L - R) / (n ? n : 1);
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        const cJSON *th = cJSON_GetObjectItem(g, "threshold");
        if (strcmp(s_of(g, "check"), check) || strcmp(s_of(g, "split"), "TRAIN") ||
            s_of(g, "slice")[0] || !cJSON_IsNumber(th) ||
            !cJSON_IsString(cJSON_GetObjectItem(g, "tier")))
            continue;
        int i = tier_index(tiers, s_of(g, "tier"));
        if (i < 0)
            continue;
        marks++;
        if (highest && th->valuedouble > *highest)
            *highest = th->valuedouble;
        if (draw)
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#b3261e\" stroke-width=\"2\" "
                       "stroke-dasharray=\"5,3\"/>",
                    L + step * i + 3, L + step * (i + 1) - 3,
                    ypos(th->valuedouble, max), ypos(th->valuedouble, max));
    }
    return marks;
}

/* Conversion rate per tier with interval bars, TRAIN (circles) beside
 * TEST (squares), each split's baseline as a line, the conversion
 * gates' thresholds as red segments over their tiers. */
static void chart_rates(FILE *f, const cJSON *gate)
{
    const cJSON *tr = split_of(gate, "TRAIN"), *te = split_of(gate, "TEST");
    const cJSON *tt = cJSON_GetObjectItem(tr, "tiers");
    const cJSON *et = cJSON_GetObjectItem(te, "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = 0, step_y;
    for (int i = 0; i < n; i++) {
        double a = n_of(cJSON_GetArrayItem(tt, i), "ci_upper");
        double b = n_of(cJSON_GetArrayItem(et, i), "ci_upper");
        if (isfinite(a) && a > max)
            max = a;
        if (isfinite(b) && b > max)
            max = b;
    }
    int marks = threshold_marks(f, gate, tt, "conversion_rate", 1, 0, &max);
    max = nice_top(max > 0 ? max * 1.05 : 0.1, 6, &step_y);
    svg_open(f, "chart-rates", "Conversion rate per tier, TRAIN and TEST",
             "Rates with confidence intervals; circles TRAIN, squares TEST; "
             "dashed line TRAIN baseline, dotted line TEST baseline; red "
             "segments: the conversion gates' thresholds.");
    axis_y(f, max, step_y, 1, "conversion rate");
    double step = (double)(W - L - R) / (n ? n : 1);
    static const char *col[2] = {"#1f5fa8", "#c2571a"};
    int lx = L;
    legend_circle(f, &lx, col[0], "TRAIN");
    {
        char m[200];
        snprintf(m, sizeof m, "<rect x=\"%d\" y=\"%d\" width=\"8\" "
                              "height=\"8\" fill=\"%s\"/>",
                 lx + 1, LEGEND_Y - 4, col[1]);
        legend_mark(f, &lx, m, "TEST");
    }
    for (int s = 0; s < 2; s++) {
        double base = n_of(s ? te : tr, "baseline_rate");
        if (!isfinite(base))
            continue;
        char text[64];
        snprintf(text, sizeof text, "%s baseline %.2f%%", s ? "TEST" : "TRAIN",
                 base * 100);
        legend_line(f, &lx, col[s], s ? "2,3" : "6,4", 1, text);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"%s\" stroke-dasharray=\"%s\"/>",
                L, W - R, ypos(base, max), ypos(base, max), col[s],
                s ? "2,3" : "6,4");
    }
    if (marks) {
        legend_line(f, &lx, "#b3261e", "5,3", 2, "gate threshold");
        threshold_marks(f, gate, tt, "conversion_rate", max, 1, NULL);
    }
    for (int s = 0; s < 2; s++) {
        const cJSON *arr = s ? et : tt;
        for (int i = 0; i < n; i++) {
            const cJSON *t = cJSON_GetArrayItem(arr, i);
            double r = n_of(t, "conversion_rate");
            if (!isfinite(r))
                continue;
            double x = L + step * (i + 0.5) + (s ? 8 : -8);
            double lo = n_of(t, "ci_lower"), hi = n_of(t, "ci_upper");
            if (isfinite(lo))
                fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                           "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>",
                        x, x, ypos(lo, max), ypos(hi, max), col[s]);
            if (s)
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" "
                           "height=\"8\" fill=\"%s\"/>", x - 4,
                        ypos(r, max) - 4, col[s]);
            else
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
                           "fill=\"%s\"/>", x, ypos(r, max), col[s]);
        }
    }
    tier_labels(f, tt, n);
    fputs("</svg>", f);
}

/* Lift per tier on TRAIN with its interval, and the gate's line. */
static void chart_lift(FILE *f, const cJSON *gate, double gate_line)
{
    const cJSON *tt = cJSON_GetObjectItem(split_of(gate, "TRAIN"), "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = gate_line;
    for (int i = 0; i < n; i++) {
        double v = n_of(cJSON_GetArrayItem(tt, i), "lift_ci_upper");
        double l = n_of(cJSON_GetArrayItem(tt, i), "lift");
        if (isfinite(v) && v > max)
            max = v;
        if (isfinite(l) && l > max)
            max = l;
    }
    double step_y;
    /* Room above the highest whisker for its value label. */
    max = nice_top(max * 1.12, 6, &step_y);
    svg_open(f, "chart-lift", "Lift per tier on TRAIN",
             "Bars: lift against the TRAIN baseline, blue when it meets the "
             "lift gate, red when below; whiskers: Katz interval of the tier "
             "against the rest of TRAIN; red dashed line: the lift gate.");
    axis_y(f, max, step_y, 0, "lift (x baseline)");
    int lx = L;
    char gate_text[48];
    snprintf(gate_text, sizeof gate_text, "lift gate %.2fx", gate_line);
    legend_box(f, &lx, "#7aa6d6", "meets the gate");
    legend_box(f, &lx, "#e3a39c", "below the gate");
    legend_line(f, &lx, "#222", "none", 1, "interval");
    legend_line(f, &lx, "#b3261e", "8,4", 2, gate_text);
    double step = (double)(W - L - R) / (n ? n : 1);
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(tt, i);
        double v = n_of(t, "lift");
        if (!isfinite(v))
            continue;
        double x = L + step * i + step * 0.2, w = step * 0.6;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"/>", x, ypos(v, max), w, H - B - ypos(v, max),
                v >= gate_line ? "#7aa6d6" : "#e3a39c");
        double lo = n_of(t, "lift_ci_lower"), hi = n_of(t, "lift_ci_upper");
        if (isfinite(lo))
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#222\"/>", x + w / 2, x + w / 2,
                    ypos(lo, max), ypos(hi, max));
        /* The value above the bar and its whisker, never on them. */
        double top = ypos(v, max);
        if (isfinite(hi) && ypos(hi, max) < top)
            top = ypos(hi, max);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"middle\">%.2fx</text>", x + w / 2,
                top - 4, v);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#b3261e\" stroke-width=\"2\" "
               "stroke-dasharray=\"8,4\"/>",
            L, W - R, ypos(gate_line, max), ypos(gate_line, max));
    tier_labels(f, tt, n);
    fprintf(f, "</svg>");
}

/* Leads per tier, TRAIN and TEST, on a log scale (STANDARD is large). */
static void chart_volume(FILE *f, const cJSON *gate)
{
    const cJSON *tt = cJSON_GetObjectItem(split_of(gate, "TRAIN"), "tiers");
    const cJSON *et = cJSON_GetObjectItem(split_of(gate, "TEST"), "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = 10;
    for (int i = 0; i < n; i++) {
        double v = n_of(cJSON_GetArrayItem(tt, i), "leads");
        if (v > max)
            max = v;
    }
    double lmax = ceil(log10(max));
    svg_open(f, "chart-volume", "Leads per tier (log scale)",
             "Left bar TRAIN, right hatched bar TEST; logarithmic axis.");
    fprintf(f, "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
               "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
               "<rect width=\"6\" height=\"6\" fill=\"#f3c9a8\"/>"
               "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c2571a\" "
               "stroke-width=\"2\"/></pattern></defs>");
    for (int k = 0; k <= (int)fmin(lmax, 19); k++) { /* leads < 1e19 */
        double y = ypos(k, lmax);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                   "text-anchor=\"end\">", L, W - R, y, y, L - 6, y + 4);
        count(f, pow(10, k));
        fputs("</text>", f);
    }
    fprintf(f, "<text transform=\"translate(16,%d) rotate(-90)\" "
               "text-anchor=\"middle\" font-size=\"12\">leads</text>",
            (T + H - B) / 2);
    double step = (double)(W - L - R) / (n ? n : 1);
    for (int i = 0; i < n; i++)
        for (int s = 0; s < 2; s++) {
            double v = n_of(cJSON_GetArrayItem(s ? et : tt, i), "leads");
            if (!(v >= 1))
                continue;
            double x = L + step * i + step * (0.15 + 0.35 * s);
            double y = ypos(log10(v), lmax);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                       "height=\"%.1f\" fill=\"%s\" stroke=\"#555\"/>",
                    x, y, step * 0.33, H - B - y, s ? "url(#hatch)" : "#7aa6d6");
        }
    tier_labels(f, tt, n);
    int lx = L;
    legend_box(f, &lx, "#7aa6d6", "TRAIN");
    legend_box(f, &lx, "url(#hatch)", "TEST (hatched)");
    fputs("</svg>", f);
}

/* ---- sections ----------------------------------------------------------- */

static void tier_table(FILE *f, const cJSON *gate, int lift)
{
    fprintf(f, "<div class=\"scroll\"><table><thead><tr><th>Tier</th><th>Split</th><th>Leads</th>"
               "<th>Labeled</th><th>Conversions</th><th>Rate</th>"
               "<th>Interval</th>%s</tr></thead><tbody>",
            lift ? "<th>Lift</th><th>Lift interval</th><th>Fisher p (Holm)</th>" : "");
    static const char *splits[2] = {"TRAIN", "TEST"};
    for (int s = 0; s < 2; s++) {
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(split_of(gate, splits[s]),
                                                  "tiers"))
        {
            fprintf(f, "<tr><td>");
            esc(f, s_of(t, "tier"));
            fprintf(f, "</td><td>%s</td><td class=\"n\">", splits[s]);
            count(f, n_of(t, "leads"));
            fputs("</td><td class=\"n\">", f);
            count(f, n_of(t, "labeled"));
            fputs("</td><td class=\"n\">", f);
            count(f, n_of(t, "conversions"));
            fputs("</td><td class=\"n\">", f);
            pct(f, n_of(t, "conversion_rate"));
            fprintf(f, "</td><td class=\"n\">");
            if (isfinite(n_of(t, "ci_lower"))) {
                pct(f, n_of(t, "ci_lower"));
                fputs(" – ", f);
                pct(f, n_of(t, "ci_upper"));
            } else {
                fputs("n/a", f);
            }
            fprintf(f, "</td>");
            if (lift) {
                double l = n_of(t, "lift"), lo = n_of(t, "lift_ci_lower"),
                       hi = n_of(t, "lift_ci_upper"), p = n_of(t, "fisher_p_holm");
                fprintf(f, "<td class=\"n\">");
                if (isfinite(l))
                    fprintf(f, "%.2fx", l);
                else
                    fputs("n/a", f);
                fprintf(f, "</td><td class=\"n\">");
                if (isfinite(lo))
                    fprintf(f, "%.2fx – %.2fx", lo, hi);
                else
                    fputs("n/a", f);
                fprintf(f, "</td><td class=\"n\">");
                if (isfinite(p))
                    fprintf(f, "%.3g", p);
                else
                    fputs("n/a", f);
                fprintf(f, "</td>");
            }
            fprintf(f, "</tr>");
        }
    }
    fprintf(f, "</tbody></table></div>");
}

/* A gate value in its unit, from the check it belongs to. */
static void gate_value(FILE *f, const char *check, double v)
{
    if (!isfinite(v))
        fputs("n/a", f);
    else if (!strcmp(check, "lift"))
        fprintf(f, "%.2fx", v);
    else if (!strcmp(check, "test_train_lift_ratio"))
        fprintf(f, "%.2f", v);
    else if (!strcmp(check, "volume_count") || !strcmp(check, "tier_size"))
        count(f, v);
    else
        fprintf(f, "%.2f%%", v * 100);
}

/* The gates that did not pass, first, with their reasons. */
static void not_passed(FILE *f, const cJSON *gate)
{
    int n = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        const char *st = s_of(g, "status");
        if (!strcmp(st, "pass"))
            continue;
        if (!n++)
            fprintf(f, "<h2>Not passed</h2><ul>");
        fputs("<li class=\"", f);
        esc(f, st);
        fprintf(f, "\"><strong>%s</strong> ", status_sym(st));
        esc(f, s_of(g, "id"));
        fputs(" ", f);
        esc(f, cJSON_IsString(cJSON_GetObjectItem(g, "tier")) ? s_of(g, "tier")
                                                               : "priority tiers");
        if (s_of(g, "slice")[0]) {
            fputs(" in slice <code>", f);
            esc(f, s_of(g, "slice"));
            fputs("</code>", f);
        }
        fputs(": ", f);
        esc(f, s_of(g, "message"));
        fputs("</li>", f);
    }
    if (n)
        fputs("</ul>", f);
    else
        fputs("<p>Every gate passed.</p>", f);
}

/*
 * A gate's threshold with its comparator, as the policy states it: a
 * range "a to b", "lower > x" for interval separation, "≤ x" for the rank
 * order and for a gate with only a maximum (its message says "<= x"),
 * else "≥ x".
 */
static void threshold_cell(FILE *f, const cJSON *g)
{
    const char *check = s_of(g, "check");
    const cJSON *th = cJSON_GetObjectItem(g, "threshold");
    if (cJSON_IsArray(th) && cJSON_GetArraySize(th) == 2) {
        gate_value(f, check, n_of_item(cJSON_GetArrayItem(th, 0)));
        fputs(" to ", f);
        gate_value(f, check, n_of_item(cJSON_GetArrayItem(th, 1)));
    } else if (cJSON_IsNumber(th)) {
        if (!strcmp(check, "ci_separation"))
            fputs("lower &gt; ", f);
        else if (!strcmp(check, "rank_order") ||
                 (strstr(s_of(g, "message"), "<= ") &&
                  !strstr(s_of(g, "message"), ">= ")))
            fputs("≤ ", f);
        else
            fputs("≥ ", f);
        gate_value(f, check, th->valuedouble);
    } else {
        fputs("–", f);
    }
}

static void gates_rows(FILE *f, const cJSON *gate, int passing)
{
    fprintf(f, "<div class=\"scroll\"><table class=\"gates\"><thead><tr>"
               "<th>Gate</th><th>Check</th><th>Tier</th><th>Split</th>"
               "<th>Actual [interval]</th><th>Threshold</th><th>Status</th>"
               "<th>Severity</th></tr></thead><tbody>");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        const char *st = s_of(g, "status");
        if ((strcmp(st, "pass") == 0) != passing)
            continue;
        fprintf(f, "<tr><td>");
        esc(f, s_of(g, "id"));
        fprintf(f, "</td><td>");
        if (s_of(g, "slice")[0]) {
            fputs("[", f);
            esc(f, s_of(g, "slice"));
            fputs("] ", f);
        }
        esc(f, s_of(g, "description"));
        fprintf(f, "</td><td>");
        esc(f, cJSON_IsString(cJSON_GetObjectItem(g, "tier")) ? s_of(g, "tier")
                                                               : "priority tiers");
        const char *check = s_of(g, "check");
        fputs("</td><td>", f);
        esc(f, s_of(g, "split"));
        fputs("</td><td class=\"n\">", f);
        gate_value(f, check, n_of(g, "actual"));
        if (isfinite(n_of(g, "ci_lower")) && strcmp(check, "ci_separation")) {
            fputs(" [", f);
            gate_value(f, check, n_of(g, "ci_lower"));
            fputs(", ", f);
            gate_value(f, check, n_of(g, "ci_upper"));
            fputs("]", f);
        }
        fprintf(f, "</td><td class=\"n\">");
        threshold_cell(f, g);
        /* Status (what the data says) and severity (what the policy does
         * with a miss) are separate words in separate cells. */
        fputs("</td><td class=\"", f);
        esc(f, st);
        fprintf(f, "\"><strong>%s</strong></td><td>", status_sym(st));
        esc(f, s_of(g, "severity"));
        if (strcmp(st, "pass"))
            fputs(cJSON_IsTrue(cJSON_GetObjectItem(g, "blocks"))
                      ? " · blocks the release"
                      : " · does not block",
                  f);
        fputs("</td></tr>", f);
    }
    fprintf(f, "</tbody></table></div>");
}

/* The checks that did not pass in full view; the passing ones folded. */
static void gates_table(FILE *f, const cJSON *gate)
{
    int pass = 0, other = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        if (!strcmp(s_of(g, "status"), "pass"))
            pass++;
        else
            other++;
    }
    if (other)
        gates_rows(f, gate, 0);
    if (pass) {
        fprintf(f, "<details%s><summary>%d passing check%s</summary>",
                other ? "" : " open", pass, pass == 1 ? "" : "s");
        gates_rows(f, gate, 1);
        fputs("</details>", f);
    }
}

static void calibration_section(FILE *f, const cJSON *gate)
{
    /* Expected rates come with the calibration gate's threshold band. */
    fprintf(f, "<div class=\"scroll\"><table><thead><tr><th>Tier</th><th>Expected rate</th>"
               "<th>Observed (TRAIN)</th><th>Interval</th><th>Off by</th>"
               "<th>Status</th></tr></thead><tbody>");
    const cJSON *g;
    int any = 0;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        if (strcmp(s_of(g, "check"), "calibration"))
            continue;
        const cJSON *th = cJSON_GetObjectItem(g, "threshold");
        double exp = NAN;
        if (cJSON_IsArray(th))
            exp = (cJSON_GetArrayItem(th, 0)->valuedouble +
                   cJSON_GetArrayItem(th, 1)->valuedouble) / 2;
        double a = n_of(g, "actual");
        fprintf(f, "<tr><td>");
        esc(f, s_of(g, "tier"));
        fprintf(f, "</td><td class=\"n\">");
        pct(f, exp);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, a);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, n_of(g, "ci_lower"));
        fputs(" – ", f);
        pct(f, n_of(g, "ci_upper"));
        fprintf(f, "</td><td class=\"n\">");
        if (isfinite(a) && isfinite(exp) && exp > 0)
            fprintf(f, "%+.1f%%", 100 * (a - exp) / exp);
        else
            fputs("n/a", f);
        fputs("</td><td class=\"", f);
        esc(f, s_of(g, "status"));
        fprintf(f, "\">%s</td></tr>", status_sym(s_of(g, "status")));
        any = 1;
    }
    if (!any)
        fprintf(f, "<tr><td colspan=\"6\">The policy has no calibration "
                   "gate.</td></tr>");
    fprintf(f, "</tbody></table></div>");
}

static void compare_section(FILE *f, const cJSON *c)
{
    fputs("<h2>", f);
    esc(f, s_of(cJSON_GetObjectItem(c, "from"), "model_version"));
    fputs(" vs ", f);
    esc(f, s_of(cJSON_GetObjectItem(c, "to"), "model_version"));
    fputs("</h2><p>Both rule sets evaluated on the same leads (split ", f);
    esc(f, s_of(c, "split"));
    fputs(").</p>", f);
    /* The rule set's expected outcomes when it states them; otherwise
     * the measured metrics alone. */
    const cJSON *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    int quoted = eo != NULL;
    const cJSON *e;
    if (quoted)
        fprintf(f, "<div class=\"scroll\"><table><thead><tr><th>Metric</th><th>Previous value "
                   "(quoted by the rule set)</th><th>Expected (rule set)</th>"
                   "<th>Measured before</th><th>Measured after</th></tr>"
                   "</thead><tbody>");
    else
        fprintf(f, "<div class=\"scroll\"><table><thead><tr><th>Metric</th><th>Measured before</th>"
                   "<th>Measured after</th></tr></thead><tbody>");
    cJSON_ArrayForEach(e, (quoted ? eo : cJSON_GetObjectItem(c, "metrics")))
    {
        fprintf(f, "<tr><td>");
        esc(f, s_of(e, "label"));
        if (quoted) {
            fprintf(f, "</td><td>");
            esc(f, s_of(e, "previous"));
            fprintf(f, " (");
            esc(f, s_of(e, "previous_version"));
            fprintf(f, ")</td><td>");
            esc(f, s_of(e, "expected"));
        }
        fprintf(f, "</td><td class=\"n\">");
        esc(f, s_of(e, "measured_from"));
        fprintf(f, "</td><td class=\"n\">");
        esc(f, s_of(e, "measured_to"));
        fprintf(f, "</td></tr>");
    }
    fprintf(f, "</tbody></table></div><h3>Migration of leads</h3>"
               "<div class=\"scroll\"><table><thead><tr><th>From</th><th>To</th><th>Leads</th>"
               "<th>Labeled</th><th>Conversions</th></tr></thead><tbody>");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "migration"))
    {
        fprintf(f, "<tr><td>");
        esc(f, s_of(e, "from"));
        fprintf(f, "</td><td>");
        esc(f, s_of(e, "to"));
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(e, "leads"));
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(e, "labeled"));
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(e, "conversions"));
        fputs("</td></tr>", f);
    }
    fprintf(f, "</tbody></table></div>");
    const cJSON *psi = cJSON_GetObjectItem(c, "psi");
    fputs("<p>Population stability index of tier shares, TRAIN to TEST: ", f);
    esc(f, s_of(cJSON_GetObjectItem(c, "from"), "model_version"));
    fprintf(f, " %.4f, ", n_of(psi, "from"));
    esc(f, s_of(cJSON_GetObjectItem(c, "to"), "model_version"));
    fprintf(f, " %.4f (below 0.1: stable).</p>", n_of(psi, "to"));
}

/* "How reliable is this verdict?": the operating characteristics the
 * gate computed (see tg_plan.h), when the document has them. */
static void share(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.1f%%", v * 100);
    else
        fputs("–", f);
}

static void reliability_section(FILE *f, const cJSON *gate)
{
    const cJSON *rel = cJSON_GetObjectItem(gate, "reliability");
    if (!cJSON_IsObject(rel))
        return;
    fputs("<h2>How reliable is this verdict?</h2><p>Out of ", f);
    count(f, n_of(rel, "draws"));
    fprintf(f, " simulated releases with these labeled leads (seed %.0f), a "
               "model converting exactly at its expected rates passes every "
               "blocking gate in <strong>",
            n_of(rel, "seed"));
    share(f, n_of(rel, "policy_pass_at_expected"));
    fprintf(f, "</strong>, and a model with no signal (every tier at its "
               "split's baseline) is blocked in <strong>");
    share(f, n_of(rel, "policy_block_at_no_signal"));
    fprintf(f, "</strong>.</p><div class=\"scroll\"><table class=\"gates\"><thead><tr><th>Gate</th>"
               "<th>Tier</th><th>Split</th><th>Labeled</th><th>Pass at the "
               "expected rate</th><th>Pass on the threshold</th></tr></thead>"
               "<tbody>");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(rel, "gates"))
    {
        fputs("<tr><td>", f);
        esc(f, s_of(g, "id"));
        fputs("</td><td>", f);
        esc(f, s_of(g, "tier"));
        fputs("</td><td>", f);
        esc(f, s_of(g, "split"));
        fputs("</td><td>", f);
        count(f, n_of(g, "labeled"));
        fputs("</td><td>", f);
        share(f, n_of(g, "pass_at_expected"));
        fputs(" at ", f);
        pct(f, n_of(g, "rate_expected"));
        fputs("</td><td>", f);
        share(f, n_of(g, "pass_on_threshold"));
        fputs(" at ", f);
        pct(f, n_of(g, "rate_on_threshold"));
        fputs("</td></tr>", f);
    }
    fprintf(f, "</tbody></table></div><p>Labeled leads each tier needs for a "
               "%.0f%% (and 95%%) chance that all its blocking gates pass "
               "decisively at its expected rate:</p><div class=\"scroll\"><table class=\"gates\">"
               "<thead><tr><th>Tier</th><th>Split</th><th>Labeled</th>"
               "<th>Needed</th><th>Weeks more</th><th>Needed (95%%)</th>"
               "<th>Weeks more</th></tr></thead><tbody>",
            100 * n_of(rel, "power"));
    const cJSON *t;
    static const char *splits[2] = {"TRAIN", "TEST"};
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(rel, "tiers"))
        for (int k = 0; k < 2; k++) {
            const cJSON *sp = cJSON_GetObjectItem(t, splits[k]);
            if (!(n_of(sp, "blocking_gates") > 0))
                continue;
            fputs("<tr><td>", f);
            esc(f, s_of(t, "tier"));
            fprintf(f, "</td><td>%s</td><td>", splits[k]);
            count(f, n_of(sp, "labeled"));
            fputs("</td>", f);
            static const char *nk[2] = {"needed", "needed_95"};
            static const char *wk[2] = {"weeks", "weeks_95"};
            for (int q = 0; q < 2; q++) {
                double n = n_of(sp, nk[q]), w = n_of(sp, wk[q]);
                if (isfinite(n))
                {
                    fputs("<td>", f);
                    count(f, n);
                    fputs("</td>", f);
                }
                else
                    fputs("<td>out of reach</td>", f);
                if (isfinite(w))
                    fprintf(f, "<td>%.0f</td>", ceil(w));
                else
                    fputs("<td>–</td>", f);
            }
            fputs("</tr>", f);
        }
    fputs("</tbody></table></div>", f);
}

static double lift_gate(const cJSON *gate)
{
    double line = NAN;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
        if (!strcmp(s_of(g, "check"), "lift") && !strcmp(s_of(g, "split"), "TRAIN")) {
            const cJSON *th = cJSON_GetObjectItem(g, "threshold");
            if (cJSON_IsNumber(th))
                line = th->valuedouble;
        }
    return isfinite(line) ? line : 2.0;
}

/* ---- slices: small multiples --------------------------------------------- */

#define SW 250
#define SH 170
#define SL 40
#define SB 20
#define ST 28

/* The highest interval bound of any tier of any value of a slicing: one
 * scale for every panel, so that panels compare at a glance. */
static double slices_max(const cJSON *slicing)
{
    static const char *splits[2] = {"TRAIN", "TEST"};
    double max = 0;
    const cJSON *v, *t;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(slicing, "values"))
    for (int s = 0; s < 2; s++)
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(
                                  cJSON_GetObjectItem(
                                      cJSON_GetObjectItem(v, "splits"),
                                      splits[s]),
                                  "tiers"))
        {
            double u = n_of(t, "ci_upper");
            if (isfinite(u) && u > max)
                max = u;
        }
    return max > 0 ? ceil(max * 1.05 * 20) / 20 : 0.1;
}

static void slice_panel(FILE *f, const cJSON *v, const char *column,
                        const char *id, double max)
{
    const cJSON *sp = cJSON_GetObjectItem(v, "splits");
    const cJSON *tt = cJSON_GetObjectItem(cJSON_GetObjectItem(sp, "TRAIN"),
                                          "tiers");
    const cJSON *et = cJSON_GetObjectItem(cJSON_GetObjectItem(sp, "TEST"),
                                          "tiers");
    const char *val = cJSON_IsString(cJSON_GetObjectItem(v, "value"))
                          ? s_of(v, "value")
                          : "NULL";
    int n = cJSON_GetArraySize(tt);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "width=\"%d\" height=\"%d\" role=\"img\" "
               "aria-labelledby=\"%s-t %s-d\" class=\"chart\" id=\"%s\">"
               "<title id=\"%s-t\">",
            SW, SH, SW, SH, id, id, id, id);
    esc(f, column);
    fputs(" = ", f);
    esc(f, val);
    fprintf(f, "</title><desc id=\"%s-d\">Conversion rate per tier in rule "
               "order with intervals, TRAIN circles, TEST squares; %.0f "
               "leads; the table below has the numbers.</desc>",
            id, n_of(v, "leads"));
    fprintf(f, "<text x=\"%d\" y=\"16\" font-size=\"12\" "
               "font-weight=\"bold\">", SL);
    esc(f, val);
    fprintf(f, "</text><text x=\"%d\" y=\"16\" font-size=\"10\" "
               "text-anchor=\"end\">", SW - 4);
    count(f, n_of(v, "leads"));
    fputs(" leads</text>", f);
    for (int k = 0; k <= 2; k++) {
        double y = SH - SB - (SH - ST - SB) * k / 2.0;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\" font-size=\"9\">%.0f%%</text>",
                SL, SW - 4, y, y, SL - 3, y + 3, max * k / 2 * 100);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
               "font-size=\"9\">tiers in rule order</text>",
            (SL + SW) / 2, SH - 6);
    double step = (double)(SW - SL - 4) / (n ? n : 1);
    static const char *col[2] = {"#1f5fa8", "#c2571a"};
    for (int s = 0; s < 2; s++) {
        const cJSON *arr = s ? et : tt;
        for (int i = 0; i < n; i++) {
            const cJSON *t = cJSON_GetArrayItem(arr, i);
            double r = n_of(t, "conversion_rate");
            if (!isfinite(r))
                continue;
            double x = SL + step * (i + 0.5) + (s ? 4 : -4);
            double lo = n_of(t, "ci_lower"), hi = n_of(t, "ci_upper");
#define SY(q) (SH - SB - (SH - ST - SB) * ((q) / max))
            if (isfinite(lo))
                fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                           "y2=\"%.1f\" stroke=\"%s\"/>",
                        x, x, SY(lo), SY(hi), col[s]);
            if (s)
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"5\" "
                           "height=\"5\" fill=\"%s\"/>",
                        x - 2.5, SY(r) - 2.5, col[s]);
            else
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                           "fill=\"%s\"/>",
                        x, SY(r), col[s]);
#undef SY
        }
    }
    fputs("</svg>", f);
}

static void slices_section(FILE *f, const cJSON *gate)
{
    const cJSON *slicings = cJSON_GetObjectItem(gate, "slices");
    if (!cJSON_IsArray(slicings) || cJSON_GetArraySize(slicings) == 0)
        return;
    fprintf(f, "<h2>Slices</h2><p>The same tiers in every segment: one panel "
               "per slice value, all on one scale (circles TRAIN, squares "
               "TEST, lines the intervals). Per-slice gates are in the gates "
               "table with their slice.</p>");
    int k = 0;
    const cJSON *sl;
    cJSON_ArrayForEach(sl, slicings)
    {
        double max = slices_max(sl);
        fprintf(f, "<figure><figcaption>Conversion rate per tier by <code>");
        esc(f, s_of(sl, "slice"));
        fprintf(f, "</code></figcaption>");
        const cJSON *v;
        int i = 0;
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(sl, "values"))
        {
            char id[48];
            snprintf(id, sizeof id, "slice-%d-%d", k, i++);
            slice_panel(f, v, s_of(sl, "column"), id, max);
        }
        fprintf(f, "</figure><div class=\"scroll\"><table><thead><tr><th>");
        esc(f, s_of(sl, "column"));
        fprintf(f, "</th><th>Tier</th><th>Split</th><th>Leads</th>"
                   "<th>Conversions</th><th>Rate</th><th>Interval</th>"
                   "</tr></thead><tbody>");
        static const char *splits[2] = {"TRAIN", "TEST"};
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(sl, "values"))
        for (int s = 0; s < 2; s++)
        {
            const cJSON *t;
            cJSON_ArrayForEach(t, cJSON_GetObjectItem(
                                      cJSON_GetObjectItem(
                                          cJSON_GetObjectItem(v, "splits"),
                                          splits[s]),
                                      "tiers"))
            {
                if (n_of(t, "leads") == 0)
                    continue;
                fprintf(f, "<tr><td>");
                esc(f, cJSON_IsString(cJSON_GetObjectItem(v, "value"))
                           ? s_of(v, "value")
                           : "NULL");
                fprintf(f, "</td><td>");
                esc(f, s_of(t, "tier"));
                fprintf(f, "</td><td>%s</td><td class=\"n\">", splits[s]);
                count(f, n_of(t, "leads"));
                fputs("</td><td class=\"n\">", f);
                count(f, n_of(t, "conversions"));
                fputs("</td><td class=\"n\">", f);
                pct(f, n_of(t, "conversion_rate"));
                fprintf(f, "</td><td class=\"n\">");
                pct(f, n_of(t, "ci_lower"));
                fputs(" – ", f);
                pct(f, n_of(t, "ci_upper"));
                fprintf(f, "</td></tr>");
            }
        }
        fprintf(f, "</tbody></table></div>");
        k++;
    }
}

const char *tg_report_css(void)
{
    return CSS;
}

void tg_report_html(FILE *f, const cJSON *gate, const cJSON *compare)
{
    tg_report_html_with(f, gate, compare, NULL);
}

void tg_report_html_with(FILE *f, const cJSON *gate, const cJSON *compare,
                         const cJSON *sweep)
{
    const char *status = s_of(gate, "status");
    const cJSON *prov = cJSON_GetObjectItem(gate, "provenance");
    const cJSON *sum = cJSON_GetObjectItem(gate, "summary");
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
               "<meta name=\"viewport\" content=\"width=device-width\"/>"
               "<title>tiergate: ");
    esc(f, s_of(gate, "model_id"));
    fputc(' ', f);
    esc(f, s_of(gate, "model_version"));
    fputs(" — ", f);
    esc(f, status);
    fprintf(f, "</title><style>%s</style></head><body>", CSS);
    fprintf(f, "<h1>Release report: ");
    esc(f, s_of(gate, "model_id"));
    fputc(' ', f);
    esc(f, s_of(gate, "model_version"));
    fputs("</h1><div class=\"banner ", f);
    esc(f, status);
    fprintf(f, "\" role=\"status\">%s ", !strcmp(status, "PASSED") ? "✔"
                                        : !strcmp(status, "FAILED") ? "✖" : "▲");
    esc(f, status);
    fprintf(f, " — %.0f pass, %.0f warn, %.0f fail, %.0f insufficient, "
               "%.0f inconclusive</div>",
            n_of(sum, "pass"), n_of(sum, "warn"), n_of(sum, "fail"),
            n_of(sum, "insufficient"), n_of(sum, "inconclusive"));
    fprintf(f, "<p>Policy <code>");
    esc(f, s_of(gate, "policy"));
    fputs("</code>; ", f);
    esc(f, s_of(gate, "ci_method"));
    fprintf(f, " intervals at %g%%.</p>", n_of(gate, "ci_level") * 100);

    not_passed(f, gate);

    fprintf(f, "<h2>Conversion by tier</h2><figure><figcaption>Conversion rate "
               "per tier with %g%% intervals, TRAIN beside TEST</figcaption>",
            n_of(gate, "ci_level") * 100);
    chart_rates(f, gate);
    fprintf(f, "</figure>");
    tier_table(f, gate, 0);

    fprintf(f, "<h2>Lift</h2><figure><figcaption>Lift per tier on TRAIN against "
               "the lift gate</figcaption>");
    chart_lift(f, gate, lift_gate(gate));
    fprintf(f, "</figure>");
    tier_table(f, gate, 1);

    fprintf(f, "<h2>Tier volumes</h2><figure><figcaption>Leads per tier, TRAIN "
               "and TEST</figcaption>");
    chart_volume(f, gate);
    fprintf(f, "</figure><p>The numbers are in the tables above.</p>");

    fprintf(f, "<h2>Calibration: expected vs observed</h2>");
    calibration_section(f, gate);

    slices_section(f, gate);

    fprintf(f, "<h2>Every gate</h2>");
    gates_table(f, gate);

    reliability_section(f, gate);

    if (compare)
        compare_section(f, compare);
    if (sweep)
        tg_sweep_render_html_section(f, sweep);

    fprintf(f, "<h2>Provenance</h2><div class=\"scroll\"><table class=\"prov\"><tbody>");
    static const char *keys[] = {"rules_file", "rules_sha256", "policy_file",
                                 "policy_sha256", "data_sha256"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        fprintf(f, "<tr><td>%s</td><td><code>", keys[k]);
        esc(f, s_of(prov, keys[k])[0] ? s_of(prov, keys[k]) : "(not recorded)");
        fprintf(f, "</code></td></tr>");
    }
    char skipped[300];
    fprintf(f, "<tr><td>rows</td><td>%s</td></tr>",
            tg_skipped_text(prov, skipped, sizeof skipped));
    fprintf(f, "<tr><td>commit</td><td><code>");
    esc(f, s_of(prov, "commit")[0] ? s_of(prov, "commit") : "(not recorded)");
    fprintf(f, "</code></td></tr><tr><td>generated</td><td>");
    esc(f, s_of(gate, "generated_at"));
    fprintf(f, "</td></tr></tbody></table></div></body></html>\n");
}

void tg_report_markdown(FILE *f, const cJSON *gate, const cJSON *compare)
{
    const char *status = s_of(gate, "status");
    fputs("# Release report: ", f);
    md(f, s_of(gate, "model_id"));
    fputc(' ', f);
    md(f, s_of(gate, "model_version"));
    fprintf(f, "\n\n**%s ", !strcmp(status, "PASSED") ? "✅"
                           : !strcmp(status, "FAILED") ? "❌" : "⚠️");
    md(f, status);
    fprintf(f, "**\n\n## Gates\n\n| Gate | Check | Tier | Split | Actual | "
               "Status | Message |\n|---|---|---|---|---:|---|---|\n");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        fputs("| ", f);
        md(f, s_of(g, "id"));
        fputs(" | ", f);
        if (s_of(g, "slice")[0]) {
            fputs("\\[", f);
            md(f, s_of(g, "slice"));
            fputs("\\] ", f);
        }
        md(f, s_of(g, "description"));
        fputs(" | ", f);
        md(f, cJSON_IsString(cJSON_GetObjectItem(g, "tier")) ? s_of(g, "tier")
                                                              : "priority tiers");
        fputs(" | ", f);
        md(f, s_of(g, "split"));
        fprintf(f, " | %.4g | %s | ", n_of(g, "actual"),
                status_sym(s_of(g, "status")));
        md(f, s_of(g, "message"));
        fputs(" |\n", f);
    }
    static const char *splits[2] = {"TRAIN", "TEST"};
    fprintf(f, "\n## Tiers\n\n| Tier | Split | Leads | Rate | Interval | Lift "
               "| Lift interval |\n|---|---|---:|---:|---|---:|---|\n");
    for (int s = 0; s < 2; s++) {
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(split_of(gate, splits[s]),
                                                  "tiers"))
        {
            fputs("| ", f);
            md(f, s_of(t, "tier"));
            fprintf(f, " | %s | %.0f | %.2f%% | %.2f%% – %.2f%% | %.2fx | "
                       "%.2fx – %.2fx |\n", splits[s],
                    n_of(t, "leads"), n_of(t, "conversion_rate") * 100,
                    n_of(t, "ci_lower") * 100, n_of(t, "ci_upper") * 100,
                    n_of(t, "lift"), n_of(t, "lift_ci_lower"),
                    n_of(t, "lift_ci_upper"));
        }
    }
    if (compare) {
        const cJSON *eo = cJSON_GetObjectItem(compare, "expected_outcomes");
        fputs("\n## ", f);
        md(f, s_of(cJSON_GetObjectItem(compare, "from"), "model_version"));
        fputs(" vs ", f);
        md(f, s_of(cJSON_GetObjectItem(compare, "to"), "model_version"));
        fputs(eo ? "\n\n| Metric | Previous (quoted by the rule set) | Expected "
                   "(rule set) | Measured before | Measured after |\n"
                   "|---|---|---|---:|---:|\n"
                 : "\n\n| Metric | Measured before | Measured after |\n"
                   "|---|---:|---:|\n", f);
        const cJSON *e;
        cJSON_ArrayForEach(e, (eo ? eo : cJSON_GetObjectItem(compare, "metrics")))
        {
            fputs("| ", f);
            md(f, s_of(e, "label"));
            if (eo) {
                fputs(" | ", f);
                md(f, s_of(e, "previous"));
                fputs(" (", f);
                md(f, s_of(e, "previous_version"));
                fputs(") | ", f);
                md(f, s_of(e, "expected"));
            }
            fputs(" | ", f);
            md(f, s_of(e, "measured_from"));
            fputs(" | ", f);
            md(f, s_of(e, "measured_to"));
            fputs(" |\n", f);
        }
    }
    const cJSON *prov = cJSON_GetObjectItem(gate, "provenance");
    fputs("\n## Provenance\n\n- rules: ", f);
    md_code(f, s_of(prov, "rules_file"));
    fputs(" (sha256 ", f);
    md_code(f, s_of(prov, "rules_sha256"));
    fputs(")\n- policy: ", f);
    md_code(f, s_of(prov, "policy_file"));
    fputs(" (sha256 ", f);
    md_code(f, s_of(prov, "policy_sha256"));
    fputs(")\n- data sha256: ", f);
    md_code(f, s_of(prov, "data_sha256")[0] ? s_of(prov, "data_sha256")
                                            : "(not recorded)");
    fputs("\n- commit: ", f);
    md_code(f, s_of(prov, "commit")[0] ? s_of(prov, "commit") : "(not recorded)");
    fputs("\n- generated: ", f);
    md(f, s_of(gate, "generated_at"));
    fputc('\n', f);
    char skipped[300]; /* only known reason names and checked counts */
    fprintf(f, "- data: %s\n", tg_skipped_text(prov, skipped, sizeof skipped));
}

/* Text for the comparison: Markdown-escaped, or terminal-escaped into
 * buf (for the padded columns of the text form). */
static const char *cmp_text(const char *s, int md_form, char *buf, size_t n)
{
    if (!md_form)
        return tg_esc_term_buf(s, buf, n);
    buf[0] = '\0';
    FILE *m = fmemopen(buf, n, "w");
    if (m) {
        setvbuf(m, NULL, _IONBF, 0);
        tg_esc_md(m, s);
        fclose(m);
    }
    buf[n - 1] = '\0';
    return buf;
}

/* Cells of a text table, owned: strdup'd strings in row-major order. */
typedef struct {
    char **cell;
    int n, cap;
} cmp_cells;

static void cell_add(cmp_cells *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cell_add(cmp_cells *t, const char *fmt, ...)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cell, (size_t)cap * sizeof *c);
        if (!c)
            return;
        t->cell = c;
        t->cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    t->cell[t->n] = strdup(buf);
    if (t->cell[t->n])
        t->n++;
}

static void cells_flush(FILE *f, cmp_cells *t, int ncols, const char *align,
                        int width)
{
    if (t->n % ncols == 0)
        tg_text_table(f, (const char *const *)t->cell, t->n / ncols, ncols,
                      align, 0, width);
    for (int i = 0; i < t->n; i++)
        free(t->cell[i]);
    t->n = 0;
}

/*
 * The text form: tables as wide as their cells, a label that leaves no
 * room for the numbers on a line of its own, headings wrapped between
 * words: nothing cut.
 */
static void compare_text(FILE *f, const cJSON *c, int width)
{
    const cJSON *from = cJSON_GetObjectItem(c, "from"),
                *to = cJSON_GetObjectItem(c, "to");
    char ab[160], bb[160], sb[64], e0[200], e1[200], e2[200], e3[200],
        e4[200], line[700];
    const char *a = cmp_text(s_of(from, "model_version"), 0, ab, sizeof ab),
               *b = cmp_text(s_of(to, "model_version"), 0, bb, sizeof bb),
               *sp = cmp_text(s_of(c, "split"), 0, sb, sizeof sb);
    int wrap = width > 0 ? width : 1 << 20;
    snprintf(line, sizeof line, "%s vs %s on the same leads (split %s)", a, b,
             sp);
    tg_text_wrap(f, line, wrap, 0, 2);
    fputc('\n', f);
    cmp_cells t = {NULL, 0, 0};
    const cJSON *e, *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    if (eo) {
        cell_add(&t, "metric");
        cell_add(&t, "previous (quoted)");
        cell_add(&t, "expected");
        cell_add(&t, "%s", a);
        cell_add(&t, "%s", b);
        cJSON_ArrayForEach(e, eo)
        {
            cell_add(&t, "%s", cmp_text(s_of(e, "label"), 0, e0, sizeof e0));
            cell_add(&t, "%s (%s)",
                     cmp_text(s_of(e, "previous"), 0, e1, sizeof e1),
                     cmp_text(s_of(e, "previous_version"), 0, e2, sizeof e2));
            cell_add(&t, "%s", cmp_text(s_of(e, "expected"), 0, e2, sizeof e2));
            cell_add(&t, "%s",
                     cmp_text(s_of(e, "measured_from"), 0, e3, sizeof e3));
            cell_add(&t, "%s",
                     cmp_text(s_of(e, "measured_to"), 0, e4, sizeof e4));
        }
        cells_flush(f, &t, 5, "lllrr", width);
    } else {
        cell_add(&t, "metric");
        cell_add(&t, "%s", a);
        cell_add(&t, "%s", b);
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "metrics"))
        {
            cell_add(&t, "%s", cmp_text(s_of(e, "label"), 0, e0, sizeof e0));
            cell_add(&t, "%s",
                     cmp_text(s_of(e, "measured_from"), 0, e3, sizeof e3));
            cell_add(&t, "%s",
                     cmp_text(s_of(e, "measured_to"), 0, e4, sizeof e4));
        }
        cells_flush(f, &t, 3, "lrr", width);
    }
    for (int m = 0; m < 2; m++) {
        const cJSON *st = cJSON_GetObjectItem(m ? to : from, "stats"), *x;
        fprintf(f, "\n%s tiers\n", m ? b : a);
        cell_add(&t, "tier");
        cell_add(&t, "leads");
        cell_add(&t, "rate");
        cell_add(&t, "lift");
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(st, "tiers"))
        {
            char n[32];
            cell_add(&t, "%s", cmp_text(s_of(x, "tier"), 0, e0, sizeof e0));
            cell_add(&t, "%s", tg_fmt_count((unsigned long long)n_of(x, "leads"), n));
            cell_add(&t, "%.2f%%", n_of(x, "conversion_rate") * 100);
            cell_add(&t, "%.2fx", n_of(x, "lift"));
        }
        cells_flush(f, &t, 4, "lrrr", width);
    }
    fprintf(f, "\nmigration %s -> %s\n", a, b);
    cell_add(&t, "from");
    cell_add(&t, "to");
    cell_add(&t, "leads");
    cell_add(&t, "labeled");
    cell_add(&t, "conv");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "migration"))
    {
        char n1[32], n2[32], n3[32];
        cell_add(&t, "%s", cmp_text(s_of(e, "from"), 0, e0, sizeof e0));
        cell_add(&t, "%s", cmp_text(s_of(e, "to"), 0, e1, sizeof e1));
        cell_add(&t, "%s", tg_fmt_count((unsigned long long)n_of(e, "leads"), n1));
        cell_add(&t, "%s",
                 tg_fmt_count((unsigned long long)n_of(e, "labeled"), n2));
        cell_add(&t, "%s",
                 tg_fmt_count((unsigned long long)n_of(e, "conversions"), n3));
    }
    cells_flush(f, &t, 5, "llrrr", width);
    free(t.cell);
    const cJSON *p = cJSON_GetObjectItem(c, "psi");
    snprintf(line, sizeof line,
             "Population stability (TRAIN to TEST tier shares): %s %.4f, %s "
             "%.4f", a, n_of(p, "from"), b, n_of(p, "to"));
    fputc('\n', f);
    tg_text_wrap(f, line, wrap, 0, 2);
}

void tg_render_compare(FILE *f, const cJSON *c, int md, int width)
{
    if (!md) {
        compare_text(f, c, width);
        return;
    }
    const cJSON *from = cJSON_GetObjectItem(c, "from"),
                *to = cJSON_GetObjectItem(c, "to");
    char ab[160], bb[160], sb[64], e0[200], e1[200], e2[200], e3[200], e4[200],
        e5[200];
    const char *a = cmp_text(s_of(from, "model_version"), md, ab, sizeof ab),
               *b = cmp_text(s_of(to, "model_version"), md, bb, sizeof bb),
               *sp = cmp_text(s_of(c, "split"), md, sb, sizeof sb);
    const cJSON *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    if (md)
        fprintf(f, "## %s vs %s (split %s)\n\n", a, b, sp);
    else
        fprintf(f, "%s vs %s on the same leads (split %s)\n\n", a, b, sp);
    const cJSON *e;
    if (eo) {
        /* The newer rule set's expected outcomes, beside the measures;
         * they come from the rule set, so they are escaped like it. */
        if (md)
            fprintf(f, "| Metric | Previous (quoted) | %s expected | %s "
                       "measured | %s measured |\n|---|---|---|---:|---:|\n",
                    b, a, b);
        else
            fprintf(f, "%-25s %-18s %-17s %-11s %-11s\n", "metric",
                    "previous (quoted)", "expected", a, b);
        cJSON_ArrayForEach(e, eo)
        {
            char q[420];
            snprintf(q, sizeof q, "%s (%s)",
                     cmp_text(s_of(e, "previous"), md, e1, sizeof e1),
                     cmp_text(s_of(e, "previous_version"), md, e5, sizeof e5));
            fprintf(f, md ? "| %s | %s | %s | %s | %s |\n"
                          : "%-25.25s %-18s %-17s %-11s %-11s\n",
                    cmp_text(s_of(e, "label"), md, e0, sizeof e0), q,
                    cmp_text(s_of(e, "expected"), md, e2, sizeof e2),
                    cmp_text(s_of(e, "measured_from"), md, e3, sizeof e3),
                    cmp_text(s_of(e, "measured_to"), md, e4, sizeof e4));
        }
    } else {
        if (md)
            fprintf(f, "| Metric | %s measured | %s measured |\n"
                       "|---|---:|---:|\n", a, b);
        else
            fprintf(f, "%-25s %-11s %-11s\n", "metric", a, b);
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "metrics"))
            fprintf(f, md ? "| %s | %s | %s |\n" : "%-25.25s %-11s %-11s\n",
                    cmp_text(s_of(e, "label"), md, e0, sizeof e0),
                    cmp_text(s_of(e, "measured_from"), md, e3, sizeof e3),
                    cmp_text(s_of(e, "measured_to"), md, e4, sizeof e4));
    }
    for (int m = 0; m < 2; m++) {
        const cJSON *st = cJSON_GetObjectItem(m ? to : from, "stats");
        fprintf(f, md ? "\n### %s tiers\n\n| Tier | Leads | Rate | Lift |\n"
                        "|---|---:|---:|---:|\n"
                      : "\n%s tiers\n%-28s %9s %8s %7s\n",
                m ? b : a, "tier", "leads", "rate", "lift");
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(st, "tiers"))
            fprintf(f, md ? "| %s | %.0f | %.2f%% | %.2fx |\n"
                          : "%-28s %9.0f %7.2f%% %6.2fx\n",
                    cmp_text(s_of(t, "tier"), md, e0, sizeof e0),
                    n_of(t, "leads"), n_of(t, "conversion_rate") * 100,
                    n_of(t, "lift"));
    }
    fprintf(f, md ? "\n### Migration (%s → %s)\n\n| From | To | Leads | "
                    "Labeled | Conversions |\n|---|---|---:|---:|---:|\n"
                  : "\nmigration %s -> %s\n%-28s %-28s %9s %9s %7s\n",
            a, b, "from", "to", "leads", "labeled", "conv");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "migration"))
        fprintf(f, md ? "| %s | %s | %.0f | %.0f | %.0f |\n"
                      : "%-28s %-28s %9.0f %9.0f %7.0f\n",
                cmp_text(s_of(e, "from"), md, e0, sizeof e0),
                cmp_text(s_of(e, "to"), md, e1, sizeof e1), n_of(e, "leads"),
                n_of(e, "labeled"), n_of(e, "conversions"));
    const cJSON *p = cJSON_GetObjectItem(c, "psi");
    fprintf(f, "\nPopulation stability (TRAIN to TEST tier shares): %s "
               "%.4f, %s %.4f\n", a, n_of(p, "from"), b, n_of(p, "to"));
}
