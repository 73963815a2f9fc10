/*
 * The reviewer's report as one page: the HTML document (stylesheet,
 * banner, then the sections of lib/tg_report_chart.c, _tables.c and
 * _slices.c in reading order, provenance last) and the Markdown form of
 * the same content for a pull-request comment. Statuses are words and
 * symbols as well as colours; the layout prints on A4 (tables shrink,
 * rows do not split across pages).
 */
#include "tg_report.h"
#include "tg_sweep_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_report_internal.h"
#include "tg_tally.h"

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
    const char *status = rep_str(gate, "status");
    const cJSON *prov = cJSON_GetObjectItem(gate, "provenance");
    const cJSON *sum = cJSON_GetObjectItem(gate, "summary");
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            "<meta name=\"viewport\" content=\"width=device-width\"/>"
            "<title>tiergate: ");
    tg_esc_html(f, rep_str(gate, "model_id"));
    fputc(' ', f);
    tg_esc_html(f, rep_str(gate, "model_version"));
    fputs(" — ", f);
    tg_esc_html(f, status);
    fprintf(f, "</title><style>%s</style></head><body>", CSS);
    fprintf(f, "<h1>Release report: ");
    tg_esc_html(f, rep_str(gate, "model_id"));
    fputc(' ', f);
    tg_esc_html(f, rep_str(gate, "model_version"));
    fputs("</h1><div class=\"banner ", f);
    tg_esc_html(f, status);
    fprintf(f, "\" role=\"status\">%s ",
            !strcmp(status, "PASSED")   ? "✔"
            : !strcmp(status, "FAILED") ? "✖"
                                        : "▲");
    tg_esc_html(f, status);
    fprintf(f,
            " — %.0f pass, %.0f warn, %.0f fail, %.0f insufficient, "
            "%.0f inconclusive</div>",
            rep_num(sum, "pass"), rep_num(sum, "warn"), rep_num(sum, "fail"),
            rep_num(sum, "insufficient"), rep_num(sum, "inconclusive"));
    fprintf(f, "<p>Policy <code>");
    tg_esc_html(f, rep_str(gate, "policy"));
    fputs("</code>; ", f);
    tg_esc_html(f, rep_str(gate, "ci_method"));
    fprintf(f, " intervals at %g%%.</p>", rep_num(gate, "ci_level") * 100);

    tg_report_not_passed(f, gate);

    fprintf(f,
            "<h2>Conversion by tier</h2><figure><figcaption>Conversion rate "
            "per tier with %g%% intervals, TRAIN beside TEST</figcaption>",
            rep_num(gate, "ci_level") * 100);
    tg_report_chart_rates(f, gate);
    fprintf(f, "</figure>");
    tg_report_tier_table(f, gate, 0);

    fprintf(f,
            "<h2>Lift</h2><figure><figcaption>Lift per tier on TRAIN against "
            "the lift gate</figcaption>");
    tg_report_chart_lift(f, gate);
    fprintf(f, "</figure>");
    tg_report_tier_table(f, gate, 1);

    fprintf(f, "<h2>Tier volumes</h2><figure><figcaption>Leads per tier, TRAIN "
               "and TEST</figcaption>");
    tg_report_chart_volume(f, gate);
    fprintf(f, "</figure><p>The numbers are in the tables above.</p>");

    fprintf(f, "<h2>Calibration: expected vs observed</h2>");
    tg_report_calibration(f, gate);

    tg_report_slices(f, gate);

    fprintf(f, "<h2>Every gate</h2>");
    tg_report_gates_table(f, gate);

    tg_report_reliability(f, gate);

    if (compare)
        tg_report_compare_section(f, compare);
    if (sweep)
        tg_sweep_render_html_section(f, sweep);

    fprintf(f, "<h2>Provenance</h2><div class=\"scroll\"><table "
               "class=\"prov\"><tbody>");
    static const char *keys[] = {"rules_file", "rules_sha256", "policy_file",
                                 "policy_sha256", "data_sha256"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        fprintf(f, "<tr><td>%s</td><td><code>", keys[k]);
        tg_esc_html(f, rep_str(prov, keys[k])[0] ? rep_str(prov, keys[k])
                                                 : "(not recorded)");
        fprintf(f, "</code></td></tr>");
    }
    char skipped[300];
    fprintf(f, "<tr><td>rows</td><td>%s</td></tr>",
            tg_skipped_text(prov, skipped, sizeof skipped));
    fprintf(f, "<tr><td>commit</td><td><code>");
    tg_esc_html(f, rep_str(prov, "commit")[0] ? rep_str(prov, "commit")
                                              : "(not recorded)");
    fprintf(f, "</code></td></tr><tr><td>generated</td><td>");
    tg_esc_html(f, rep_str(gate, "generated_at"));
    fprintf(f, "</td></tr></tbody></table></div></body></html>\n");
}

/* Markdown: every gate with its status and message. */
static void markdown_gates(FILE *f, const cJSON *gate)
{
    fprintf(f, "## Gates\n\n| Gate | Check | Tier | Split | Actual | "
               "Status | Message |\n|---|---|---|---|---:|---|---|\n");
    const cJSON *g;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        fputs("| ", f);
        tg_esc_md(f, rep_str(g, "id"));
        fputs(" | ", f);
        if (rep_str(g, "slice")[0]) {
            fputs("\\[", f);
            tg_esc_md(f, rep_str(g, "slice"));
            fputs("\\] ", f);
        }
        tg_esc_md(f, rep_str(g, "description"));
        fputs(" | ", f);
        tg_esc_md(f, rep_gate_tier(g));
        fputs(" | ", f);
        tg_esc_md(f, rep_str(g, "split"));
        fprintf(f, " | %.4g | %s | ", rep_num(g, "actual"),
                rep_status_sym(rep_str(g, "status")));
        tg_esc_md(f, rep_str(g, "message"));
        fputs(" |\n", f);
    }
}

