/*
 * The report's slices: small multiples, one panel per slice value, all
 * panels of a slicing on one scale, and the table with their numbers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_report_internal.h"

#define SW 250
#define SH 170
#define SL 40
#define SB 20
#define ST 28

/* The tiers of one split (0 TRAIN, 1 TEST) of one slice value. */
static const cJSON *slice_tiers(const cJSON *value, int split)
{
    return cJSON_GetObjectItem(rep_split(value, rep_splits[split]), "tiers");
}

/* A slice value as the page shows it; the missing value reads NULL. */
static const char *slice_value(const cJSON *value)
{
    return cJSON_IsString(cJSON_GetObjectItem(value, "value"))
               ? rep_str(value, "value")
               : "NULL";
}

/* The highest interval bound of any tier of any value of a slicing: one
 * scale for every panel, so that panels compare at a glance. */
static double slices_max(const cJSON *slicing)
{
    double max = 0;
    const cJSON *v, *t;
    cJSON_ArrayForEach (v, cJSON_GetObjectItem(slicing, "values"))
        for (int s = 0; s < 2; s++)
            cJSON_ArrayForEach (t, slice_tiers(v, s)) {
                double u = rep_num(t, "ci_upper");
                if (isfinite(u) && u > max)
                    max = u;
            }
    return max > 0 ? ceil(max * 1.05 * 20) / 20 : 0.1;
}

static void slice_panel(FILE *f, const cJSON *v, const char *column,
                        const char *id, double max)
{
    const cJSON *sp = cJSON_GetObjectItem(v, "splits");
    const cJSON *tt =
        cJSON_GetObjectItem(cJSON_GetObjectItem(sp, "TRAIN"), "tiers");
    const cJSON *et =
        cJSON_GetObjectItem(cJSON_GetObjectItem(sp, "TEST"), "tiers");
    const char *val = slice_value(v);
    int n = cJSON_GetArraySize(tt);
    tg_report_svg_begin(f, id, SW, SH);
    tg_esc_html(f, column);
    fputs(" = ", f);
    tg_esc_html(f, val);
    fprintf(f,
            "</title><desc id=\"%s-d\">Conversion rate per tier in rule "
            "order with intervals, TRAIN circles, TEST squares; %.0f "
            "leads; the table below has the numbers.</desc>",
            id, rep_num(v, "leads"));
    fprintf(f,
            "<text x=\"%d\" y=\"16\" font-size=\"12\" "
            "font-weight=\"bold\">",
            SL);
    tg_esc_html(f, val);
    fprintf(f,
            "</text><text x=\"%d\" y=\"16\" font-size=\"10\" "
            "text-anchor=\"end\">",
            SW - 4);
    rep_count(f, rep_num(v, "leads"));
    fputs(" leads</text>", f);
    for (int k = 0; k <= 2; k++) {
        double y = SH - SB - (SH - ST - SB) * k / 2.0;
        fprintf(f,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                "text-anchor=\"end\" font-size=\"9\">%.0f%%</text>",
                SL, SW - 4, y, y, SL - 3, y + 3, max * k / 2 * 100);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
            "font-size=\"9\">tiers in rule order</text>",
            (SL + SW) / 2, SH - 6);
    double step = (double)(SW - SL - 4) / (n ? n : 1);
    tg_report_plot plot = {SL, step, SH - SB, SH - ST - SB, max};
    static const tg_report_marks marks_style = {4, 5, 3, ""};
    for (int s = 0; s < 2; s++)
        tg_report_rate_marks(f, s ? et : tt, s, n, &plot, &marks_style);
    fputs("</svg>", f);
}

/* The numbers of a slicing's panels: every tier with leads, per value
 * and split. */
static void slice_table(FILE *f, const cJSON *sl)
{
    fprintf(f, "<div class=\"scroll\"><table><thead><tr><th>");
    tg_esc_html(f, rep_str(sl, "column"));
    fprintf(f, "</th><th>Tier</th><th>Split</th><th>Leads</th>"
               "<th>Conversions</th><th>Rate</th><th>Interval</th>"
               "</tr></thead><tbody>");
    const cJSON *v;
    cJSON_ArrayForEach (v, cJSON_GetObjectItem(sl, "values"))
        for (int s = 0; s < 2; s++) {
            const cJSON *t;
            cJSON_ArrayForEach (t, slice_tiers(v, s)) {
                if (rep_num(t, "leads") == 0)
                    continue;
                fprintf(f, "<tr><td>");
                tg_esc_html(f, slice_value(v));
                fprintf(f, "</td><td>");
                tg_esc_html(f, rep_str(t, "tier"));
                fprintf(f, "</td><td>%s</td>", rep_splits[s]);
                rep_count_td(f, t, "leads");
                rep_count_td(f, t, "conversions");
                rep_pct_td(f, t, "conversion_rate");
                fprintf(f, "<td class=\"n\">");
                rep_pct(f, rep_num(t, "ci_lower"));
                fputs(" – ", f);
                rep_pct(f, rep_num(t, "ci_upper"));
                fprintf(f, "</td></tr>");
            }
        }
    fprintf(f, "</tbody></table></div>");
}

void tg_report_slices(FILE *f, const cJSON *gate)
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
    cJSON_ArrayForEach (sl, slicings) {
        double max = slices_max(sl);
        fprintf(f, "<figure><figcaption>Conversion rate per tier by <code>");
        tg_esc_html(f, rep_str(sl, "slice"));
        fprintf(f, "</code></figcaption>");
        const cJSON *v;
        int i = 0;
        cJSON_ArrayForEach (v, cJSON_GetObjectItem(sl, "values")) {
            char id[48];
            snprintf(id, sizeof id, "slice-%d-%d", k, i++);
            slice_panel(f, v, rep_str(sl, "column"), id, max);
        }
        fputs("</figure>", f);
        slice_table(f, sl);
        k++;
    }
}
