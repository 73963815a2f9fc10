/*
 * Sweep writers, all from the result document so that `report` can
 * render a saved sweep: Markdown and HTML (the terminal text is in
 * tg_sweep_text.c). Text from the sweep file (variant names, the
 * changes) is escaped for each medium: control bytes never reach a
 * terminal, '|' never splits a Markdown cell, markup never reaches HTML.
 */
#include "tg_sweep_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_json.h"

/* Markdown and HTML through the shared escapes (tg_escape.h). */
static void md(FILE *f, const char *s)
{
    tg_esc_md(f, s);
}

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

static void lift(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.2fx", v);
    else
        fputs("n/a", f);
}

static void count(FILE *f, double v)
{
    char buf[32], out[40];
    if (!isfinite(v)) {
        fputs("n/a", f);
        return;
    }
    snprintf(buf, sizeof buf, "%.0f", v);
    size_t n = strlen(buf), o = 0;
    for (size_t i = 0; i < n; i++) {
        out[o++] = buf[i];
        if (buf[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
            out[o++] = ',';
    }
    out[o] = '\0';
    fputs(out, f);
}

static const char *gate_word(const cJSON *g)
{
    return tg_json_str(g, "status");
}

void tg_sweep_frontier(const cJSON *sweep, unsigned char *on, int n)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(sweep, "variants");
    for (int i = 0; i < n; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(vars, i), "train");
        double va = tg_json_num(a, "priority_volume"),
               ra = tg_json_num(a, "priority_rate");
        on[i] = isfinite(va) && isfinite(ra);
        for (int j = 0; j < n && on[i]; j++) {
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(vars, j), "train");
            double vb = tg_json_num(b, "priority_volume"),
                   rb = tg_json_num(b, "priority_rate");
            if (j != i && vb >= va && rb >= ra && (vb > va || rb > ra))
                on[i] = 0;
        }
    }
}

/* ---- Markdown ------------------------------------------------------------------ */

static void headline(FILE *f, const cJSON *s)
{
    int n = (int)tg_json_num(s, "variants_tried");
    const char *id = tg_json_str(s, "sweep_id");
    fputs("## Sweep ", f);
    md(f, *id ? id : "(command-line grid)");
    fprintf(f, "\n\n%d variants tried (the base and %d variant%s), ranked on "
               "TRAIN only.  \nobjective: ", n, n - 1, n == 2 ? "" : "s");
    md(f, tg_json_str(s, "objective"));
    fputs("\n\n", f);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "exploratory")))
        fputs("**EXPLORATORY: TEST figures of every variant are shown "
              "(--show-test-all). Choosing by them would make TEST training "
              "data.**\n\n", f);
}


void tg_sweep_render_markdown(FILE *f, const cJSON *s)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    headline(f, s);
    fprintf(f,
            "| rank | variant | what changed | priority volume | priority "
            "rate | Tier 1 volume | Tier 1 lift [%g%% CI] | TRAIN gates "
            "(pass/warn/fail/inconclusive/insufficient) | objective |\n"
            "|---:|---|---|---:|---:|---:|---|---|---:|\n",
            tg_json_num(s, "ci_level") * 100);
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "train"),
                    *g = cJSON_GetObjectItemCaseSensitive(t, "gates");
        int chosen =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen"));
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "rank")))
            fprintf(f, "| %d | ", (int)tg_json_num(v, "rank"));
        else
            fputs("| – | ", f);
        fputs(chosen ? "**" : "", f);
        md(f, tg_json_str(v, "name"));
        fputs(chosen ? "** (chosen)" : "", f);
        fputs(" | ", f);
        md(f, *tg_json_str(v, "changes") ? tg_json_str(v, "changes")
                                         : "unchanged");
        fputs(" | ", f);
        count(f, tg_json_num(t, "priority_volume"));
        fputs(" | ", f);
        pct(f, tg_json_num(t, "priority_rate"));
        fputs(" | ", f);
        count(f, tg_json_num(t, "tier1_volume"));
        fputs(" | ", f);
        lift(f, tg_json_num(t, "tier1_lift"));
        fputs(" [", f);
        lift(f, tg_json_num(t, "tier1_lift_ci_lower"));
        fputs(", ", f);
        lift(f, tg_json_num(t, "tier1_lift_ci_upper"));
        fprintf(f, "] | %s %.0f/%.0f/%.0f/%.0f/%.0f | ", gate_word(g),
                tg_json_num(g, "pass"), tg_json_num(g, "warn"),
                tg_json_num(g, "fail"), tg_json_num(g, "inconclusive"),
                tg_json_num(g, "insufficient"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible")))
            fprintf(f, "%g |\n", tg_json_num(v, "objective"));
        else {
            fputs("– (", f);
            md(f, tg_json_str(v, "why_not"));
            fputs(") |\n", f);
        }
    }
    const char *chosen = tg_json_str(s, "chosen");
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(s, "selection");
    if (*chosen) {
        fputs("\n**Chosen: ", f);
        md(f, chosen);
        fputs("**. ", f);
        md(f, tg_json_str(sel, "note"));
        fprintf(f,
                ". Tier 1 lift on TRAIN %.2fx, adjusted interval "
                "[%.2f, %.2f].\n",
                tg_json_num(sel, "tier1_lift"),
                tg_json_num(sel, "tier1_lift_ci_lower_adjusted"),
                tg_json_num(sel, "tier1_lift_ci_upper_adjusted"));
    } else {
        fputs("\n**No variant meets the objective on TRAIN**; nothing is "
              "chosen.\n", f);
    }
    fprintf(f, "\n### TEST, after the choice\n\n| variant | priority volume | "
               "priority rate | Tier 1 volume | Tier 1 lift | gate (TEST "
               "included) | TEST gates |\n|---|---:|---:|---:|---|---|---|\n");
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "test"), *x;
        if (!t)
            continue;
        fputs("| ", f);
        md(f, tg_json_str(v, "name"));
        fputs(" | ", f);
        count(f, tg_json_num(t, "priority_volume"));
        fputs(" | ", f);
        pct(f, tg_json_num(t, "priority_rate"));
        fputs(" | ", f);
        count(f, tg_json_num(t, "tier1_volume"));
        fputs(" | ", f);
        lift(f, tg_json_num(t, "tier1_lift"));
        fprintf(f, " | %s | ",
                gate_word(cJSON_GetObjectItemCaseSensitive(t, "gate")));
        int k = 0;
        cJSON_ArrayForEach (x,
                            cJSON_GetObjectItemCaseSensitive(t, "test_gates")) {
            fputs(k++ ? "; " : "", f);
            md(f, tg_json_str(x, "id"));
            fputc(' ', f);
            md(f, tg_json_str(x, "status"));
        }
        fputs(" |\n", f);
    }
}

