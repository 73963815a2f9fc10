/*
 * tiergate plan: how reliable the policy's verdict is on this data,
 * before a release: the chance each blocking gate passes when the tiers
 * convert as expected, the chance the whole policy passes a correct model
 * and blocks one without signal, and the labeled leads (and weeks) each
 * tier needs for a decisive verdict. Exit 0 whatever the verdict.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"

enum { OPT_POLICY = 2000 };

static const cli_opt plan_opts[] = {
    CLI_OPTS_DATA,
    {"policy", 0, "FILE", OPT_POLICY,
     "gate policy (JSON), e.g. registry/gates/v3.2.json"},
    CLI_OPTS_PLAN,
    CLI_OPT_SLICE,
    CLI_OPTS_STATS,
    CLI_OPT_BASELINE,
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json or markdown"},
    CLI_OPT_OUTPUT,
    CLI_OPT_END,
};

static const cli_spec plan_spec = {
    "plan",
    "plan --rules FILE --policy FILE\n"
    "     (--data FILE... | --summary FILE) [--slice EXPR]...\n"
    "     [--power P] [--draws N] [--seed S] [--baseline R]\n"
    "     [--ci METHOD] [--level L] [--format text|json|markdown]\n"
    "     [-o FILE]\n",
    "How reliable the policy's verdict is on these leads (its operating\n"
    "characteristics), from the tally and the rule set's expected rates:\n"
    "  - per blocking gate and tier, the exact binomial chance of a pass\n"
    "    when the tier converts at its expected rate, and at the rate on\n"
    "    the threshold;\n"
    "  - for the whole policy, by seeded simulation of N releases with the\n"
    "    same labeled leads: the chance a model converting exactly at its\n"
    "    expected rates passes, and that a model with no signal (every tier\n"
    "    at its split's baseline) is blocked;\n"
    "  - per tier, the labeled leads needed for a P (and 95%) chance of a\n"
    "    decisive pass of its blocking gates, and about how many more weeks\n"
    "    of leads that is at the pace of the export's contacted dates.\n"
    "With --slice, the same for the gates marked \"per_slice\": true in every\n"
    "slice they would judge (at least their min_slice_size labeled leads).\n"
    "Exit 0 (the plan does not judge the release), 2 for bad input.\n",
    plan_opts,
    0,
    NULL,
};

/*
 * The plan of the per-slice gates in every slice they judge: JSON
 * ({"slice", "values": [{"value", "reliability" or null}]}) or the text
 * or Markdown that follows the whole data's plan.
 */
static int plan_slices(const cli_slices *sl, const tg_rules *rules,
                       const tg_policy *policy, const tg_gate_options *gopt,
                       const tg_plan_options *popt, int fmt, cJSON **json,
                       char **text, size_t *len)
{
    tg_error err;
    tg_error_clear(&err);
    int per_slice = 0;
    for (int g = 0; g < policy->ngates; g++)
        per_slice += policy->gates[g].per_slice;
    if (!per_slice)
        cli_warn("policy %s marks no gate \"per_slice\": no slice is planned",
                 policy->policy_id);
    FILE *m = open_memstream(text, len);
    if (!m)
        return TG_EXIT_INTERNAL;
    *json = cJSON_CreateArray();
    int rc = TG_EXIT_OK;
    for (int k = 0; k < sl->n && rc == TG_EXIT_OK; k++) {
        const tg_slicing *x = &sl->s[k];
        cJSON *sj = cJSON_CreateObject();
        cJSON_AddStringToObject(sj, "slice", x->spec.expr);
        cJSON *vals = cJSON_AddArrayToObject(sj, "values");
        cJSON_AddItemToArray(*json, sj);
        for (int v = 0; v < x->nvalues && rc == TG_EXIT_OK; v++) {
            cJSON *vj = cJSON_CreateObject();
            cJSON_AddItemToArray(vals, vj);
            if (x->values[v].value)
                cJSON_AddStringToObject(vj, "value", x->values[v].value);
            else
                cJSON_AddNullToObject(vj, "value");
            tg_gate_options o = *gopt;
            o.slice_only = 1;
            tg_gate_result res;
            if (tg_gate_run_with(&res, rules, policy, &x->values[v].tally, &o,
                                 &err) != TG_OK) {
                rc = cli_fail(&err);
                break;
            }
            if (res.noutcomes == 0) { /* too small for every per-slice gate */
                cJSON_AddNullToObject(vj, "reliability");
                tg_gate_result_release(&res);
                continue;
            }
            tg_plan plan;
            if (tg_plan_compute(&plan, &res, &x->values[v].tally, &o, popt,
                                &err) != TG_OK) {
                tg_gate_result_release(&res);
                rc = cli_fail(&err);
                break;
            }
            char label[TG_SLICE_MAX_NAME + TG_SLICE_MAX_KEY + 8];
            tg_slice_label(x, v, label, sizeof label);
            if (fmt == FMT_JSON) {
                cJSON_AddItemToObject(vj, "reliability", tg_plan_json(&plan, &res));
            } else if (fmt == FMT_MARKDOWN) {
                fputs("\n## Slice ", m);
                tg_esc_md(m, label);
                fputs("\n\n", m);
                tg_render_plan_markdown(m, &plan, &res);
            } else {
                fputs("\n── slice ", m);
                tg_esc_term(m, label);
                fputs(" ──\n", m);
                tg_render_plan_text(m, &plan, &res);
            }
            tg_plan_release(&plan);
            tg_gate_result_release(&res);
        }
    }
    if (fclose(m) != 0 && rc == TG_EXIT_OK)
        rc = TG_EXIT_INTERNAL;
    return rc;
}

