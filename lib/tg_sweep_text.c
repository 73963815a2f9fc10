/*
 * The sweep result document for a terminal, fitted to a width: tables as
 * wide as their cells, a variant's numbers under its name when the names
 * leave no room, the per-tier table in blocks, messages wrapped between
 * words; the full layout (--wide) is tg_sweep_wide.c. Text from the sweep
 * file (ids, variant names, changes, messages) is terminal-escaped before
 * it is measured or printed.
 */
#include "tg_sweep_report.h"
#include "tg_sweep_text_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_json.h"
#include "tg_render.h"
#include "tg_textfit.h"

/* Terminal: control bytes shown escaped (tg_esc_term); in a padded
 * column (width > 0) they are shown as '?' so the column keeps its width. */
/* ---- the layout that fits a width
 * ---------------------------------------------- */

static const char *tesc(const char *s, char *buf, size_t n)
{
    return tg_esc_term_buf(s, buf, n);
}

/* "3,731", or "n/a" when not a count, into buf (32 bytes). */
static const char *count_str(double v, char buf[32])
{
    if (!isfinite(v) || v < 0) {
        snprintf(buf, 32, "n/a");
        return buf;
    }
    return tg_fmt_count((unsigned long long)llround(v), buf);
}

static void rate_str(const cJSON *t, char *buf, size_t n)
{
    if (isfinite(tg_json_num(t, "priority_rate")))
        snprintf(buf, n, "%.2f%%", tg_json_num(t, "priority_rate") * 100);
    else
        snprintf(buf, n, "n/a");
}

static void fit_headline(FILE *f, const cJSON *s, int width)
{
    char e1[1024], line[1200];
    const char *id = tg_json_str(s, "sweep_id");
    snprintf(line, sizeof line, "sweep %s",
             *id ? tesc(id, e1, sizeof e1) : "(command-line grid)");
    tg_text_wrap_lead(f, line, width, 0, 2);
    int tried = (int)tg_json_num(s, "variants_tried");
    snprintf(line, sizeof line,
             "%d variants tried (the base and %d variant%s),"
             " ranked on TRAIN only.",
             tried, tried - 1, tried == 2 ? "" : "s");
    tg_text_wrap_lead(f, line, width, 0, 2);
    snprintf(line, sizeof line, "objective: %s",
             tesc(tg_json_str(s, "objective"), e1, sizeof e1));
    tg_text_wrap_lead(f, line, width, 0, 2);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "exploratory")))
        tg_text_wrap_lead(
            f,
            "EXPLORATORY: TEST figures of every variant are shown "
            "(--show-test-all); choosing by them would make TEST training "
            "data.",
            width, 0, 2);
}

/* TRAIN, one row a variant; when the names leave no room, each
 * variant's numbers on the lines under its name. */
