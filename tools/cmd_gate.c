/*
 * tiergate gate: every gate of a policy on a feature export or on a
 * warehouse summary; exit 1 when a blocking gate fails, so CI can block
 * the release. Writes the table, JSON, Markdown and JUnit on request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_gate_output.h"
#include "tg_textfit.h"

enum {
    OPT_POLICY = 2000,
    OPT_STRICT,
    OPT_JSON,
    OPT_MARKDOWN,
    OPT_JUNIT,
    OPT_HTML
};

static const cli_opt gate_opts[] = {
    CLI_OPTS_DATA,
    CLI_OPT_SLICE,
    {"policy", 0, "FILE", OPT_POLICY,
     "gate policy (JSON), e.g. registry/gates/v3.2.json"},
    CLI_OPTS_STATS,
    CLI_OPT_BASELINE,
    {"strict", 0, NULL, OPT_STRICT, "warnings fail the release too"},
    CLI_OPTS_PLAN,
    {"format", 0, "FMT", OPT_FORMAT,
     "what goes to stdout: text (default), json or\nmarkdown"},
    CLI_OPT_WIDE,
    CLI_OPT_COLOR,
    CLI_OPT_OUTPUT,
    {"json", 0, "FILE", OPT_JSON,
     "also write the JSON result (what `registry\n"
     "update` and `log append` read)"},
    {"markdown", 0, "FILE", OPT_MARKDOWN, "also write the Markdown summary"},
    {"junit", 0, "FILE", OPT_JUNIT,
     "also write JUnit XML (one testcase per gate and\n"
     "tier; blocking outcomes fail, warnings are\n"
     "skipped with their status; docs/ci.md)"},
    {"html", 0, "FILE", OPT_HTML,
     "also write the HTML report (see `tiergate report`)\n"
     "('-' for any FILE: standard output)"},
    CLI_OPT_END,
};

static const cli_spec gate_spec = {
    "gate",
    "gate --rules FILE --policy FILE\n"
    "     (--data FILE... | --summary FILE) [--slice EXPR]...\n"
    "     [--ci METHOD] [--level L] [--strict]\n"
    "     [--format text|json|markdown] [-o FILE] [--json FILE]\n"
    "     [--markdown FILE] [--junit FILE] [--html FILE]\n",
    "Judge every gate of the policy. Overall status PASSED,\n"
    "PASSED_WITH_WARNINGS or FAILED; exit 0 for the first two, 1 for\n"
    "FAILED, 2 for bad input or policy, 3 for an internal or I/O error.\n"
    "Statistical gates decide from their intervals: pass, fail, or\n"
    "'inconclusive' when the interval straddles the threshold (the policy's\n"
    "\"inconclusive\" says whether that blocks or warns; \"judge\": \"point\"\n"
    "judges the estimate alone). A tier with fewer labeled leads than the\n"
    "policy's min_labeled is 'insufficient', which never passes a blocking\n"
    "gate. The verdict comes with its reliability (the chance each blocking\n"
    "gate passes at the expected rates, the chance the policy passes a\n"
    "correct model and blocks one without signal; see `tiergate plan`),\n"
    "tuned by --power, --draws and --seed.\n\n"
    "When the variable GITHUB_STEP_SUMMARY names a file, the Markdown\n"
    "summary is appended (a file that cannot be written is a warning; the\n"
    "exit code stays the verdict's). With GITHUB_ACTIONS=true, each outcome\n"
    "that did not pass is also an ::error or ::warning annotation on\n"
    "stderr. With --slice, the gates marked \"per_slice\": true are also\n"
    "judged in every slice with at least their min_slice_size labeled leads\n"
    "(default 500) in the gate's split; a slice that fails or is\n"
    "inconclusive counts like any gate and is named in the output.\n",
    gate_opts,
    0,
    NULL,
};

/* The output form a --format value asks for. */
static tg_gate_output form_of(int fmt)
{
    return fmt == FMT_JSON       ? TG_GATE_OUT_JSON
         : fmt == FMT_MARKDOWN   ? TG_GATE_OUT_MARKDOWN
         : fmt == FMT_HTML       ? TG_GATE_OUT_HTML
                                 : TG_GATE_OUT_TEXT;
}