/* What the command line asks for. */
typedef struct {
    cli_data d;
    cli_baseline base;
    tg_plan_options popt;
    int fmt;
    const char *out_path, *policy_path;
} plan_args;

enum { GO_ON = -1 };

/* Read the options into a; GO_ON, or the exit code to stop with (0
 * after --help). */
static int plan_parse(plan_args *a, int argc, char **argv)
{
    cli_parser p;
    int c, r = TG_EXIT_OK;
    cli_parse_begin(&p, &plan_spec, argc, argv);
    while ((c = cli_next_option(&p, &a->d, &a->popt)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        switch (c) {
        case OPT_OUTPUT: a->out_path = p.arg; break;
        case OPT_POLICY: a->policy_path = p.arg; break;
        case OPT_BASELINE:
            r = cli_parse_baseline("plan", p.arg, &a->base);
            break;
        case OPT_FORMAT:
            r = cli_format_option("plan", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                      FMT_BIT(FMT_MARKDOWN),
                                  &a->fmt);
            break;
        }
        if (r)
            return r;
    }
    if (!a->policy_path)
        return cli_usage("plan", "--policy FILE is required");
    return GO_ON;
}

/* The whole data's plan as JSON, with the slices' (taken over). */
static void write_json(FILE *f, const tg_rules *rules, const tg_policy *policy,
                       const cli_data *d, const tg_plan *plan,
                       const tg_gate_result *res, cJSON **slices_json)
{
    cJSON *j = tg_json_stamp(cJSON_CreateObject());
    cJSON_AddStringToObject(j, "model_id", rules->model_id);
    cJSON_AddStringToObject(j, "model_version", rules->model_version);
    cJSON_AddStringToObject(j, "policy", policy->policy_id);
    cJSON_AddStringToObject(j, "ci_method", tg_ci_name(d->ci_method));
    cJSON_AddNumberToObject(j, "ci_level", d->ci_level);
    cJSON_AddItemToObject(j, "reliability", tg_plan_json(plan, res));
    if (*slices_json) {
        cJSON_AddItemToObject(j, "slices", *slices_json);
        *slices_json = NULL;
    }
    char *s = cJSON_Print(j);
    fprintf(f, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
}

/* The gate options of the plan: the verdicts only, with the command
 * line's interval and pinned baselines. */
static tg_gate_options gate_options(const plan_args *a)
{
    tg_gate_options gopt = tg_gate_options_default();
    gopt.ci_method = a->d.ci_method;
    gopt.ci_level = a->d.ci_level;
    gopt.baseline_train = a->base.train;
    gopt.baseline_test = a->base.test;
    gopt.baseline_all = a->base.all;
    gopt.verdicts_only = 1;
    return gopt;
}

int cmd_plan(int argc, char **argv)
{
    plan_args a = {CLI_DATA_INIT, {0, 0, 0}, tg_plan_options_default(),
                   FMT_TEXT, NULL, NULL};
    cli_baseline_init(&a.base);
    tg_rules *rules = NULL;
    tg_policy *policy = NULL;
    /* Zeroed: each release below accepts a struct never filled. */
    tg_tally t = {0};
    tg_gate_result res = {0};
    tg_plan plan = {0};
    cli_slices sl = {NULL, 0};
    cJSON *slices_json = NULL;
    char *slices_text = NULL;
    size_t slices_len = 0;
    tg_error err;
    tg_error_clear(&err);
    int r = plan_parse(&a, argc, argv);
    if (r != GO_ON)
        goto done;
    if ((r = cli_load_rules(&rules, &a.d, "plan")))
        goto done;
    if (tg_policy_load(&policy, a.policy_path, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if ((r = cli_load_sliced(&t, &sl, rules, &a.d, 0, "plan")))
        goto done;
    tg_gate_options gopt = gate_options(&a);
    if (tg_gate_run_with(&res, rules, policy, &t, &gopt, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (tg_plan_compute(&plan, &res, &t, &gopt, &a.popt, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (sl.n && (r = plan_slices(&sl, rules, policy, &gopt, &a.popt, a.fmt,
                                 &slices_json, &slices_text, &slices_len)))
        goto done;
    cli_out o;
    if ((r = cli_out_open(&o, a.out_path)))
        goto done;
    if (a.fmt == FMT_JSON)
        write_json(o.f, rules, policy, &a.d, &plan, &res, &slices_json);
    else if (a.fmt == FMT_MARKDOWN)
        tg_render_plan_markdown(o.f, &plan, &res);
    else
        tg_render_plan_text(o.f, &plan, &res);
    if (slices_text)
        fwrite(slices_text, 1, slices_len, o.f);
    r = cli_out_close(&o);
done:
    tg_plan_release(&plan);
    tg_gate_result_release(&res);
    tg_tally_release(&t);
    cJSON_Delete(slices_json);
    free(slices_text);
    cli_slices_release(&sl);
    tg_policy_free(policy);
    tg_rules_free(rules);
    free(a.d.data);
    free(a.d.slices);
    return cli_flush_stdout(r);
}
