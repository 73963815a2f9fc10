/*
 * Report writers. Every chart is inline SVG with a title, axis labels and
 * a table beside it holding the same numbers; statuses are words and
 * symbols as well as colours; the layout prints on A4 (tables shrink,
 * rows do not split across pages).
 */
#include "tg_report.h"
#include "tg_sweep_report.h"

#include <math.h>
#include <string.h>

#include "tg_escape.h"
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
#define T 40
#define B 125

static void axis_y(FILE *f, double max, int is_pct, const char *label)
{
    for (int k = 0; k <= 5; k++) {
        double v = max * k / 5;
        double y = H - B - (H - T - B) * (double)k / 5;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/>", L, W - R, y, y);
        if (is_pct)
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                       "font-size=\"11\">%.1f%%</text>", L - 6, y + 4, v * 100);
        else
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                       "font-size=\"11\">%.1fx</text>", L - 6, y + 4, v);
    }
    fprintf(f, "<text transform=\"translate(16,%d) rotate(-90)\" "
               "text-anchor=\"middle\" font-size=\"12\">%s</text>",
            (T + H - B) / 2, label);
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            L, W - R, H - B, H - B);
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

/* Conversion rate per tier with interval bars, TRAIN (circles) beside
 * TEST (squares), each split's baseline as a line. */
static void chart_rates(FILE *f, const cJSON *gate)
{
    const cJSON *tr = split_of(gate, "TRAIN"), *te = split_of(gate, "TEST");
    const cJSON *tt = cJSON_GetObjectItem(tr, "tiers");
    const cJSON *et = cJSON_GetObjectItem(te, "tiers");
    int n = cJSON_GetArraySize(tt);
    double max = 0;
    for (int i = 0; i < n; i++) {
        double a = n_of(cJSON_GetArrayItem(tt, i), "ci_upper");
        double b = n_of(cJSON_GetArrayItem(et, i), "ci_upper");
        if (isfinite(a) && a > max)
            max = a;
        if (isfinite(b) && b > max)
            max = b;
    }
    max = max > 0 ? ceil(max * 1.1 * 50) / 50 : 0.1;
    svg_open(f, "chart-rates", "Conversion rate per tier, TRAIN and TEST",
             "Rates with confidence intervals; circles TRAIN, squares TEST; "
             "dashed line TRAIN baseline, dotted line TEST baseline.");
    axis_y(f, max, 1, "conversion rate");
    double step = (double)(W - L - R) / (n ? n : 1);
    static const char *col[2] = {"#1f5fa8", "#c2571a"};
    for (int s = 0; s < 2; s++) {
        const cJSON *arr = s ? et : tt;
        double base = n_of(s ? te : tr, "baseline_rate");
        if (isfinite(base))
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"%s\" stroke-dasharray=\"%s\"/>"
                       "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" "
                       "text-anchor=\"end\" fill=\"%s\">%s baseline %.2f%%"
                       "</text>", L, W - R, ypos(base, max), ypos(base, max),
                    col[s], s ? "2,3" : "6,4", W - R,
                    ypos(base, max) + (s ? 12 : -4),
                    col[s], s ? "TEST" : "TRAIN", base * 100);
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
    fprintf(f, "<circle cx=\"%d\" cy=\"32\" r=\"4.5\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"36\" font-size=\"11\">TRAIN</text>"
               "<rect x=\"%d\" y=\"28\" width=\"8\" height=\"8\" fill=\"%s\"/>"
               "<text x=\"%d\" y=\"36\" font-size=\"11\">TEST</text></svg>",
            W - 170, col[0], W - 160, W - 100, col[1], W - 88);
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
    max = ceil(max * 1.1);
    svg_open(f, "chart-lift", "Lift per tier on TRAIN",
             "Bars: lift against the TRAIN baseline; whiskers: Katz interval "
             "of the tier against the rest of TRAIN; red dashed line: the "
             "lift gate.");
    axis_y(f, max, 0, "lift (x baseline)");
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
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"middle\">%.2fx</text>", x + w / 2,
                ypos(v, max) - 4, v);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#b3261e\" stroke-width=\"2\" stroke-dasharray=\"8,4\"/>"
               "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#b3261e\" "
               "text-anchor=\"end\">gate %.1fx</text>", L, W - R,
            ypos(gate_line, max), ypos(gate_line, max), W - R,
            ypos(gate_line, max) - 4, gate_line);
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
                   "text-anchor=\"end\">%.0f</text>", L, W - R, y, y, L - 6,
                y + 4, pow(10, k));
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
    fprintf(f, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" "
               "fill=\"#7aa6d6\" stroke=\"#555\"/><text x=\"%d\" y=\"37\" "
               "font-size=\"11\">TRAIN</text><rect x=\"%d\" y=\"28\" "
               "width=\"10\" height=\"10\" fill=\"url(#hatch)\" "
               "stroke=\"#555\"/><text x=\"%d\" y=\"37\" font-size=\"11\">"
               "TEST (hatched)</text></svg>", W - 210, W - 196, W - 140, W - 126);
}

/* ---- sections ----------------------------------------------------------- */

