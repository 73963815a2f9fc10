/*
 * Gate writers: a terminal table, a Markdown summary and JUnit XML. They
 * format a tg_gate_result and compute nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_gate.h"
#include "tg_render.h"
#include "tg_textfit.h"


static tg_unit unit_of(const tg_gate_outcome *o)
{
    switch (o->gate->check) {
    case TG_CHECK_LIFT: return TG_UNIT_LIFT;
    case TG_CHECK_VOLUME_COUNT:
    case TG_CHECK_TIER_SIZE: return TG_UNIT_COUNT;
    case TG_CHECK_TEST_TRAIN_LIFT: return TG_UNIT_RATIO;
    default: return TG_UNIT_PCT;
    }
}

static void actual_text(const tg_gate_outcome *o, char *buf, size_t n)
{
    char a[32], l[32], h[32];
    tg_unit u = unit_of(o);
    if (isfinite(o->ci_lower) && o->gate->check != TG_CHECK_CI_SEPARATION)
        snprintf(buf, n, "%s [%s, %s]", tg_fmt_unit(o->actual, u, a),
                 tg_fmt_unit(o->ci_lower, u, l), tg_fmt_unit(o->ci_upper, u, h));
    else if (o->gate->check == TG_CHECK_CI_SEPARATION && isfinite(o->ci_lower))
        snprintf(buf, n, "[%s, %s]", tg_fmt_unit(o->ci_lower, u, l),
                 tg_fmt_unit(o->ci_upper, u, h));
    else
        snprintf(buf, n, "%s", tg_fmt_unit(o->actual, u, a));
}

static void threshold_text(const tg_gate_outcome *o, char *buf, size_t n)
{
    char a[32], b[32];
    tg_unit u = unit_of(o);
    if (o->gate->check == TG_CHECK_CI_SEPARATION)
        snprintf(buf, n, "lower > %s", tg_fmt_unit(o->min, u, a));
    else if (!isnan(o->min) && !isnan(o->max))
        snprintf(buf, n, "%s to %s", tg_fmt_unit(o->min, u, a), tg_fmt_unit(o->max, u, b));
    else if (!isnan(o->min))
        snprintf(buf, n, ">= %s", tg_fmt_unit(o->min, u, a));
    else if (!isnan(o->max))
        snprintf(buf, n, "<= %s", tg_fmt_unit(o->max, u, a));
    else
        snprintf(buf, n, "-");
}

static const char *status_word(tg_gate_status s)
{
    static const char *w[] = {"PASS", "WARN", "FAIL", "INSUFFICIENT",
                              "INCONCLUSIVE"};
    return (unsigned)s < 5 ? w[s] : "?";
}

/* The check column: the description, after the slice for a per-slice
 * outcome. */
static const char *check_text(const tg_gate_outcome *o, char *buf, size_t n)
{
    if (o->slice[0])
        snprintf(buf, n, "[%s] %s", o->slice, o->gate->description);
    else
        snprintf(buf, n, "%s", o->gate->description);
    return buf;
}

/*
 * The slices that did not pass, each once, with the worst status seen:
 * the line a reviewer reads first when a segment breaks.
 */
static void slices_not_passed(FILE *out, const tg_gate_result *r,
                              const char *pre, const char *post)
{
    int any = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (!o->slice[0] || o->status == TG_STATUS_PASS)
            continue;
        int seen = 0, worst = o->status;
        for (int j = 0; j < r->noutcomes; j++) {
            const tg_gate_outcome *p = &r->outcomes[j];
            if (strcmp(p->slice, o->slice) != 0 || p->status == TG_STATUS_PASS)
                continue;
            if (j < i) {
                seen = 1;
                break;
            }
            if (p->status == TG_STATUS_FAIL)
                worst = TG_STATUS_FAIL;
            else if (worst != TG_STATUS_FAIL &&
                     p->status == TG_STATUS_INCONCLUSIVE)
                worst = TG_STATUS_INCONCLUSIVE;
        }
        if (seen)
            continue;
        fputs(any++ ? ", " : pre, out);
        tg_esc_term(out, o->slice);
        fprintf(out, " (%s)", tg_status_name((tg_gate_status)worst));
    }
    if (any)
        fputs(post, out);
}

