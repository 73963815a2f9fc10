/*
 * The monitor page: time series of a monitor document (`monitor --json`)
 * as inline SVG, in the release report's style: no scripts, fonts or
 * network; every chart has a title, a description, axis labels and a
 * table with the same numbers; statuses are words and symbols as well
 * as colours. Every string from the document is escaped; numbers that
 * are not finite are drawn as gaps and written "n/a".
 */
#include "tg_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_json.h"

#define W 760
#define H 300
#define L 64
#define R 16
#define T 36
#define B 64

/* HTML text and attributes through the shared escapes (tg_escape.h). */
static void esc(FILE *f, const char *s)
{
    tg_esc_html(f, s);
}

static void pct(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.2f%%", v * 100);
    else
        fputs("n/a", f);
}

/* extra: room below the chart (the shares chart's legend). */
static void svg_open(FILE *f, const char *id, const char *title,
                     const char *desc, int extra)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "width=\"%d\" height=\"%d\" role=\"img\" "
               "aria-labelledby=\"%s-t %s-d\" class=\"chart\" id=\"%s\">"
               "<title id=\"%s-t\">", W, H + extra, W, H + extra, id, id, id, id);
    esc(f, title);
    fprintf(f, "</title><desc id=\"%s-d\">", id);
    esc(f, desc);
    fprintf(f, "</desc><text x=\"%d\" y=\"20\" font-size=\"13\" "
               "font-weight=\"bold\">", L);
    esc(f, title);
    fputs("</text>", f);
}

static double ypos(double v, double max)
{
    if (v < 0)
        v = 0;
    if (v > max)
        v = max;
    return H - B - (H - T - B) * (max > 0 ? v / max : 0);
}

static double xpos(int i, int n)
{
    return L + (W - L - R) * (i + 0.5) / (n ? n : 1);
}

/* Gridlines, y labels (as percentages), window labels, axis titles. */
static void axes(FILE *f, const cJSON *windows, int n, double max,
                 const char *ylabel)
{
    for (int k = 0; k <= 4; k++) {
        double v = max * k / 4, y = ypos(v, max);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\" font-size=\"10\">%.1f%%</text>",
                L, W - R, y, y, L - 4, y + 3, v * 100);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            L, W - R, H - B, H - B);
    int step = n > 16 ? (n + 15) / 16 : 1;
    for (int i = 0; i < n; i += step) {
        fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-40)\" "
                   "text-anchor=\"end\" font-size=\"9\">", xpos(i, n), H - B + 12);
        esc(f, tg_json_str(cJSON_GetArrayItem(windows, i), "window"));
        fputs("</text>", f);
    }
    fprintf(f, "<text transform=\"translate(12,%d) rotate(-90)\" "
               "text-anchor=\"middle\" font-size=\"11\">", (T + H - B) / 2);
    esc(f, ylabel);
    fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
               "font-size=\"11\">window (contacted date)</text>",
            (L + W - R) / 2, H - 4);
}

/* The calibration band: the calibration_drift gate's [min, max] of the
 * ratio, 0.8-1.2 when the policy has none. */
static void band_of(const cJSON *m, double *lo, double *hi)
{
    *lo = 0.8;
    *hi = 1.2;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(m, "gates"))
        if (!strcmp(tg_json_str(g, "check"), "calibration_drift")) {
            *lo = tg_json_num(g, "min");
            *hi = tg_json_num(g, "max");
            return;
        }
}

/* Rate of one tier per window: interval bars, the calibrated rate as a
 * dashed line inside its band; immature windows' points hollow. */