/* ---- HTML ---------------------------------------------------------------------- */

#define W 760
#define H 420
#define L 80
#define R 30
#define T 40
#define B 60

/* Variant i's TRAIN figures. */
static const cJSON *train_of(const cJSON *vars, int i)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(vars, i),
                                            "train");
}

/* The variants on the frontier, in order of TRAIN volume, into order;
 * returns how many. */
static int frontier_by_volume(const cJSON *vars, const unsigned char *front,
                              int n, int *order)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (front[i])
            order[m++] = i;
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++) {
            double va = tg_json_num(train_of(vars, order[a]),
                                    "priority_volume");
            double vb = tg_json_num(train_of(vars, order[b]),
                                    "priority_volume");
            if (vb < va) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
        }
    return m;
}

static void chart(FILE *f, const cJSON *s)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants");
    int n = cJSON_GetArraySize(vars);
    unsigned char *front = calloc((size_t)(n ? n : 1), 1);
    if (!front)
        return;
    tg_sweep_frontier(s, front, n);
    double vmin = INFINITY, vmax = 0, rmin = INFINITY, rmax = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *t = train_of(vars, i);
        double vol = tg_json_num(t, "priority_volume"),
               r = tg_json_num(t, "priority_rate");
        if (!isfinite(vol) || !isfinite(r))
            continue;
        vmin = vol < vmin ? vol : vmin;
        vmax = vol > vmax ? vol : vmax;
        rmin = r < rmin ? r : rmin;
        rmax = r > rmax ? r : rmax;
    }
    if (!isfinite(vmin)) {
        vmin = 0;
        rmin = 0;
        vmax = 1;
        rmax = 0.1;
    }
    double vpad = (vmax - vmin) * 0.1 + 1, rpad = (rmax - rmin) * 0.1 + 0.001;
    vmin = vmin - vpad < 0 ? 0 : vmin - vpad;
    vmax += vpad;
    rmin = rmin - rpad < 0 ? 0 : rmin - rpad;
    rmax += rpad;