static void render_gate_wide(FILE *out, const tg_gate_result *r, int color);
static void render_gate_fit(FILE *out, const tg_gate_result *r, int color,
                            int width);

void tg_render_gate_text(FILE *out, const tg_gate_result *r, int color,
                         int width)
{
    if (width <= 0)
        render_gate_wide(out, r, color);
    else
        render_gate_fit(out, r, color, width < 40 ? 40 : width);
}

static const char *const status_color[] = {"\033[32m", "\033[33m", "\033[31m",
                                           "\033[35m", "\033[36m"};

/*
 * Short tier labels derived from the rule set's own names: the words of
 * each name after a first word that several tiers share ("TIER_"), as
 * few as keep the labels distinct: TIER_1A_PRIME_MOVER_SMALL -> "1A",
 * TIER_3_EXPERIENCED_MOVER -> "3", STANDARD -> "STANDARD".
 */
#define SHORT_MAX TG_SHORT_LABEL_MAX
void tg_tier_short_labels(const struct tg_rules *rules,
                          char (*lab)[TG_SHORT_LABEL_MAX + 1])
{
    int n = rules->ntiers;
    for (int words = 1; words <= 8; words++) {
        for (int i = 0; i < n; i++) {
            const char *name = rules->tiers[i].name;
            size_t first = strcspn(name, "_");
            int shared = 0;
            for (int j = 0; j < n && name[first]; j++)
                shared += j != i &&
                          strncmp(rules->tiers[j].name, name, first + 1) == 0;
            const char *p = shared ? name + first + 1 : name;
            size_t len = 0;
            for (int w = 0; w < words && p[len]; w++) {
                len += strcspn(p + len, "_");
                if (w + 1 < words && p[len] == '_')
                    len++;
            }
            while (len && p[len - 1] == '_')
                len--;
            char raw[SHORT_MAX * 2 + 1], esc[SHORT_MAX * 4 + 1];
            snprintf(raw, sizeof raw, "%.*s", (int)len, p);
            tg_esc_term_buf(raw, esc, sizeof esc);
            tg_text_clip(esc, SHORT_MAX, lab[i], SHORT_MAX + 1);
        }
        int distinct = 1;
        for (int i = 0; i < n && distinct; i++)
            for (int j = i + 1; j < n && distinct; j++)
                distinct = strcmp(lab[i], lab[j]) != 0;
        if (distinct)
            return;
    }
    /* Names that only differ late: the full (clipped) names. */
    for (int i = 0; i < n; i++) {
        char esc[SHORT_MAX * 4 + 1];
        tg_esc_term_buf(rules->tiers[i].name, esc, sizeof esc);
        tg_text_clip(esc, SHORT_MAX, lab[i], SHORT_MAX + 1);
    }
}

/* The point estimate and its interval as separate cells, so that the
 * numbers line up in columns. */
static void actual_cells(const tg_gate_outcome *o, char *point, char *ci,
                         size_t n)
{
    char a[32], l[32], h[32];
    tg_unit u = unit_of(o);
    int has_ci = isfinite(o->ci_lower);
    if (o->gate->check == TG_CHECK_CI_SEPARATION)
        snprintf(point, n, "%s", has_ci ? "" : tg_fmt_unit(o->actual, u, a));
    else
        snprintf(point, n, "%s", tg_fmt_unit(o->actual, u, a));
    if (has_ci)
        snprintf(ci, n, "[%s, %s]", tg_fmt_unit(o->ci_lower, u, l),
                 tg_fmt_unit(o->ci_upper, u, h));
    else
        ci[0] = 0;
}

