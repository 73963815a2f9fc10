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

static const char help[] =
    "usage: tiergate monitor --rules FILE (--data FILE... | --summary FILE)\n"
    "                        [--policy FILE] [--calibration FILE]\n"
    "                        [--by week|month] [--since DATE] [--until DATE]\n"
    "                        [--maturity DAYS] [--compare OLD_RULES]\n"
    "                        [--format text|json|markdown] [--wide] [-o FILE]\n"
    "                        [--json FILE] [--markdown FILE] [--junit FILE]\n"
    "       tiergate monitor --rules FILE (--data ...|--summary ...) "
    "--recalibrate\n"
    "                        -o FILE [--windows N] [--shrinkage K] [--at TIME]\n"
    "                        [--log EXECUTION_LOG.md]\n\n"
    "Slices leads by contacted_date into ISO weeks (Monday to Sunday) or\n"
    "calendar months and reports, per window and tier: leads, mature labeled\n"
    "leads, conversions, rate with interval, the calibrated rate, their\n"
    "ratio with interval, the tier's share, and the PSI of the window's tier\n"
    "shares against the training distribution. Leads contacted less than\n"
    "--maturity days before the data's last contacted date count in volumes\n"
    "and shares, never in rates. The policy's gates are judged three ways\n"
    "(pass, fail, inconclusive when the interval straddles the threshold);\n"
    "exit 0 when nothing blocks, 1 when a blocking gate fails, 2 for bad\n"
    "input, 3 for an internal or I/O error. Rows are read on one thread\n"
    "(--threads has no effect here).\n\n" CLI_DATA_HELP
    "                       (for monitor: sql --emit monitor-summary)\n"
    "  --policy FILE        monitor policy (default "
    "registry/monitors/<version>.json)\n"
    "  --calibration FILE   calibration table with the calibrated rates and\n"
    "                       the training distribution (default\n"
    "                       registry/tier_statistics.json when it exists; "
    "else\n"
    "                       the rule set's expected rates and no PSI)\n"
    "  --by week|month      window length (default: the policy's)\n"
    "  --since DATE         first window: the one holding DATE (YYYY-MM-DD)\n"
    "  --until DATE         last window: the one holding DATE\n"
    "  --maturity DAYS      days a lead needs to count in rates (default: the\n"
    "                       policy's)\n"
    "  --compare FILE       an older rule set scored on the same leads: per\n"
    "                       window, each model's priority-tier rate and the\n"
    "                       difference (rows only)\n" CLI_STATS_HELP
    "  --format FMT         text (default), json or markdown\n"
    "  -o FILE              write that to FILE instead of stdout\n"
    "  --json FILE          also write the JSON (what `report --monitor` "
    "reads)\n"
    "  --markdown FILE      also write the Markdown summary\n"
    "  --junit FILE         also write JUnit XML\n";
/* The rest (one literal may hold at most 4,095 characters in C11). */
static const char help_end[] =
    "  --recalibrate        write a proposed calibration table to -o FILE\n"
    "                       from the last N fully mature windows, each tier\n"
    "                       shrunk toward the previous calibration\n"
    "  --windows N          N for --recalibrate (default: the policy's)\n"
    "  --shrinkage K        prior weight in labeled leads (default: the\n"
    "                       policy's); 0 takes the observed rates as they are\n"
    "  --at TIME            pin calibrated_at, and with --log the entry's time\n"
    "                       (UTC, 2026-04-01T00:00:00Z)\n"
    "  --log FILE           with --recalibrate: once the proposal is written,\n"
    "                       record it in that execution log as a proposed\n"
    "                       recalibration (see `tiergate log --help`)\n"
    "  --wide               text: one column per field, not fitted to the width\n"
    CLI_COLOR_HELP
    "  -h, --help           this help\n";

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
    } else if (f == FMT_CSV) {
        tg_render_monitor_junit(m, r); /* FMT_CSV stands for JUnit here */
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
        return EXIT_INTERNAL;
    }
    int rc = EXIT_OK;
    if (path && strcmp(path, "-") != 0)
        rc = cli_write_file(path, s, len);
    else if (fwrite(s, 1, len, stdout) != len)
        rc = EXIT_INTERNAL;
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