#define XP(v) (L + (W - L - R) * ((v) - vmin) / (vmax - vmin))
#define YP(r) (H - B - (H - T - B) * ((r) - rmin) / (rmax - rmin))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "width=\"%d\" height=\"%d\" role=\"img\" aria-labelledby=\""
               "chart-sweep-t chart-sweep-d\" class=\"chart\" id=\"chart-sweep\">"
               "<title id=\"chart-sweep-t\">Priority volume against priority "
               "conversion rate, every variant, TRAIN</title><desc id=\""
               "chart-sweep-d\">One point per variant (TRAIN only); the "
               "frontier (no variant has more volume and a higher rate) is "
               "joined by a line, the chosen variant is the large ringed "
               "point.</desc><text x=\"%d\" y=\"22\" font-size=\"14\" "
               "font-weight=\"bold\">Priority volume vs rate, TRAIN</text>",
            W, H, W, H, L);
    for (int k = 0; k <= 5; k++) {
        double r = rmin + (rmax - rmin) * k / 5, y = YP(r);
        double vol = vmin + (vmax - vmin) * k / 5, x = XP(vol);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"end\" font-size=\"11\">%.1f%%</text>",
                L, W - R, y, y, L - 6, y + 4, r * 100);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
                   "font-size=\"11\">%.0f</text>", x, H - B + 16, vol);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">"
               "priority leads on TRAIN</text><text transform=\"translate(16,%d) "
               "rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">priority "
               "conversion rate</text>", L, W - R, H - B, H - B, (L + W - R) / 2,
            H - B + 40, (T + H - B) / 2);
    /* The frontier, by volume. */
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    int m = order ? frontier_by_volume(vars, front, n, order) : 0;
    if (m > 1) {
        fputs("<polyline fill=\"none\" stroke=\"#1e7e34\" stroke-width=\"1.5\" "
              "stroke-dasharray=\"5,3\" points=\"", f);
        for (int a = 0; a < m; a++) {
            const cJSON *t = train_of(vars, order[a]);
            fprintf(f, "%s%.1f,%.1f", a ? " " : "",
                    XP(tg_json_num(t, "priority_volume")),
                    YP(tg_json_num(t, "priority_rate")));
        }
        fputs("\"/>", f);
    }
    free(order);
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(vars, i),
                    *t = cJSON_GetObjectItemCaseSensitive(v, "train");
        double vol = tg_json_num(t, "priority_volume"),
               r = tg_json_num(t, "priority_rate");
        if (!isfinite(vol) || !isfinite(r))
            continue;
        int chosen =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen"));
        fprintf(f, "<g><title>");
        esc(f, tg_json_str(v, "name"));
        fprintf(f, ": %.0f leads, %.2f%%%s%s</title>", vol, r * 100,
                front[i] ? ", on the frontier" : "", chosen ? ", chosen" : "");
        if (chosen)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"10\" fill=\"none\" "
                       "stroke=\"#b3261e\" stroke-width=\"2.5\"/>",
                    XP(vol), YP(r));
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">%d</text></g>",
                XP(vol), YP(r), front[i] ? "5" : "4",
                front[i] ? "#1e7e34" : "#888", XP(vol) + 7, YP(r) - 6, i);
    }
    fprintf(f, "<circle cx=\"%d\" cy=\"32\" r=\"5\" fill=\"#1e7e34\"/><text "
               "x=\"%d\" y=\"36\" font-size=\"11\">frontier</text><circle "
               "cx=\"%d\" cy=\"32\" r=\"4\" fill=\"#888\"/><text x=\"%d\" "
               "y=\"36\" font-size=\"11\">dominated</text><circle cx=\"%d\" "
               "cy=\"32\" r=\"8\" fill=\"none\" stroke=\"#b3261e\" "
               "stroke-width=\"2.5\"/><text x=\"%d\" y=\"36\" "
               "font-size=\"11\">chosen</text></svg>",
            W - 300, W - 290, W - 210, W - 200, W - 110, W - 98);
#undef XP
#undef YP
    free(front);
}