/* Status and what it does to the release, as two words. */
static void status_cell(const tg_gate_outcome *o, char *buf, size_t n)
{
    if (o->status == TG_STATUS_PASS)
        snprintf(buf, n, "PASS");
    else
        snprintf(buf, n, "%s %s", status_word(o->status),
                 o->blocks ? "blocks" : "warns");
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/*
 * The layout that fits: one heading per gate (and slice), then one line
 * per check with short tier labels and the numbers in aligned columns.
 * Everything from input is escaped before it is measured; headings and
 * messages are clipped or wrapped between words.
 */
/* The first line: model, policy, how it was judged. Names from the rule
 * set and policy are terminal-escaped (an ESC starts a command). */
static const char *title_text(const tg_gate_result *r, char *line, size_t n)
{
    char e1[160], e2[160], e3[160];
    snprintf(line, n, "%s (%s) · policy %s · judged on %s · %s %g%% intervals%s",
             tg_esc_term_buf(r->rules->model_id, e1, sizeof e1),
             tg_esc_term_buf(r->rules->model_version, e2, sizeof e2),
             tg_esc_term_buf(r->policy->policy_id, e3, sizeof e3),
             r->policy->judge == TG_JUDGE_POINT ? "point estimates"
                                                : "intervals",
             tg_ci_name(r->ci_method), r->ci_level * 100,
             r->strict ? " · strict" : "");
    return line;
}

static void fit_title(FILE *out, const tg_gate_result *r, int width)
{
    char line[1024];
    tg_text_wrap(out, title_text(r, line, sizeof line), width, 0, 2);
}

/* The tier labels and the names they stand for. */
static void fit_legend(FILE *out, const tg_gate_result *r,
                       char (*lab)[SHORT_MAX + 1], int width)
{
    int nt = r->rules->ntiers, used_any = 0;
    fputs("tiers:", out);
    size_t len = 0;
    char *legend = malloc((size_t)nt * 220 + 1);
    if (!legend)
        return;
    legend[0] = 0;
    for (int i = 0; i < nt; i++) {
        char esc[160];
        if (strcmp(lab[i], tg_esc_term_buf(r->rules->tiers[i].name, esc,
                                           sizeof esc)) == 0)
            len += (size_t)sprintf(legend + len, "%s%s",
                                   used_any++ ? ", " : "", lab[i]);
        else
            len += (size_t)sprintf(legend + len, "%s%s=%s",
                                   used_any++ ? ", " : "", lab[i], esc);
    }
    fputc(' ', out);
    tg_text_wrap(out, legend, width, 7, 2);
    free(legend);
}

/* Column widths of the fitted table, and whether a check takes two lines. */
typedef struct {
    int tier, split, actual, ci, threshold, status;
    int two_lines;
} fit_widths;

/* Widths from the cells themselves; tier labels give way first when the
 * numbers need the room. */
static fit_widths fit_measure(const tg_gate_result *r,
                              char (*lab)[SHORT_MAX + 1], int width)
{
    fit_widths w = {4, 5, 6, 4, 9, 6, 0};
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        char p[64], ci[96], th[64], st[48];
        actual_cells(o, p, ci, sizeof p);
        threshold_text(o, th, sizeof th);
        status_cell(o, st, sizeof st);
        w.tier = imax(w.tier, o->tier >= 0 ? tg_text_width(lab[o->tier]) : 3);
        w.split = imax(w.split, (int)strlen(tg_split_name(o->split)));
        w.actual = imax(w.actual, tg_text_width(p));
        w.ci = imax(w.ci, tg_text_width(ci));
        w.threshold = imax(w.threshold, tg_text_width(th));
        w.status = imax(w.status, tg_text_width(st));
    }
    int fixed = 2 + 1 + w.split + 1 + w.actual + 1 + w.ci + 1 + w.threshold +
                1 + w.status;
    if (fixed + w.tier > width)
        w.tier = imax(3, width - fixed);
    /* Narrower than a check needs even so: threshold and status go on a
     * second, indented line rather than past the edge. */
    w.two_lines = fixed + w.tier > width;
    if (w.two_lines)
        w.tier = imax(3, imin(w.tier, width - (2 + 1 + w.split + 1 +
                                               w.actual + 1 + w.ci)));
    return w;
}

