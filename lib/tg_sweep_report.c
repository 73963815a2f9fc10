/*
 * Sweep writers, all from the result document so that `report` can
 * render a saved sweep. Text from the sweep file (variant names, the
 * changes) is escaped for each medium: control bytes never reach a
 * terminal, '|' never splits a Markdown cell, markup never reaches HTML.
 */
#include "tg_sweep_report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_textfit.h"

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

static const cJSON *o_of(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Terminal: control bytes shown escaped (tg_esc_term); in a padded
 * column (width > 0) they are shown as '?' so the column keeps its width. */
static void term(FILE *f, const char *s, int width)
{
    if (width <= 0) {
        tg_esc_term(f, s);
        return;
    }
    int n = 0;
    for (; *s && (width <= 0 || n < width); s++, n++)
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

/* A short label for a tier column: "TIER_1A_PRIME_MOVER_SMALL" -> "1A". */
static void tier_label(char *buf, size_t size, const char *name)
{
    if (strncmp(name, "TIER_", 5) == 0) {
        const char *p = name + 5, *u = strchr(p, '_');
        size_t n = u ? (size_t)(u - p) : strlen(p);
        snprintf(buf, size, "%.*s", (int)(n > 8 ? 8 : n), p);
    } else {
        snprintf(buf, size, "%.8s", name);
    }
}

static const char *gate_word(const cJSON *g)
{
    return s_of(g, "status");
}

void tg_sweep_frontier(const cJSON *sweep, unsigned char *on, int n)
{
    const cJSON *vars = o_of(sweep, "variants");
    for (int i = 0; i < n; i++) {
        const cJSON *a = o_of(cJSON_GetArrayItem(vars, i), "train");
        double va = n_of(a, "priority_volume"), ra = n_of(a, "priority_rate");
        on[i] = isfinite(va) && isfinite(ra);
        for (int j = 0; j < n && on[i]; j++) {
            const cJSON *b = o_of(cJSON_GetArrayItem(vars, j), "train");
            double vb = n_of(b, "priority_volume"), rb = n_of(b, "priority_rate");
            if (j != i && vb >= va && rb >= ra && (vb > va || rb > ra))
                on[i] = 0;
        }
    }
}

/* ---- text ------------------------------------------------------------------ */

static void headline(FILE *f, const cJSON *s, int markdown)
{
    int n = (int)n_of(s, "variants_tried");
    const char *id = s_of(s, "sweep_id");
    if (markdown) {
        fputs("## Sweep ", f);
        md(f, *id ? id : "(command-line grid)");
        fputs("\n\n", f);
    } else {
        fputs("sweep ", f);
        term(f, *id ? id : "(command-line grid)", 0);
        fputc('\n', f);
    }
    fprintf(f, "%d variants tried (the base and %d variant%s), ranked on TRAIN "
               "only.%s", n, n - 1, n == 2 ? "" : "s", markdown ? "  \n" : "\n");
    fputs("objective: ", f);
    if (markdown)
        md(f, s_of(s, "objective"));
    else
        term(f, s_of(s, "objective"), 0);
    fputs(markdown ? "\n\n" : "\n", f);
    if (cJSON_IsTrue(o_of(s, "exploratory")))
        fputs(markdown ? "**EXPLORATORY: TEST figures of every variant are shown "
                         "(--show-test-all). Choosing by them would make TEST "
                         "training data.**\n\n"
                       : "EXPLORATORY: TEST figures of every variant are shown "
                         "(--show-test-all); choosing by them would make TEST "
                         "training data.\n", f);
}

static void render_text_fit(FILE *f, const cJSON *s, int width);

void tg_sweep_render_text(FILE *f, const cJSON *s, int width)
{
    if (width > 0) {
        render_text_fit(f, s, width < 40 ? 40 : width);
        return;
    }
    const cJSON *vars = o_of(s, "variants"), *v;
    char h[64];
    headline(f, s, 0);
    snprintf(h, sizeof h, "T1 lift [%g%% CI]", n_of(s, "ci_level") * 100);
    fprintf(f, "\nTRAIN (gates p/w/f/?/i: pass, warn, fail, inconclusive, "
               "insufficient)\n"
               " %3s %-4s %-22s %8s %7s %6s %-18s %-16s %s\n", "#", "rank",
            "variant", "prio vol", "rate", "T1 vol", h, "gates p/w/f/?/i",
            "objective");
    int idx = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "train"), *g = o_of(t, "gates");
        char rank[16];
        if (cJSON_IsNumber(o_of(v, "rank")))
            snprintf(rank, sizeof rank, "%d", (int)n_of(v, "rank"));
        else
            snprintf(rank, sizeof rank, "-");
        fprintf(f, "%s%3d %-4s ", cJSON_IsTrue(o_of(v, "chosen")) ? ">" : " ",
                idx++, rank);
        term_name(f, s_of(v, "name"), 22);
        fputc(' ', f);
        char buf[64];
        snprintf(buf, sizeof buf, "%.0f", n_of(t, "priority_volume"));
        fprintf(f, "%8s ", buf);
        if (isfinite(n_of(t, "priority_rate")))
            fprintf(f, "%6.2f%% ", n_of(t, "priority_rate") * 100);
        else
            fprintf(f, "%7s ", "n/a");
        fprintf(f, "%6.0f ", n_of(t, "tier1_volume"));
        if (isfinite(n_of(t, "tier1_lift")))
            snprintf(buf, sizeof buf, "%.2f [%.2f,%.2f]", n_of(t, "tier1_lift"),
                     n_of(t, "tier1_lift_ci_lower"),
                     n_of(t, "tier1_lift_ci_upper"));
        else
            snprintf(buf, sizeof buf, "n/a");
        fprintf(f, "%-18s ", buf);
        snprintf(buf, sizeof buf, "%s %.0f/%.0f/%.0f/%.0f/%.0f",
                 strcmp(gate_word(g), "FAILED") == 0 ? "FAIL" : "ok",
                 n_of(g, "pass"), n_of(g, "warn"), n_of(g, "fail"),
                 n_of(g, "inconclusive"), n_of(g, "insufficient"));
        fprintf(f, "%-16s ", buf);
        if (cJSON_IsTrue(o_of(v, "feasible")))
            fprintf(f, "%g\n", n_of(v, "objective"));
        else
            fputs("- (below)\n", f);
    }
    idx = 0;
    int nwhy = 0;
    cJSON_ArrayForEach(v, vars)
    {
        if (!cJSON_IsTrue(o_of(v, "feasible"))) {
            fprintf(f, "%s %3d: ", nwhy++ ? "" : "not eligible:\n", idx);
            term(f, s_of(v, "why_not"), 0);
            fputc('\n', f);
        }
        idx++;
    }
    /* Conversion per tier: columns are the base's tiers and any tier a
     * variant adds, in first-seen order. */
    const char *cols[64];
    int ncols = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t;
        cJSON_ArrayForEach(t, o_of(o_of(v, "train"), "tiers"))
        {
            const char *name = s_of(t, "tier");
            int k = 0;
            while (k < ncols && strcmp(cols[k], name) != 0)
                k++;
            if (k == ncols && ncols < 64)
                cols[ncols++] = name;
        }
    }
    fprintf(f, "\nTRAIN conversion rate per tier (%%)\n %3s", "#");
    for (int k = 0; k < ncols; k++) {
        char lab[16];
        tier_label(lab, sizeof lab, cols[k]);
        fprintf(f, " %6.6s", lab);
    }
    fputc('\n', f);
    idx = 0;
    cJSON_ArrayForEach(v, vars)
    {
        fprintf(f, " %3d", idx++);
        for (int k = 0; k < ncols; k++) {
            const cJSON *t, *hit = NULL;
            cJSON_ArrayForEach(t, o_of(o_of(v, "train"), "tiers"))
                if (strcmp(s_of(t, "tier"), cols[k]) == 0)
                    hit = t;
            double r = hit ? n_of(hit, "conversion_rate") : NAN;
            if (isfinite(r))
                fprintf(f, " %6.2f", r * 100);
            else
                fprintf(f, " %6s", hit ? "n/a" : "-");
        }
        fputc('\n', f);
    }
    fputs("\nwhat changed\n", f);
    idx = 0;
    cJSON_ArrayForEach(v, vars)
    {
        fprintf(f, " %3d ", idx++);
        term(f, s_of(v, "name"), 0);
        fputc('\n', f);
        /* One change a line: combinations stay readable. */
        const char *c = *s_of(v, "changes") ? s_of(v, "changes") : "(unchanged)";
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
        if (*s_of(v, "gates_not_applicable")) {
            fputs("       gates naming no tier of this variant (left out): ", f);
            term(f, s_of(v, "gates_not_applicable"), 0);
            fputc('\n', f);
        }
    }
    const cJSON *sel = o_of(s, "selection");
    const char *chosen = s_of(s, "chosen");
    if (!*chosen) {
        fputs("\nNo variant meets the objective on TRAIN (reasons above); "
              "nothing is chosen and TEST is shown for the base only.\n", f);
    } else {
        fputs("\nchosen: ", f);
        term(f, chosen, 0);
        fprintf(f, "\n  Its TRAIN figures are optimistic: it is the best of %d on these "
                   "rows.\n  Intervals holding for all %d at once (Bonferroni, "
                   "%.4g%%):\n  Tier 1 lift %.2fx [%.2f, %.2f], priority lift "
                   "%.2fx [%.2f, %.2f]\n",
                (int)n_of(s, "variants_tried"), (int)n_of(s, "variants_tried"),
                n_of(sel, "adjusted_level") * 100, n_of(sel, "tier1_lift"),
                n_of(sel, "tier1_lift_ci_lower_adjusted"),
                n_of(sel, "tier1_lift_ci_upper_adjusted"),
                n_of(sel, "priority_lift"),
                n_of(sel, "priority_lift_ci_lower_adjusted"),
                n_of(sel, "priority_lift_ci_upper_adjusted"));
    }
    fprintf(f, "\nTEST (looked at after the choice)\n %-22s %8s %7s %6s %-18s "
               "%s\n", "variant", "prio vol", "rate", "T1 vol", h,
            "gate (TEST included)");
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "test");
        if (!t)
            continue;
        fputc(' ', f);
        term_name(f, s_of(v, "name"), 22);
        char buf[64];
        snprintf(buf, sizeof buf, "%.0f", n_of(t, "priority_volume"));
        fprintf(f, " %8s ", buf);
        if (isfinite(n_of(t, "priority_rate")))
            fprintf(f, "%6.2f%% ", n_of(t, "priority_rate") * 100);
        else
            fprintf(f, "%7s ", "n/a");
        fprintf(f, "%6.0f ", n_of(t, "tier1_volume"));
        if (isfinite(n_of(t, "tier1_lift")))
            snprintf(buf, sizeof buf, "%.2f [%.2f,%.2f]", n_of(t, "tier1_lift"),
                     n_of(t, "tier1_lift_ci_lower"),
                     n_of(t, "tier1_lift_ci_upper"));
        else
            snprintf(buf, sizeof buf, "n/a");
        fprintf(f, "%-18s %s\n", buf, gate_word(o_of(t, "gate")));
    }
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "test"), *x;
        if (!t)
            continue;
        fputs("\n gates reading TEST for ", f);
        term(f, s_of(v, "name"), 0);
        fputc('\n', f);
        cJSON_ArrayForEach(x, o_of(t, "test_gates"))
        {
            char lab[16];
            tier_label(lab, sizeof lab, s_of(x, "tier"));
            fputs("  ", f);
            term(f, s_of(x, "id"), 14);
            fputc(' ', f);
            term(f, *s_of(x, "tier") ? lab : "-", 8);
            fprintf(f, " %-12s ", s_of(x, "status"));
            term(f, s_of(x, "message"), 0);
            fputc('\n', f);
        }
        cJSON_ArrayForEach(x, o_of(o_of(t, "gate"), "not_passed_blocking"))
        {
            fputs("  not passed (blocking): ", f);
            term(f, s_of(x, "id"), 0);
            fputs(": ", f);
            term(f, s_of(x, "message"), 0);
            fputc('\n', f);
        }
    }
    const cJSON *cv = NULL;
    cJSON_ArrayForEach(v, vars)
        if (cJSON_IsTrue(o_of(v, "chosen")))
            cv = v;
    if (cv) {
        const cJSON *g = o_of(o_of(cv, "test"), "gate");
        fputs("\nverdict: ", f);
        term(f, chosen, 0);
        if (strcmp(gate_word(g), "FAILED") == 0)
            fputs(" FAILS the gate (blocking gates not passed are listed "
                  "above); the release should keep the base\n", f);
        else
            fprintf(f, " passes the gate, TEST included (%s)\n", gate_word(g));
    }
}