static int write_rendered(const tg_gate_result *r, const tg_plan *plan,
                          tg_gate_output form, const char *path)
{
    size_t len;
    char *s = tg_gate_output_string(r, plan, form, NULL, &len);
    if (!s) {
        fprintf(stderr, "tiergate: out of memory\n");
        return EXIT_INTERNAL;
    }
    int rc = cli_write_file(path, s, len);
    free(s);
    return rc;
}

/*
 * GitHub Actions shows the Markdown appended to $GITHUB_STEP_SUMMARY on
 * the run's page. The summary is a courtesy: when it cannot be written
 * the verdict stands (a warning on stderr, the exit code unchanged), and
 * nothing is appended unless the whole summary was rendered.
 */
static void append_step_summary(const tg_gate_result *r, const tg_plan *plan)
{
    const char *p = getenv("GITHUB_STEP_SUMMARY");
    if (!p || !*p)
        return;
    size_t len;
    char *s = tg_gate_output_string(r, plan, TG_GATE_OUT_MARKDOWN, NULL, &len);
    FILE *f = s ? fopen(p, "a") : NULL;
    int ok = f && fwrite(s, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        cli_warn("GITHUB_STEP_SUMMARY %s: cannot append the step summary "
                 "(%s); the verdict stands",
                 p, s ? strerror(errno) : "out of memory");
    free(s);
}

/*
 * Under GitHub Actions (GITHUB_ACTIONS=true) every outcome that did not
 * pass becomes an ::error or ::warning annotation. They go to stderr, so
 * that stdout stays the document asked for (JSON, Markdown, '-' files);
 * GitHub reads workflow commands from both.
 */
static void github_annotations(const tg_gate_result *r)
{
    const char *gh = getenv("GITHUB_ACTIONS");
    if (!gh || strcmp(gh, "true") != 0)
        return;
    fflush(stdout);
    tg_render_gate_github(stderr, r);
    fflush(stderr);
}

/*
 * The per-slice gates in every slice value, and the slices' tier tables
 * (with how many outcomes each slice was judged on) for the JSON.
 */
static int judge_slices(tg_gate_result *res, const tg_rules *rules,
                        const cli_slices *sl, const tg_gate_options *opt)
{
    tg_error err;
    tg_error_clear(&err);
    static const int splits[2] = {TG_SPLIT_TRAIN, TG_SPLIT_TEST};
    int per_slice = 0;
    for (int g = 0; g < res->policy->ngates; g++)
        per_slice += res->policy->gates[g].per_slice;
    if (!per_slice)
        cli_warn("policy %s marks no gate \"per_slice\": the slices are "
                 "shown, not judged",
                 res->policy->policy_id);
    res->slices = cJSON_CreateArray();
    for (int k = 0; k < sl->n; k++) {
        const tg_slicing *x = &sl->s[k];
        cJSON *j = tg_slicing_json(x, splits, 2, rules->model_version,
                                   opt->ci_method, opt->ci_level, 1, &err);
        if (!j)
            return cli_fail(&err);
        cJSON_AddItemToArray(res->slices, j);
        cJSON *vals = cJSON_GetObjectItem(j, "values");
        for (int v = 0; v < x->nvalues; v++) {
            char label[TG_SLICE_MAX_NAME + TG_SLICE_MAX_KEY + 8];
            tg_slice_label(x, v, label, sizeof label);
            int judged = 0;
            if (tg_gate_add_slice(res, &x->values[v].tally, label, opt,
                                  &judged, &err) != TG_OK)
                return cli_fail(&err);
            cJSON_AddNumberToObject(cJSON_GetArrayItem(vals, v),
                                    "outcomes_judged", judged);
        }
    }
    return EXIT_OK;
}

int cmd_gate(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = EXIT_OK, strict = 0, wide = 0;
    const char *out_path = NULL, *policy_path = NULL, *json_path = NULL,
               *md_path = NULL, *junit_path = NULL, *html_path = NULL;
    tg_rules *rules = NULL;
    tg_policy *policy = NULL;
    tg_tally t;
    int have_tally = 0, have_result = 0;
    tg_gate_result res;
    cli_slices sl = {NULL, 0};
    tg_error err;
    tg_error_clear(&err);
    cli_baseline base;
    cli_baseline_init(&base);
    tg_plan_options popt = tg_plan_options_default();
    tg_plan plan;
    int have_plan = 0;
    cli_parser p;
    cli_parse_begin(&p, &gate_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        if (c == CLI_STOP) {
            r = p.rc;
            goto done;
        }
        int used = cli_data_option(&d, "gate", c, p.arg);
        if (!used)
            used = cli_plan_option(&popt, "gate", c, p.arg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case OPT_OUTPUT: out_path = p.arg; break;
        case OPT_POLICY: policy_path = p.arg; break;
        case OPT_BASELINE:
            r = cli_parse_baseline("gate", p.arg, &base);
            break;
        case OPT_STRICT: strict = 1; break;
        case OPT_WIDE: wide = 1; break;
        case OPT_COLOR: r = cli_color_option("gate", p.arg); break;
        case OPT_JSON: json_path = p.arg; break;
        case OPT_MARKDOWN: md_path = p.arg; break;
        case OPT_JUNIT: junit_path = p.arg; break;
        case OPT_HTML: html_path = p.arg; break;
        case OPT_FORMAT:
            r = cli_format_option("gate", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                      FMT_BIT(FMT_MARKDOWN),
                                  &fmt);
            break;
        }
        if (r)
            goto done;
    }
    if (!policy_path) {
        r = cli_usage("gate", "--policy FILE is required");
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "gate")))
        goto done;
    if (tg_policy_load(&policy, policy_path, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if ((r = cli_load_sliced(&t, &sl, rules, &d, 1, "gate")))
        goto done;
    have_tally = 1;
    tg_gate_options gopt = tg_gate_options_default();
    gopt.ci_method = d.ci_method;
    gopt.ci_level = d.ci_level;
    gopt.strict = strict;
    gopt.baseline_train = base.train;
    gopt.baseline_test = base.test;
    gopt.baseline_all = base.all;
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
    if (sl.n && (r = judge_slices(&res, rules, &sl, &gopt)))
        goto done;
    {
        /* The commit the report names, when run inside a repository. */
        tg_git_facts gf;
        if (tg_git_facts_get(&gf, ".", NULL, &err) == TG_OK) {
            if (gf.has_head)
                snprintf(res.commit, sizeof res.commit, "%s", gf.commit);
            tg_git_facts_release(&gf);
        }
    }
    /* Side files first: when one cannot be written, exit 3, not 0/1. */
    if ((json_path &&
         (r = write_rendered(&res, &plan, TG_GATE_OUT_JSON, json_path))) ||
        (md_path &&
         (r = write_rendered(&res, &plan, TG_GATE_OUT_MARKDOWN, md_path))) ||
        (junit_path &&
         (r = write_rendered(&res, &plan, TG_GATE_OUT_JUNIT, junit_path))) ||
        (html_path &&
         (r = write_rendered(&res, &plan, TG_GATE_OUT_HTML, html_path))))
        goto done;
    append_step_summary(&res, &plan);
    github_annotations(&res);
    size_t len;
    int color = fmt == FMT_TEXT &&
                (!out_path || strcmp(out_path, "-") == 0) && cli_color(stdout);
    /* The table fits the terminal (or COLUMNS, else 80) unless --wide;
     * written to a file it fits 80 columns. */
    int width = wide ? 0 : out_path && strcmp(out_path, "-") ? 80
                                                           : cli_term_width();
    tg_gate_output_options go = {color, width};
    char *s = tg_gate_output_string(&res, &plan, form_of(fmt), &go, &len);
    if (!s) {
        r = EXIT_INTERNAL;
        goto done;
    }
    if (out_path && strcmp(out_path, "-") != 0)
        r = cli_write_file(out_path, s, len);
    else if (fwrite(s, 1, len, stdout) != len)
        r = EXIT_INTERNAL;
    free(s);
    if (r == EXIT_OK)
        r = tg_overall_exit_code(res.status);
done:
    if (have_plan)
        tg_plan_release(&plan);
    if (have_result)
        tg_gate_result_release(&res);
    if (have_tally)
        tg_tally_release(&t);
    cli_slices_release(&sl);
    tg_policy_free(policy);
    tg_rules_free(rules);
    free(d.data);
    free(d.slices);
    return cli_flush_stdout(r);
}