/* One row of the table: the tier's or the header's cells. */
static void fit_cells(FILE *out, const fit_widths *w, const char *tier,
                      const char *split, const char *actual, const char *ci,
                      const char *threshold)
{
    fputs("  ", out);
    tg_text_pad(out, tier, w->tier);
    fputc(' ', out);
    tg_text_pad(out, split, w->split);
    fputc(' ', out);
    tg_text_rpad(out, actual, w->actual);
    fputc(' ', out);
    if (w->two_lines) {
        fputs(ci, out);
        fputs("\n     ", out);
    } else {
        tg_text_pad(out, ci, w->ci);
        fputc(' ', out);
    }
    tg_text_pad(out, threshold, w->threshold);
}

/* Outcome i: its gate's line when a new gate (or slice) starts, then
 * its row. */
static void fit_outcome(FILE *out, const tg_gate_result *r, int i,
                        char (*lab)[SHORT_MAX + 1], const fit_widths *w,
                        int color, int width)
{
    const tg_gate_outcome *o = &r->outcomes[i];
    const tg_gate_outcome *prev = i ? &r->outcomes[i - 1] : NULL;
    if (!prev || prev->gate != o->gate || strcmp(prev->slice, o->slice)) {
        char chk[320], e1[160], e2[160], line[1024], clipped[1024];
        snprintf(line, sizeof line, "%s  %s",
                 tg_esc_term_buf(o->gate->id, e1, sizeof e1),
                 tg_esc_term_buf(check_text(o, chk, sizeof chk), e2,
                                 sizeof e2));
        fprintf(out, "%s\n",
                tg_text_clip(line, width, clipped, sizeof clipped));
    }
    char p[64], ci[96], th[64], st[48], tl[SHORT_MAX + 8];
    actual_cells(o, p, ci, sizeof p);
    threshold_text(o, th, sizeof th);
    status_cell(o, st, sizeof st);
    fit_cells(out, w,
              tg_text_clip(o->tier >= 0 ? lab[o->tier] : "all", w->tier, tl,
                           sizeof tl),
              tg_split_name(o->split), p, ci, th);
    fprintf(out, " %s%s%s\n", color ? status_color[o->status] : "", st,
            color ? "\033[0m" : "");
}

/* Say why for everything that did not pass, wrapped between words. */
static void fit_reasons(FILE *out, const tg_gate_result *r,
                        char (*lab)[SHORT_MAX + 1], int width)
{
    int header = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status == TG_STATUS_PASS)
            continue;
        if (!header++)
            fprintf(out, "\n");
        char msg[1024], e1[160], e2[160], line[1024];
        snprintf(line, sizeof line, "%s %s%s%s%s%s%s: %s",
                 status_word(o->status),
                 tg_esc_term_buf(o->gate->id, e1, sizeof e1),
                 o->tier >= 0 ? " " : "", o->tier >= 0 ? lab[o->tier] : "",
                 o->slice[0] ? " [" : "",
                 o->slice[0] ? tg_esc_term_buf(o->slice, e2, sizeof e2) : "",
                 o->slice[0] ? "]" : "",
                 tg_esc_term_buf(o->message, msg, sizeof msg));
        tg_text_wrap(out, line, width, 0, 2);
    }
}

/* The slices that did not pass, wrapped as one paragraph. */
static void fit_slices(FILE *out, const tg_gate_result *r, int width)
{
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (!m)
        return;
    slices_not_passed(m, r, "slices not passing: ", "");
    fclose(m);
    if (blen) {
        fputc('\n', out);
        tg_text_wrap(out, buf, width, 0, 2);
    }
    free(buf);
}

/* The verdict and the count of each status. */
static void fit_overall(FILE *out, const tg_gate_result *r, int color,
                        int width)
{
    char line[1024];
    snprintf(line, sizeof line,
             "(%d pass, %d warn, %d fail, %d insufficient, %d inconclusive)",
             r->passed, r->warned, r->failed, r->insufficient, r->inconclusive);
    const char *ov = tg_overall_name(r->status);
    fprintf(out, "\noverall: %s%s%s ",
            color ? status_color[r->status == TG_OVERALL_PASSED   ? 0
                                 : r->status == TG_OVERALL_FAILED ? 2
                                                                  : 1]
                  : "",
            ov, color ? "\033[0m" : "");
    tg_text_wrap(out, line, width, 9 + (int)strlen(ov) + 1, 2);
}