static void fit_train(FILE *f, const cJSON *s, const char *h, int width)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    tg_text_cells t;
    fputc('\n', f);
    tg_text_wrap_lead(f,
                      "TRAIN (gates p/w/f/?/i: pass, warn, fail, inconclusive, "
                      "insufficient)",
                      width, 0, 2);
    if (!tg_text_cells_init(&t, cJSON_GetArraySize(vars) + 1, 9))
        return;
    const char *hd[] = {"   #",     "variant", "rank", "prio vol",
                        "rate",     "T1 vol",  h,      "gates p/w/f/?/i",
                        "objective"};
    for (int c = 0; c < 9; c++)
        tg_text_cells_set(&t, 0, c, "%s", hd[c]);
    int r = 0;
    cJSON_ArrayForEach (v, vars) {
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(v, "train");
        char a[32], b[1024];
        r++;
        tg_text_cells_set(
            &t, r, 0, "%s%3d",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "chosen")) ? ">"
                                                                        : " ",
            r - 1);
        tg_text_cells_set(&t, r, 1, "%s",
                          tesc(tg_json_str(v, "name"), b, sizeof b));
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "rank")))
            tg_text_cells_set(&t, r, 2, "%d", (int)tg_json_num(v, "rank"));
        else
            tg_text_cells_set(&t, r, 2, "-");
        tg_text_cells_set(&t, r, 3, "%s",
                          count_str(tg_json_num(tr, "priority_volume"), a));
        rate_str(tr, b, sizeof b);
        tg_text_cells_set(&t, r, 4, "%s", b);
        tg_text_cells_set(&t, r, 5, "%s",
                          count_str(tg_json_num(tr, "tier1_volume"), a));
        tg_sweep_lift_ci(tr, b, sizeof b);
        tg_text_cells_set(&t, r, 6, "%s", b);
        tg_sweep_gates_cell(cJSON_GetObjectItemCaseSensitive(tr, "gates"), b,
                            sizeof b);
        tg_text_cells_set(&t, r, 7, "%s", b);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible")))
            tg_text_cells_set(&t, r, 8, "%g", tg_json_num(v, "objective"));
        else
            tg_text_cells_set(&t, r, 8, "- (below)");
    }
    tg_text_cells_out(f, &t, "llrrrrlll", 0, width, 2, 5);
    int idx = 0, nwhy = 0;
    cJSON_ArrayForEach (v, vars) {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "feasible"))) {
            char e1[1024], line[1100];
            if (!nwhy++)
                fputs("not eligible:\n", f);
            snprintf(line, sizeof line, "%4d: %s", idx,
                     tesc(tg_json_str(v, "why_not"), e1, sizeof e1));
            tg_text_wrap_lead(f, line, width, 0, 6);
        }
        idx++;
    }
}

/* Conversion per tier with whole labels, in blocks of as many tier
 * columns as fit, each block repeating the variant number. */
static void fit_tiers(FILE *f, const cJSON *s, int width)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    const char *cols[64];
    int ncols = tg_sweep_tier_columns(vars, cols), cw[64];
    char lab[64][48];
    for (int k = 0; k < ncols; k++) {
        char raw[16];
        tg_sweep_tier_label(raw, sizeof raw, cols[k]);
        tesc(raw, lab[k], sizeof lab[k]);
        cw[k] = tg_text_width(lab[k]) > 6 ? tg_text_width(lab[k]) : 6;
    }
    fputs("\nTRAIN conversion rate per tier (%)\n", f);
    for (int from = 0; from < ncols;) {
        int to = from, used = 4;
        while (to < ncols && (to == from || used + 1 + cw[to] <= width))
            used += 1 + cw[to++];
        if (from)
            fputc('\n', f);
        fputs("   #", f);
        for (int k = from; k < to; k++) {
            fputc(' ', f);
            tg_text_rpad(f, lab[k], cw[k]);
        }
        fputc('\n', f);
        int idx = 0;
        cJSON_ArrayForEach (v, vars) {
            fprintf(f, "%4d", idx++);
            for (int k = from; k < to; k++) {
                char b[32];
                tg_sweep_tier_rate(v, cols[k], b, sizeof b);
                fputc(' ', f);
                tg_text_rpad(f, b, cw[k]);
            }
            fputc('\n', f);
        }
        from = to;
    }
}

/* What each variant changes, one change a line, wrapped. */
static void fit_changes(FILE *f, const cJSON *s, int width)
{
    const cJSON *v;
    char e1[1024], line[1200];
    fputs("\nwhat changed\n", f);
    int idx = 0;
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants")) {
        snprintf(line, sizeof line, "%4d %s", idx++,
                 tesc(tg_json_str(v, "name"), e1, sizeof e1));
        tg_text_wrap_lead(f, line, width, 0, 7);
        const char *c = *tg_json_str(v, "changes") ? tg_json_str(v, "changes")
                                                   : "(unchanged)";
        while (*c) {
            const char *e = strstr(c, "; ");
            size_t len = e ? (size_t)(e - c) : strlen(c);
            char one[600];
            snprintf(one, sizeof one, "%.*s", (int)(len < 599 ? len : 599), c);
            fputs("       ", f);
            tg_text_wrap_lead(f, tesc(one, e1, sizeof e1), width, 7, 9);
            c += len + (e ? 2 : 0);
        }
        if (*tg_json_str(v, "gates_not_applicable")) {
            snprintf(
                line, sizeof line,
                "gates naming no tier of this variant "
                "(left out): %s",
                tesc(tg_json_str(v, "gates_not_applicable"), e1, sizeof e1));
            fputs("       ", f);
            tg_text_wrap_lead(f, line, width, 7, 9);
        }
    }
}