static int parse_args(int argc, char **argv, cli_data *d, options *o)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        CLI_STATS_LONG_OPTIONS,
        {"at", required_argument, NULL, OPT_AT},
        {"by", required_argument, NULL, OPT_BY},
        {"calibration", required_argument, NULL, OPT_CALIBRATION},
        {"color", required_argument, NULL, OPT_COLOR},
        {"compare", required_argument, NULL, OPT_COMPARE},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"json", required_argument, NULL, OPT_JSON},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"log", required_argument, NULL, OPT_LOG},
        {"markdown", required_argument, NULL, OPT_MARKDOWN},
        {"maturity", required_argument, NULL, OPT_MATURITY},
        {"output", required_argument, NULL, 'o'},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"recalibrate", no_argument, NULL, OPT_RECALIBRATE},
        {"shrinkage", required_argument, NULL, OPT_SHRINKAGE},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"wide", no_argument, NULL, OPT_WIDE},
        {"windows", required_argument, NULL, OPT_WINDOWS},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(d, "monitor", c, optarg);
        if (used < 0)
            return EXIT_USAGE;
        if (used)
            continue;
        char *end;
        switch (c) {
        case 'h': return -1;
        case 'o': o->out = optarg; break;
        case OPT_COLOR:
            if (cli_color_option("monitor", optarg))
                return EXIT_USAGE;
            break;
        case OPT_POLICY: o->policy = optarg; break;
        case OPT_CALIBRATION: o->calibration = optarg; break;
        case OPT_COMPARE: o->compare = optarg; break;
        case OPT_JSON: o->json = optarg; break;
        case OPT_MARKDOWN: o->markdown = optarg; break;
        case OPT_JUNIT: o->junit = optarg; break;
        case OPT_RECALIBRATE: o->recalibrate = 1; break;
        case OPT_AT: o->at = optarg; break;
        case OPT_WIDE: o->wide = 1; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_BY:
            if ((o->by = tg_window_unit_parse(optarg)) < 0)
                return cli_usage("monitor", "--by takes week or month, not '%s'",
                                 optarg);
            break;
        case OPT_SINCE:
        case OPT_UNTIL: {
            int v = strlen(optarg) == 10 ? tg_parse_date(optarg, 10) : 0;
            if (!v)
                return cli_usage("monitor", "%s takes a date YYYY-MM-DD, not '%s'",
                                 c == OPT_SINCE ? "--since" : "--until", optarg);
            *(c == OPT_SINCE ? &o->since : &o->until) = v;
            break;
        }
        case OPT_MATURITY:
            if (parse_int("monitor", "--maturity", optarg, 0, 3650, &o->maturity))
                return EXIT_USAGE;
            break;
        case OPT_WINDOWS:
            if (parse_int("monitor", "--windows", optarg, 1, 520, &o->windows))
                return EXIT_USAGE;
            break;
        case OPT_SHRINKAGE:
            o->shrinkage = strtod(optarg, &end);
            if (!*optarg || *end || !(o->shrinkage >= 0 && o->shrinkage <= 1e9))
                return cli_usage("monitor", "--shrinkage takes a number >= 0, "
                                            "not '%s'", optarg);
            break;
        case 'f':
            o->fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                                  FMT_BIT(FMT_MARKDOWN));
            if (o->fmt < 0)
                return cli_usage("monitor", "--format takes text, json or "
                                            "markdown, not '%s'", optarg);
            break;
        default: return cli_usage("monitor", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage("monitor", "unexpected argument '%s'", argv[optind]);
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
    return EXIT_OK;
}

