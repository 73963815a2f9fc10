/*
 * The monitor summary for a terminal, fitted to a width: tables as wide
 * as their cells, the observed / calibrated table with the rule set's
 * short tier labels in blocks that fit, header lines and alerts wrapped
 * between words, no trailing blanks. The full layout (--wide) is
 * tg_render_monitor.c's. Names from input are terminal-escaped before
 * they are measured.
 */
#include "tg_render_monitor.h"
#include "tg_render_monitor_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_render.h"
#include "tg_textfit.h"
#include "tg_util.h"

static void fit_header(FILE *out, const tg_monitor_result *r, int width)
{
    const tg_monitor_stats *s = r->stats;
    const tg_monitor_data *d = s->data;
    char a[32], b[32], d1[32], d2[32], d3[11];
    char x1[512], x2[512], x3[512], line[2048];
    snprintf(line, sizeof line, "monitor %s (%s) · policy %s",
             tg_esc_term_buf(s->rules->model_id, x1, sizeof x1),
             tg_esc_term_buf(s->rules->model_version, x2, sizeof x2),
             tg_esc_term_buf(r->policy->policy_id, x3, sizeof x3));
    tg_text_wrap(out, line, width, 0, 2);
    snprintf(line, sizeof line, "%s windows · maturity %d days",
             tg_window_unit_name(d->unit), d->maturity_days);
    tg_text_wrap(out, line, width, 0, 2);
    snprintf(line, sizeof line,
             "data %s to %s, %s rows; rates use leads contacted by %s",
             tg_format_date(d->first_date, d1), tg_format_date(d->last_date, d2),
             tg_fmt_count(d->rows, a),
             d->cutoff ? tg_format_date(d->cutoff, d3) : "-");
    tg_text_wrap(out, line, width, 0, 2);
    snprintf(line, sizeof line, "calibrated rates: %s",
             tg_esc_term_buf(s->baseline->source
                                 ? s->baseline->source
                                 : "the rule set's expected rates (no PSI)",
                             x1, sizeof x1));
    tg_text_wrap(out, line, width, 0, 2);
    if (d->undated || d->outside) {
        snprintf(line, sizeof line,
                 "not windowed: %s rows without contacted_date, %s outside "
                 "--since/--until",
                 tg_fmt_count(d->undated, a), tg_fmt_count(d->outside, b));
        tg_text_wrap(out, line, width, 0, 2);
    }
}

/* Windows: leads, held back, labeled, conversions, PSI, priority share. */
static void fit_windows(FILE *out, const tg_monitor_result *r, int width)
{
    const tg_monitor_stats *s = r->stats;
    tg_text_cells t;
    fputc('\n', out);
    if (!tg_text_cells_init(&t, s->nwindows + 1, 7))
        return;
    const char *hd[] = {"WINDOW", "LEADS", "HELD BACK",          "LABELED",
                        "CONV",   "PSI",   "PRIORITY SHARE [CI]"};
    for (int k = 0; k < 7; k++)
        tg_text_cells_set(&t, 0, k, "%s", hd[k]);
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        const tg_moutcome *po = tg_monitor_find(r, TG_MCHECK_PSI, i, -1, 1);
        const char *mk = tg_monitor_mark(po);
        char a[32], b[32], e[32];
        tg_text_cells_set(&t, i + 1, 0, "%s", w->label);
        tg_text_cells_set(&t, i + 1, 1, "%s", tg_fmt_count(w->leads, a));
        tg_text_cells_set(&t, i + 1, 2, "%s", tg_fmt_count(w->held_back, a));
        tg_text_cells_set(&t, i + 1, 3, "%s", tg_fmt_count(w->labeled, a));
        tg_text_cells_set(&t, i + 1, 4, "%s", tg_fmt_count(w->conversions, a));
        if (isfinite(w->psi)) /* no blank where there is no mark */
            tg_text_cells_set(&t, i + 1, 5, "%.3f%s", w->psi,
                              *mk == ' ' ? "" : mk);
        else
            tg_text_cells_set(&t, i + 1, 5, "-");
        tg_text_cells_set(&t, i + 1, 6, "%s [%s, %s]",
                          tg_fmt_unit(w->priority_share, TG_UNIT_PCT, a),
                          tg_fmt_unit(w->priority_share_lower, TG_UNIT_PCT, b),
                          tg_fmt_unit(w->priority_share_upper, TG_UNIT_PCT, e));
    }
    tg_text_cells_out(out, &t, "lrrrrll", 0, width, 1, 2);
}

/* Write the line held in m (a memory stream over *buf) to out without
 * its trailing blanks, and start the next one. */
