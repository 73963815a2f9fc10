/*
 * tiergate monitor: after a release, week by week (or month by month),
 * observed conversion against the calibration, tier shares against the
 * training distribution, with immature leads held out of every rate;
 * judged by a monitor policy with the exit codes of `gate`. Also the
 * two-model comparison (--compare) and a proposed recalibration
 * (--recalibrate).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "tg_monitor.h"
#include "tg_monitor_policy.h"
#include "tg_render_monitor.h"

enum {
    OPT_POLICY = 2000,
    OPT_CALIBRATION,
    OPT_BY,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_MATURITY,
    OPT_COMPARE,
    OPT_JSON,
    OPT_MARKDOWN,
    OPT_JUNIT,
    OPT_RECALIBRATE,
    OPT_WINDOWS,
    OPT_SHRINKAGE,
    OPT_AT,
    OPT_LOG
};

/* Rows are read on one thread: monitor takes no --threads. */
static const cli_opt monitor_opts[] = {
    CLI_OPT_RULES,
    CLI_OPT_DATA,
    {"summary", 0, "FILE", OPT_SUMMARY,
     "instead of --data: counts per window and tier as\n"
     "the warehouse exports them (tiergate sql --emit\n"
     "monitor-summary)"},
    CLI_OPT_DATE_CONFIG,
    CLI_OPT_ON_BAD_ROW,
    {"policy", 0, "FILE", OPT_POLICY,
     "monitor policy (default\nregistry/monitors/<version>.json)"},
    {"calibration", 0, "FILE", OPT_CALIBRATION,
     "calibration table with the calibrated rates and\n"
     "the training distribution (default\n"
     "registry/tier_statistics.json when it exists;\n"
     "else the rule set's expected rates and no PSI)"},
    {"by", 0, "week|month", OPT_BY, "window length (default: the policy's)"},
    {"since", 0, "DATE", OPT_SINCE,
     "first window: the one holding DATE (YYYY-MM-DD)"},
    {"until", 0, "DATE", OPT_UNTIL, "last window: the one holding DATE"},
    {"maturity", 0, "DAYS", OPT_MATURITY,
     "days a lead needs to count in rates (default:\nthe policy's)"},
    {"compare", 0, "FILE", OPT_COMPARE,
     "an older rule set scored on the same leads: per\n"
     "window, each model's priority-tier rate and the\n"
     "difference (rows only)"},
    CLI_OPTS_STATS,
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json or markdown"},
    CLI_OPT_WIDE,
    CLI_OPT_COLOR,
    CLI_OPT_OUTPUT,
    {"json", 0, "FILE", OPT_JSON,
     "also write the JSON (what `report --monitor`\nreads)"},
    {"markdown", 0, "FILE", OPT_MARKDOWN, "also write the Markdown summary"},
    {"junit", 0, "FILE", OPT_JUNIT, "also write JUnit XML"},
    {"recalibrate", 0, NULL, OPT_RECALIBRATE,
     "write a proposed calibration table to -o FILE\n"
     "from the last N fully mature windows, each tier\n"
     "shrunk toward the previous calibration"},
    {"windows", 0, "N", OPT_WINDOWS,
     "N for --recalibrate (default: the policy's)"},
    {"shrinkage", 0, "K", OPT_SHRINKAGE,
     "prior weight in labeled leads (default: the\n"
     "policy's); 0 takes the observed rates as they are"},
    {"at", 0, "TIME", OPT_AT,
     "pin calibrated_at, and with --log the entry's\n"
     "time (UTC, 2026-04-01T00:00:00Z)"},
    {"log", 0, "FILE", OPT_LOG,
     "with --recalibrate: once the proposal is written,\n"
     "record it in that execution log as a proposed\n"
     "recalibration (see `tiergate log append --help`)"},
    CLI_OPT_END,
};

