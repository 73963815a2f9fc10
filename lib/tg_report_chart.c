/*
 * The report's three charts (conversion rate, lift, volume per tier), as
 * inline SVG: a title and a description for screen readers, a legend
 * outside the plot area, nice axis steps. The tables beside each chart
 * hold the same numbers (lib/tg_report_tables.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_report_internal.h"
#include "tg_textfit.h"

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
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                "text-anchor=\"end\" font-size=\"11\">%.*f%s</text>",
                L, W - R, y, y, L - 6, y + 4, dec, is_pct ? v * 100 : v,
                is_pct ? "%" : "x");
    }
    fprintf(f,
            "<text transform=\"translate(16,%d) rotate(-90)\" "
            "text-anchor=\"middle\" font-size=\"12\">%s</text>",
            (T + H - B) / 2, label);
    fprintf(f,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
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
    tg_esc_html(f, text);
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
    snprintf(m, sizeof m,
             "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
             "fill=\"%s\" stroke=\"#555\"/>",
             *x, LEGEND_Y - 5, fill);
    legend_mark(f, x, m, text);
}

static void legend_line(FILE *f, int *x, const char *col, const char *dash,
                        int width, const char *text)
{
    char m[200];
    snprintf(m, sizeof m,
             "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
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
        fprintf(f,
                "<text transform=\"translate(%.1f,%d) rotate(-30)\" "
                "text-anchor=\"end\" font-size=\"10\">",
                x, H - B + 14);
        tg_esc_html(f, rep_str(cJSON_GetArrayItem(tiers, i), "tier"));
        fprintf(f, "</text>");
    }
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
            "font-size=\"12\">tier (rule order)</text>",
            (L + W - R) / 2, H - 4);
}

void tg_report_svg_begin(FILE *f, const char *id, int width, int height)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "width=\"%d\" height=\"%d\" role=\"img\" "
            "aria-labelledby=\"%s-t %s-d\" class=\"chart\" id=\"%s\">"
            "<title id=\"%s-t\">",
            width, height, width, height, id, id, id, id);
}

static void svg_open(FILE *f, const char *id, const char *title,
                     const char *desc)
{
    tg_report_svg_begin(f, id, W, H);
    tg_esc_html(f, title);
    fprintf(f, "</title><desc id=\"%s-d\">", id);
    tg_esc_html(f, desc);
    fprintf(f,
            "</desc><text x=\"%d\" y=\"22\" font-size=\"14\" "
            "font-weight=\"bold\">",
            L);
    tg_esc_html(f, title);
    fprintf(f, "</text>");
}

/* Where value v of a plot's axis lies: 0 at the base line. */
static double plot_y(const tg_report_plot *p, double v)
{
    return p->base - p->height * (p->max > 0 ? v / p->max : 0);
}

/* Each tier's rate of one split (0 TRAIN, 1 TEST) with its interval:
 * circles for TRAIN, squares for TEST, side by side in the tier's slot. */
void tg_report_rate_marks(FILE *f, const cJSON *tiers, int split, int n,
                          const tg_report_plot *p, const tg_report_marks *m)
{
    static const char *const col[2] = {TG_REPORT_TRAIN_COLOR,
                                       TG_REPORT_TEST_COLOR};
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(tiers, i);
        double r = rep_num(t, "conversion_rate");
        if (!isfinite(r))
            continue;
        double x =
            p->x0 + p->step * (i + 0.5) + (split ? m->offset : -m->offset);
        double lo = rep_num(t, "ci_lower"), hi = rep_num(t, "ci_upper");
        if (isfinite(lo))
            fprintf(f,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                    "y2=\"%.1f\" stroke=\"%s\"%s/>",
                    x, x, plot_y(p, lo), plot_y(p, hi), col[split],
                    m->line_extra);
        if (split)
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%g\" "
                    "height=\"%g\" fill=\"%s\"/>",
                    x - m->square / 2, plot_y(p, r) - m->square / 2, m->square,
                    m->square, col[split]);
        else
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%g\" "
                    "fill=\"%s\"/>",
                    x, plot_y(p, r), m->radius, col[split]);
    }
}