void tg_sweep_render_html_section(FILE *f, const cJSON *s)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    int n = cJSON_GetArraySize(vars);
    unsigned char *front = calloc((size_t)(n ? n : 1), 1);
    if (front)
        tg_sweep_frontier(s, front, n);
    fputs("<h2>Sweep: ", f);
    esc(f, *tg_json_str(s, "sweep_id") ? tg_json_str(s, "sweep_id")
                                       : "command-line grid");
    fprintf(f, "</h2><p>%d variants tried, ranked on TRAIN only. Objective: ",
            (int)tg_json_num(s, "variants_tried"));
    esc(f, tg_json_str(s, "objective"));
    fputs(".</p>", f);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "exploratory")))
        fputs("<p class=\"banner FAILED\">Exploratory: TEST figures of every "
              "variant are shown; choosing by them would make TEST training "
              "data.</p>", f);
    fputs("<figure><figcaption>Priority volume against priority conversion "
          "rate on TRAIN (numbers in the table below)</figcaption>", f);
    chart(f, s);
    fprintf(f,
            "</figure><table><thead><tr><th>#</th><th>variant</th><th>what "
            "changed</th><th>priority volume</th><th>priority rate</th>"
            "<th>Tier 1 volume</th><th>Tier 1 lift [%g%% CI]</th><th>TRAIN "
            "gates "
            "(pass/warn/fail/inconclusive/insufficient)</th><th>objective</"
            "th><th>frontier</th></tr></thead><tbody>",
            tg_json_num(s, "ci_level") * 100);
    int i = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "train"),
                    *g = cJSON_GetObjectItemCaseSensitive(t, "gates");
        int chosen =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen"));
        fprintf(f, "<tr%s><td>%d</td><td>", chosen ? " style=\"font-weight:"
                "bold;background:#fde8e8\"" : "", i);
        esc(f, tg_json_str(v, "name"));
        fputs(chosen ? " (chosen)" : "", f);
        fputs("</td><td>", f);
        esc(f, *tg_json_str(v, "changes") ? tg_json_str(v, "changes")
                                          : "unchanged");
        fputs("</td><td class=\"n\">", f);
        count(f, tg_json_num(t, "priority_volume"));
        fputs("</td><td class=\"n\">", f);
        pct(f, tg_json_num(t, "priority_rate"));
        fputs("</td><td class=\"n\">", f);
        count(f, tg_json_num(t, "tier1_volume"));
        fputs("</td><td class=\"n\">", f);
        lift(f, tg_json_num(t, "tier1_lift"));
        fputs(" [", f);
        lift(f, tg_json_num(t, "tier1_lift_ci_lower"));
        fputs(", ", f);
        lift(f, tg_json_num(t, "tier1_lift_ci_upper"));
        fprintf(f, "]</td><td>%s %.0f/%.0f/%.0f/%.0f/%.0f</td><td>",
                gate_word(g), tg_json_num(g, "pass"), tg_json_num(g, "warn"),
                tg_json_num(g, "fail"), tg_json_num(g, "inconclusive"),
                tg_json_num(g, "insufficient"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible")))
            fprintf(f, "%g", tg_json_num(v, "objective"));
        else {
            fputs("– (", f);
            esc(f, tg_json_str(v, "why_not"));
            fputs(")", f);
        }
        fprintf(f, "</td><td>%s</td></tr>", front && front[i] ? "yes" : "");
        i++;
    }
    fputs("</tbody></table>", f);
    const char *chosen = tg_json_str(s, "chosen");
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(s, "selection");
    if (*chosen) {
        fputs("<p><strong>Chosen: ", f);
        esc(f, chosen);
        fputs("</strong>. ", f);
        esc(f, tg_json_str(sel, "note"));
        fprintf(f,
                ". Tier 1 lift on TRAIN %.2fx, adjusted interval [%.2f, "
                "%.2f].</p>",
                tg_json_num(sel, "tier1_lift"),
                tg_json_num(sel, "tier1_lift_ci_lower_adjusted"),
                tg_json_num(sel, "tier1_lift_ci_upper_adjusted"));
    } else {
        fputs("<p><strong>No variant meets the objective on TRAIN</strong>; "
              "nothing is chosen.</p>", f);
    }
    fputs("<h3>TEST, after the choice</h3><table><thead><tr><th>variant</th>"
          "<th>priority volume</th><th>priority rate</th><th>Tier 1 lift</th>"
          "<th>gate (TEST included)</th><th>gates reading TEST</th></tr>"
          "</thead><tbody>", f);
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "test"), *x;
        if (!t)
            continue;
        fputs("<tr><td>", f);
        esc(f, tg_json_str(v, "name"));
        fputs("</td><td class=\"n\">", f);
        count(f, tg_json_num(t, "priority_volume"));
        fputs("</td><td class=\"n\">", f);
        pct(f, tg_json_num(t, "priority_rate"));
        fputs("</td><td class=\"n\">", f);
        lift(f, tg_json_num(t, "tier1_lift"));
        fprintf(f, "</td><td>%s</td><td>",
                gate_word(cJSON_GetObjectItemCaseSensitive(t, "gate")));
        int k = 0;
        cJSON_ArrayForEach (x,
                            cJSON_GetObjectItemCaseSensitive(t, "test_gates")) {
            fputs(k++ ? "; " : "", f);
            esc(f, tg_json_str(x, "id"));
            fputc(' ', f);
            esc(f, tg_json_str(x, "status"));
        }
        fputs("</td></tr>", f);
    }
    fputs("</tbody></table>", f);
    free(front);
}

void tg_sweep_render_html(FILE *f, const cJSON *s)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
          "<meta name=\"viewport\" content=\"width=device-width\"/><title>"
          "tiergate sweep</title><style>body{font-family:system-ui,sans-serif;"
          "margin:2em auto;max-width:60em;padding:0 1em;color:#1a1a1a}"
          "table{border-collapse:collapse;width:100%;font-size:.85em}"
          "th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left}"
          "td.n{text-align:right;white-space:nowrap}svg{max-width:100%;"
          "height:auto}.banner{padding:.6em;border:2px solid #b3261e}"
          "@media print{tr{page-break-inside:avoid}}</style></head><body>"
          "<h1>tiergate sweep</h1>", f);
    tg_sweep_render_html_section(f, s);
    fputs("</body></html>\n", f);
}
