/*
 * Writers of the reliability section (tg_plan): a terminal table and
 * Markdown. They format a tg_plan and compute nothing; names from the
 * rule set and the policy go through tg_escape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_escape.h"
#include "tg_plan.h"
#include "tg_render.h"
#include "tg_textfit.h"

static const char *pct1(double v, char buf[32])
{
    if (!isfinite(v))
        snprintf(buf, 32, "-");
    else
        snprintf(buf, 32, "%.1f%%", 100 * v);
    return buf;
}

/* "1,496" / "out of reach" / "-" */
static const char *needed_text(const tg_plan_split *s, int k, char buf[32])
{
    if (!s->gates)
        snprintf(buf, 32, "-");
    else if (s->out_of_reach[k])
        snprintf(buf, 32, "never");
    else
        tg_fmt_count(s->needed[k], buf);
    return buf;
}

static const char *weeks_text(const tg_plan_split *s, int k, char buf[32])
{
    if (!s->gates || s->out_of_reach[k] || !isfinite(s->weeks[k]))
        snprintf(buf, 32, "-");
    else if (s->weeks[k] == 0)
        snprintf(buf, 32, "now");
    else
        snprintf(buf, 32, "+%.0f", ceil(s->weeks[k]));
    return buf;
}

static void header(FILE *out, const tg_plan *p, const tg_gate_result *r,
                   int md)
{
    char a[32], b[32], c[32];
    void (*esc)(FILE *, const char *) = md ? tg_esc_md : tg_esc_term;
    fprintf(out, md ? "## How reliable is this verdict?\n\n"
                    : "How reliable is this verdict?\n  ");
    esc(out, r->rules->model_id);
    fputs(" (", out);
    esc(out, r->rules->model_version);
    fputs(") · policy ", out);
    esc(out, r->policy->policy_id);
    fprintf(out, "%s· %s %g%% intervals\n%s", md ? " " : "\n  ",
            tg_ci_name(r->ci_method), r->ci_level * 100, md ? "\n" : "");
    fprintf(out, "%sWhole policy, %s simulated releases per line (seed %lu):\n",
            md ? "" : "\n", tg_fmt_count((unsigned long long)p->opt.draws, a),
            p->opt.seed);
    fprintf(out, md ? "\n- passes when every tier converts at its expected "
                      "rate: **%s**\n- blocks when no tier carries signal "
                      "(every tier at its split's baseline): **%s**\n\n"
                    : "  passes when every tier converts at its expected "
                      "rate  %6s\n  blocks when no tier carries signal "
                      "(all at baseline)   %6s\n\n",
            pct1(p->pass_at_expected, b), pct1(p->block_at_no_signal, c));
}

