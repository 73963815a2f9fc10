/*
 * Monitor writers: a terminal summary in its full layout (--wide; the
 * fitted one is tg_render_monitor_fit.c), Markdown and JUnit XML. They
 * format a tg_monitor_result and compute nothing. Names from input
 * (tiers, gate ids, descriptions) are escaped for each medium through
 * tg_escape.h: control bytes never reach a terminal, '|' and markup never
 * break a Markdown table, '<&"' never break the XML.
 */
#include "tg_render_monitor.h"
#include "tg_render_monitor_internal.h"

#include <math.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_render.h"
#include "tg_util.h"

/* The escapes every writer shares (tg_escape.h). Terminal: control
 * characters shown escaped, then cut or padded to width (-1: as is). */
static void tty(FILE *f, const char *s, int width)
{
    char buf[512];
    tg_esc_term_buf(s, buf, sizeof buf);
    if (width < 0) {
        fputs(buf, f);
        return;
    }
    fprintf(f, "%-*.*s", width, width, buf);
}

static void md(FILE *f, const char *s)
{
    tg_esc_md(f, s);
}

static void xml(FILE *f, const char *s)
{
    tg_esc_xml(f, s);
}

/* "TIER_1A_PRIME_MOVER_SMALL" -> "1A"; other names up to 8 bytes. */
static void short_name(const char *name, char out[10])
{
    const char *s = strncmp(name, "TIER_", 5) == 0 ? name + 5 : name;
    size_t n = strcspn(s, "_");
    if (s == name || n > 6)
        n = strlen(s);
    if (n > 6) {
        memcpy(out, s, 5);
        strcpy(out + 5, ".");
        return;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

const tg_moutcome *tg_monitor_find(const tg_monitor_result *r, tg_mcheck c,
                                   int window, int tier, int worst)
{
    const tg_moutcome *best = NULL;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_moutcome *o = &r->outcomes[i];
        if (o->gate->check != c || o->window != window || o->tier != tier)
            continue;
        if (!best || (worst && o->status == TG_MSTATUS_FAIL))
            best = o;
    }
    return best;
}

const char *tg_monitor_mark(const tg_moutcome *o)
{
    if (!o)
        return " ";
    switch (o->status) {
    case TG_MSTATUS_FAIL: return "!";
    case TG_MSTATUS_INCONCLUSIVE: return "?";
    default: return " ";
    }
}

/* The wide layout (--wide), section by section: one column per field,
 * one line per window. */

static void wide_header(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    const tg_monitor_data *d = s->data;
    char a[32], d1[32], d2[32], d3[11];
    fputs("monitor ", out);
    tty(out, s->rules->model_id, -1);
    fprintf(out, " (");
    tty(out, s->rules->model_version, -1);
    fprintf(out, ") · policy ");
    tty(out, r->policy->policy_id, -1);
    fprintf(out, "\n%s windows · maturity %d days\n",
            tg_window_unit_name(d->unit), d->maturity_days);
    fprintf(out, "data %s to %s, %s rows; rates use leads contacted by %s\n",
            tg_format_date(d->first_date, d1), tg_format_date(d->last_date, d2),
            tg_fmt_count(d->rows, a), d->cutoff ? tg_format_date(d->cutoff, d3) : "-");
    fputs("calibrated rates: ", out);
    tty(out, s->baseline->source ? s->baseline->source
                                 : "the rule set's expected rates (no PSI)", -1);
    fputc('\n', out);
    if (d->undated || d->outside)
        fprintf(out, "not windowed: %llu rows without contacted_date, %llu "
                     "outside --since/--until\n",
                (unsigned long long)d->undated, (unsigned long long)d->outside);
}

static void wide_windows(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    char a[32], b[32], c[32], e[32], d1[32], d2[32];
    fprintf(out, "\n%-9s %8s %9s %8s %6s %-6s %s\n", "WINDOW", "LEADS",
            "HELD BACK", "LABELED", "CONV", "PSI", "PRIORITY SHARE [CI]");
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        const tg_moutcome *po = tg_monitor_find(r, TG_MCHECK_PSI, i, -1, 1);
        char l[32], cv[32], sh[80];
        if (isfinite(w->psi))
            snprintf(c, sizeof c, "%.3f%s", w->psi, tg_monitor_mark(po));
        else
            snprintf(c, sizeof c, "-");
        snprintf(sh, sizeof sh, "%s [%s, %s]",
                 tg_fmt_unit(w->priority_share, TG_UNIT_PCT, a),
                 tg_fmt_unit(w->priority_share_lower, TG_UNIT_PCT, b),
                 tg_fmt_unit(w->priority_share_upper, TG_UNIT_PCT, e));
        fprintf(out, "%-9s %8s %9s %8s %6s %-6s %s\n", w->label,
                tg_fmt_count(w->leads, l), tg_fmt_count(w->held_back, d1),
                tg_fmt_count(w->labeled, d2), tg_fmt_count(w->conversions, cv),
                c, sh);
    }
}

