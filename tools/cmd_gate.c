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
        return TG_EXIT_INTERNAL;
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
    return TG_EXIT_OK;
}

/* What the command line asked for. */
typedef struct {
    cli_data d;
    int fmt, strict, wide;
    const char *out_path, *policy_path, *json_path, *md_path, *junit_path,
        *html_path;
    cli_baseline base;
    tg_plan_options popt;
} gate_args;

/* What one run loaded and computed, released together; zeroed first, as
 * each release accepts a struct never filled. */
typedef struct {
    tg_rules *rules;
    tg_policy *policy;
    tg_tally t;
    tg_gate_result res;
    tg_plan plan;
    cli_slices sl;
} gate_run;

static int gate_option(gate_args *a, int c, const char *arg)
{
    switch (c) {
    case OPT_OUTPUT: a->out_path = arg; return TG_EXIT_OK;
    case OPT_POLICY: a->policy_path = arg; return TG_EXIT_OK;
    case OPT_BASELINE: return cli_parse_baseline("gate", arg, &a->base);
    case OPT_STRICT: a->strict = 1; return TG_EXIT_OK;
    case OPT_WIDE: a->wide = 1; return TG_EXIT_OK;
    case OPT_COLOR: return cli_color_option("gate", arg);
    case OPT_JSON: a->json_path = arg; return TG_EXIT_OK;
    case OPT_MARKDOWN: a->md_path = arg; return TG_EXIT_OK;
    case OPT_JUNIT: a->junit_path = arg; return TG_EXIT_OK;
    case OPT_HTML: a->html_path = arg; return TG_EXIT_OK;
    case OPT_FORMAT:
        return cli_format_option("gate", arg,
                                 FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                     FMT_BIT(FMT_MARKDOWN),
                                 &a->fmt);
    default: return TG_EXIT_OK;
    }
}

/* -1 to go on, else the exit code (help printed, or a usage error). */
static int parse_args(gate_args *a, int argc, char **argv)
{
    cli_parser p;
    cli_parse_begin(&p, &gate_spec, argc, argv);
    int c;
    while ((c = cli_next_option(&p, &a->d, &a->popt)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        int r = gate_option(a, c, p.arg);
        if (r)
            return r;
    }
    if (!a->policy_path)
        return cli_usage("gate", "--policy FILE is required");
    return -1;
}

/* Load, tally, judge, plan, and judge the slices. An exit code. */
static int judge(const gate_args *a, gate_run *g)
{
    tg_error err;
    tg_error_clear(&err);
    int r;
    if ((r = cli_load_rules(&g->rules, &a->d, "gate")))
        return r;
    if (tg_policy_load(&g->policy, a->policy_path, g->rules, &err) != TG_OK)
        return cli_fail(&err);
    if ((r = cli_load_sliced(&g->t, &g->sl, g->rules, &a->d, 1, "gate")))
        return r;
    tg_gate_options gopt = tg_gate_options_default();
    gopt.ci_method = a->d.ci_method;
    gopt.ci_level = a->d.ci_level;
    gopt.strict = a->strict;
    gopt.baseline_train = a->base.train;
    gopt.baseline_test = a->base.test;
    gopt.baseline_all = a->base.all;
    if (tg_gate_run_with(&g->res, g->rules, g->policy, &g->t, &gopt, &err) !=
        TG_OK)
        return cli_fail(&err);
    if (tg_plan_compute(&g->plan, &g->res, &g->t, &gopt, &a->popt, &err) !=
        TG_OK)
        return cli_fail(&err);
    if (g->sl.n && (r = judge_slices(&g->res, g->rules, &g->sl, &gopt)))
        return r;
    /* The commit the report names, when run inside a repository. Without
     * one the report names none: that failure is ignored, recorded apart
     * so that err holds no stale message. */
    tg_git_facts gf;
    tg_error ignored;
    if (tg_git_facts_get(&gf, ".", NULL, &ignored) == TG_OK) {
        if (gf.has_head)
            snprintf(g->res.commit, sizeof g->res.commit, "%s", gf.commit);
        tg_git_facts_release(&gf);
    }
    return TG_EXIT_OK;
}

/* The side files, the CI extras, then the asked format to stdout or -o;
 * side files first, so that one that cannot be written exits 3, not 0/1. */
static int write_outputs(const gate_args *a, const gate_run *g)
{
    const tg_gate_result *res = &g->res;
    const tg_plan *plan = &g->plan;
    int r;
    if ((a->json_path &&
         (r = write_rendered(res, plan, TG_GATE_OUT_JSON, a->json_path))) ||
        (a->md_path &&
         (r = write_rendered(res, plan, TG_GATE_OUT_MARKDOWN, a->md_path))) ||
        (a->junit_path &&
         (r = write_rendered(res, plan, TG_GATE_OUT_JUNIT, a->junit_path))) ||
        (a->html_path &&
         (r = write_rendered(res, plan, TG_GATE_OUT_HTML, a->html_path))))
        return r;
    append_step_summary(res, plan);
    github_annotations(res);
    int to_stdout = !a->out_path || strcmp(a->out_path, "-") == 0;
    int color = a->fmt == FMT_TEXT && to_stdout && cli_color(stdout);
    /* The table fits the terminal (or COLUMNS, else 80) unless --wide;
     * written to a file it fits 80 columns. */
    int width = a->wide ? 0 : to_stdout ? cli_term_width() : 80;
    tg_gate_output_options go = {color, width};
    size_t len;
    char *s = tg_gate_output_string(res, plan, form_of(a->fmt), &go, &len);
    if (!s)
        return TG_EXIT_INTERNAL;
    r = !to_stdout                         ? cli_write_file(a->out_path, s, len)
        : fwrite(s, 1, len, stdout) != len ? TG_EXIT_INTERNAL
                                           : TG_EXIT_OK;
    free(s);
    return r ? r : tg_overall_exit_code(res->status);
}

int cmd_gate(int argc, char **argv)
{
    gate_args a;
    memset(&a, 0, sizeof a);
    a.d = (cli_data)CLI_DATA_INIT;
    a.fmt = FMT_TEXT;
    cli_baseline_init(&a.base);
    a.popt = tg_plan_options_default();
    gate_run g;
    memset(&g, 0, sizeof g);
    int r = parse_args(&a, argc, argv);
    if (r < 0 && (r = judge(&a, &g)) == TG_EXIT_OK)
        r = write_outputs(&a, &g);
    tg_plan_release(&g.plan);
    tg_gate_result_release(&g.res);
    tg_tally_release(&g.t);
    cli_slices_release(&g.sl);
    tg_policy_free(g.policy);
    tg_rules_free(g.rules);
    free(a.d.data);
    free(a.d.slices);
    return r;
}