/* Markdown: rate and lift of every tier of both splits. */
static void markdown_tiers(FILE *f, const cJSON *gate)
{
    fprintf(f, "\n## Tiers\n\n| Tier | Split | Leads | Rate | Interval | Lift "
               "| Lift interval |\n|---|---|---:|---:|---|---:|---|\n");
    for (int s = 0; s < 2; s++) {
        const cJSON *t;
        cJSON_ArrayForEach (
            t, cJSON_GetObjectItem(rep_split(gate, rep_splits[s]), "tiers")) {
            fputs("| ", f);
            tg_esc_md(f, rep_str(t, "tier"));
            fprintf(f,
                    " | %s | %.0f | %.2f%% | %.2f%% – %.2f%% | %.2fx | "
                    "%.2fx – %.2fx |\n",
                    rep_splits[s], rep_num(t, "leads"),
                    rep_num(t, "conversion_rate") * 100,
                    rep_num(t, "ci_lower") * 100, rep_num(t, "ci_upper") * 100,
                    rep_num(t, "lift"), rep_num(t, "lift_ci_lower"),
                    rep_num(t, "lift_ci_upper"));
        }
    }
}

/* Markdown: the comparison's expected outcomes (when the rule set states
 * them) or measured metrics. */
static void markdown_compare(FILE *f, const cJSON *compare)
{
    const cJSON *eo = cJSON_GetObjectItem(compare, "expected_outcomes");
    fputs("\n## ", f);
    tg_esc_md(f,
              rep_str(cJSON_GetObjectItem(compare, "from"), "model_version"));
    fputs(" vs ", f);
    tg_esc_md(f, rep_str(cJSON_GetObjectItem(compare, "to"), "model_version"));
    fputs(eo ? "\n\n| Metric | Previous (quoted by the rule set) | Expected "
               "(rule set) | Measured before | Measured after |\n"
               "|---|---|---|---:|---:|\n"
             : "\n\n| Metric | Measured before | Measured after |\n"
               "|---|---:|---:|\n",
          f);
    const cJSON *e;
    cJSON_ArrayForEach (e,
                        (eo ? eo : cJSON_GetObjectItem(compare, "metrics"))) {
        fputs("| ", f);
        tg_esc_md(f, rep_str(e, "label"));
        if (eo) {
            fputs(" | ", f);
            tg_esc_md(f, rep_str(e, "previous"));
            fputs(" (", f);
            tg_esc_md(f, rep_str(e, "previous_version"));
            fputs(") | ", f);
            tg_esc_md(f, rep_str(e, "expected"));
        }
        fputs(" | ", f);
        tg_esc_md(f, rep_str(e, "measured_from"));
        fputs(" | ", f);
        tg_esc_md(f, rep_str(e, "measured_to"));
        fputs(" |\n", f);
    }
}

/* Markdown: which files, data and commit the result comes from. */
static void markdown_provenance(FILE *f, const cJSON *gate)
{
    const cJSON *prov = cJSON_GetObjectItem(gate, "provenance");
    fputs("\n## Provenance\n\n- rules: ", f);
    tg_esc_md_code(f, rep_str(prov, "rules_file"));
    fputs(" (sha256 ", f);
    tg_esc_md_code(f, rep_str(prov, "rules_sha256"));
    fputs(")\n- policy: ", f);
    tg_esc_md_code(f, rep_str(prov, "policy_file"));
    fputs(" (sha256 ", f);
    tg_esc_md_code(f, rep_str(prov, "policy_sha256"));
    fputs(")\n- data sha256: ", f);
    tg_esc_md_code(f, rep_str(prov, "data_sha256")[0]
                          ? rep_str(prov, "data_sha256")
                          : "(not recorded)");
    fputs("\n- commit: ", f);
    tg_esc_md_code(f, rep_str(prov, "commit")[0] ? rep_str(prov, "commit")
                                                 : "(not recorded)");
    fputs("\n- generated: ", f);
    tg_esc_md(f, rep_str(gate, "generated_at"));
    fputc('\n', f);
    char skipped[300]; /* only known reason names and checked counts */
    fprintf(f, "- data: %s\n", tg_skipped_text(prov, skipped, sizeof skipped));
}

void tg_report_markdown(FILE *f, const cJSON *gate, const cJSON *compare)
{
    const char *status = rep_str(gate, "status");
    fputs("# Release report: ", f);
    tg_esc_md(f, rep_str(gate, "model_id"));
    fputc(' ', f);
    tg_esc_md(f, rep_str(gate, "model_version"));
    fprintf(f, "\n\n**%s ",
            !strcmp(status, "PASSED")   ? "✅"
            : !strcmp(status, "FAILED") ? "❌"
                                        : "⚠️");
    tg_esc_md(f, status);
    fputs("**\n\n", f);
    markdown_gates(f, gate);
    markdown_tiers(f, gate);
    if (compare)
        markdown_compare(f, compare);
    markdown_provenance(f, gate);
}