static void wide_tier_ratios(FILE *out, const tg_monitor_result *r, int color)
{
    const tg_monitor_stats *s = r->stats;
    char c[32];
    fputs("\nobserved / calibrated rate per tier and window (mature leads; "
          "'-' too few\nto judge; ! drift, ? inconclusive)\n", out);
    fprintf(out, "%-9s", "WINDOW");
    for (int k = 0; k < s->ntiers; k++) {
        char sn[10];
        short_name(s->rules->tiers[k].name, sn);
        int n = (int)strlen(sn) > 6 ? 6 : (int)strlen(sn);
        fprintf(out, " %*s", 6 - n, "");
        tty(out, sn, n);
    }
    fputc('\n', out);
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        fprintf(out, "%-9s", w->label);
        for (int k = 0; k < s->ntiers; k++) {
            const tg_moutcome *o = tg_monitor_find(r, TG_MCHECK_CALIBRATION_DRIFT, i, k, 1);
            const tg_window_tier *t = &w->tiers[k];
            int judged = o ? o->status != TG_MSTATUS_INSUFFICIENT
                           : t->labeled > 0 && isfinite(t->ratio);
            if (judged && isfinite(t->ratio))
                snprintf(c, sizeof c, "%.2f", t->ratio);
            else
                snprintf(c, sizeof c, "-");
            const char *m = tg_monitor_mark(o);
            if (color && *m == '!')
                fprintf(out, " \033[31m%5s%s\033[0m", c, m);
            else
                fprintf(out, " %5s%s", c, m);
        }
        fputc('\n', out);
    }
}

static void wide_comparison(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    char a[32], b[32], c[32];
    if (s->old_rules) {
        fputs("\npriority tiers, mature leads: ", out);
        tty(out, s->old_rules->model_version, -1);
        fputs(" vs ", out);
        tty(out, s->rules->model_version, -1);
        fputc('\n', out);
        fprintf(out, "%-9s %-22s %-22s %s\n", "WINDOW", "OLD RATE [CI]",
                "NEW RATE [CI]", "NEW - OLD, points [CI]");
        for (int i = 0; i < s->nwindows; i++) {
            const tg_window_stats *w = &s->w[i];
            char x[64], y[64], z[64];
            for (int m = 0; m < 2; m++) {
                const tg_rate_ci *rc = m ? &w->new_priority : &w->old_priority;
                char *dst = m ? y : x;
                if (isfinite(rc->ci_lower))
                    snprintf(dst, 64, "%s [%s, %s]",
                             tg_fmt_unit(rc->rate, TG_UNIT_PCT, a),
                             tg_fmt_unit(rc->ci_lower, TG_UNIT_PCT, b),
                             tg_fmt_unit(rc->ci_upper, TG_UNIT_PCT, c));
                else
                    snprintf(dst, 64, "n/a");
            }
            if (isfinite(w->diff))
                snprintf(z, sizeof z, "%+.2f [%+.2f, %+.2f]", w->diff * 100,
                         w->diff_lower * 100, w->diff_upper * 100);
            else
                snprintf(z, sizeof z, "n/a");
            fprintf(out, "%-9s %-22s %-22s %s\n", w->label, x, y, z);
        }
    }
}