/* The tier's index in a split's tier list, -1 when absent. */
static int tier_index(const cJSON *tiers, const char *name)
{
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach (t, tiers) {
        if (!strcmp(rep_str(t, "tier"), name))
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
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        const cJSON *th = cJSON_GetObjectItem(g, "threshold");
        if (strcmp(rep_str(g, "check"), check) ||
            strcmp(rep_str(g, "split"), "TRAIN") || rep_str(g, "slice")[0] ||
            !cJSON_IsNumber(th) ||
            !cJSON_IsString(cJSON_GetObjectItem(g, "tier")))
            continue;
        int i = tier_index(tiers, rep_str(g, "tier"));
        if (i < 0)
            continue;
        marks++;
        if (highest && th->valuedouble > *highest)
            *highest = th->valuedouble;
        if (draw)
            fprintf(f,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
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
void tg_report_chart_rates(FILE *f, const cJSON *gate)
{
    const cJSON *tr = rep_split(gate, "TRAIN"), *te = rep_split(gate, "TEST");
    const cJSON *tt = cJSON_GetObjectItem(tr, "tiers");
    const cJSON *et = cJSON_GetObjectItem(te, "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = 0, step_y;
    for (int i = 0; i < n; i++) {
        double a = rep_num(cJSON_GetArrayItem(tt, i), "ci_upper");
        double b = rep_num(cJSON_GetArrayItem(et, i), "ci_upper");
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
    static const char *const col[2] = {TG_REPORT_TRAIN_COLOR,
                                       TG_REPORT_TEST_COLOR};
    int lx = L;
    legend_circle(f, &lx, col[0], "TRAIN");
    {
        char m[200];
        snprintf(m, sizeof m,
                 "<rect x=\"%d\" y=\"%d\" width=\"8\" "
                 "height=\"8\" fill=\"%s\"/>",
                 lx + 1, LEGEND_Y - 4, col[1]);
        legend_mark(f, &lx, m, "TEST");
    }
    for (int s = 0; s < 2; s++) {
        double base = rep_num(s ? te : tr, "baseline_rate");
        if (!isfinite(base))
            continue;
        char text[64];
        snprintf(text, sizeof text, "%s baseline %.2f%%", s ? "TEST" : "TRAIN",
                 base * 100);
        legend_line(f, &lx, col[s], s ? "2,3" : "6,4", 1, text);
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-dasharray=\"%s\"/>",
                L, W - R, ypos(base, max), ypos(base, max), col[s],
                s ? "2,3" : "6,4");
    }
    if (marks) {
        legend_line(f, &lx, "#b3261e", "5,3", 2, "gate threshold");
        threshold_marks(f, gate, tt, "conversion_rate", max, 1, NULL);
    }
    tg_report_plot plot = {L, step, H - B, H - T - B, max};
    static const tg_report_marks marks_style = {8, 8, 4.5,
                                                " stroke-width=\"1.5\""};
    for (int s = 0; s < 2; s++)
        tg_report_rate_marks(f, s ? et : tt, s, n, &plot, &marks_style);
    tier_labels(f, tt, n);
    fputs("</svg>", f);
}

/* The TRAIN lift gate's threshold, where the lift chart draws its line
 * (2x when the policy has no such gate). */
static double lift_gate(const cJSON *gate)
{
    double line = NAN;
    const cJSON *g;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates"))
        if (!strcmp(rep_str(g, "check"), "lift") &&
            !strcmp(rep_str(g, "split"), "TRAIN")) {
            const cJSON *th = cJSON_GetObjectItem(g, "threshold");
            if (cJSON_IsNumber(th))
                line = th->valuedouble;
        }
    return isfinite(line) ? line : 2.0;
}

/* Lift per tier on TRAIN with its interval, and the gate's line. */
void tg_report_chart_lift(FILE *f, const cJSON *gate)
{
    double gate_line = lift_gate(gate);
    const cJSON *tt = cJSON_GetObjectItem(rep_split(gate, "TRAIN"), "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = gate_line;
    for (int i = 0; i < n; i++) {
        double v = rep_num(cJSON_GetArrayItem(tt, i), "lift_ci_upper");
        double l = rep_num(cJSON_GetArrayItem(tt, i), "lift");
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
        double v = rep_num(t, "lift");
        if (!isfinite(v))
            continue;
        double x = L + step * i + step * 0.2, w = step * 0.6;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"%s\"/>",
                x, ypos(v, max), w, H - B - ypos(v, max),
                v >= gate_line ? "#7aa6d6" : "#e3a39c");
        double lo = rep_num(t, "lift_ci_lower"),
               hi = rep_num(t, "lift_ci_upper");
        if (isfinite(lo))
            fprintf(f,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#222\"/>",
                    x + w / 2, x + w / 2, ypos(lo, max), ypos(hi, max));
        /* The value above the bar and its whisker, never on them. */
        double top = ypos(v, max);
        if (isfinite(hi) && ypos(hi, max) < top)
            top = ypos(hi, max);
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                "text-anchor=\"middle\">%.2fx</text>",
                x + w / 2, top - 4, v);
    }
    fprintf(f,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#b3261e\" stroke-width=\"2\" "
            "stroke-dasharray=\"8,4\"/>",
            L, W - R, ypos(gate_line, max), ypos(gate_line, max));
    tier_labels(f, tt, n);
    fprintf(f, "</svg>");
}

/* Leads per tier, TRAIN and TEST, on a log scale (STANDARD is large). */
void tg_report_chart_volume(FILE *f, const cJSON *gate)
{
    const cJSON *tt = cJSON_GetObjectItem(rep_split(gate, "TRAIN"), "tiers");
    const cJSON *et = cJSON_GetObjectItem(rep_split(gate, "TEST"), "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = 10;
    for (int i = 0; i < n; i++) {
        double v = rep_num(cJSON_GetArrayItem(tt, i), "leads");
        if (v > max)
            max = v;
    }
    double lmax = ceil(log10(max));
    svg_open(f, "chart-volume", "Leads per tier (log scale)",
             "Left bar TRAIN, right hatched bar TEST; logarithmic axis.");
    fprintf(f,
            "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
            "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
            "<rect width=\"6\" height=\"6\" fill=\"#f3c9a8\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c2571a\" "
            "stroke-width=\"2\"/></pattern></defs>");
    for (int k = 0; k <= (int)fmin(lmax, 19); k++) { /* leads < 1e19 */
        double y = ypos(k, lmax);
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                "text-anchor=\"end\">",
                L, W - R, y, y, L - 6, y + 4);
        rep_count(f, pow(10, k));
        fputs("</text>", f);
    }
    fprintf(f,
            "<text transform=\"translate(16,%d) rotate(-90)\" "
            "text-anchor=\"middle\" font-size=\"12\">leads</text>",
            (T + H - B) / 2);
    double step = (double)(W - L - R) / (n ? n : 1);
    for (int i = 0; i < n; i++)
        for (int s = 0; s < 2; s++) {
            double v = rep_num(cJSON_GetArrayItem(s ? et : tt, i), "leads");
            if (!(v >= 1))
                continue;
            double x = L + step * i + step * (0.15 + 0.35 * s);
            double y = ypos(log10(v), lmax);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"%s\" stroke=\"#555\"/>",
                    x, y, step * 0.33, H - B - y,
                    s ? "url(#hatch)" : "#7aa6d6");
        }
    tier_labels(f, tt, n);
    int lx = L;
    legend_box(f, &lx, "#7aa6d6", "TRAIN");
    legend_box(f, &lx, "url(#hatch)", "TEST (hatched)");
    fputs("</svg>", f);
}