static void chart_tier(FILE *f, const cJSON *m, int k, const char *tier)
{
    const cJSON *ws = cJSON_GetObjectItem(m, "windows");
    int n = cJSON_GetArraySize(ws);
    double blo, bhi, cal = NAN, max = 0;
    band_of(m, &blo, &bhi);
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetArrayItem(ws, i), "tiers"), k);
        double hi = tg_json_num(t, "ci_upper");
        if (isfinite(hi) && hi > max)
            max = hi;
        if (!isfinite(cal))
            cal = tg_json_num(t, "calibrated_rate");
    }
    /* Tiny windows have intervals up to 100%: the axis stops at twice
     * the band's top, and longer bars are cut there. */
    if (isfinite(cal) && isfinite(bhi) && cal * bhi > 0) {
        if (max > 2 * cal * bhi)
            max = 2 * cal * bhi;
        if (cal * bhi > max)
            max = cal * bhi;
    }
    max = max > 0 ? ceil(max * 1.1 * 100) / 100 : 0.1;
    char id[32], title[320], desc[400];
    snprintf(id, sizeof id, "chart-tier-%d", k);
    snprintf(title, sizeof title, "%s: conversion rate per window", tier);
    snprintf(desc, sizeof desc,
             "Rate of mature leads per window with its interval (bars); the "
             "calibrated rate as a dashed line inside the calibration band "
             "(shaded, %g to %g times it); hollow points are windows with "
             "immature leads held back; intervals reaching past the top of "
             "the axis are cut there.", blo, bhi);
    svg_open(f, id, title, desc, 0);
    axes(f, ws, n, max, "conversion rate");
    if (isfinite(cal)) {
        if (isfinite(blo) && isfinite(bhi))
            fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                       "fill=\"#1e7e34\" fill-opacity=\"0.12\"/>",
                    L, ypos(cal * bhi, max), W - L - R,
                    ypos(cal * blo, max) - ypos(cal * bhi, max));
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#1e7e34\" stroke-dasharray=\"6,4\"/>"
                   "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"end\" fill=\"#1e7e34\">calibrated %.2f%%"
                   "</text>", L, W - R, ypos(cal, max), ypos(cal, max), W - R,
                ypos(cal, max) - 4, cal * 100);
    }
    for (int i = 0; i < n; i++) {
        const cJSON *w = cJSON_GetArrayItem(ws, i);
        const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(w, "tiers"), k);
        double r = tg_json_num(t, "rate"), lo = tg_json_num(t, "ci_lower"),
               hi = tg_json_num(t, "ci_upper");
        if (!isfinite(r))
            continue;
        double x = xpos(i, n);
        if (isfinite(lo) && isfinite(hi))
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#1f5fa8\" stroke-width=\"1.5\"/>",
                    x, x, ypos(lo, max), ypos(hi, max));
        int mature = cJSON_IsTrue(cJSON_GetObjectItem(w, "mature"));
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
                   "stroke=\"#1f5fa8\" stroke-width=\"1.5\"/>",
                x, ypos(r, max), mature ? "#1f5fa8" : "#fff");
    }
    fputs("</svg>", f);
}

static const char *palette[] = {"#1f5fa8", "#c2571a", "#2e8b57", "#8e44ad",
                                "#b8860b", "#d6336c", "#17a2b8", "#9aa0a6",
                                "#5d4037", "#607d8b"};

/* Tier shares per window, stacked to 100%, with the PSI above each bar. */
static void chart_shares(FILE *f, const cJSON *m)
{
    const cJSON *ws = cJSON_GetObjectItem(m, "windows");
    const cJSON *tiers = cJSON_GetObjectItem(m, "tiers");
    int n = cJSON_GetArraySize(ws), nt = cJSON_GetArraySize(tiers);
    svg_open(f, "chart-shares", "Tier shares per window, with PSI",
             "Stacked bars: each tier's share of the window's leads (every "
             "lead, mature or not), in rule order from the bottom; the "
             "number above each bar is the PSI of the window's shares "
             "against the training distribution.", 44);
    axes(f, ws, n, 1.0, "share of leads");
    double bw = (W - L - R) / (double)(n ? n : 1) * 0.7;
    for (int i = 0; i < n; i++) {
        const cJSON *w = cJSON_GetArrayItem(ws, i);
        double acc = 0, x = xpos(i, n) - bw / 2;
        for (int k = 0; k < nt; k++) {
            double s = tg_json_num(
                cJSON_GetArrayItem(cJSON_GetObjectItem(w, "tiers"), k),
                "share");
            if (!isfinite(s) || s <= 0)
                continue;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                       "height=\"%.2f\" fill=\"%s\"/>",
                    x, ypos(acc + s, 1.0), bw, ypos(acc, 1.0) - ypos(acc + s, 1.0),
                    palette[k % 10]);
            acc += s;
        }
        double psi = tg_json_num(w, "psi");
        if (isfinite(psi))
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"8\" "
                       "text-anchor=\"middle\">%.3f</text>",
                    xpos(i, n), T - 2, psi);
    }
    /* Legend below the axis title, four tiers a row. */
    for (int k = 0; k < nt && k < 12; k++) {
        double x = L + (W - L - R) * (k % 4) / 4.0;
        int y = H + 8 + 14 * (k / 4);
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"8\" height=\"8\" "
                   "fill=\"%s\"/><text x=\"%.1f\" y=\"%d\" font-size=\"9\">",
                x, y, palette[k % 10], x + 11, y + 8);
        const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(tiers, k));
        esc(f, name ? name : "");
        fputs("</text>", f);
    }
    fputs("</svg>", f);
}

