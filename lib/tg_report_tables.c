/*
 * The report's HTML tables: tiers per split, the gates (the ones that did
 * not pass first, the passing ones folded), calibration, the comparison
 * of two rule sets and how reliable the verdict is. Every text from the
 * gate result is HTML-escaped; a missing number reads "n/a".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_report_internal.h"

/* The lift columns of a tier row: lift, its interval, Holm's Fisher p. */
static void lift_cells(FILE *f, const cJSON *t)
{
    double l = rep_num(t, "lift"), lo = rep_num(t, "lift_ci_lower"),
           hi = rep_num(t, "lift_ci_upper"), p = rep_num(t, "fisher_p_holm");
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

/* Every tier of both splits; with lift, the lift columns too. */
void tg_report_tier_table(FILE *f, const cJSON *gate, int lift)
{
    fprintf(f,
            "<div "
            "class=\"scroll\"><table><thead><tr><th>Tier</th><th>Split</"
            "th><th>Leads</th>"
            "<th>Labeled</th><th>Conversions</th><th>Rate</th>"
            "<th>Interval</th>%s</tr></thead><tbody>",
            lift ? "<th>Lift</th><th>Lift interval</th><th>Fisher p (Holm)</th>"
                 : "");
    for (int s = 0; s < 2; s++) {
        const cJSON *t;
        cJSON_ArrayForEach (
            t, cJSON_GetObjectItem(rep_split(gate, rep_splits[s]), "tiers")) {
            fprintf(f, "<tr><td>");
            tg_esc_html(f, rep_str(t, "tier"));
            fprintf(f, "</td><td>%s</td>", rep_splits[s]);
            rep_count_td(f, t, "leads");
            rep_count_td(f, t, "labeled");
            rep_count_td(f, t, "conversions");
            rep_pct_td(f, t, "conversion_rate");
            fprintf(f, "<td class=\"n\">");
            if (isfinite(rep_num(t, "ci_lower"))) {
                rep_pct(f, rep_num(t, "ci_lower"));
                fputs(" – ", f);
                rep_pct(f, rep_num(t, "ci_upper"));
            } else {
                fputs("n/a", f);
            }
            fprintf(f, "</td>");
            if (lift)
                lift_cells(f, t);
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
        rep_count(f, v);
    else
        fprintf(f, "%.2f%%", v * 100);
}

/* The gates that did not pass, first, with their reasons. */
void tg_report_not_passed(FILE *f, const cJSON *gate)
{
    int n = 0;
    const cJSON *g;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        const char *st = rep_str(g, "status");
        if (!strcmp(st, "pass"))
            continue;
        if (!n++)
            fprintf(f, "<h2>Not passed</h2><ul>");
        fputs("<li class=\"", f);
        tg_esc_html(f, st);
        fprintf(f, "\"><strong>%s</strong> ", rep_status_sym(st));
        tg_esc_html(f, rep_str(g, "id"));
        fputs(" ", f);
        tg_esc_html(f, rep_gate_tier(g));
        if (rep_str(g, "slice")[0]) {
            fputs(" in slice <code>", f);
            tg_esc_html(f, rep_str(g, "slice"));
            fputs("</code>", f);
        }
        fputs(": ", f);
        tg_esc_html(f, rep_str(g, "message"));
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
    const char *check = rep_str(g, "check");
    const cJSON *th = cJSON_GetObjectItem(g, "threshold");
    if (cJSON_IsArray(th) && cJSON_GetArraySize(th) == 2) {
        gate_value(f, check, rep_num_item(cJSON_GetArrayItem(th, 0)));
        fputs(" to ", f);
        gate_value(f, check, rep_num_item(cJSON_GetArrayItem(th, 1)));
    } else if (cJSON_IsNumber(th)) {
        if (!strcmp(check, "ci_separation"))
            fputs("lower &gt; ", f);
        else if (!strcmp(check, "rank_order") ||
                 (strstr(rep_str(g, "message"), "<= ") &&
                  !strstr(rep_str(g, "message"), ">= ")))
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
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        const char *st = rep_str(g, "status");
        if ((strcmp(st, "pass") == 0) != passing)
            continue;
        fprintf(f, "<tr><td>");
        tg_esc_html(f, rep_str(g, "id"));
        fprintf(f, "</td><td>");
        if (rep_str(g, "slice")[0]) {
            fputs("[", f);
            tg_esc_html(f, rep_str(g, "slice"));
            fputs("] ", f);
        }
        tg_esc_html(f, rep_str(g, "description"));
        fprintf(f, "</td><td>");
        tg_esc_html(f, rep_gate_tier(g));
        const char *check = rep_str(g, "check");
        fputs("</td><td>", f);
        tg_esc_html(f, rep_str(g, "split"));
        fputs("</td><td class=\"n\">", f);
        gate_value(f, check, rep_num(g, "actual"));
        if (isfinite(rep_num(g, "ci_lower")) &&
            strcmp(check, "ci_separation")) {
            fputs(" [", f);
            gate_value(f, check, rep_num(g, "ci_lower"));
            fputs(", ", f);
            gate_value(f, check, rep_num(g, "ci_upper"));
            fputs("]", f);
        }
        fprintf(f, "</td><td class=\"n\">");
        threshold_cell(f, g);
        /* Status (what the data says) and severity (what the policy does
         * with a miss) are separate words in separate cells. */
        fputs("</td><td class=\"", f);
        tg_esc_html(f, st);
        fprintf(f, "\"><strong>%s</strong></td><td>", rep_status_sym(st));
        tg_esc_html(f, rep_str(g, "severity"));
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
void tg_report_gates_table(FILE *f, const cJSON *gate)
{
    int pass = 0, other = 0;
    const cJSON *g;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        if (!strcmp(rep_str(g, "status"), "pass"))
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

void tg_report_calibration(FILE *f, const cJSON *gate)
{
    /* Expected rates come with the calibration gate's threshold band. */
    fprintf(f,
            "<div class=\"scroll\"><table><thead><tr><th>Tier</th><th>Expected "
            "rate</th>"
            "<th>Observed (TRAIN)</th><th>Interval</th><th>Off by</th>"
            "<th>Status</th></tr></thead><tbody>");
    const cJSON *g;
    int any = 0;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(gate, "gates")) {
        if (strcmp(rep_str(g, "check"), "calibration"))
            continue;
        const cJSON *th = cJSON_GetObjectItem(g, "threshold");
        double exp = NAN;
        if (cJSON_IsArray(th))
            exp = (cJSON_GetArrayItem(th, 0)->valuedouble +
                   cJSON_GetArrayItem(th, 1)->valuedouble) /
                  2;
        double a = rep_num(g, "actual");
        fprintf(f, "<tr><td>");
        tg_esc_html(f, rep_str(g, "tier"));
        fprintf(f, "</td><td class=\"n\">");
        rep_pct(f, exp);
        fprintf(f, "</td><td class=\"n\">");
        rep_pct(f, a);
        fprintf(f, "</td><td class=\"n\">");
        rep_pct(f, rep_num(g, "ci_lower"));
        fputs(" – ", f);
        rep_pct(f, rep_num(g, "ci_upper"));
        fprintf(f, "</td><td class=\"n\">");
        if (isfinite(a) && isfinite(exp) && exp > 0)
            fprintf(f, "%+.1f%%", 100 * (a - exp) / exp);
        else
            fputs("n/a", f);
        fputs("</td><td class=\"", f);
        tg_esc_html(f, rep_str(g, "status"));
        fprintf(f, "\">%s</td></tr>", rep_status_sym(rep_str(g, "status")));
        any = 1;
    }
    if (!any)
        fprintf(f, "<tr><td colspan=\"6\">The policy has no calibration "
                   "gate.</td></tr>");
    fprintf(f, "</tbody></table></div>");
}

void tg_report_compare_section(FILE *f, const cJSON *c)
{
    fputs("<h2>", f);
    tg_esc_html(f, rep_str(cJSON_GetObjectItem(c, "from"), "model_version"));
    fputs(" vs ", f);
    tg_esc_html(f, rep_str(cJSON_GetObjectItem(c, "to"), "model_version"));
    fputs("</h2><p>Both rule sets evaluated on the same leads (split ", f);
    tg_esc_html(f, rep_str(c, "split"));
    fputs(").</p>", f);
    /* The rule set's expected outcomes when it states them; otherwise
     * the measured metrics alone. */
    const cJSON *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    int quoted = eo != NULL;
    const cJSON *e;
    if (quoted)
        fprintf(f, "<div "
                   "class=\"scroll\"><table><thead><tr><th>Metric</"
                   "th><th>Previous value "
                   "(quoted by the rule set)</th><th>Expected (rule set)</th>"
                   "<th>Measured before</th><th>Measured after</th></tr>"
                   "</thead><tbody>");
    else
        fprintf(f, "<div "
                   "class=\"scroll\"><table><thead><tr><th>Metric</"
                   "th><th>Measured before</th>"
                   "<th>Measured after</th></tr></thead><tbody>");
    cJSON_ArrayForEach (e, (quoted ? eo : cJSON_GetObjectItem(c, "metrics"))) {
        fprintf(f, "<tr><td>");
        tg_esc_html(f, rep_str(e, "label"));
        if (quoted) {
            fprintf(f, "</td><td>");
            tg_esc_html(f, rep_str(e, "previous"));
            fprintf(f, " (");
            tg_esc_html(f, rep_str(e, "previous_version"));
            fprintf(f, ")</td><td>");
            tg_esc_html(f, rep_str(e, "expected"));
        }
        fprintf(f, "</td><td class=\"n\">");
        tg_esc_html(f, rep_str(e, "measured_from"));
        fprintf(f, "</td><td class=\"n\">");
        tg_esc_html(f, rep_str(e, "measured_to"));
        fprintf(f, "</td></tr>");
    }
    fprintf(f, "</tbody></table></div><h3>Migration of leads</h3>"
               "<div "
               "class=\"scroll\"><table><thead><tr><th>From</th><th>To</"
               "th><th>Leads</th>"
               "<th>Labeled</th><th>Conversions</th></tr></thead><tbody>");
    cJSON_ArrayForEach (e, cJSON_GetObjectItem(c, "migration")) {
        fprintf(f, "<tr><td>");
        tg_esc_html(f, rep_str(e, "from"));
        fprintf(f, "</td><td>");
        tg_esc_html(f, rep_str(e, "to"));
        fputs("</td>", f);
        rep_count_td(f, e, "leads");
        rep_count_td(f, e, "labeled");
        rep_count_td(f, e, "conversions");
        fputs("</tr>", f);
    }
    fprintf(f, "</tbody></table></div>");
    const cJSON *psi = cJSON_GetObjectItem(c, "psi");
    fputs("<p>Population stability index of tier shares, TRAIN to TEST: ", f);
    tg_esc_html(f, rep_str(cJSON_GetObjectItem(c, "from"), "model_version"));
    fprintf(f, " %.4f, ", rep_num(psi, "from"));
    tg_esc_html(f, rep_str(cJSON_GetObjectItem(c, "to"), "model_version"));
    fprintf(f, " %.4f (below 0.1: stable).</p>", rep_num(psi, "to"));
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

void tg_report_reliability(FILE *f, const cJSON *gate)
{
    const cJSON *rel = cJSON_GetObjectItem(gate, "reliability");
    if (!cJSON_IsObject(rel))
        return;
    fputs("<h2>How reliable is this verdict?</h2><p>Out of ", f);
    rep_count(f, rep_num(rel, "draws"));
    fprintf(f,
            " simulated releases with these labeled leads (seed %.0f), a "
            "model converting exactly at its expected rates passes every "
            "blocking gate in <strong>",
            rep_num(rel, "seed"));
    share(f, rep_num(rel, "policy_pass_at_expected"));
    fprintf(f, "</strong>, and a model with no signal (every tier at its "
               "split's baseline) is blocked in <strong>");
    share(f, rep_num(rel, "policy_block_at_no_signal"));
    fprintf(f, "</strong>.</p><div class=\"scroll\"><table "
               "class=\"gates\"><thead><tr><th>Gate</th>"
               "<th>Tier</th><th>Split</th><th>Labeled</th><th>Pass at the "
               "expected rate</th><th>Pass on the threshold</th></tr></thead>"
               "<tbody>");
    const cJSON *g;
    cJSON_ArrayForEach (g, cJSON_GetObjectItem(rel, "gates")) {
        fputs("<tr><td>", f);
        tg_esc_html(f, rep_str(g, "id"));
        fputs("</td><td>", f);
        tg_esc_html(f, rep_str(g, "tier"));
        fputs("</td><td>", f);
        tg_esc_html(f, rep_str(g, "split"));
        fputs("</td><td>", f);
        rep_count(f, rep_num(g, "labeled"));
        fputs("</td><td>", f);
        share(f, rep_num(g, "pass_at_expected"));
        fputs(" at ", f);
        rep_pct(f, rep_num(g, "rate_expected"));
        fputs("</td><td>", f);
        share(f, rep_num(g, "pass_on_threshold"));
        fputs(" at ", f);
        rep_pct(f, rep_num(g, "rate_on_threshold"));
        fputs("</td></tr>", f);
    }
    fprintf(f,
            "</tbody></table></div><p>Labeled leads each tier needs for a "
            "%.0f%% (and 95%%) chance that all its blocking gates pass "
            "decisively at its expected rate:</p><div class=\"scroll\"><table "
            "class=\"gates\">"
            "<thead><tr><th>Tier</th><th>Split</th><th>Labeled</th>"
            "<th>Needed</th><th>Weeks more</th><th>Needed (95%%)</th>"
            "<th>Weeks more</th></tr></thead><tbody>",
            100 * rep_num(rel, "power"));
    const cJSON *t;
    cJSON_ArrayForEach (t, cJSON_GetObjectItem(rel, "tiers"))
        for (int k = 0; k < 2; k++) {
            const cJSON *sp = cJSON_GetObjectItem(t, rep_splits[k]);
            if (!(rep_num(sp, "blocking_gates") > 0))
                continue;
            fputs("<tr><td>", f);
            tg_esc_html(f, rep_str(t, "tier"));
            fprintf(f, "</td><td>%s</td><td>", rep_splits[k]);
            rep_count(f, rep_num(sp, "labeled"));
            fputs("</td>", f);
            static const char *nk[2] = {"needed", "needed_95"};
            static const char *wk[2] = {"weeks", "weeks_95"};
            for (int q = 0; q < 2; q++) {
                double n = rep_num(sp, nk[q]), w = rep_num(sp, wk[q]);
                if (isfinite(n)) {
                    fputs("<td>", f);
                    rep_count(f, n);
                    fputs("</td>", f);
                } else
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