static void tier_table(FILE *f, const cJSON *gate, int lift)
{
    fprintf(f, "<table><thead><tr><th>Tier</th><th>Split</th><th>Leads</th>"
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
            fprintf(f, "</td><td>%s</td><td class=\"n\">%.0f</td>"
                       "<td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>"
                       "<td class=\"n\">", splits[s], n_of(t, "leads"),
                    n_of(t, "labeled"), n_of(t, "conversions"));
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
    fprintf(f, "</tbody></table>");
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
        fprintf(f, "%.0f", v);
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

static void gates_table(FILE *f, const cJSON *gate)
{
    fprintf(f, "<table class=\"gates\"><thead><tr><th>Gate</th><th>Check</th>"
               "<th>Tier</th><th>Split</th><th>Actual [interval]</th>"
               "<th>Threshold</th><th>Status</th></tr></thead><tbody>");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(gate, "gates"))
    {
        const char *st = s_of(g, "status");
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
        const cJSON *th = cJSON_GetObjectItem(g, "threshold");
        if (cJSON_IsArray(th)) {
            gate_value(f, check, cJSON_GetArrayItem(th, 0)->valuedouble);
            fputs(" to ", f);
            gate_value(f, check, cJSON_GetArrayItem(th, 1)->valuedouble);
        } else if (cJSON_IsNumber(th)) {
            fputs(!strcmp(check, "rank_order") ? "&lt;= " : "", f);
            gate_value(f, check, th->valuedouble);
        } else {
            fputs("–", f);
        }
        fputs("</td><td class=\"", f);
        esc(f, st);
        fprintf(f, "\"><strong>%s</strong> (", status_sym(st));
        esc(f, s_of(g, "severity"));
        fputs(")</td></tr>", f);
    }
    fprintf(f, "</tbody></table>");
}

static void calibration_section(FILE *f, const cJSON *gate)
{
    /* Expected rates come with the calibration gate's threshold band. */
    fprintf(f, "<table><thead><tr><th>Tier</th><th>Expected rate</th>"
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
    fprintf(f, "</tbody></table>");
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
        fprintf(f, "<table><thead><tr><th>Metric</th><th>Previous value "
                   "(quoted by the rule set)</th><th>Expected (rule set)</th>"
                   "<th>Measured before</th><th>Measured after</th></tr>"
                   "</thead><tbody>");
    else
        fprintf(f, "<table><thead><tr><th>Metric</th><th>Measured before</th>"
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
    fprintf(f, "</tbody></table><h3>Migration of leads</h3>"
               "<table><thead><tr><th>From</th><th>To</th><th>Leads</th>"
               "<th>Labeled</th><th>Conversions</th></tr></thead><tbody>");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "migration"))
    {
        fprintf(f, "<tr><td>");
        esc(f, s_of(e, "from"));
        fprintf(f, "</td><td>");
        esc(f, s_of(e, "to"));
        fprintf(f, "</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>"
                   "<td class=\"n\">%.0f</td></tr>", n_of(e, "leads"),
                n_of(e, "labeled"), n_of(e, "conversions"));
    }
    fprintf(f, "</tbody></table>");
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
    fprintf(f, "<h2>How reliable is this verdict?</h2><p>Out of %.0f "
               "simulated releases with these labeled leads (seed %.0f), a "
               "model converting exactly at its expected rates passes every "
               "blocking gate in <strong>",
            n_of(rel, "draws"), n_of(rel, "seed"));
    share(f, n_of(rel, "policy_pass_at_expected"));
    fprintf(f, "</strong>, and a model with no signal (every tier at its "
               "split's baseline) is blocked in <strong>");
    share(f, n_of(rel, "policy_block_at_no_signal"));
    fprintf(f, "</strong>.</p><table class=\"gates\"><thead><tr><th>Gate</th>"
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
        fprintf(f, "</td><td>%.0f</td><td>", n_of(g, "labeled"));
        share(f, n_of(g, "pass_at_expected"));
        fputs(" at ", f);
        pct(f, n_of(g, "rate_expected"));
        fputs("</td><td>", f);
        share(f, n_of(g, "pass_on_threshold"));
        fputs(" at ", f);
        pct(f, n_of(g, "rate_on_threshold"));
        fputs("</td></tr>", f);
    }
    fprintf(f, "</tbody></table><p>Labeled leads each tier needs for a "
               "%.0f%% (and 95%%) chance that all its blocking gates pass "
               "decisively at its expected rate:</p><table class=\"gates\">"
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
            fprintf(f, "</td><td>%s</td><td>%.0f</td>", splits[k],
                    n_of(sp, "labeled"));
            static const char *nk[2] = {"needed", "needed_95"};
            static const char *wk[2] = {"weeks", "weeks_95"};
            for (int q = 0; q < 2; q++) {
                double n = n_of(sp, nk[q]), w = n_of(sp, wk[q]);
                if (isfinite(n))
                    fprintf(f, "<td>%.0f</td>", n);
                else
                    fputs("<td>out of reach</td>", f);
                if (isfinite(w))
                    fprintf(f, "<td>%.0f</td>", ceil(w));
                else
                    fputs("<td>–</td>", f);
            }
            fputs("</tr>", f);
        }
    fputs("</tbody></table>", f);
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
               "text-anchor=\"end\">%.0f leads</text>",
            SW - 4, n_of(v, "leads"));
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
        fprintf(f, "</figure><table><thead><tr><th>");
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
                fprintf(f, "</td><td>%s</td><td class=\"n\">%.0f</td>"
                           "<td class=\"n\">%.0f</td><td class=\"n\">",
                        splits[s], n_of(t, "leads"), n_of(t, "conversions"));
                pct(f, n_of(t, "conversion_rate"));
                fprintf(f, "</td><td class=\"n\">");
                pct(f, n_of(t, "ci_lower"));
                fputs(" – ", f);
                pct(f, n_of(t, "ci_upper"));
                fprintf(f, "</td></tr>");
            }
        }
        fprintf(f, "</tbody></table>");
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

    fprintf(f, "<h2>Provenance</h2><table class=\"prov\"><tbody>");
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
    fprintf(f, "</td></tr></tbody></table></body></html>\n");
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

void tg_render_compare(FILE *f, const cJSON *c, int md)
{
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
