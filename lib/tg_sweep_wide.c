/*
 * The sweep result document for a terminal in its full layout (--wide:
 * one column per field, fixed widths), and what the fitted layout
 * (tg_sweep_text.c) shares with it: tier columns and labels, the lift and
 * gate cells, the verdict. Text from the sweep file is terminal-escaped.
 */
#include "tg_sweep_text_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_json.h"

/* Terminal: control bytes shown escaped (tg_esc_term); in a padded
 * column (width > 0) they are shown as '?' so the column keeps its width. */
/* Terminal: control bytes shown escaped (tg_esc_term); in a padded
 * column (width > 0) they are shown as '?' so the column keeps its width. */
static void term(FILE *f, const char *s, int width)
{
    if (width <= 0) {
        tg_esc_term(f, s);
        return;
    }
    int n = 0;
    for (; *s && n < width; s++, n++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
    for (; n < width; n++)
        fputc(' ', f);
}

/* A name in a column of width w: cut with '~' when longer. */
static void term_name(FILE *f, const char *s, int w)
{
    if ((int)strlen(s) <= w) {
        term(f, s, w);
        return;
    }
    term(f, s, w - 1);
    fputc('~', f);
}

/* A short label for a tier column: "TIER_1A_PRIME_MOVER_SMALL" -> "1A". */

/* A short label for a tier column: "TIER_1A_PRIME_MOVER_SMALL" -> "1A". */
void tg_sweep_tier_label(char *buf, size_t size, const char *name)
{
    if (strncmp(name, "TIER_", 5) == 0) {
        const char *p = name + 5, *u = strchr(p, '_');
        size_t n = u ? (size_t)(u - p) : strlen(p);
        snprintf(buf, size, "%.*s", (int)(n > 8 ? 8 : n), p);
    } else {
        snprintf(buf, size, "%.8s", name);
    }
}

const char *tg_sweep_gate_word(const cJSON *g)
{
    return tg_json_str(g, "status");
}

/* The tiers of every variant's TRAIN figures, in first-seen order (the
 * base's, then any a variant adds). Returns how many (at most 64). */
int tg_sweep_tier_columns(const cJSON *vars, const char *cols[64])
{
    const cJSON *v, *t;
    int ncols = 0;
    cJSON_ArrayForEach (v, vars) {
        cJSON_ArrayForEach (
            t, cJSON_GetObjectItemCaseSensitive(
                   cJSON_GetObjectItemCaseSensitive(v, "train"), "tiers")) {
            const char *name = tg_json_str(t, "tier");
            int k = 0;
            while (k < ncols && strcmp(cols[k], name) != 0)
                k++;
            if (k == ncols && ncols < 64)
                cols[ncols++] = name;
        }
    }
    return ncols;
}

/* A variant's TRAIN conversion rate in a tier, as a cell: "12.25", "n/a"
 * (no labeled lead) or "-" (the variant lacks the tier). */
void tg_sweep_tier_rate(const cJSON *v, const char *tier, char *buf, size_t n)
{
    const cJSON *t, *hit = NULL;
    cJSON_ArrayForEach (
        t, cJSON_GetObjectItemCaseSensitive(
               cJSON_GetObjectItemCaseSensitive(v, "train"), "tiers"))
        if (strcmp(tg_json_str(t, "tier"), tier) == 0)
            hit = t;
    double r = hit ? tg_json_num(hit, "conversion_rate") : NAN;
    if (isfinite(r))
        snprintf(buf, n, "%.2f", r * 100);
    else
        snprintf(buf, n, "%s", hit ? "n/a" : "-");
}

void tg_sweep_lift_ci(const cJSON *t, char *buf, size_t n)
{
    if (isfinite(tg_json_num(t, "tier1_lift")))
        snprintf(buf, n, "%.2f [%.2f,%.2f]", tg_json_num(t, "tier1_lift"),
                 tg_json_num(t, "tier1_lift_ci_lower"),
                 tg_json_num(t, "tier1_lift_ci_upper"));
    else
        snprintf(buf, n, "n/a");
}

void tg_sweep_gates_cell(const cJSON *g, char *buf, size_t n)
{
    snprintf(buf, n, "%s %.0f/%.0f/%.0f/%.0f/%.0f",
             strcmp(tg_sweep_gate_word(g), "FAILED") == 0 ? "FAIL" : "ok",
             tg_json_num(g, "pass"), tg_json_num(g, "warn"),
             tg_json_num(g, "fail"), tg_json_num(g, "inconclusive"),
             tg_json_num(g, "insufficient"));
}

/* ---- the full layout (--wide)
 * -------------------------------------------------- */

static void wide_headline(FILE *f, const cJSON *s)
{
    int n = (int)tg_json_num(s, "variants_tried");
    const char *id = tg_json_str(s, "sweep_id");
    fputs("sweep ", f);
    term(f, *id ? id : "(command-line grid)", 0);
    fprintf(f,
            "\n%d variants tried (the base and %d variant%s), ranked on "
            "TRAIN only.\nobjective: ",
            n, n - 1, n == 2 ? "" : "s");
    term(f, tg_json_str(s, "objective"), 0);
    fputc('\n', f);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "exploratory")))
        fputs("EXPLORATORY: TEST figures of every variant are shown "
              "(--show-test-all); choosing by them would make TEST "
              "training data.\n",
              f);
}

