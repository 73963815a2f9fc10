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

static const char help[] =
    "usage: tiergate plan --rules FILE --policy FILE (--data FILE... | "
    "--summary FILE)\n"
    "                     [--power P] [--draws N] [--seed S] [--ci METHOD]\n"
    "                     [--level L] [--baseline R] [--slice EXPR]...\n"
    "                     [--format text|json|markdown] [-o FILE]\n\n"
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
    "Exit 0 (the plan does not judge the release), 2 for bad input.\n\n"
    CLI_DATA_HELP
    "  --policy FILE        gate policy (JSON), e.g. "
    "registry/gates/v3.2.json\n"
    CLI_PLAN_HELP CLI_SLICE_HELP CLI_STATS_HELP
    CLI_BASELINE_HELP
    "  --format FMT         text (default), json or markdown\n"
    "  -o FILE              write to FILE (replaced atomically)\n"
    "  -h, --help           this help\n";

enum { OPT_POLICY = 2000 };

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
        return EXIT_INTERNAL;
    *json = cJSON_CreateArray();
    int rc = EXIT_OK;
    for (int k = 0; k < sl->n && rc == EXIT_OK; k++) {
        const tg_slicing *x = &sl->s[k];
        cJSON *sj = cJSON_CreateObject();
        cJSON_AddStringToObject(sj, "slice", x->spec.expr);
        cJSON *vals = cJSON_AddArrayToObject(sj, "values");
        cJSON_AddItemToArray(*json, sj);
        for (int v = 0; v < x->nvalues && rc == EXIT_OK; v++) {
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
    if (fclose(m) != 0 && rc == EXIT_OK)
        rc = EXIT_INTERNAL;
    return rc;
}

int cmd_plan(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        CLI_STATS_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        CLI_SLICE_LONG_OPTION,
        {"baseline", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"policy", required_argument, NULL, OPT_POLICY},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    cli_baseline base;
    cli_baseline_init(&base);
    tg_plan_options popt = tg_plan_options_default();
    int fmt = FMT_TEXT, c, r = EXIT_OK;
    const char *out_path = NULL, *policy_path = NULL;
    tg_rules *rules = NULL;
    tg_policy *policy = NULL;
    tg_tally t;
    tg_gate_result res;
    tg_plan plan;
    int have_tally = 0, have_result = 0, have_plan = 0;
    cli_slices sl = {NULL, 0};
    cJSON *slices_json = NULL;
    char *slices_text = NULL;
    size_t slices_len = 0;
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "plan", c, optarg);
        if (!used)
            used = cli_plan_option(&popt, "plan", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case 'o': out_path = optarg; break;
        case OPT_POLICY: policy_path = optarg; break;
        case 'b':
            if ((r = cli_parse_baseline("plan", optarg, &base)))
                goto done;
            break;
        case 'f':
            fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) |
                                               FMT_BIT(FMT_JSON) |
                                               FMT_BIT(FMT_MARKDOWN));
            if (fmt < 0) {
                r = cli_usage("plan", "--format takes text, json or "
                                      "markdown, not '%s'", optarg);
                goto done;
            }
            break;
        default: r = cli_usage("plan", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("plan", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (!policy_path) {
        r = cli_usage("plan", "--policy FILE is required");
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "plan")))
        goto done;
    if (tg_policy_load(&policy, policy_path, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if ((r = cli_load_sliced(&t, &sl, rules, &d, 0, "plan")))
        goto done;
    have_tally = 1;
    tg_gate_options gopt = tg_gate_options_default();
    gopt.ci_method = d.ci_method;
    gopt.ci_level = d.ci_level;
    gopt.baseline_train = base.train;
    gopt.baseline_test = base.test;
    gopt.baseline_all = base.all;
    gopt.verdicts_only = 1;
    if (tg_gate_run_with(&res, rules, policy, &t, &gopt, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_result = 1;
    if (tg_plan_compute(&plan, &res, &t, &gopt, &popt, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_plan = 1;
    if (sl.n && (r = plan_slices(&sl, rules, policy, &gopt, &popt, fmt,
                                 &slices_json, &slices_text, &slices_len)))
        goto done;
    cli_out o;
    if ((r = cli_out_open(&o, out_path)))
        goto done;
    if (fmt == FMT_JSON) {
        cJSON *j = tg_json_stamp(cJSON_CreateObject());
        cJSON_AddStringToObject(j, "model_id", rules->model_id);
        cJSON_AddStringToObject(j, "model_version", rules->model_version);
        cJSON_AddStringToObject(j, "policy", policy->policy_id);
        cJSON_AddStringToObject(j, "ci_method", tg_ci_name(d.ci_method));
        cJSON_AddNumberToObject(j, "ci_level", d.ci_level);
        cJSON_AddItemToObject(j, "reliability", tg_plan_json(&plan, &res));
        if (slices_json) {
            cJSON_AddItemToObject(j, "slices", slices_json);
            slices_json = NULL;
        }
        char *s = cJSON_Print(j);
        fprintf(o.f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else if (fmt == FMT_MARKDOWN) {
        tg_render_plan_markdown(o.f, &plan, &res);
    } else {
        tg_render_plan_text(o.f, &plan, &res);
    }
    if (slices_text)
        fwrite(slices_text, 1, slices_len, o.f);
    r = cli_out_close(&o);
done:
    if (have_plan)
        tg_plan_release(&plan);
    if (have_result)
        tg_gate_result_release(&res);
    if (have_tally)
        tg_tally_release(&t);
    cJSON_Delete(slices_json);
    free(slices_text);
    cli_slices_release(&sl);
    tg_policy_free(policy);
    tg_rules_free(rules);
    free(d.data);
    free(d.slices);
    return cli_flush_stdout(r);
}