static const cli_spec monitor_spec = {
    "monitor",
    "monitor --rules FILE (--data FILE... | --summary FILE)\n"
    "        [--policy FILE] [--calibration FILE]\n"
    "        [--by week|month] [--since DATE] [--until DATE]\n"
    "        [--maturity DAYS] [--compare OLD_RULES]\n"
    "        [--format text|json|markdown] [--wide] [-o FILE]\n"
    "        [--json FILE] [--markdown FILE] [--junit FILE]\n"
    "monitor --rules FILE (--data ...|--summary ...) --recalibrate\n"
    "        -o FILE [--windows N] [--shrinkage K] [--at TIME]\n"
    "        [--log EXECUTION_LOG.md]\n",
    "Slices leads by contacted_date into ISO weeks (Monday to Sunday) or\n"
    "calendar months and reports, per window and tier: leads, mature labeled\n"
    "leads, conversions, rate with interval, the calibrated rate, their\n"
    "ratio with interval, the tier's share, and the PSI of the window's tier\n"
    "shares against the training distribution. Leads contacted less than\n"
    "--maturity days before the data's last contacted date count in volumes\n"
    "and shares, never in rates. The policy's gates are judged three ways\n"
    "(pass, fail, inconclusive when the interval straddles the threshold);\n"
    "exit 0 when nothing blocks, 1 when a blocking gate fails, 2 for bad\n"
    "input, 3 for an internal or I/O error. Rows are read on one thread.\n",
    monitor_opts,
    0,
    NULL,
};

/* JUnit XML, beside the cli_format values: only ever a side file. */
enum { FORM_JUNIT = 100 };

typedef struct {
    const char *policy, *calibration, *compare, *out, *json, *markdown, *junit;
    const char *at, *log;
    int by, since, until, maturity, recalibrate, windows, wide;
    double shrinkage;
    int fmt;
} options;