void tg_render_plan_text(FILE *out, const tg_plan *p, const tg_gate_result *r)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    int nt = r->rules->ntiers;
    char (*lab)[TG_SHORT_LABEL_MAX + 1] =
        calloc((size_t)(nt ? nt : 1), sizeof *lab);
    if (!lab)
        return;
    /* Short tier labels (the gate table's, with the same legend) and an
     * id column as wide as the widest id: 80 columns, nothing cut. */
    tg_tier_short_labels(r->rules, lab);
    int wid = 4, wt = 4;
    for (int i = 0; i < p->ngates; i++) {
        char id[160];
        const tg_gate_outcome *o = &r->outcomes[p->gates[i].outcome];
        int w = tg_text_width(tg_esc_term_buf(o->gate->id, id, sizeof id));
        wid = w > wid ? w : wid;
        w = tg_text_width(lab[o->tier]);
        wt = w > wt ? w : wt;
    }
    header(out, p, r, 0);
    fputs("tiers: ", out);
    {
        char *legend = malloc((size_t)nt * 220 + 1);
        size_t len = 0;
        if (legend) {
            legend[0] = 0;
            for (int i = 0; i < nt; i++) {
                char esc[160];
                tg_esc_term_buf(r->rules->tiers[i].name, esc, sizeof esc);
                len += (size_t)sprintf(legend + len, "%s%s%s%s", i ? ", " : "",
                                       lab[i], strcmp(lab[i], esc) ? "=" : "",
                                       strcmp(lab[i], esc) ? esc : "");
            }
            tg_text_wrap(out, legend, 80, 7, 2);
            free(legend);
        }
    }
    fprintf(out, "\nBlocking gates: exact binomial chance of a pass when the "
                 "tier converts at\nits expected rate, and at the rate on "
                 "the threshold\n");
    fprintf(out, "  %-*s %-*s %-5s %7s %16s %16s\n", wid, "GATE", wt, "TIER",
            "SPLIT", "LABELED", "AT EXPECTED", "ON THRESHOLD");
    for (int i = 0; i < p->ngates; i++) {
        const tg_plan_gate *pg = &p->gates[i];
        const tg_gate_outcome *o = &r->outcomes[pg->outcome];
        char ex[48], th[48];
        if (isnan(pg->pass_expected))
            snprintf(ex, sizeof ex, "-");
        else
            snprintf(ex, sizeof ex, "%s: %s",
                     tg_fmt_unit(pg->rate_expected, TG_UNIT_PCT, a),
                     pct1(pg->pass_expected, b));
        if (isnan(pg->pass_threshold))
            snprintf(th, sizeof th, "-");
        else
            snprintf(th, sizeof th, "%s: %s",
                     tg_fmt_unit(pg->rate_threshold, TG_UNIT_PCT, c),
                     pct1(pg->pass_threshold, d));
        char id[160];
        fputs("  ", out);
        tg_text_pad(out, tg_esc_term_buf(o->gate->id, id, sizeof id), wid);
        fputc(' ', out);
        tg_text_pad(out, lab[o->tier], wt);
        fprintf(out, " %-5s %7s %16s %16s\n", tg_split_name(o->split),
                tg_fmt_count(tg_gate_split(r, o->split)->tiers[o->tier].labeled,
                             e),
                ex, th);
    }
    fprintf(out, "\nLabeled leads for a %.0f%% (and 95%%) chance that every "
                 "blocking gate of a tier\npasses decisively at its expected "
                 "rate, and the weeks of leads beyond today's\n",
            100 * p->opt.power);
    fprintf(out, "  %-*s %-5s %8s %7s %9s %6s %9s %6s\n", wt, "TIER", "SPLIT",
            "EXPECTED", "LABELED", "NEEDED", "WEEKS", "FOR 95%", "WEEKS");
    for (int k = 0; k < p->ntiers; k++) {
        const tg_plan_tier *t = &p->tiers[k];
        for (int s = 0; s < 2; s++) {
            const tg_plan_split *ps = s ? &t->test : &t->train;
            if (!ps->gates)
                continue;
            fputs("  ", out);
            tg_text_pad(out, lab[t->tier], wt);
            fprintf(out, " %-5s %8s %7s %9s %6s %9s %6s\n",
                    s ? "TEST" : "TRAIN",
                    tg_fmt_unit(t->expected, TG_UNIT_PCT, a),
                    tg_fmt_count(ps->labeled, b), needed_text(ps, 0, c),
                    weeks_text(ps, 0, d), needed_text(ps, 1, e),
                    weeks_text(ps, 1, f));
        }
    }
    free(lab);
    fprintf(out, "\n\"never\": at the expected rate no size up to 1,000,000 "
                 "labeled leads makes a\ndecisive pass that likely (the "
                 "expected rate is on, beyond or very near a\nthreshold). "
                 "Sizes are about: pass chances rise in a saw-tooth with the "
                 "number\nof leads.\n");
}

void tg_render_plan_markdown(FILE *out, const tg_plan *p,
                             const tg_gate_result *r)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    header(out, p, r, 1);
    fprintf(out, "| Gate | Tier | Split | Labeled | Pass at expected rate | "
                 "Pass on the threshold |\n|---|---|---|---:|---:|---:|\n");
    for (int i = 0; i < p->ngates; i++) {
        const tg_plan_gate *pg = &p->gates[i];
        const tg_gate_outcome *o = &r->outcomes[pg->outcome];
        fputs("| ", out);
        tg_esc_md(out, o->gate->id);
        fputs(" | ", out);
        tg_esc_md_code(out, r->rules->tiers[o->tier].name);
        fprintf(out, " | %s | %s | %s (%s) | %s (%s) |\n",
                tg_split_name(o->split),
                tg_fmt_count(tg_gate_split(r, o->split)->tiers[o->tier].labeled,
                             a),
                pct1(pg->pass_expected, b),
                tg_fmt_unit(pg->rate_expected, TG_UNIT_PCT, c),
                pct1(pg->pass_threshold, d),
                tg_fmt_unit(pg->rate_threshold, TG_UNIT_PCT, e));
    }
    fprintf(out, "\nLabeled leads each tier needs for a %.0f%% (and 95%%) "
                 "chance that all its blocking gates pass decisively at its "
                 "expected rate, and the weeks of leads beyond today's:\n",
            100 * p->opt.power);
    fprintf(out, "\n| Tier | Split | Expected | Labeled | Needed (%.0f%%) | "
                 "Weeks | Needed (95%%) | Weeks |\n"
                 "|---|---|---:|---:|---:|---:|---:|---:|\n",
            100 * p->opt.power);
    for (int k = 0; k < p->ntiers; k++) {
        const tg_plan_tier *t = &p->tiers[k];
        for (int s = 0; s < 2; s++) {
            const tg_plan_split *ps = s ? &t->test : &t->train;
            char w1[32], w2[32];
            if (!ps->gates)
                continue;
            fputs("| ", out);
            tg_esc_md_code(out, r->rules->tiers[t->tier].name);
            fprintf(out, " | %s | %s | %s | %s | %s | %s | %s |\n",
                    s ? "TEST" : "TRAIN",
                    tg_fmt_unit(t->expected, TG_UNIT_PCT, a),
                    tg_fmt_count(ps->labeled, b), needed_text(ps, 0, c),
                    weeks_text(ps, 0, w1), needed_text(ps, 1, d),
                    weeks_text(ps, 1, w2));
        }
    }
    (void)f;
}
