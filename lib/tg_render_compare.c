/*
 * A comparison of two rule sets on the same leads (what
 * tg_comparison_json builds) as terminal text or Markdown: the expected
 * outcomes or the measured metrics, each model's tiers, the migration of
 * leads between tiers and the population stability of tier shares.
 */
#include "tg_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_report_internal.h"
#include "tg_textfit.h"

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

/* Cells of a text table, owned: strdup'd strings in row-major order. */
typedef struct {
    char **cell;
    int n, cap;
} cmp_cells;

static void cell_add(cmp_cells *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cell_add(cmp_cells *t, const char *fmt, ...)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cell, (size_t)cap * sizeof *c);
        if (!c)
            return;
        t->cell = c;
        t->cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    t->cell[t->n] = strdup(buf);
    if (t->cell[t->n])
        t->n++;
}

static void cells_flush(FILE *f, cmp_cells *t, int ncols, const char *align,
                        int width)
{
    if (t->n % ncols == 0)
        tg_text_table(f, (const char *const *)t->cell, t->n / ncols, ncols,
                      align, 0, width);
    for (int i = 0; i < t->n; i++)
        free(t->cell[i]);
    t->n = 0;
}

/*
 * The text form: tables as wide as their cells, a label that leaves no
 * room for the numbers on a line of its own, headings wrapped between
 * words: nothing cut.
 */
static void compare_text(FILE *f, const cJSON *c, int width)
{
    const cJSON *from = cJSON_GetObjectItem(c, "from"),
                *to = cJSON_GetObjectItem(c, "to");
    char ab[160], bb[160], sb[64], e0[200], e1[200], e2[200], e3[200], e4[200],
        line[700];
    const char *a = cmp_text(rep_str(from, "model_version"), 0, ab, sizeof ab),
               *b = cmp_text(rep_str(to, "model_version"), 0, bb, sizeof bb),
               *sp = cmp_text(rep_str(c, "split"), 0, sb, sizeof sb);
    int wrap = width > 0 ? width : 1 << 20;
    snprintf(line, sizeof line, "%s vs %s on the same leads (split %s)", a, b,
             sp);
    tg_text_wrap(f, line, wrap, 0, 2);
    fputc('\n', f);
    cmp_cells t = {NULL, 0, 0};
    const cJSON *e, *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    if (eo) {
        cell_add(&t, "metric");
        cell_add(&t, "previous (quoted)");
        cell_add(&t, "expected");
        cell_add(&t, "%s", a);
        cell_add(&t, "%s", b);
        cJSON_ArrayForEach (e, eo) {
            cell_add(&t, "%s", cmp_text(rep_str(e, "label"), 0, e0, sizeof e0));
            cell_add(
                &t, "%s (%s)",
                cmp_text(rep_str(e, "previous"), 0, e1, sizeof e1),
                cmp_text(rep_str(e, "previous_version"), 0, e2, sizeof e2));
            cell_add(&t, "%s",
                     cmp_text(rep_str(e, "expected"), 0, e2, sizeof e2));
            cell_add(&t, "%s",
                     cmp_text(rep_str(e, "measured_from"), 0, e3, sizeof e3));
            cell_add(&t, "%s",
                     cmp_text(rep_str(e, "measured_to"), 0, e4, sizeof e4));
        }
        cells_flush(f, &t, 5, "lllrr", width);
    } else {
        cell_add(&t, "metric");
        cell_add(&t, "%s", a);
        cell_add(&t, "%s", b);
        cJSON_ArrayForEach (e, cJSON_GetObjectItem(c, "metrics")) {
            cell_add(&t, "%s", cmp_text(rep_str(e, "label"), 0, e0, sizeof e0));
            cell_add(&t, "%s",
                     cmp_text(rep_str(e, "measured_from"), 0, e3, sizeof e3));
            cell_add(&t, "%s",
                     cmp_text(rep_str(e, "measured_to"), 0, e4, sizeof e4));
        }
        cells_flush(f, &t, 3, "lrr", width);
    }
    for (int m = 0; m < 2; m++) {
        const cJSON *st = cJSON_GetObjectItem(m ? to : from, "stats"), *x;
        fprintf(f, "\n%s tiers\n", m ? b : a);
        cell_add(&t, "tier");
        cell_add(&t, "leads");
        cell_add(&t, "rate");
        cell_add(&t, "lift");
        cJSON_ArrayForEach (x, cJSON_GetObjectItem(st, "tiers")) {
            char n[32];
            cell_add(&t, "%s", cmp_text(rep_str(x, "tier"), 0, e0, sizeof e0));
            cell_add(&t, "%s",
                     tg_fmt_count((unsigned long long)rep_num(x, "leads"), n));
            cell_add(&t, "%.2f%%", rep_num(x, "conversion_rate") * 100);
            cell_add(&t, "%.2fx", rep_num(x, "lift"));
        }
        cells_flush(f, &t, 4, "lrrr", width);
    }
    fprintf(f, "\nmigration %s -> %s\n", a, b);
    cell_add(&t, "from");
    cell_add(&t, "to");
    cell_add(&t, "leads");
    cell_add(&t, "labeled");
    cell_add(&t, "conv");
    cJSON_ArrayForEach (e, cJSON_GetObjectItem(c, "migration")) {
        char n1[32], n2[32], n3[32];
        cell_add(&t, "%s", cmp_text(rep_str(e, "from"), 0, e0, sizeof e0));
        cell_add(&t, "%s", cmp_text(rep_str(e, "to"), 0, e1, sizeof e1));
        cell_add(&t, "%s",
                 tg_fmt_count((unsigned long long)rep_num(e, "leads"), n1));
        cell_add(&t, "%s",
                 tg_fmt_count((unsigned long long)rep_num(e, "labeled"), n2));
        cell_add(
            &t, "%s",
            tg_fmt_count((unsigned long long)rep_num(e, "conversions"), n3));
    }
    cells_flush(f, &t, 5, "llrrr", width);
    free(t.cell);
    const cJSON *p = cJSON_GetObjectItem(c, "psi");
    snprintf(line, sizeof line,
             "Population stability (TRAIN to TEST tier shares): %s %.4f, %s "
             "%.4f",
             a, rep_num(p, "from"), b, rep_num(p, "to"));
    fputc('\n', f);
    tg_text_wrap(f, line, wrap, 0, 2);
}