static void flush_line(FILE *out, FILE *m, char **buf, size_t *len)
{
    fflush(m);
    size_t n = *len;
    while (n && (*buf)[n - 1] == ' ')
        n--;
    fwrite(*buf, 1, n, out);
    fputc('\n', out);
    rewind(m);
    fflush(m);
    *len = 0;
}

/* One window's observed / calibrated ratios for tiers [from, to), each
 * right-aligned in cw[k] - 1 columns and followed by its mark. */
static void ratio_row(FILE *ls, const tg_monitor_result *r, int i, int from,
                      int to, const int *cw, int color)
{
    const tg_window_stats *w = &r->stats->w[i];
    for (int k = from; k < to; k++) {
        const tg_moutcome *o =
            tg_monitor_find(r, TG_MCHECK_CALIBRATION_DRIFT, i, k, 1);
        const tg_window_tier *tt = &w->tiers[k];
        int judged = o ? o->status != TG_MSTATUS_INSUFFICIENT
                       : tt->labeled > 0 && isfinite(tt->ratio);
        char c[32];
        if (judged && isfinite(tt->ratio))
            snprintf(c, sizeof c, "%.2f", tt->ratio);
        else
            snprintf(c, sizeof c, "-");
        const char *mk = tg_monitor_mark(o);
        int red = color && *mk == '!';
        fputs(red ? " \033[31m" : " ", ls);
        tg_text_rpad(ls, c, cw[k] - 1);
        fputs(mk, ls);
        fputs(red ? "\033[0m" : "", ls);
    }
}

/* Observed / calibrated per tier and window: the rule set's short tier
 * labels, in blocks of as many tiers as fit the width. */
static void fit_ratios(FILE *out, const tg_monitor_result *r, int color,
                       int width)
{
    const tg_monitor_stats *s = r->stats;
    int nt = s->ntiers, ww = 6;
    fputc('\n', out);
    tg_text_wrap(out,
                 "observed / calibrated rate per tier and window (mature "
                 "leads; '-' too few to judge; ! drift, ? inconclusive)",
                 width, 0, 0);
    char(*lab)[TG_SHORT_LABEL_MAX + 1] =
        calloc((size_t)(nt ? nt : 1), sizeof *lab);
    int *cw = calloc((size_t)(nt ? nt : 1), sizeof *cw);
    char *lb = NULL;
    size_t lblen = 0;
    FILE *ls = lab && cw ? open_memstream(&lb, &lblen) : NULL;
    if (ls)
        tg_tier_short_labels(s->rules, lab);
    for (int k = 0; ls && k < nt; k++)
        cw[k] = tg_text_width(lab[k]) + 1 > 6 ? tg_text_width(lab[k]) + 1 : 6;
    for (int i = 0; i < s->nwindows; i++)
        if (tg_text_width(s->w[i].label) > ww)
            ww = tg_text_width(s->w[i].label);
    for (int from = 0; ls && from < nt;) {
        int to = from, used = ww;
        while (to < nt && (to == from || used + 1 + cw[to] <= width))
            used += 1 + cw[to++];
        if (from)
            fputc('\n', out);
        tg_text_pad(ls, "WINDOW", ww);
        for (int k = from; k < to; k++) {
            /* Labels line up with the numbers, not with their marks. */
            fputc(' ', ls);
            tg_text_rpad(ls, lab[k], cw[k] - 1);
            fputc(' ', ls);
        }
        flush_line(out, ls, &lb, &lblen);
        for (int i = 0; i < s->nwindows; i++) {
            tg_text_pad(ls, s->w[i].label, ww);
            ratio_row(ls, r, i, from, to, cw, color);
            flush_line(out, ls, &lb, &lblen);
        }
        from = to;
    }
    if (ls)
        fclose(ls);
    free(lb);
    free(lab);
    free(cw);
}

/* --compare: each model's priority-tier rate per window and the
 * difference, with intervals. */