static void wide_alerts(FILE *out, const tg_monitor_result *r, int color)
{
    const tg_monitor_stats *s = r->stats;
    fprintf(out, "\n%d pass, %d inconclusive, %d fail, %d insufficient\n",
            r->pass, r->inconclusive, r->fail, r->insufficient);
    if (r->fail) {
        fputs("\nALERTS\n", out);
        for (int i = 0; i < r->noutcomes; i++) {
            const tg_moutcome *o = &r->outcomes[i];
            if (o->status != TG_MSTATUS_FAIL)
                continue;
            fprintf(out, "  %s[%s]%s ", color ? "\033[31m" : "",
                    tg_level_name(o->level), color ? "\033[0m" : "");
            tty(out, o->gate->id, -1);
            fprintf(out, " %s ", s->w[o->window].label);
            tty(out, o->tier >= 0 ? s->rules->tiers[o->tier].name : "(window)", -1);
            fputs(": ", out);
            tty(out, o->message, -1);
            fputc('\n', out);
        }
    }
}

int tg_monitor_count_inconclusive(const tg_monitor_result *r,
                                  const tg_mgate *g, int k, int *judged)
{
    int n = 0;
    *judged = 0;
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_moutcome *o = &r->outcomes[i];
        if (o->gate != g || o->tier != k)
            continue;
        n += o->status == TG_MSTATUS_INCONCLUSIVE;
        *judged += o->status != TG_MSTATUS_INSUFFICIENT;
    }
    return n;
}

static void wide_inconclusive(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    /* Inconclusive verdicts, counted per gate and tier: one line each. */
    if (r->inconclusive) {
        fputs("\ninconclusive (intervals straddle the threshold)\n", out);
        for (int gi = 0; gi < r->policy->ngates; gi++) {
            const tg_mgate *g = &r->policy->gates[gi];
            for (int k = -1; k < s->ntiers; k++) {
                int judged;
                int n = tg_monitor_count_inconclusive(r, g, k, &judged);
                if (!n)
                    continue;
                fputs("  [", out);
                fputs(g->block && g->inconclusive == TG_INCONCLUSIVE_BLOCK
                          ? "block"
                          : "warn",
                      out);
                fputs("] ", out);
                tty(out, g->id, -1);
                fputc(' ', out);
                tty(out, k >= 0 ? s->rules->tiers[k].name : "(window)", -1);
                fprintf(out, ": %d of %d judged windows\n", n, judged);
            }
        }
    }
}

void tg_render_monitor_text_wide(FILE *out, const tg_monitor_result *r,
                                 int color)
{
    wide_header(out, r);
    wide_windows(out, r);
    wide_tier_ratios(out, r, color);
    wide_comparison(out, r);
    wide_alerts(out, r, color);
    wide_inconclusive(out, r);
    static const char *col[] = {"\033[32m", "\033[33m", "\033[31m"};
    fprintf(out, "\nstatus: %s%s%s (%d blocking, %d warnings)\n",
            color ? col[r->status] : "", tg_overall_name(r->status),
            color ? "\033[0m" : "", r->blocking, r->warnings);
}