static char *render(const tg_monitor_result *r, const tg_monitor_inputs *in,
                    int f, int color, int width, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        return NULL;
    if (f == FMT_JSON) {
        cJSON *j = tg_json_stamp(tg_monitor_result_json(r, in));
        char *s = cJSON_Print(j);
        if (s)
            fprintf(m, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else if (f == FMT_MARKDOWN) {
        tg_render_monitor_markdown(m, r);
    } else if (f == FORM_JUNIT) {
        tg_render_monitor_junit(m, r);
    } else {
        tg_render_monitor_text(m, r, color, width);
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int emit(const tg_monitor_result *r, const tg_monitor_inputs *in, int f,
                const char *path, int color, int width)
{
    size_t len;
    char *s = render(r, in, f, color, width, &len);
    if (!s) {
        fprintf(stderr, "tiergate: out of memory\n");
        return TG_EXIT_INTERNAL;
    }
    int rc = TG_EXIT_OK;
    if (path && strcmp(path, "-") != 0)
        rc = cli_write_file(path, s, len);
    else if (fwrite(s, 1, len, stdout) != len)
        rc = TG_EXIT_INTERNAL;
    free(s);
    return rc;
}

static int parse_int(const char *cmd, const char *opt, const char *arg, int lo,
                     int hi, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || v < lo || v > hi)
        return cli_usage(cmd, "%s takes a whole number from %d to %d, not '%s'",
                         opt, lo, hi, arg);
    *out = (int)v;
    return 0;
}

/* An option with a value to check: --by, --since, --until, --maturity,
 * --windows, --shrinkage, --format, --color. Returns an exit code. */
static int parse_value(options *o, int c, const char *arg)
{
    char *end;
    switch (c) {
    case OPT_BY:
        if ((o->by = tg_window_unit_parse(arg)) < 0)
            return cli_usage("monitor", "--by takes week or month, not '%s'",
                             arg);
        return TG_EXIT_OK;
    case OPT_SINCE:
    case OPT_UNTIL: {
        int v = strlen(arg) == 10 ? tg_parse_date(arg, 10) : 0;
        if (!v)
            return cli_usage("monitor", "%s takes a date YYYY-MM-DD, not '%s'",
                             c == OPT_SINCE ? "--since" : "--until", arg);
        *(c == OPT_SINCE ? &o->since : &o->until) = v;
        return TG_EXIT_OK;
    }
    case OPT_MATURITY:
        return parse_int("monitor", "--maturity", arg, 0, 3650, &o->maturity);
    case OPT_WINDOWS:
        return parse_int("monitor", "--windows", arg, 1, 520, &o->windows);
    case OPT_SHRINKAGE:
        o->shrinkage = strtod(arg, &end);
        if (!*arg || *end || !(o->shrinkage >= 0 && o->shrinkage <= 1e9))
            return cli_usage("monitor", "--shrinkage takes a number >= 0, "
                                        "not '%s'", arg);
        return TG_EXIT_OK;
    case OPT_FORMAT:
        return cli_format_option("monitor", arg,
                                 FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                     FMT_BIT(FMT_MARKDOWN),
                                 &o->fmt);
    case OPT_COLOR: return cli_color_option("monitor", arg);
    }
    return TG_EXIT_OK;
}

/* The options that only go with others. */
static int check_options(const cli_data *d, const options *o)
{
    if (o->since && o->until && o->since > o->until)
        return cli_usage("monitor", "--since is after --until");
    if (o->recalibrate && (!o->out || strcmp(o->out, "-") == 0))
        return cli_usage("monitor", "--recalibrate writes a calibration table: "
                                    "give -o FILE");
    if (o->log && !o->recalibrate)
        return cli_usage("monitor", "--log records a recalibration: it goes "
                                    "with --recalibrate");
    if (o->compare && d->summary)
        return cli_usage("monitor", "--compare scores rows with both rule sets: "
                                    "give --data, not --summary");
    return TG_EXIT_OK;
}

/* The options; -1 after the help. */
static int parse_args(int argc, char **argv, cli_data *d, options *o)
{
    cli_parser p;
    int c, r = TG_EXIT_OK;
    cli_parse_begin(&p, &monitor_spec, argc, argv);
    while (r == TG_EXIT_OK && (c = cli_next_option(&p, d, NULL)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc ? p.rc : -1;
        switch (c) {
        case OPT_OUTPUT: o->out = p.arg; break;
        case OPT_POLICY: o->policy = p.arg; break;
        case OPT_CALIBRATION: o->calibration = p.arg; break;
        case OPT_COMPARE: o->compare = p.arg; break;
        case OPT_JSON: o->json = p.arg; break;
        case OPT_MARKDOWN: o->markdown = p.arg; break;
        case OPT_JUNIT: o->junit = p.arg; break;
        case OPT_RECALIBRATE: o->recalibrate = 1; break;
        case OPT_AT: o->at = p.arg; break;
        case OPT_WIDE: o->wide = 1; break;
        case OPT_LOG: o->log = p.arg; break;
        default: r = parse_value(o, c, p.arg); break;
        }
    }
    return r ? r : check_options(d, o);
}

/* SHA-256 of the input files' bytes, in order (none for stdin). */
static int fingerprint(char hex[65], const char *const *paths, int n)
{
    tg_sha256 h;
    hex[0] = '\0';
    for (int i = 0; i < n; i++)
        if (strcmp(paths[i], "-") == 0)
            return TG_EXIT_OK;
    if (tg_sha256_init(&h) != TG_OK)
        return TG_EXIT_INTERNAL;
    static char buf[1 << 16];
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            tg_sha256_hex(&h, hex);
            hex[0] = '\0';
            return TG_EXIT_OK; /* the scan reports unreadable files */
        }
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0)
            tg_sha256_update(&h, buf, k);
        fclose(f);
    }
    tg_sha256_hex(&h, hex);
    return TG_EXIT_OK;
}

/*
 * The proposal written (atomically), then recorded in the execution
 * log under the registry's and the log's locks, as `log append
 * --recalibration` does. Outside a repository nothing is written.
 */
static int write_and_log(const options *o, const cJSON *proposal,
                         const tg_rules *rules, tg_error *err)
{
    if (tg_log_require_repo(o->log, ".", err) != TG_OK)
        return cli_fail(err);
    const char *registry = CLI_DEFAULT_REGISTRY;
    if (access(registry, F_OK) != 0)
        registry = NULL;
    /* The proposal's folder too: a run killed while writing it left a
     * temporary file there. */
    char folder[TG_PATH_MAX];
    const char *dirs[1] = {tg_dirname(o->out, folder, sizeof folder)};
    tg_trail trail;
    if (tg_trail_open(&trail, registry, o->log, dirs, 1, err) != TG_OK)
        return cli_fail(err);
    int r = cli_write_json(o->out, proposal);
    if (r == TG_EXIT_OK) {
        tg_log_recal_options lo = {
            o->out, rules,
            o->calibration ? o->calibration : CLI_DEFAULT_CALIBRATION,
            o->at, ".", NULL};
        if (tg_log_append_recalibration(o->log, &lo, err) != TG_OK)
            r = cli_fail(err);
        else
        {
            char a[600], b[600];
            printf("%s: written; recorded in %s as a proposed "
                   "recalibration\n", tg_esc_term_buf(o->out, a, sizeof a),
                   tg_esc_term_buf(o->log, b, sizeof b));
        }
    }
    tg_trail_close(&trail);
    return r;
}

/* Everything a monitor run loads and computes, released together. */
typedef struct {
    cli_data d;
    options o;
    char def_policy[300];
    tg_rules *rules, *old;
    tg_monitor_policy *policy;
    tg_monitor_baseline base;
    tg_monitor_data data;
    tg_monitor_stats stats;
    tg_monitor_result res;
    int have_base, have_data, have_stats, have_res;
} monitor_run;

static void run_release(monitor_run *m)
{
    if (m->have_res)
        tg_monitor_result_release(&m->res);
    if (m->have_stats)
        tg_monitor_stats_release(&m->stats);
    if (m->have_data)
        tg_monitor_data_release(&m->data);
    if (m->have_base)
        tg_monitor_baseline_release(&m->base);
    tg_monitor_policy_free(m->policy);
    tg_rules_free(m->old);
    tg_rules_free(m->rules);
    free(m->d.data);
}

/* The rule set, the policy (--policy, else registry/monitors/<version>
 * .json), the calibration and the older rule set of --compare. */
static int load_inputs(monitor_run *m)
{
    tg_error err;
    int r;
    if ((r = cli_load_rules(&m->rules, &m->d, "monitor")))
        return r;
    if (!m->d.summary && !m->d.ndata)
        return cli_usage("monitor", "give the data with --data FILE or a "
                                    "warehouse summary with --summary FILE");
    if (m->d.summary && m->d.ndata)
        return cli_usage("monitor", "give --data or --summary, not both");
    if (!m->o.policy) {
        snprintf(m->def_policy, sizeof m->def_policy,
                 "registry/monitors/%s.json", m->rules->model_version);
        /* The version names the file only when it is a plain name
         * (tg_path_name_ok: no '/', no ".."). */
        if (!tg_path_name_ok(m->rules->model_version) ||
            access(m->def_policy, R_OK) != 0) {
            char shown[400];
            return cli_usage("monitor", "--policy FILE is required (no %s)",
                             tg_esc_term_buf(m->def_policy, shown,
                                             sizeof shown));
        }
        m->o.policy = m->def_policy;
    }
    if (tg_monitor_policy_load(&m->policy, m->o.policy, m->rules, &err) != TG_OK)
        return cli_fail(&err);
    if (!m->o.calibration && access(CLI_DEFAULT_CALIBRATION, R_OK) == 0)
        m->o.calibration = CLI_DEFAULT_CALIBRATION;
    if (tg_monitor_baseline_load(&m->base, m->o.calibration, m->rules, &err) !=
        TG_OK)
        return cli_fail(&err);
    m->have_base = 1;
    if (!m->o.calibration)
        cli_warn("no calibration table: calibrated rates are the rule set's "
                 "expected rates, and there is no training distribution for "
                 "the PSI");
    if (m->o.compare && tg_rules_load(&m->old, m->o.compare, &err) != TG_OK)
        return cli_fail(&err);
    return TG_EXIT_OK;
}

/* The leads per window and tier, from the summary or the rows, and the
 * statistics of each window. */
static int load_windows(monitor_run *m)
{
    tg_error err;
    const options *o = &m->o;
    tg_monitor_options mo = {
        o->by >= 0 ? (tg_window_unit)o->by : m->policy->window,
        o->maturity >= 0 ? o->maturity : m->policy->maturity_days, o->since,
        o->until, m->old};
    int rc, r;
    if (m->d.summary) {
        rc = tg_monitor_summary_load(&m->data, m->rules, m->d.summary, &mo,
                                     &err);
        if (rc == TG_OK)
            rc = tg_sha256_file(m->d.summary, m->data.input_sha256, &err);
    } else {
        tg_scan_options so = TG_SCAN_OPTIONS_INIT;
        so.paths = m->d.data;
        so.npaths = m->d.ndata;
        so.on_bad_row = m->d.on_bad_row;
        so.date_config = cli_default_date_config(&m->d);
        rc = tg_monitor_scan(&m->data, m->rules, &so, &mo, &err);
        if (rc == TG_OK &&
            (r = fingerprint(m->data.input_sha256, m->d.data, m->d.ndata))) {
            m->have_data = 1;
            return r;
        }
    }
    if (rc != TG_OK)
        return cli_fail(&err);
    m->have_data = 1;
    if (m->data.skipped)
        cli_warn("skipped %llu bad row%s", (unsigned long long)m->data.skipped,
                 m->data.skipped == 1 ? "" : "s");
    if (!m->data.nwindows)
        return cli_usage("monitor", "no lead with a contacted_date%s: nothing "
                                    "to monitor",
                         o->since || o->until ? " in the selected period" : "");
    if (tg_monitor_stats_compute(&m->stats, m->rules, m->old, &m->data,
                                 &m->base, m->d.ci_method, m->d.ci_level,
                                 &err) != TG_OK)
        return cli_fail(&err);
    m->have_stats = 1;
    return TG_EXIT_OK;
}

/* --recalibrate: the proposed table to -o FILE (and to the log). */
static int recalibrate(monitor_run *m)
{
    tg_error err;
    tg_recalibrate_options ro = {
        m->o.windows > 0 ? m->o.windows : m->policy->recalibrate_windows,
        m->o.shrinkage >= 0 ? m->o.shrinkage : m->policy->shrinkage_strength,
        m->o.at};
    cJSON *j = NULL;
    if (tg_monitor_recalibrate(&j, &m->stats, &ro, &err) != TG_OK)
        return cli_fail(&err);
    int r = m->o.log ? write_and_log(&m->o, j, m->rules, &err)
                     : cli_write_json(m->o.out, j);
    cJSON_Delete(j);
    return r;
}

/* The policy's verdict, the side files, then the output asked for; the
 * exit code is the verdict's. */
static int judge_and_write(monitor_run *m)
{
    tg_error err;
    const options *o = &m->o;
    if (tg_monitor_judge(&m->res, m->policy, &m->stats, &err) != TG_OK)
        return cli_fail(&err);
    m->have_res = 1;
    /* The commit the report names; outside a repository none, so that
     * failure is ignored, recorded apart from err. */
    tg_git_facts gf;
    tg_error ignored;
    if (tg_git_facts_get(&gf, ".", NULL, &ignored) == TG_OK) {
        if (gf.has_head)
            snprintf(m->res.commit, sizeof m->res.commit, "%s", gf.commit);
        tg_git_facts_release(&gf);
    }
    const cli_data *d = &m->d;
    tg_monitor_inputs in = {d->summary ? "summary" : "rows",
                            d->summary ? (const char *const *)&d->summary
                                       : (const char *const *)d->data,
                            d->summary ? 1 : d->ndata};
    int r;
    /* Side files first: when one cannot be written, exit 3, not 0/1. */
    if ((o->json && (r = emit(&m->res, &in, FMT_JSON, o->json, 0, 0))) ||
        (o->markdown &&
         (r = emit(&m->res, &in, FMT_MARKDOWN, o->markdown, 0, 0))) ||
        (o->junit && (r = emit(&m->res, &in, FORM_JUNIT, o->junit, 0, 0))))
        return r;
    int color = o->fmt == FMT_TEXT && !o->out && cli_color(stdout);
    /* The text fits the terminal (or COLUMNS, else 80; 80 in a file)
     * unless --wide. */
    int width = o->wide ? 0 : o->out && strcmp(o->out, "-") ? 80
                                                            : cli_term_width();
    if ((r = emit(&m->res, &in, o->fmt, o->out, color, width)))
        return r;
    return tg_overall_exit_code(m->res.status);
}

int cmd_monitor(int argc, char **argv)
{
    monitor_run m;
    memset(&m, 0, sizeof m);
    m.d = (cli_data)CLI_DATA_INIT;
    m.o.by = m.o.maturity = m.o.windows = -1;
    m.o.shrinkage = -1;
    m.o.fmt = FMT_TEXT;
    int r = parse_args(argc, argv, &m.d, &m.o);
    if (r == TG_EXIT_OK && !(r = load_inputs(&m)) && !(r = load_windows(&m)))
        r = m.o.recalibrate ? recalibrate(&m) : judge_and_write(&m);
    run_release(&m);
    return cli_flush_stdout(r < 0 ? TG_EXIT_OK : r);
}