/* Markdown text of a member of o, escaped into buf. */
static const char *md_of(const cJSON *o, const char *k, char *buf, size_t n)
{
    return cmp_text(rep_str(o, k), 1, buf, n);
}

/* The newer rule set's expected outcomes beside the measures when it
 * states them (they come from the rule set, so they are escaped like
 * it), else the measured metrics alone. */
static void markdown_metrics(FILE *f, const cJSON *c, const char *a,
                             const char *b)
{
    char e0[200], e1[200], e2[200], e3[200], e4[200], e5[200];
    const cJSON *e, *eo = cJSON_GetObjectItem(c, "expected_outcomes");
    if (eo) {
        fprintf(f,
                "| Metric | Previous (quoted) | %s expected | %s "
                "measured | %s measured |\n|---|---|---|---:|---:|\n",
                b, a, b);
        cJSON_ArrayForEach (e, eo) {
            char q[420];
            snprintf(q, sizeof q, "%s (%s)",
                     md_of(e, "previous", e1, sizeof e1),
                     md_of(e, "previous_version", e5, sizeof e5));
            fprintf(f, "| %s | %s | %s | %s | %s |\n",
                    md_of(e, "label", e0, sizeof e0), q,
                    md_of(e, "expected", e2, sizeof e2),
                    md_of(e, "measured_from", e3, sizeof e3),
                    md_of(e, "measured_to", e4, sizeof e4));
        }
        return;
    }
    fprintf(f,
            "| Metric | %s measured | %s measured |\n"
            "|---|---:|---:|\n",
            a, b);
    cJSON_ArrayForEach (e, cJSON_GetObjectItem(c, "metrics"))
        fprintf(f, "| %s | %s | %s |\n", md_of(e, "label", e0, sizeof e0),
                md_of(e, "measured_from", e3, sizeof e3),
                md_of(e, "measured_to", e4, sizeof e4));
}

static void compare_markdown(FILE *f, const cJSON *c)
{
    const cJSON *from = cJSON_GetObjectItem(c, "from"),
                *to = cJSON_GetObjectItem(c, "to");
    char ab[160], bb[160], sb[64], e0[200], e1[200];
    const char *a = md_of(from, "model_version", ab, sizeof ab),
               *b = md_of(to, "model_version", bb, sizeof bb),
               *sp = md_of(c, "split", sb, sizeof sb);
    fprintf(f, "## %s vs %s (split %s)\n\n", a, b, sp);
    markdown_metrics(f, c, a, b);
    for (int m = 0; m < 2; m++) {
        const cJSON *st = cJSON_GetObjectItem(m ? to : from, "stats"), *t;
        fprintf(f,
                "\n### %s tiers\n\n| Tier | Leads | Rate | Lift |\n"
                "|---|---:|---:|---:|\n",
                m ? b : a);
        cJSON_ArrayForEach (t, cJSON_GetObjectItem(st, "tiers"))
            fprintf(f, "| %s | %.0f | %.2f%% | %.2fx |\n",
                    md_of(t, "tier", e0, sizeof e0), rep_num(t, "leads"),
                    rep_num(t, "conversion_rate") * 100, rep_num(t, "lift"));
    }
    fprintf(f,
            "\n### Migration (%s → %s)\n\n| From | To | Leads | "
            "Labeled | Conversions |\n|---|---|---:|---:|---:|\n",
            a, b);
    const cJSON *e;
    cJSON_ArrayForEach (e, cJSON_GetObjectItem(c, "migration"))
        fprintf(f, "| %s | %s | %.0f | %.0f | %.0f |\n",
                md_of(e, "from", e0, sizeof e0), md_of(e, "to", e1, sizeof e1),
                rep_num(e, "leads"), rep_num(e, "labeled"),
                rep_num(e, "conversions"));
    const cJSON *p = cJSON_GetObjectItem(c, "psi");
    fprintf(f,
            "\nPopulation stability (TRAIN to TEST tier shares): %s "
            "%.4f, %s %.4f\n",
            a, rep_num(p, "from"), b, rep_num(p, "to"));
}

void tg_render_compare(FILE *f, const cJSON *c, int md, int width)
{
    if (md)
        compare_markdown(f, c);
    else
        compare_text(f, c, width);
}