static void render_gate_fit(FILE *out, const tg_gate_result *r, int color,
                            int width)
{
    int nt = r->rules->ntiers;
    char (*lab)[SHORT_MAX + 1] = calloc((size_t)(nt ? nt : 1), sizeof *lab);
    if (!lab)
        return;
    tg_tier_short_labels(r->rules, lab);
    fit_title(out, r, width);
    fit_legend(out, r, lab, width);
    fit_widths w = fit_measure(r, lab, width);
    fputc('\n', out);
    fit_cells(out, &w, "TIER", "SPLIT", "ACTUAL", "[CI]", "THRESHOLD");
    fputs(" STATUS\n", out);
    for (int i = 0; i < r->noutcomes; i++)
        fit_outcome(out, r, i, lab, &w, color, width);
    fit_reasons(out, r, lab, width);
    fit_slices(out, r, width);
    fit_overall(out, r, color, width);
    free(lab);
}

static void render_gate_wide(FILE *out, const tg_gate_result *r, int color)
{
    static const char *col[] = {"\033[32m", "\033[33m", "\033[31m", "\033[35m",
                                "\033[36m"};
    char title[1024], e1[160], e2[160];
    fprintf(out, "%s\n", title_text(r, title, sizeof title));
    fprintf(out, "%-17s %-40s %-26s %-5s %-27s %-18s %s\n", "GATE", "CHECK",
            "TIER", "SPLIT", "ACTUAL [CI]", "THRESHOLD", "STATUS");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        char act[96], thr[64], chk[320];
        actual_text(o, act, sizeof act);
        threshold_text(o, thr, sizeof thr);
        fprintf(out, "%-17s %-40s %-26s %-5s %-27s %-18s %s%s%s%s\n",
                tg_esc_term_buf(o->gate->id, e1, sizeof e1),
                tg_esc_term_buf(check_text(o, chk, sizeof chk), e2, sizeof e2),
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "(priority tiers)",
                tg_split_name(o->split), act, thr, color ? col[o->status] : "",
                status_word(o->status), color ? "\033[0m" : "",
                o->status != TG_STATUS_PASS && !o->blocks ? " (warning)"
                                                          : "");
    }
    /* Say why for everything that did not pass. */
    int header = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status == TG_STATUS_PASS)
            continue;
        if (!header++)
            fprintf(out, "\n");
        fprintf(out, "%s %s%s%s", status_word(o->status),
                tg_esc_term_buf(o->gate->id, e1, sizeof e1),
                o->tier >= 0 ? " " : "",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "");
        if (o->slice[0]) {
            fputs(" [", out);
            tg_esc_term(out, o->slice);
            fputs("]", out);
        }
        fputs(": ", out);
        tg_esc_term(out, o->message);
        fputc('\n', out);
    }
    slices_not_passed(out, r, "\nslices not passing: ", "\n");
    fprintf(out, "\noverall: %s%s%s (%d pass, %d warn, %d fail, %d "
                 "insufficient, %d inconclusive)\n",
            color ? col[r->status == TG_OVERALL_PASSED ? 0
                        : r->status == TG_OVERALL_FAILED ? 2 : 1] : "",
            tg_overall_name(r->status), color ? "\033[0m" : "", r->passed,
            r->warned, r->failed, r->insufficient, r->inconclusive);
}

/* The "- **gate** tier [slice]: message (status, blocks)" line. */
static void markdown_not_passed(FILE *out, const tg_gate_result *r,
                                const tg_gate_outcome *o)
{
    fputs("- **", out);
    tg_esc_md(out, o->gate->id);
    fputs("**", out);
    if (o->tier >= 0) {
        fputc(' ', out);
        tg_esc_md_code(out, r->rules->tiers[o->tier].name);
    }
    fprintf(out, " %s", tg_split_name(o->split));
    if (o->slice[0]) {
        fputs(" \\[", out);
        tg_esc_md(out, o->slice);
        fputs("\\]", out);
    }
    fputs(": ", out);
    tg_esc_md(out, o->message);
    fprintf(out, " (%s, %s)\n", tg_status_name(o->status),
            o->blocks ? "blocks the release" : "warning");
}