/* ---- text that fits ------------------------------------------------------------- */

/* A table of cells (row-major, row 0 the header) built before it is laid
 * out, so that every column is as wide as its widest cell. */
typedef struct {
    char **cell;
    int nrows, ncols, cap;
} cells;

static int cells_init(cells *t, int nrows, int ncols)
{
    t->nrows = 0;
    t->ncols = ncols;
    t->cap = nrows;
    t->cell = calloc((size_t)nrows * (size_t)ncols, sizeof *t->cell);
    return t->cell != NULL;
}

static void cells_free(cells *t)
{
    for (int i = 0; t->cell && i < t->cap * t->ncols; i++)
        free(t->cell[i]);
    free(t->cell);
    t->cell = NULL;
}

/* Set cell (r, c) to the formatted text (already terminal-safe). */
static void cell_set(cells *t, int r, int c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cell_set(cells *t, int r, int c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (r >= t->cap || c >= t->ncols)
        return;
    free(t->cell[r * t->ncols + c]);
    t->cell[r * t->ncols + c] = strdup(buf);
    if (r >= t->nrows)
        t->nrows = r + 1;
}

/* Lay out t (tg_text_table_ex): one line a row when the rows fit width,
 * else the first `head` cells on a line of their own and the others
 * `sub` columns in below. A cell that could not be stored shows empty. */
static void fit_table(FILE *f, cells *t, const char *align, int indent,
                      int head, int sub, int width)
{
    for (int i = 0; i < t->nrows * t->ncols; i++)
        if (!t->cell[i] && !(t->cell[i] = strdup("")))
            return;
    tg_text_table_ex(f, (const char *const *)t->cell, t->nrows, t->ncols,
                     align, indent, width, head, sub);
}

/* An escaped copy of s for a terminal (into buf). */
static const char *tesc(const char *s, char *buf, size_t n)
{
    return tg_esc_term_buf(s, buf, n);
}

/* "3,731", or "n/a" when not finite, into buf (32 bytes). */
static const char *count_str(double v, char buf[32])
{
    char *b = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&b, &len);
    if (!m) {
        snprintf(buf, 32, "%.0f", v);
        return buf;
    }
    count(m, v);
    fclose(m);
    snprintf(buf, 32, "%s", b ? b : "");
    free(b);
    return buf;
}