static void fit_chosen(FILE *f, const cJSON *s, int width)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(s, "selection");
    const char *chosen = tg_json_str(s, "chosen");
    char e1[1024], line[1200];
    int tried = (int)tg_json_num(s, "variants_tried");
    fputc('\n', f);
    if (!*chosen) {
        tg_text_wrap_lead(
            f,
            "No variant meets the objective on TRAIN (reasons above); "
            "nothing is chosen and TEST is shown for the base only.",
            width, 0, 2);
        return;
    }
    snprintf(line, sizeof line, "chosen: %s", tesc(chosen, e1, sizeof e1));
    tg_text_wrap_lead(f, line, width, 0, 2);
    snprintf(line, sizeof line,
             "  Its TRAIN figures are optimistic: it is the "
             "best of %d on these rows.",
             tried);
    tg_text_wrap_lead(f, line, width, 0, 2);
    snprintf(line, sizeof line,
             "  Intervals holding for all %d at once "
             "(Bonferroni, %.4g%%):",
             tried, tg_json_num(sel, "adjusted_level") * 100);
    tg_text_wrap_lead(f, line, width, 0, 2);
    snprintf(line, sizeof line,
             "  Tier 1 lift %.2fx [%.2f, %.2f], priority "
             "lift %.2fx [%.2f, %.2f]",
             tg_json_num(sel, "tier1_lift"),
             tg_json_num(sel, "tier1_lift_ci_lower_adjusted"),
             tg_json_num(sel, "tier1_lift_ci_upper_adjusted"),
             tg_json_num(sel, "priority_lift"),
             tg_json_num(sel, "priority_lift_ci_lower_adjusted"),
             tg_json_num(sel, "priority_lift_ci_upper_adjusted"));
    tg_text_wrap_lead(f, line, width, 0, 2);
}

/* TEST, for the variants it may be shown for. */
static void fit_test(FILE *f, const cJSON *s, const char *h, int width)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(s, "variants"), *v;
    tg_text_cells t;
    fputs("\nTEST (looked at after the choice)\n", f);
    int n = 0;
    cJSON_ArrayForEach (v, vars)
        n += cJSON_GetObjectItemCaseSensitive(v, "test") != NULL;
    if (!tg_text_cells_init(&t, n + 1, 6))
        return;
    const char *th[] = {"variant", "prio vol", "rate",
                        "T1 vol",  h,          "gate (TEST included)"};
    for (int c = 0; c < 6; c++)
        tg_text_cells_set(&t, 0, c, "%s", th[c]);
    int r = 0;
    cJSON_ArrayForEach (v, vars) {
        const cJSON *te = cJSON_GetObjectItemCaseSensitive(v, "test");
        char a[32], b[1024];
        if (!te)
            continue;
        r++;
        tg_text_cells_set(&t, r, 0, "%s",
                          tesc(tg_json_str(v, "name"), b, sizeof b));
        tg_text_cells_set(&t, r, 1, "%s",
                          count_str(tg_json_num(te, "priority_volume"), a));
        rate_str(te, b, sizeof b);
        tg_text_cells_set(&t, r, 2, "%s", b);
        tg_text_cells_set(&t, r, 3, "%s",
                          count_str(tg_json_num(te, "tier1_volume"), a));
        tg_sweep_lift_ci(te, b, sizeof b);
        tg_text_cells_set(&t, r, 4, "%s", b);
        tg_text_cells_set(
            &t, r, 5, "%s",
            tesc(tg_sweep_gate_word(
                     cJSON_GetObjectItemCaseSensitive(te, "gate")),
                 b, sizeof b));
    }
    tg_text_cells_out(f, &t, "lrrrll", 1, width, 1, 3);
}