/*
 * The step summary a reviewer reads in the pull request: the verdict,
 * then what did not pass (blocking outcomes first), then the full table
 * folded in a <details> block, since most rows pass.
 */
void tg_render_gate_markdown(FILE *out, const tg_gate_result *r)
{
    static const char *icon[] = {"✅ pass", "⚠️ warn", "❌ fail",
                                 "❔ insufficient", "❓ inconclusive"};
    static const char *overall[] = {"✅ PASSED", "⚠️ PASSED_WITH_WARNINGS",
                                    "❌ FAILED"};
    fputs("## tiergate: ", out);
    tg_esc_md(out, r->rules->model_id);
    fputc(' ', out);
    tg_esc_md(out, r->rules->model_version);
    fprintf(out, " — %s\n\nPolicy ", overall[r->status]);
    tg_esc_md_code(out, r->policy->policy_id);
    fprintf(out, " · judged on %s · %s %g%% intervals · %d pass, "
                 "%d warn, %d fail, %d insufficient, %d inconclusive\n\n",
            r->policy->judge == TG_JUDGE_POINT ? "point estimates"
                                               : "intervals",
            tg_ci_name(r->ci_method), r->ci_level * 100,
            r->passed, r->warned, r->failed, r->insufficient, r->inconclusive);
    int blocking = 0, warning = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status != TG_STATUS_PASS)
            *(o->blocks ? &blocking : &warning) += 1;
    }
    if (blocking + warning == 0)
        fprintf(out, "All %d checks passed.\n\n", r->noutcomes);
    else {
        fprintf(out, "**Not passed** (%d block the release, %d warn)\n\n",
                blocking, warning);
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < r->noutcomes; i++) {
                const tg_gate_outcome *o = &r->outcomes[i];
                if (o->status != TG_STATUS_PASS && o->blocks == !pass)
                    markdown_not_passed(out, r, o);
            }
        fputc('\n', out);
    }
    fprintf(out, "<details><summary>All %d checks</summary>\n\n",
            r->noutcomes);
    fprintf(out, "| Gate | Check | Tier | Split | Actual [CI] | Threshold | "
                 "Status |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        char act[96], thr[64];
        actual_text(o, act, sizeof act);
        threshold_text(o, thr, sizeof thr);
        fputs("| ", out);
        tg_esc_md(out, o->gate->id);
        fputs(" | ", out);
        char chk[320];
        tg_esc_md(out, check_text(o, chk, sizeof chk));
        fputs(" | ", out);
        if (o->tier >= 0)
            tg_esc_md_code(out, r->rules->tiers[o->tier].name);
        else
            fputs("priority tiers", out);
        fprintf(out, " | %s | %s | %s | %s |\n", tg_split_name(o->split), act,
                thr, icon[o->status]);
    }
    fputs("\n</details>\n", out);
}

void tg_render_gate_github(FILE *out, const tg_gate_result *r)
{
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (o->status == TG_STATUS_PASS)
            continue;
        int fails = o->blocks || r->strict;
        fprintf(out, "::%s file=", fails ? "error" : "warning");
        tg_esc_gh_property(out, r->policy->path);
        fputs(",title=tiergate ", out);
        tg_esc_gh_property(out, o->gate->id);
        if (o->tier >= 0) {
            fputc(' ', out);
            tg_esc_gh_property(out, r->rules->tiers[o->tier].name);
        }
        fprintf(out, " %s", tg_split_name(o->split));
        if (o->slice[0]) {
            fputs(" [", out);
            tg_esc_gh_property(out, o->slice);
            fputc(']', out);
        }
        fprintf(out, " (%s)::", tg_status_name(o->status));
        tg_esc_gh_message(out, o->message);
        fputc('\n', out);
    }
}