static void lift_ci_str(const cJSON *t, char *buf, size_t n)
{
    if (isfinite(n_of(t, "tier1_lift")))
        snprintf(buf, n, "%.2f [%.2f,%.2f]", n_of(t, "tier1_lift"),
                 n_of(t, "tier1_lift_ci_lower"), n_of(t, "tier1_lift_ci_upper"));
    else
        snprintf(buf, n, "n/a");
}

static void rate_str(const cJSON *t, char *buf, size_t n)
{
    if (isfinite(n_of(t, "priority_rate")))
        snprintf(buf, n, "%.2f%%", n_of(t, "priority_rate") * 100);
    else
        snprintf(buf, n, "n/a");
}

/* A line of text (already escaped) wrapped between words; its leading
 * blanks are kept (tg_text_wrap drops them). */
static void say(FILE *f, const char *text, int width, int first, int indent)
{
    while (*text == ' ') {
        fputc(' ', f);
        first++;
        text++;
    }
    tg_text_wrap(f, text, width, first, indent);
}

static void render_text_fit(FILE *f, const cJSON *s, int width)
{
    const cJSON *vars = o_of(s, "variants"), *v;
    int n = cJSON_GetArraySize(vars);
    char e1[1024], e2[1024], line[2400], h[64];
    const char *id = s_of(s, "sweep_id");
    snprintf(line, sizeof line, "sweep %s",
             *id ? tesc(id, e1, sizeof e1) : "(command-line grid)");
    say(f, line, width, 0, 2);
    int tried = (int)n_of(s, "variants_tried");
    snprintf(line, sizeof line, "%d variants tried (the base and %d variant%s), "
             "ranked on TRAIN only.", tried, tried - 1, tried == 2 ? "" : "s");
    say(f, line, width, 0, 2);
    snprintf(line, sizeof line, "objective: %s",
             tesc(s_of(s, "objective"), e1, sizeof e1));
    say(f, line, width, 0, 2);
    if (cJSON_IsTrue(o_of(s, "exploratory")))
        say(f, "EXPLORATORY: TEST figures of every variant are shown "
               "(--show-test-all); choosing by them would make TEST training "
               "data.", width, 0, 2);

    /* TRAIN, one row a variant (two when the names leave no room). */
    snprintf(h, sizeof h, "T1 lift [%g%% CI]", n_of(s, "ci_level") * 100);
    fputc('\n', f);
    say(f, "TRAIN (gates p/w/f/?/i: pass, warn, fail, inconclusive, "
           "insufficient)", width, 0, 2);
    cells t;
    if (!cells_init(&t, n + 1, 9))
        return;
    const char *hd[] = {"   #", "variant", "rank", "prio vol", "rate",
                        "T1 vol", h, "gates p/w/f/?/i", "objective"};
    for (int c = 0; c < 9; c++)
        cell_set(&t, 0, c, "%s", hd[c]);
    int idx = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *tr = o_of(v, "train"), *g = o_of(tr, "gates");
        int r = ++idx;
        char a[32], b[64];
        cell_set(&t, r, 0, "%s%3d", cJSON_IsTrue(o_of(v, "chosen")) ? ">" : " ",
                 r - 1);
        cell_set(&t, r, 1, "%s", tesc(s_of(v, "name"), e1, sizeof e1));
        if (cJSON_IsNumber(o_of(v, "rank")))
            cell_set(&t, r, 2, "%d", (int)n_of(v, "rank"));
        else
            cell_set(&t, r, 2, "-");
        cell_set(&t, r, 3, "%s", count_str(n_of(tr, "priority_volume"), a));
        rate_str(tr, b, sizeof b);
        cell_set(&t, r, 4, "%s", b);
        cell_set(&t, r, 5, "%s", count_str(n_of(tr, "tier1_volume"), a));
        lift_ci_str(tr, b, sizeof b);
        cell_set(&t, r, 6, "%s", b);
        cell_set(&t, r, 7, "%s %.0f/%.0f/%.0f/%.0f/%.0f",
                 strcmp(gate_word(g), "FAILED") == 0 ? "FAIL" : "ok",
                 n_of(g, "pass"), n_of(g, "warn"), n_of(g, "fail"),
                 n_of(g, "inconclusive"), n_of(g, "insufficient"));
        if (cJSON_IsTrue(o_of(v, "feasible")))
            cell_set(&t, r, 8, "%g", n_of(v, "objective"));
        else
            cell_set(&t, r, 8, "- (below)");
    }
    fit_table(f, &t, "llrrrrlll", 0, 2, 5, width);
    cells_free(&t);
    idx = 0;
    int nwhy = 0;
    cJSON_ArrayForEach(v, vars)
    {
        if (!cJSON_IsTrue(o_of(v, "feasible"))) {
            if (!nwhy++)
                fputs("not eligible:\n", f);
            snprintf(line, sizeof line, "%4d: %s", idx,
                     tesc(s_of(v, "why_not"), e1, sizeof e1));
            say(f, line, width, 0, 6);
        }
        idx++;
    }

    /* Conversion per tier, in blocks of as many tier columns as fit. */
    const char *cols[64];
    int ncols = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *x;
        cJSON_ArrayForEach(x, o_of(o_of(v, "train"), "tiers"))
        {
            const char *name = s_of(x, "tier");
            int k = 0;
            while (k < ncols && strcmp(cols[k], name) != 0)
                k++;
            if (k == ncols && ncols < 64)
                cols[ncols++] = name;
        }
    }
    char lab[64][48];
    int cw[64];
    for (int k = 0; k < ncols; k++) {
        char raw[16];
        tier_label(raw, sizeof raw, cols[k]);
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
        idx = 0;
        cJSON_ArrayForEach(v, vars)
        {
            fprintf(f, "%4d", idx++);
            for (int k = from; k < to; k++) {
                const cJSON *x, *hit = NULL;
                cJSON_ArrayForEach(x, o_of(o_of(v, "train"), "tiers"))
                    if (strcmp(s_of(x, "tier"), cols[k]) == 0)
                        hit = x;
                double r = hit ? n_of(hit, "conversion_rate") : NAN;
                char b[32];
                if (isfinite(r))
                    snprintf(b, sizeof b, "%.2f", r * 100);
                else
                    snprintf(b, sizeof b, "%s", hit ? "n/a" : "-");
                fputc(' ', f);
                tg_text_rpad(f, b, cw[k]);
            }
            fputc('\n', f);
        }
        from = to;
    }

    /* What each variant changes, one change a line, wrapped. */
    fputs("\nwhat changed\n", f);
    idx = 0;
    cJSON_ArrayForEach(v, vars)
    {
        snprintf(line, sizeof line, "%4d %s", idx++,
                 tesc(s_of(v, "name"), e1, sizeof e1));
        say(f, line, width, 0, 7);
        const char *c = *s_of(v, "changes") ? s_of(v, "changes") : "(unchanged)";
        while (*c) {
            const char *e = strstr(c, "; ");
            size_t len = e ? (size_t)(e - c) : strlen(c);
            char one[600];
            snprintf(one, sizeof one, "%.*s", (int)(len < 599 ? len : 599), c);
            fputs("       ", f);
            say(f, tesc(one, e1, sizeof e1), width, 7, 9);
            c += len + (e ? 2 : 0);
        }
        if (*s_of(v, "gates_not_applicable")) {
            snprintf(line, sizeof line, "gates naming no tier of this variant "
                     "(left out): %s",
                     tesc(s_of(v, "gates_not_applicable"), e1, sizeof e1));
            fputs("       ", f);
            say(f, line, width, 7, 9);
        }
    }

    const cJSON *sel = o_of(s, "selection");
    const char *chosen = s_of(s, "chosen");
    fputc('\n', f);
    if (!*chosen) {
        say(f, "No variant meets the objective on TRAIN (reasons above); "
               "nothing is chosen and TEST is shown for the base only.",
            width, 0, 2);
    } else {
        snprintf(line, sizeof line, "chosen: %s", tesc(chosen, e1, sizeof e1));
        say(f, line, width, 0, 2);
        snprintf(line, sizeof line, "Its TRAIN figures are optimistic: it is "
                 "the best of %d on these rows.", tried);
        fputs("  ", f);
        say(f, line, width, 2, 2);
        snprintf(line, sizeof line, "Intervals holding for all %d at once "
                 "(Bonferroni, %.4g%%):", tried,
                 n_of(sel, "adjusted_level") * 100);
        fputs("  ", f);
        say(f, line, width, 2, 2);
        snprintf(line, sizeof line, "Tier 1 lift %.2fx [%.2f, %.2f], priority "
                 "lift %.2fx [%.2f, %.2f]", n_of(sel, "tier1_lift"),
                 n_of(sel, "tier1_lift_ci_lower_adjusted"),
                 n_of(sel, "tier1_lift_ci_upper_adjusted"),
                 n_of(sel, "priority_lift"),
                 n_of(sel, "priority_lift_ci_lower_adjusted"),
                 n_of(sel, "priority_lift_ci_upper_adjusted"));
        fputs("  ", f);
        say(f, line, width, 2, 2);
    }

    /* TEST, for the variants it may be shown for. */
    fputs("\nTEST (looked at after the choice)\n", f);
    if (!cells_init(&t, n + 1, 6))
        return;
    const char *th[] = {"variant", "prio vol", "rate", "T1 vol", h,
                        "gate (TEST included)"};
    for (int c = 0; c < 6; c++)
        cell_set(&t, 0, c, "%s", th[c]);
    int r = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *te = o_of(v, "test");
        char a[32], b[64];
        if (!te)
            continue;
        r++;
        cell_set(&t, r, 0, "%s", tesc(s_of(v, "name"), e1, sizeof e1));
        cell_set(&t, r, 1, "%s", count_str(n_of(te, "priority_volume"), a));
        rate_str(te, b, sizeof b);
        cell_set(&t, r, 2, "%s", b);
        cell_set(&t, r, 3, "%s", count_str(n_of(te, "tier1_volume"), a));
        lift_ci_str(te, b, sizeof b);
        cell_set(&t, r, 4, "%s", b);
        cell_set(&t, r, 5, "%s",
                 tesc(gate_word(o_of(te, "gate")), e1, sizeof e1));
    }
    fit_table(f, &t, "lrrrll", 1, 1, 3, width);
    cells_free(&t);

    /* The gates that read TEST: id, tier, status, then the message
     * wrapped under itself (or, when that leaves too little room, on
     * indented lines). */
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *te = o_of(v, "test"), *x;
        if (!te)
            continue;
        snprintf(line, sizeof line, " gates reading TEST for %s",
                 tesc(s_of(v, "name"), e1, sizeof e1));
        fputc('\n', f);
        say(f, line, width, 0, 2);
        int wi = 2, wt = 1, ws = 4;
        cJSON_ArrayForEach(x, o_of(te, "test_gates"))
        {
            char l[16];
            tier_label(l, sizeof l, s_of(x, "tier"));
            int a = tg_text_width(tesc(s_of(x, "id"), e1, sizeof e1));
            int b = tg_text_width(tesc(*s_of(x, "tier") ? l : "-", e1, sizeof e1));
            int c = tg_text_width(tesc(s_of(x, "status"), e1, sizeof e1));
            wi = a > wi ? a : wi;
            wt = b > wt ? b : wt;
            ws = c > ws ? c : ws;
        }
        int at = 2 + wi + 1 + wt + 1 + ws + 1;
        int hang = width - at >= 30 ? at : 4;
        cJSON_ArrayForEach(x, o_of(te, "test_gates"))
        {
            char l[16];
            tier_label(l, sizeof l, s_of(x, "tier"));
            fputs("  ", f);
            tg_text_pad(f, tesc(s_of(x, "id"), e1, sizeof e1), wi);
            fputc(' ', f);
            tg_text_pad(f, tesc(*s_of(x, "tier") ? l : "-", e1, sizeof e1), wt);
            fputc(' ', f);
            tg_text_pad(f, tesc(s_of(x, "status"), e1, sizeof e1), ws);
            fputc(' ', f);
            int col = 2 + wi + 1 + wt + 1 + ws + 1;
            if (col > width - 10) { /* ids too long: the message below */
                fprintf(f, "\n%*s", hang, "");
                col = hang;
            }
            say(f, tesc(s_of(x, "message"), e2, sizeof e2), width, col, hang);
        }
        cJSON_ArrayForEach(x, o_of(o_of(te, "gate"), "not_passed_blocking"))
        {
            snprintf(line, sizeof line, "  not passed (blocking): %s: %s",
                     tesc(s_of(x, "id"), e1, sizeof e1),
                     tesc(s_of(x, "message"), e2, sizeof e2));
            say(f, line, width, 0, 4);
        }
    }
    const cJSON *cv = NULL;
    cJSON_ArrayForEach(v, vars)
        if (cJSON_IsTrue(o_of(v, "chosen")))
            cv = v;
    if (cv) {
        const cJSON *g = o_of(o_of(cv, "test"), "gate");
        if (strcmp(gate_word(g), "FAILED") == 0)
            snprintf(line, sizeof line, "verdict: %s FAILS the gate (blocking "
                     "gates not passed are listed above); the release should "
                     "keep the base", tesc(chosen, e1, sizeof e1));
        else
            snprintf(line, sizeof line, "verdict: %s passes the gate, TEST "
                     "included (%s)", tesc(chosen, e1, sizeof e1),
                     tesc(gate_word(g), e2, sizeof e2));
        fputc('\n', f);
        say(f, line, width, 0, 2);
    }
}