static void rate_table(FILE *f, const cJSON *m)
{
    const cJSON *ws = cJSON_GetObjectItem(m, "windows");
    const cJSON *tiers = cJSON_GetObjectItem(m, "tiers");
    fputs("<table><thead><tr><th>window</th><th>leads</th><th>held back</th>"
          "<th>PSI</th>", f);
    const cJSON *t;
    cJSON_ArrayForEach(t, tiers)
    {
        fputs("<th>", f);
        esc(f, cJSON_GetStringValue(t) ? cJSON_GetStringValue(t) : "");
        fputs("<br/>rate [interval] · share</th>", f);
    }
    fputs("</tr></thead><tbody>", f);
    const cJSON *w;
    cJSON_ArrayForEach(w, ws)
    {
        fputs("<tr><td>", f);
        esc(f, tg_json_str(w, "window"));
        fprintf(f,
                "%s</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>"
                "<td class=\"n\">",
                cJSON_IsTrue(cJSON_GetObjectItem(w, "mature")) ? ""
                                                               : " (immature)",
                tg_json_num(w, "leads"), tg_json_num(w, "held_back"));
        if (isfinite(tg_json_num(w, "psi")))
            fprintf(f, "%.4f", tg_json_num(w, "psi"));
        else
            fputs("n/a", f);
        fputs("</td>", f);
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(w, "tiers"))
        {
            fputs("<td class=\"n\">", f);
            pct(f, tg_json_num(x, "rate"));
            if (isfinite(tg_json_num(x, "ci_lower"))) {
                fputs(" [", f);
                pct(f, tg_json_num(x, "ci_lower"));
                fputs(", ", f);
                pct(f, tg_json_num(x, "ci_upper"));
                fputs("]", f);
            }
            fputs(" · ", f);
            pct(f, tg_json_num(x, "share"));
            fputs("</td>", f);
        }
        fputs("</tr>", f);
    }
    fputs("</tbody></table>", f);
}

static void alerts_table(FILE *f, const cJSON *m)
{
    const cJSON *alerts = cJSON_GetObjectItem(m, "alerts");
    if (!cJSON_GetArraySize(alerts)) {
        fputs("<p>No alert: no check failed in any window.</p>", f);
        return;
    }
    fputs("<table class=\"gates\"><thead><tr><th>level</th><th>gate</th>"
          "<th>window</th><th>tier</th><th>what</th></tr></thead><tbody>", f);
    const cJSON *a;
    cJSON_ArrayForEach(a, alerts)
    {
        const char *lv = tg_json_str(a, "level");
        fprintf(f, "<tr><td class=\"fail\">%s</td><td>",
                !strcmp(lv, "block") ? "✖ block" : "▲ warn");
        esc(f, tg_json_str(a, "gate"));
        fputs("</td><td>", f);
        esc(f, tg_json_str(a, "window"));
        fputs("</td><td>", f);
        esc(f, cJSON_IsString(cJSON_GetObjectItem(a, "tier"))
                   ? tg_json_str(a, "tier")
                   : "(window)");
        fputs("</td><td>", f);
        esc(f, tg_json_str(a, "message"));
        fputs("</td></tr>", f);
    }
    fputs("</tbody></table>", f);
}

static void compare_table(FILE *f, const cJSON *m)
{
    const cJSON *c = cJSON_GetObjectItem(m, "compare");
    if (!cJSON_IsObject(c))
        return;
    fputs("<h2>Two models on the same leads</h2><p>Conversion of each model's "
          "priority tiers over mature leads, ", f);
    esc(f, tg_json_str(c, "old_model_version"));
    fputs(" vs ", f);
    esc(f, tg_json_str(c, "new_model_version"));
    fputs("; the difference's interval: ", f);
    esc(f, tg_json_str(c, "difference_method"));
    fputs(".</p><table><thead><tr><th>window</th><th>old rate [interval]</th>"
          "<th>new rate [interval]</th><th>new − old [interval]</th></tr>"
          "</thead><tbody>", f);
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItem(m, "windows"))
    {
        const cJSON *x = cJSON_GetObjectItem(w, "compare");
        fputs("<tr><td>", f);
        esc(f, tg_json_str(w, "window"));
        fputs("</td>", f);
        for (int k = 0; k < 2; k++) {
            const cJSON *r = cJSON_GetObjectItem(x, k ? "new_priority" : "old_priority");
            fputs("<td class=\"n\">", f);
            pct(f, tg_json_num(r, "rate"));
            fputs(" [", f);
            pct(f, tg_json_num(r, "ci_lower"));
            fputs(", ", f);
            pct(f, tg_json_num(r, "ci_upper"));
            fputs("]</td>", f);
        }
        fputs("<td class=\"n\">", f);
        pct(f, tg_json_num(x, "difference"));
        fputs(" [", f);
        pct(f, tg_json_num(x, "difference_lower"));
        fputs(", ", f);
        pct(f, tg_json_num(x, "difference_upper"));
        fputs("]</td></tr>", f);
    }
    fputs("</tbody></table>", f);
}