/* SHA-256 of the input files' bytes, in order (none for stdin). */
static int fingerprint(char hex[65], const char *const *paths, int n)
{
    tg_sha256 h;
    hex[0] = '\0';
    for (int i = 0; i < n; i++)
        if (strcmp(paths[i], "-") == 0)
            return EXIT_OK;
    if (tg_sha256_init(&h) != TG_OK)
        return EXIT_INTERNAL;
    static char buf[1 << 16];
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            tg_sha256_hex(&h, hex);
            hex[0] = '\0';
            return EXIT_OK; /* the scan reports unreadable files */
        }
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0)
            tg_sha256_update(&h, buf, k);
        fclose(f);
    }
    tg_sha256_hex(&h, hex);
    return EXIT_OK;
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
    const char *registry = "registry/model_registry_v3.json";
    if (access(registry, F_OK) != 0)
        registry = NULL;
    /* The proposal's folder too: a run killed while writing it left a
     * temporary file there. */
    char folder[4096];
    const char *dirs[1] = {tg_dirname(o->out, folder, sizeof folder)};
    tg_trail trail;
    if (tg_trail_open(&trail, registry, o->log, dirs, 1, err) != TG_OK)
        return cli_fail(err);
    int r = cli_write_json(o->out, proposal);
    if (r == EXIT_OK) {
        tg_log_recal_options lo = {
            o->out, rules,
            o->calibration ? o->calibration : "registry/tier_statistics.json",
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

int cmd_monitor(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    options o;
    memset(&o, 0, sizeof o);
    o.by = o.maturity = o.windows = -1;
    o.shrinkage = -1;
    o.fmt = FMT_TEXT;
    tg_rules *rules = NULL, *old = NULL;
    tg_monitor_policy *policy = NULL;
    tg_monitor_baseline base;
    tg_monitor_data data;
    tg_monitor_stats stats;
    tg_monitor_result res;
    int have_base = 0, have_data = 0, have_stats = 0, have_res = 0;
    memset(&data, 0, sizeof data);
    tg_error err;
    tg_error_clear(&err);
    int r = parse_args(argc, argv, &d, &o);
    if (r < 0) {
        fputs(help, stdout);
        r = cli_help(help_end);
        goto done;
    }
    if (r)
        goto done;
    if ((r = cli_load_rules(&rules, &d, "monitor")))
        goto done;
    if (!d.summary && !d.ndata) {
        r = cli_usage("monitor", "give the data with --data FILE or a warehouse "
                                 "summary with --summary FILE");
        goto done;
    }
    if (d.summary && d.ndata) {
        r = cli_usage("monitor", "give --data or --summary, not both");
        goto done;
    }
    char def_policy[300];
    if (!o.policy) {
        snprintf(def_policy, sizeof def_policy, "registry/monitors/%s.json",
                 rules->model_version);
        /* The version names the file only when it is a plain name
         * (tg_path_name_ok: no '/', no ".."). */
        if (!tg_path_name_ok(rules->model_version) ||
            access(def_policy, R_OK) != 0) {
            char shown[400];
            r = cli_usage("monitor", "--policy FILE is required (no %s)",
                          tg_esc_term_buf(def_policy, shown, sizeof shown));
            goto done;
        }
        o.policy = def_policy;
    }
    if (tg_monitor_policy_load(&policy, o.policy, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (!o.calibration && access("registry/tier_statistics.json", R_OK) == 0)
        o.calibration = "registry/tier_statistics.json";
    if (tg_monitor_baseline_load(&base, o.calibration, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_base = 1;
    if (!o.calibration)
        cli_warn("no calibration table: calibrated rates are the rule set's "
                 "expected rates, and there is no training distribution for "
                 "the PSI");
    if (o.compare && tg_rules_load(&old, o.compare, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    tg_monitor_options mo = {
        o.by >= 0 ? (tg_window_unit)o.by : policy->window,
        o.maturity >= 0 ? o.maturity : policy->maturity_days, o.since, o.until,
        old};
    int rc;
    if (d.summary) {
        rc = tg_monitor_summary_load(&data, rules, d.summary, &mo, &err);
        if (rc == TG_OK)
            rc = tg_sha256_file(d.summary, data.input_sha256, &err);
    } else {
        tg_scan_options so = TG_SCAN_OPTIONS_INIT;
        so.paths = d.data;
        so.npaths = d.ndata;
        so.on_bad_row = d.on_bad_row;
        so.date_config = cli_default_date_config(&d);
        rc = tg_monitor_scan(&data, rules, &so, &mo, &err);
        if (rc == TG_OK && (r = fingerprint(data.input_sha256, d.data, d.ndata)))
            goto done;
    }
    if (rc != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_data = 1;
    if (data.skipped)
        cli_warn("skipped %llu bad row%s", (unsigned long long)data.skipped,
                 data.skipped == 1 ? "" : "s");
    if (!data.nwindows) {
        r = cli_usage("monitor", "no lead with a contacted_date%s: nothing to "
                                 "monitor",
                      o.since || o.until ? " in the selected period" : "");
        goto done;
    }
    if (tg_monitor_stats_compute(&stats, rules, old, &data, &base, d.ci_method,
                                 d.ci_level, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_stats = 1;
    if (o.recalibrate) {
        tg_recalibrate_options ro = {
            o.windows > 0 ? o.windows : policy->recalibrate_windows,
            o.shrinkage >= 0 ? o.shrinkage : policy->shrinkage_strength, o.at};
        cJSON *j = NULL;
        if (tg_monitor_recalibrate(&j, &stats, &ro, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        r = o.log ? write_and_log(&o, j, rules, &err)
                  : cli_write_json(o.out, j);
        cJSON_Delete(j);
        goto done;
    }
    if (tg_monitor_judge(&res, policy, &stats, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_res = 1;
    tg_git_facts gf;
    if (tg_git_facts_get(&gf, ".", NULL, &err) == TG_OK) {
        if (gf.has_head)
            snprintf(res.commit, sizeof res.commit, "%s", gf.commit);
        tg_git_facts_release(&gf);
    }
    tg_monitor_inputs in = {d.summary ? "summary" : "rows",
                            d.summary ? (const char *const *)&d.summary
                                      : (const char *const *)d.data,
                            d.summary ? 1 : d.ndata};
    /* Side files first: when one cannot be written, exit 3, not 0/1. */
    if ((o.json && (r = emit(&res, &in, FMT_JSON, o.json, 0, 0))) ||
        (o.markdown && (r = emit(&res, &in, FMT_MARKDOWN, o.markdown, 0, 0))) ||
        (o.junit && (r = emit(&res, &in, FMT_CSV, o.junit, 0, 0))))
        goto done;
    int color = o.fmt == FMT_TEXT && !o.out && cli_color(stdout);
    /* The text fits the terminal (or COLUMNS, else 80; 80 in a file)
     * unless --wide. */
    int width = o.wide ? 0 : o.out && strcmp(o.out, "-") ? 80
                                                         : cli_term_width();
    if ((r = emit(&res, &in, o.fmt, o.out, color, width)))
        goto done;
    r = tg_overall_exit_code(res.status);
done:
    if (have_res)
        tg_monitor_result_release(&res);
    if (have_stats)
        tg_monitor_stats_release(&stats);
    if (have_data)
        tg_monitor_data_release(&data);
    if (have_base)
        tg_monitor_baseline_release(&base);
    tg_monitor_policy_free(policy);
    tg_rules_free(old);
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