void tg_render_monitor_markdown(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    const tg_monitor_data *d = s->data;
    char a[32], b[32], c[32], pc[32], d1[11], d2[11];
    static const char *sym[] = {"✅", "⚠️", "❌"};
    fprintf(out, "## %s Monitor: ", sym[r->status]);
    md(out, s->rules->model_id);
    fprintf(out, " — %s\n\n", tg_overall_name(r->status));
    fprintf(out, "Policy ");
    tg_esc_md_code(out, r->policy->policy_id);
    fprintf(out, ", %s windows, maturity %d days; data %s to %s. "
                 "%d pass, %d inconclusive, %d fail, %d insufficient.\n\n",
            tg_window_unit_name(d->unit), d->maturity_days,
            tg_format_date(d->first_date, d1), tg_format_date(d->last_date, d2),
            r->pass, r->inconclusive, r->fail, r->insufficient);
    if (r->fail) {
        fputs("### Alerts\n\n| level | gate | window | tier | message |\n"
              "|---|---|---|---|---|\n", out);
        for (int i = 0; i < r->noutcomes; i++) {
            const tg_moutcome *o = &r->outcomes[i];
            if (o->status != TG_MSTATUS_FAIL)
                continue;
            fprintf(out, "| %s | ", tg_level_name(o->level));
            md(out, o->gate->id);
            fprintf(out, " | %s | ", s->w[o->window].label);
            md(out, o->tier >= 0 ? s->rules->tiers[o->tier].name : "(window)");
            fputs(" | ", out);
            md(out, o->message);
            fputs(" |\n", out);
        }
        fputc('\n', out);
    }
    fputs("### Windows\n\n| window | leads | held back | PSI | priority share "
          "|\n|---|---:|---:|---:|---:|\n", out);
    for (int i = 0; i < s->nwindows; i++) {
        const tg_window_stats *w = &s->w[i];
        fprintf(out, "| %s | %s | %s | %s | %s [%s, %s] |\n", w->label,
                tg_fmt_count(w->leads, a), tg_fmt_count(w->held_back, b),
                isfinite(w->psi) ? (snprintf(c, sizeof c, "%.4f", w->psi), c) : "n/a",
                tg_fmt_unit(w->priority_share, TG_UNIT_PCT, pc),
                tg_fmt_unit(w->priority_share_lower, TG_UNIT_PCT, a),
                tg_fmt_unit(w->priority_share_upper, TG_UNIT_PCT, b));
    }
    fputs("\n### Observed / calibrated rate (mature leads)\n\n| window |", out);
    for (int k = 0; k < s->ntiers; k++) {
        fputc(' ', out);
        md(out, s->rules->tiers[k].name);
        fputs(" |", out);
    }
    fputs("\n|---|", out);
    for (int k = 0; k < s->ntiers; k++)
        fputs("---:|", out);
    fputc('\n', out);
    for (int i = 0; i < s->nwindows; i++) {
        fprintf(out, "| %s |", s->w[i].label);
        for (int k = 0; k < s->ntiers; k++) {
            const tg_window_tier *t = &s->w[i].tiers[k];
            if (isfinite(t->ratio))
                fprintf(out, " %.2f [%.2f, %.2f] |", t->ratio, t->ratio_lower,
                        t->ratio_upper);
            else
                fputs(" n/a |", out);
        }
        fputc('\n', out);
    }
}

void tg_render_monitor_junit(FILE *out, const tg_monitor_result *r)
{
    const tg_monitor_stats *s = r->stats;
    int failures = 0;
    for (int i = 0; i < r->noutcomes; i++)
        failures += r->outcomes[i].level == TG_LEVEL_BLOCK;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"tiergate monitor\" tests=\"%d\" "
                 "failures=\"%d\" errors=\"0\">\n", r->noutcomes, failures);
    fputs("  <testsuite name=\"", out);
    xml(out, s->rules->model_id);
    fputs(" / ", out);
    xml(out, r->policy->policy_id);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" "
                 "timestamp=\"%.19s\">\n", r->noutcomes, failures,
            r->insufficient, r->generated_at);
    for (int i = 0; i < r->noutcomes; i++) {
        const tg_moutcome *o = &r->outcomes[i];
        fputs("    <testcase classname=\"", out);
        xml(out, o->gate->id);
        fputs("\" name=\"", out);
        xml(out, o->gate->description);
        fprintf(out, " [%s ", s->w[o->window].label);
        xml(out, o->tier >= 0 ? s->rules->tiers[o->tier].name : "window");
        fputs("]\" time=\"0\">\n", out);
        if (o->level == TG_LEVEL_BLOCK) {
            fprintf(out, "      <failure type=\"%s\" message=\"",
                    tg_mstatus_name(o->status));
            xml(out, o->message);
            fputs("\"/>\n", out);
        } else if (o->status == TG_MSTATUS_INSUFFICIENT) {
            fputs("      <skipped message=\"", out);
            xml(out, o->message);
            fputs("\"/>\n", out);
        }
        fprintf(out, "      <system-out>%s: ", tg_mstatus_name(o->status));
        xml(out, o->message);
        fputs("</system-out>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
}