static void wide_train(FILE *f, const cJSON *s, const char *h)
{
    const cJSON *v;
    fprintf(f,
            "\nTRAIN (gates p/w/f/?/i: pass, warn, fail, inconclusive, "
            "insufficient)\n"
            " %3s %-4s %-22s %8s %7s %6s %-18s %-16s %s\n",
            "#", "rank", "variant", "prio vol", "rate", "T1 vol", h,
            "gates p/w/f/?/i", "objective");
    int idx = 0;
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "train");
        char rank[16], buf[64];
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "rank")))
            snprintf(rank, sizeof rank, "%d", (int)tg_json_num(v, "rank"));
        else
            snprintf(rank, sizeof rank, "-");
        fprintf(f, "%s%3d %-4s ",
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen"))
                    ? ">"
                    : " ",
                idx++, rank);
        term_name(f, tg_json_str(v, "name"), 22);
        snprintf(buf, sizeof buf, "%.0f", tg_json_num(t, "priority_volume"));
        fprintf(f, " %8s ", buf);
        if (isfinite(tg_json_num(t, "priority_rate")))
            fprintf(f, "%6.2f%% ", tg_json_num(t, "priority_rate") * 100);
        else
            fprintf(f, "%7s ", "n/a");
        fprintf(f, "%6.0f ", tg_json_num(t, "tier1_volume"));
        tg_sweep_lift_ci(t, buf, sizeof buf);
        fprintf(f, "%-18s ", buf);
        tg_sweep_gates_cell(cJSON_GetObjectItemCaseSensitive(t, "gates"), buf,
                            sizeof buf);
        fprintf(f, "%-16s ", buf);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible")))
            fprintf(f, "%g\n", tg_json_num(v, "objective"));
        else
            fputs("- (below)\n", f);
    }
    idx = 0;
    int nwhy = 0;
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible"))) {
            fprintf(f, "%s %3d: ", nwhy++ ? "" : "not eligible:\n", idx);
            term(f, tg_json_str(v, "why_not"), 0);
            fputc('\n', f);
        }
        idx++;
    }
}

static void wide_tiers(FILE *f, const cJSON *s)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    const char *cols[64];
    int ncols = tg_sweep_tier_columns(vars, cols);
    fprintf(f, "\nTRAIN conversion rate per tier (%%)\n %3s", "#");
    for (int k = 0; k < ncols; k++) {
        char lab[16];
        tg_sweep_tier_label(lab, sizeof lab, cols[k]);
        fprintf(f, " %6.6s", lab);
    }
    fputc('\n', f);
    int idx = 0;
    cJSON_ArrayForEach (v, vars) {
        fprintf(f, " %3d", idx++);
        for (int k = 0; k < ncols; k++) {
            char b[32];
            tg_sweep_tier_rate(v, cols[k], b, sizeof b);
            fprintf(f, " %6s", b);
        }
        fputc('\n', f);
    }
}

static void wide_changes(FILE *f, const cJSON *s)
{
    const cJSON *v;
    fputs("\nwhat changed\n", f);
    int idx = 0;
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        fprintf(f, " %3d ", idx++);
        term(f, tg_json_str(v, "name"), 0);
        fputc('\n', f);
        /* One change a line: combinations stay readable. */
        const char *c = *tg_json_str(v, "changes") ? tg_json_str(v, "changes")
                                                   : "(unchanged)";
        while (*c) {
            const char *e = strstr(c, "; ");
            size_t n = e ? (size_t)(e - c) : strlen(c);
            char line[600];
            snprintf(line, sizeof line, "%.*s", (int)(n < 599 ? n : 599), c);
            fputs("       ", f);
            term(f, line, 0);
            fputc('\n', f);
            c += n + (e ? 2 : 0);
        }
        if (*tg_json_str(v, "gates_not_applicable")) {
            fputs("       gates naming no tier of this variant (left out): ",
                  f);
            term(f, tg_json_str(v, "gates_not_applicable"), 0);
            fputc('\n', f);
        }
    }
}