static void fit_compare(FILE *out, const tg_monitor_result *r, int width)
{
    const tg_monitor_stats *s = r->stats;
    char x1[512], x2[512], line[1100];
    fputc('\n', out);
    snprintf(line, sizeof line, "priority tiers, mature leads: %s vs %s",
             tg_esc_term_buf(s->old_rules->model_version, x1, sizeof x1),
             tg_esc_term_buf(s->rules->model_version, x2, sizeof x2));
    tg_text_wrap(out, line, width, 0, 2);
    tg_text_cells t;
    if (!tg_text_cells_init(&t, s->nwindows + 1, 4))
        return;
    const char *hd[] = {"WINDOW", "OLD RATE [CI]", "NEW RATE [CI]",
                        "NEW - OLD, points [CI]"};
    for (int k = 0; k < 4; k++)
        tg_text_cells_set(&t, 0, k, "%s", hd[k]);
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        char a[32], b[32], c[32];
        tg_text_cells_set(&t, i + 1, 0, "%s", w->label);
        for (int m = 0; m < 2; m++) {
            const tg_rate_ci *rc = m ? &w->new_priority : &w->old_priority;
            if (isfinite(rc->ci_lower))
                tg_text_cells_set(&t, i + 1, 1 + m, "%s [%s, %s]",
                                  tg_fmt_unit(rc->rate, TG_UNIT_PCT, a),
                                  tg_fmt_unit(rc->ci_lower, TG_UNIT_PCT, b),
                                  tg_fmt_unit(rc->ci_upper, TG_UNIT_PCT, c));
            else
                tg_text_cells_set(&t, i + 1, 1 + m, "n/a");
        }
        if (isfinite(w->diff))
            tg_text_cells_set(&t, i + 1, 3, "%+.2f [%+.2f, %+.2f]",
                              w->diff * 100, w->diff_lower * 100,
                              w->diff_upper * 100);
        else
            tg_text_cells_set(&t, i + 1, 3, "n/a");
    }
    tg_text_cells_out(out, &t, "llll", 0, width, 1, 2);
}

static void fit_alerts(FILE *out, const tg_monitor_result *r, int color,
                       int width)
{
    const tg_monitor_stats *s = r->stats;
    char x1[512], x2[512], msg[1024], line[2200];
    fputs("\nALERTS\n", out);
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_moutcome *o = &r->outcomes[i];
        if (o->status != TG_MSTATUS_FAIL)
            continue;
        const char *lv = tg_level_name(o->level);
        fprintf(out, "  %s[%s]%s ", color ? "\033[31m" : "", lv,
                color ? "\033[0m" : "");
        snprintf(line, sizeof line, "%s %s %s: %s",
                 tg_esc_term_buf(o->gate->id, x1, sizeof x1),
                 s->w[o->window].label,
                 tg_esc_term_buf(o->tier >= 0 ? s->rules->tiers[o->tier].name
                                              : "(window)",
                                 x2, sizeof x2),
                 tg_esc_term_buf(o->message, msg, sizeof msg));
        tg_text_wrap(out, line, width, 2 + (int)strlen(lv) + 3, 4);
    }
}

/* Inconclusive verdicts, counted per gate and tier: one line each. */
static void fit_inconclusive(FILE *out, const tg_monitor_result *r, int width)
{
    const tg_monitor_stats *s = r->stats;
    char x1[512], x2[512], line[1100];
    fputc('\n', out);
    tg_text_wrap(out, "inconclusive (intervals straddle the threshold)", width,
                 0, 2);
    for (int gi = 0; gi < r->policy->ngates; gi++) {
        const tg_mgate *g = &r->policy->gates[gi];
        for (int k = -1; k < s->ntiers; k++) {
            int judged;
            int n = tg_monitor_count_inconclusive(r, g, k, &judged);
            if (!n)
                continue;
            snprintf(line, sizeof line, "  [%s] %s %s: %d of %d judged windows",
                     g->block && g->inconclusive == TG_INCONCLUSIVE_BLOCK
                         ? "block"
                         : "warn",
                     tg_esc_term_buf(g->id, x1, sizeof x1),
                     tg_esc_term_buf(k >= 0 ? s->rules->tiers[k].name
                                            : "(window)",
                                     x2, sizeof x2),
                     n, judged);
            tg_text_wrap_lead(out, line, width, 0, 4);
        }
    }
}

void tg_render_monitor_text(FILE *out, const tg_monitor_result *r, int color,
                            int width)
{
    if (width <= 0) {
        tg_render_monitor_text_wide(out, r, color);
        return;
    }
    if (width < 40)
        width = 40;
    char line[200];
    fit_header(out, r, width);
    fit_windows(out, r, width);
    fit_ratios(out, r, color, width);
    if (r->stats->old_rules)
        fit_compare(out, r, width);
    snprintf(line, sizeof line,
             "%d pass, %d inconclusive, %d fail, %d insufficient", r->pass,
             r->inconclusive, r->fail, r->insufficient);
    fputc('\n', out);
    tg_text_wrap(out, line, width, 0, 2);
    if (r->fail)
        fit_alerts(out, r, color, width);
    if (r->inconclusive)
        fit_inconclusive(out, r, width);
    static const char *col[] = {"\033[32m", "\033[33m", "\033[31m"};
    const char *ov = tg_overall_name(r->status);
    fprintf(out, "\nstatus: %s%s%s ", color ? col[r->status] : "", ov,
            color ? "\033[0m" : "");
    snprintf(line, sizeof line, "(%d blocking, %d warnings)", r->blocking,
             r->warnings);
    tg_text_wrap(out, line, width, 8 + (int)strlen(ov) + 1, 2);
}