void tg_report_monitor_html(FILE *f, const cJSON *m)
{
    const char *status = tg_json_str(m, "status");
    const char *cls = !strcmp(status, "PASSED") ? "PASSED"
                    : !strcmp(status, "FAILED") ? "FAILED"
                                                : "PASSED_WITH_WARNINGS";
    const cJSON *sum = cJSON_GetObjectItem(m, "summary");
    const cJSON *data = cJSON_GetObjectItem(m, "data");
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
          "<meta name=\"viewport\" content=\"width=device-width\"/>"
          "<title>tiergate monitor: ", f);
    esc(f, tg_json_str(m, "model_id"));
    fputs(" — ", f);
    esc(f, status);
    fprintf(f, "</title><style>%s</style></head><body><h1>Monitor: ",
            tg_report_css());
    esc(f, tg_json_str(m, "model_id"));
    fputs(" ", f);
    esc(f, tg_json_str(m, "model_version"));
    fprintf(f, "</h1><div class=\"banner %s\" role=\"status\">%s ", cls,
            !strcmp(cls, "PASSED") ? "✔" : !strcmp(cls, "FAILED") ? "✖" : "▲");
    esc(f, status);
    fprintf(f,
            " — %.0f pass, %.0f inconclusive, %.0f fail, %.0f "
            "insufficient</div>",
            tg_json_num(sum, "pass"), tg_json_num(sum, "inconclusive"),
            tg_json_num(sum, "fail"), tg_json_num(sum, "insufficient"));
    fputs("<p>Policy <code>", f);
    esc(f, tg_json_str(m, "policy"));
    fputs("</code>; ", f);
    esc(f, tg_json_str(m, "window"));
    fprintf(f,
            " windows; leads contacted less than %.0f days before the "
            "last contacted date (",
            tg_json_num(m, "maturity_days"));
    esc(f, tg_json_str(data, "last_contacted_date"));
    fputs(") count in shares, never in rates; ", f);
    esc(f, tg_json_str(m, "ci_method"));
    fprintf(f, " intervals at %g%%.</p>", tg_json_num(m, "ci_level") * 100);

    fputs("<h2>Alerts</h2>", f);
    alerts_table(f, m);

    fputs("<h2>Conversion per tier and window</h2>", f);
    const cJSON *t;
    int k = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(m, "tiers"))
    {
        const char *name = cJSON_GetStringValue(t);
        fputs("<figure><figcaption>", f);
        esc(f, name ? name : "");
        fputs("</figcaption>", f);
        chart_tier(f, m, k++, name ? name : "");
        fputs("</figure>", f);
    }
    rate_table(f, m);

    fputs("<h2>Tier shares and PSI</h2><figure><figcaption>Shares of each "
          "window's leads per tier, with the PSI against the training "
          "distribution</figcaption>", f);
    chart_shares(f, m);
    fputs("</figure><p>The shares and the PSI are in the table above.</p>", f);

    compare_table(f, m);

    const cJSON *prov = cJSON_GetObjectItem(m, "provenance");
    const cJSON *ref = cJSON_GetObjectItem(m, "reference");
    fputs("<h2>Provenance</h2><table class=\"prov\"><tbody>", f);
    static const char *keys[] = {"rules_file", "rules_sha256", "policy_file",
                                 "policy_sha256", "source", "data_sha256",
                                 "commit"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        fprintf(f, "<tr><td>%s</td><td><code>", keys[i]);
        esc(f, tg_json_str(prov, keys[i])[0] ? tg_json_str(prov, keys[i])
                                             : "(not recorded)");
        fputs("</code></td></tr>", f);
    }
    fputs("<tr><td>calibration</td><td><code>", f);
    esc(f, tg_json_str(ref, "calibration_file")[0]
               ? tg_json_str(ref, "calibration_file")
               : "(the rule set's expected rates)");
    fputs("</code></td></tr><tr><td>generated</td><td>", f);
    esc(f, tg_json_str(m, "generated_at"));
    fputs("</td></tr></tbody></table></body></html>\n", f);
}