/* ---- Markdown ------------------------------------------------------------------ */

void tg_sweep_render_markdown(FILE *f, const cJSON *s)
{
    const cJSON *vars = o_of(s, "variants"), *v;
    headline(f, s, 1);
    fprintf(f, "| rank | variant | what changed | priority volume | priority "
               "rate | Tier 1 volume | Tier 1 lift [%g%% CI] | TRAIN gates "
               "(pass/warn/fail/inconclusive/insufficient) | objective |\n"
               "|---:|---|---|---:|---:|---:|---|---|---:|\n",
            n_of(s, "ci_level") * 100);
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "train"), *g = o_of(t, "gates");
        int chosen = cJSON_IsTrue(o_of(v, "chosen"));
        if (cJSON_IsNumber(o_of(v, "rank")))
            fprintf(f, "| %d | ", (int)n_of(v, "rank"));
        else
            fputs("| – | ", f);
        fputs(chosen ? "**" : "", f);
        md(f, s_of(v, "name"));
        fputs(chosen ? "** (chosen)" : "", f);
        fputs(" | ", f);
        md(f, *s_of(v, "changes") ? s_of(v, "changes") : "unchanged");
        fputs(" | ", f);
        count(f, n_of(t, "priority_volume"));
        fputs(" | ", f);
        pct(f, n_of(t, "priority_rate"));
        fputs(" | ", f);
        count(f, n_of(t, "tier1_volume"));
        fputs(" | ", f);
        lift(f, n_of(t, "tier1_lift"));
        fputs(" [", f);
        lift(f, n_of(t, "tier1_lift_ci_lower"));
        fputs(", ", f);
        lift(f, n_of(t, "tier1_lift_ci_upper"));
        fprintf(f, "] | %s %.0f/%.0f/%.0f/%.0f/%.0f | ", gate_word(g),
                n_of(g, "pass"), n_of(g, "warn"), n_of(g, "fail"),
                n_of(g, "inconclusive"), n_of(g, "insufficient"));
        if (cJSON_IsTrue(o_of(v, "feasible")))
            fprintf(f, "%g |\n", n_of(v, "objective"));
        else {
            fputs("– (", f);
            md(f, s_of(v, "why_not"));
            fputs(") |\n", f);
        }
    }
    const char *chosen = s_of(s, "chosen");
    const cJSON *sel = o_of(s, "selection");
    if (*chosen) {
        fputs("\n**Chosen: ", f);
        md(f, chosen);
        fputs("**. ", f);
        md(f, s_of(sel, "note"));
        fprintf(f, ". Tier 1 lift on TRAIN %.2fx, adjusted interval "
                   "[%.2f, %.2f].\n", n_of(sel, "tier1_lift"),
                n_of(sel, "tier1_lift_ci_lower_adjusted"),
                n_of(sel, "tier1_lift_ci_upper_adjusted"));
    } else {
        fputs("\n**No variant meets the objective on TRAIN**; nothing is "
              "chosen.\n", f);
    }
    fprintf(f, "\n### TEST, after the choice\n\n| variant | priority volume | "
               "priority rate | Tier 1 volume | Tier 1 lift | gate (TEST "
               "included) | TEST gates |\n|---|---:|---:|---:|---|---|---|\n");
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "test"), *x;
        if (!t)
            continue;
        fputs("| ", f);
        md(f, s_of(v, "name"));
        fputs(" | ", f);
        count(f, n_of(t, "priority_volume"));
        fputs(" | ", f);
        pct(f, n_of(t, "priority_rate"));
        fputs(" | ", f);
        count(f, n_of(t, "tier1_volume"));
        fputs(" | ", f);
        lift(f, n_of(t, "tier1_lift"));
        fprintf(f, " | %s | ", gate_word(o_of(t, "gate")));
        int k = 0;
        cJSON_ArrayForEach(x, o_of(t, "test_gates"))
        {
            fputs(k++ ? "; " : "", f);
            md(f, s_of(x, "id"));
            fputc(' ', f);
            md(f, s_of(x, "status"));
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

static void chart(FILE *f, const cJSON *s)
{
    const cJSON *vars = o_of(s, "variants");
    int n = cJSON_GetArraySize(vars);
    unsigned char *front = calloc((size_t)(n ? n : 1), 1);
    if (!front)
        return;
    tg_sweep_frontier(s, front, n);
    double vmin = INFINITY, vmax = 0, rmin = INFINITY, rmax = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *t = o_of(cJSON_GetArrayItem(vars, i), "train");
        double vol = n_of(t, "priority_volume"), r = n_of(t, "priority_rate");
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
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order), m = 0;
    for (int i = 0; order && i < n; i++)
        if (front[i])
            order[m++] = i;
    for (int a = 0; order && a < m; a++)
        for (int b = a + 1; b < m; b++) {
            double va = n_of(o_of(cJSON_GetArrayItem(vars, order[a]), "train"),
                             "priority_volume");
            double vb = n_of(o_of(cJSON_GetArrayItem(vars, order[b]), "train"),
                             "priority_volume");
            if (vb < va) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
        }
    if (m > 1) {
        fputs("<polyline fill=\"none\" stroke=\"#1e7e34\" stroke-width=\"1.5\" "
              "stroke-dasharray=\"5,3\" points=\"", f);
        for (int a = 0; a < m; a++) {
            const cJSON *t = o_of(cJSON_GetArrayItem(vars, order[a]), "train");
            fprintf(f, "%s%.1f,%.1f", a ? " " : "",
                    XP(n_of(t, "priority_volume")), YP(n_of(t, "priority_rate")));
        }
        fputs("\"/>", f);
    }
    free(order);
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(vars, i), *t = o_of(v, "train");
        double vol = n_of(t, "priority_volume"), r = n_of(t, "priority_rate");
        if (!isfinite(vol) || !isfinite(r))
            continue;
        int chosen = cJSON_IsTrue(o_of(v, "chosen"));
        fprintf(f, "<g><title>");
        esc(f, s_of(v, "name"));
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
    const cJSON *vars = o_of(s, "variants"), *v;
    int n = cJSON_GetArraySize(vars);
    unsigned char *front = calloc((size_t)(n ? n : 1), 1);
    if (front)
        tg_sweep_frontier(s, front, n);
    fputs("<h2>Sweep: ", f);
    esc(f, *s_of(s, "sweep_id") ? s_of(s, "sweep_id") : "command-line grid");
    fprintf(f, "</h2><p>%d variants tried, ranked on TRAIN only. Objective: ",
            (int)n_of(s, "variants_tried"));
    esc(f, s_of(s, "objective"));
    fputs(".</p>", f);
    if (cJSON_IsTrue(o_of(s, "exploratory")))
        fputs("<p class=\"banner FAILED\">Exploratory: TEST figures of every "
              "variant are shown; choosing by them would make TEST training "
              "data.</p>", f);
    fputs("<figure><figcaption>Priority volume against priority conversion "
          "rate on TRAIN (numbers in the table below)</figcaption>", f);
    chart(f, s);
    fprintf(f, "</figure><table><thead><tr><th>#</th><th>variant</th><th>what "
               "changed</th><th>priority volume</th><th>priority rate</th>"
               "<th>Tier 1 volume</th><th>Tier 1 lift [%g%% CI]</th><th>TRAIN "
               "gates (pass/warn/fail/inconclusive/insufficient)</th><th>objective</th><th>frontier</th></tr></thead><tbody>",
            n_of(s, "ci_level") * 100);
    int i = 0;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *t = o_of(v, "train"), *g = o_of(t, "gates");
        int chosen = cJSON_IsTrue(o_of(v, "chosen"));
        fprintf(f, "<tr%s><td>%d</td><td>", chosen ? " style=\"font-weight:"
                "bold;background:#fde8e8\"" : "", i);
        esc(f, s_of(v, "name"));
        fputs(chosen ? " (chosen)" : "", f);
        fputs("</td><td>", f);
        esc(f, *s_of(v, "changes") ? s_of(v, "changes") : "unchanged");
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(t, "priority_volume"));
        fputs("</td><td class=\"n\">", f);
        pct(f, n_of(t, "priority_rate"));
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(t, "tier1_volume"));
        fputs("</td><td class=\"n\">", f);
        lift(f, n_of(t, "tier1_lift"));
        fputs(" [", f);
        lift(f, n_of(t, "tier1_lift_ci_lower"));
        fputs(", ", f);
        lift(f, n_of(t, "tier1_lift_ci_upper"));
        fprintf(f, "]</td><td>%s %.0f/%.0f/%.0f/%.0f/%.0f</td><td>",
                gate_word(g), n_of(g, "pass"), n_of(g, "warn"), n_of(g, "fail"),
                n_of(g, "inconclusive"), n_of(g, "insufficient"));
        if (cJSON_IsTrue(o_of(v, "feasible")))
            fprintf(f, "%g", n_of(v, "objective"));
        else {
            fputs("– (", f);
            esc(f, s_of(v, "why_not"));
            fputs(")", f);
        }
        fprintf(f, "</td><td>%s</td></tr>", front && front[i] ? "yes" : "");
        i++;
    }
    fputs("</tbody></table>", f);
    const char *chosen = s_of(s, "chosen");
    const cJSON *sel = o_of(s, "selection");
    if (*chosen) {
        fputs("<p><strong>Chosen: ", f);
        esc(f, chosen);
        fputs("</strong>. ", f);
        esc(f, s_of(sel, "note"));
        fprintf(f, ". Tier 1 lift on TRAIN %.2fx, adjusted interval [%.2f, "
                   "%.2f].</p>", n_of(sel, "tier1_lift"),
                n_of(sel, "tier1_lift_ci_lower_adjusted"),
                n_of(sel, "tier1_lift_ci_upper_adjusted"));
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
        const cJSON *t = o_of(v, "test"), *x;
        if (!t)
            continue;
        fputs("<tr><td>", f);
        esc(f, s_of(v, "name"));
        fputs("</td><td class=\"n\">", f);
        count(f, n_of(t, "priority_volume"));
        fputs("</td><td class=\"n\">", f);
        pct(f, n_of(t, "priority_rate"));
        fputs("</td><td class=\"n\">", f);
        lift(f, n_of(t, "tier1_lift"));
        fprintf(f, "</td><td>%s</td><td>", gate_word(o_of(t, "gate")));
        int k = 0;
        cJSON_ArrayForEach(x, o_of(t, "test_gates"))
        {
            fputs(k++ ? "; " : "", f);
            esc(f, s_of(x, "id"));
            fputc(' ', f);
            esc(f, s_of(x, "status"));
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