static void wide_chosen(FILE *f, const cJSON *s)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(s, "selection");
    const char *chosen = tg_json_str(s, "chosen");
    if (!*chosen) {
        fputs("\nNo variant meets the objective on TRAIN (reasons above); "
              "nothing is chosen and TEST is shown for the base only.\n",
              f);
        return;
    }
    fputs("\nchosen: ", f);
    term(f, chosen, 0);
    fprintf(f,
            "\n  Its TRAIN figures are optimistic: it is the best of %d on "
            "these rows.\n  Intervals holding for all %d at once "
            "(Bonferroni, %.4g%%):\n  Tier 1 lift %.2fx [%.2f, %.2f], "
            "priority lift %.2fx [%.2f, %.2f]\n",
            (int)tg_json_num(s, "variants_tried"),
            (int)tg_json_num(s, "variants_tried"),
            tg_json_num(sel, "adjusted_level") * 100,
            tg_json_num(sel, "tier1_lift"),
            tg_json_num(sel, "tier1_lift_ci_lower_adjusted"),
            tg_json_num(sel, "tier1_lift_ci_upper_adjusted"),
            tg_json_num(sel, "priority_lift"),
            tg_json_num(sel, "priority_lift_ci_lower_adjusted"),
            tg_json_num(sel, "priority_lift_ci_upper_adjusted"));
}

static void wide_test(FILE *f, const cJSON *s, const char *h)
{
    const cJSON *v;
    fprintf(f,
            "\nTEST (looked at after the choice)\n %-22s %8s %7s %6s %-18s "
            "%s\n",
            "variant", "prio vol", "rate", "T1 vol", h, "gate (TEST included)");
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "test");
        if (!t)
            continue;
        char buf[64];
        fputc(' ', f);
        term_name(f, tg_json_str(v, "name"), 22);
        snprintf(buf, sizeof buf, "%.0f", tg_json_num(t, "priority_volume"));
        fprintf(f, " %8s ", buf);
        if (isfinite(tg_json_num(t, "priority_rate")))
            fprintf(f, "%6.2f%% ", tg_json_num(t, "priority_rate") * 100);
        else
            fprintf(f, "%7s ", "n/a");
        fprintf(f, "%6.0f ", tg_json_num(t, "tier1_volume"));
        tg_sweep_lift_ci(t, buf, sizeof buf);
        fprintf(
            f, "%-18s %s\n", buf,
            tg_sweep_gate_word(cJSON_GetObjectItemCaseSensitive(t, "gate")));
    }
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "test"), *x;
        if (!t)
            continue;
        fputs("\n gates reading TEST for ", f);
        term(f, tg_json_str(v, "name"), 0);
        fputc('\n', f);
        cJSON_ArrayForEach (x,
                            cJSON_GetObjectItemCaseSensitive(t, "test_gates")) {
            char lab[16];
            tg_sweep_tier_label(lab, sizeof lab, tg_json_str(x, "tier"));
            fputs("  ", f);
            term(f, tg_json_str(x, "id"), 14);
            fputc(' ', f);
            term(f, *tg_json_str(x, "tier") ? lab : "-", 8);
            fputc(' ', f);
            term(f, tg_json_str(x, "status"), 12);
            fputc(' ', f);
            term(f, tg_json_str(x, "message"), 0);
            fputc('\n', f);
        }
        cJSON_ArrayForEach (x, cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(t, "gate"),
                                   "not_passed_blocking")) {
            fputs("  not passed (blocking): ", f);
            term(f, tg_json_str(x, "id"), 0);
            fputs(": ", f);
            term(f, tg_json_str(x, "message"), 0);
            fputc('\n', f);
        }
    }
}

/* The chosen variant's verdict with TEST, as one line (escaped). */
int tg_sweep_verdict_line(const cJSON *s, char *line, size_t n)
{
    const cJSON *v, *cv = NULL;
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants"))
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen")))
            cv = v;
    if (!cv)
        return 0;
    char e1[512], e2[128];
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cv, "test"), "gate");
    tg_esc_term_buf(tg_json_str(s, "chosen"), e1, sizeof e1);
    if (strcmp(tg_sweep_gate_word(g), "FAILED") == 0)
        snprintf(line, n,
                 "verdict: %s FAILS the gate (blocking gates not "
                 "passed are listed above); the release should keep the "
                 "base",
                 e1);
    else
        snprintf(line, n, "verdict: %s passes the gate, TEST included (%s)", e1,
                 tg_esc_term_buf(tg_sweep_gate_word(g), e2, sizeof e2));
    return 1;
}

void tg_sweep_render_text_wide(FILE *f, const cJSON *s)
{
    char h[64], line[1024];
    snprintf(h, sizeof h, "T1 lift [%g%% CI]",
             tg_json_num(s, "ci_level") * 100);
    wide_headline(f, s);
    wide_train(f, s, h);
    wide_tiers(f, s);
    wide_changes(f, s);
    wide_chosen(f, s);
    wide_test(f, s, h);
    if (tg_sweep_verdict_line(s, line, sizeof line))
        fprintf(f, "\n%s\n", line);
}