/*
 * JUnit knows three outcomes a reader counts: passed, failed and
 * skipped. A gate outcome maps onto them so that no reader shows a
 * warning as a pass:
 *   pass                                -> a plain testcase (passed)
 *   blocks the release (or any non-pass
 *   under --strict)                     -> <failure type="STATUS">
 *   does not pass, does not block        -> <skipped>, its message starting
 *   (warn, warn-only insufficient or        "warning (STATUS): "
 *   inconclusive)
 * Each testcase also carries properties tiergate.status and
 * tiergate.blocks for readers that show them. The message is written
 * once, in the message attribute; no copy goes to the element body or
 * system-out, which most readers show beside it.
 */
static int junit_fails(const tg_gate_result *r, const tg_gate_outcome *o)
{
    return o->blocks || (r->strict && o->status != TG_STATUS_PASS);
}

void tg_render_gate_junit(FILE *out, const tg_gate_result *r)
{
    int failures = 0, skipped = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        if (junit_fails(r, o))
            failures++;
        else if (o->status != TG_STATUS_PASS)
            skipped++;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tiergate\" tests=\"%d\" failures=\"%d\" "
                 "errors=\"0\" skipped=\"%d\" time=\"0\">\n",
            r->noutcomes, failures, skipped);
    fprintf(out, "  <testsuite name=\"");
    tg_esc_xml(out, r->rules->model_id);
    fprintf(out, " / ");
    tg_esc_xml(out, r->policy->policy_id);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" "
                 "time=\"0\" timestamp=\"%.19s\">\n", r->noutcomes, failures,
            skipped, r->generated_at);
    fprintf(out, "    <properties>\n"
                 "      <property name=\"status\" value=\"%s\"/>\n"
                 "      <property name=\"pass\" value=\"%d\"/>\n"
                 "      <property name=\"warn\" value=\"%d\"/>\n"
                 "      <property name=\"fail\" value=\"%d\"/>\n"
                 "      <property name=\"insufficient\" value=\"%d\"/>\n"
                 "      <property name=\"inconclusive\" value=\"%d\"/>\n"
                 "      <property name=\"rules_sha256\" value=\"%s\"/>\n"
                 "      <property name=\"policy_sha256\" value=\"%s\"/>\n"
                 "    </properties>\n",
            tg_overall_name(r->status), r->passed, r->warned, r->failed,
            r->insufficient, r->inconclusive, r->rules->sha256,
            r->policy->sha256);
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_gate_outcome *o = &r->outcomes[i];
        fprintf(out, "    <testcase classname=\"");
        tg_esc_xml(out, o->gate->id);
        fprintf(out, "\" name=\"");
        tg_esc_xml(out, o->gate->description);
        fprintf(out, " [%s %s",
                o->tier >= 0 ? r->rules->tiers[o->tier].name : "priority tiers",
                tg_split_name(o->split));
        if (o->slice[0]) {
            fputs(" ", out);
            tg_esc_xml(out, o->slice);
        }
        fprintf(out, "]\" time=\"0\">\n");
        fprintf(out, "      <properties>\n"
                     "        <property name=\"tiergate.status\" value=\"%s\"/>\n"
                     "        <property name=\"tiergate.blocks\" value=\"%s\"/>\n"
                     "      </properties>\n",
                tg_status_name(o->status), o->blocks ? "true" : "false");
        if (junit_fails(r, o)) {
            fprintf(out, "      <failure type=\"%s\" message=\"",
                    tg_status_name(o->status));
            tg_esc_xml(out, o->message);
            fprintf(out, "\"/>\n");
        } else if (o->status != TG_STATUS_PASS) {
            fprintf(out, "      <skipped message=\"warning (%s): ",
                    tg_status_name(o->status));
            tg_esc_xml(out, o->message);
            fprintf(out, "\"/>\n");
        }
        fprintf(out, "    </testcase>\n");
    }
    fprintf(out, "  </testsuite>\n</testsuites>\n");
}