/* The gates that read TEST for one variant: id, tier, status, then the
 * message wrapped under itself (on indented lines when that leaves too
 * little room). */
static void fit_test_gates(FILE *f, const cJSON *v, int width)
{
    const cJSON *te = cJSON_GetObjectItemCaseSensitive(v, "test"), *x;
    char e1[1024], e2[1024], line[2100];
    snprintf(line, sizeof line, " gates reading TEST for %s",
             tesc(tg_json_str(v, "name"), e1, sizeof e1));
    fputc('\n', f);
    tg_text_wrap_lead(f, line, width, 0, 2);
    int wi = 2, wt = 1, ws = 4;
    cJSON_ArrayForEach (x, cJSON_GetObjectItemCaseSensitive(te, "test_gates")) {
        char l[16];
        tg_sweep_tier_label(l, sizeof l, tg_json_str(x, "tier"));
        int a = tg_text_width(tesc(tg_json_str(x, "id"), e1, sizeof e1));
        int b = tg_text_width(
            tesc(*tg_json_str(x, "tier") ? l : "-", e1, sizeof e1));
        int c = tg_text_width(tesc(tg_json_str(x, "status"), e1, sizeof e1));
        wi = a > wi ? a : wi;
        wt = b > wt ? b : wt;
        ws = c > ws ? c : ws;
    }
    int at = 2 + wi + 1 + wt + 1 + ws + 1;
    int hang = width - at >= 30 ? at : 4;
    cJSON_ArrayForEach (x, cJSON_GetObjectItemCaseSensitive(te, "test_gates")) {
        char l[16];
        tg_sweep_tier_label(l, sizeof l, tg_json_str(x, "tier"));
        fputs("  ", f);
        tg_text_pad(f, tesc(tg_json_str(x, "id"), e1, sizeof e1), wi);
        fputc(' ', f);
        tg_text_pad(f, tesc(*tg_json_str(x, "tier") ? l : "-", e1, sizeof e1),
                    wt);
        fputc(' ', f);
        tg_text_pad(f, tesc(tg_json_str(x, "status"), e1, sizeof e1), ws);
        fputc(' ', f);
        int col = at;
        if (col > width - 10) { /* ids too long: the message below */
            fprintf(f, "\n%*s", hang, "");
            col = hang;
        }
        tg_text_wrap_lead(f, tesc(tg_json_str(x, "message"), e2, sizeof e2),
                          width, col, hang);
    }
    cJSON_ArrayForEach (x, cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(te, "gate"),
                               "not_passed_blocking")) {
        snprintf(line, sizeof line, "  not passed (blocking): %s: %s",
                 tesc(tg_json_str(x, "id"), e1, sizeof e1),
                 tesc(tg_json_str(x, "message"), e2, sizeof e2));
        tg_text_wrap_lead(f, line, width, 0, 4);
    }
}

static void render_fit(FILE *f, const cJSON *s, int width)
{
    const cJSON *v;
    char h[64], line[1024];
    snprintf(h, sizeof h, "T1 lift [%g%% CI]",
             tg_json_num(s, "ci_level") * 100);
    fit_headline(f, s, width);
    fit_train(f, s, h, width);
    fit_tiers(f, s, width);
    fit_changes(f, s, width);
    fit_chosen(f, s, width);
    fit_test(f, s, h, width);
    cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(s, "variants"))
        if (cJSON_GetObjectItemCaseSensitive(v, "test"))
            fit_test_gates(f, v, width);
    if (tg_sweep_verdict_line(s, line, sizeof line)) {
        fputc('\n', f);
        tg_text_wrap_lead(f, line, width, 0, 2);
    }
}

void tg_sweep_render_text(FILE *f, const cJSON *s, int width)
{
    if (width > 0)
        render_fit(f, s, width < 40 ? 40 : width);
    else
        tg_sweep_render_text_wide(f, s);
}
