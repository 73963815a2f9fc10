/*
 * tiergate sweep: variants of a rule set tallied in one pass, ranked on
 * TRAIN, one chosen, and only then confirmed on TEST.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate sweep --policy FILE (--sweep FILE | --rules FILE --vary "
    "SPEC...)\n"
    "                      (--data FILE... | --summary FILE) [--rules FILE]\n"
    "                      [--vary SPEC]... [--show-test-all] [--emit-rules "
    "FILE]\n"
    "                      [--ci METHOD] [--level L] [--wide] [--format "
    "text|json|markdown|html]\n"
    "                      [-o FILE] [--json FILE] [--markdown FILE] [--html "
    "FILE]\n\n"
    "Tally every variant of the sweep in one pass over the data, judge each\n"
    "on TRAIN only (the policy's gates that read TRAIN, and the objective\n"
    "the sweep file states), choose the best, and only then show TEST for\n"
    "the chosen variant and the base, with every gate of the policy (the\n"
    "TEST/TRAIN lift ratio included). TEST figures of the other variants\n"
    "stay hidden unless --show-test-all, which marks the output\n"
    "exploratory. Exit 0 when a variant is chosen and passes the gate, 1\n"
    "when none meets the objective or the chosen one fails the gate, 2 for\n"
    "bad input (a variant with a lint error included), 3 for an internal\n"
    "or I/O error.\n\n" CLI_DATA_HELP
    "                       (with --summary: the CSV export of `tiergate sql\n"
    "                       --emit sweep`, one row per variant, split, tier)\n"
    "  --policy FILE        gate policy (JSON); gates naming a tier a variant\n"
    "                       lacks are left out for that variant\n"
    "  --sweep FILE         the sweep (JSON): base rule set, objective,\n"
    "                       variants; --rules replaces its base\n"
    "  --vary SPEC          a one-constant grid, one variant per value:\n"
    "                       TIER:feature<=10,20,50 or\n"
    "                       TIER:feature BETWEEN.high=36,48 (repeatable)\n"
    "  --show-test-all      also show TEST for every variant (exploratory)\n"
    "  --emit-rules FILE    write the chosen variant as a complete rule set\n"
    "  --no-fingerprint     do not read the data a second time for its SHA-256\n"
    "                       (data_sha256 is then null)\n"
    "  --row-by-row         assign every row to every variant without the\n"
    "                       joined tier table (slower; the same counts)\n" CLI_STATS_HELP
    "  --format FMT         text (default), json, markdown or html\n"
    "  --wide               the text tables with one column per field (default:\n"
    "                       fitted to the terminal, else COLUMNS, else 80)\n"
    "  -o FILE              write that to FILE instead of stdout\n"
    "  --json FILE, --markdown FILE, --html FILE   also write those forms\n"
    "  -h, --help           this help\n";

enum {
    OPT_POLICY = 5000,
    OPT_SWEEP,
    OPT_VARY,
    OPT_SHOW_TEST_ALL,
    OPT_EMIT_RULES,
    OPT_ROW_BY_ROW,
    OPT_NO_FINGERPRINT,
    OPT_JSON,
    OPT_MARKDOWN,
    OPT_HTML
};

static char *render(const cJSON *doc, int fmt, int width, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        return NULL;
    if (fmt == FMT_JSON) {
        char *s = cJSON_Print(doc);
        if (s)
            fprintf(m, "%s\n", s);
        cJSON_free(s);
    } else if (fmt == FMT_MARKDOWN) {
        tg_sweep_render_markdown(m, doc);
    } else if (fmt == FMT_HTML) {
        tg_sweep_render_html(m, doc);
    } else {
        tg_sweep_render_text(m, doc, width);
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int write_form(const cJSON *doc, int fmt, const char *path)
{
    size_t len;
    char *s = render(doc, fmt, 0, &len);
    if (!s) {
        fprintf(stderr, "tiergate: out of memory\n");
        return EXIT_INTERNAL;
    }
    int rc = cli_write_file(path, s, len);
    free(s);
    return rc;
}

/* Linting variants k, k + step, ... (independent, so on several cores). */
typedef struct {
    const tg_sweep *s;
    tg_lint_report *reports;
    int *rcs;
    tg_error *errs;
    int k, step;
} lint_job;

static void *lint_worker(void *arg)
{
    lint_job *j = arg;
    for (int i = j->k; i < j->s->nvariants; i += j->step) {
        tg_error_clear(&j->errs[i]);
        j->rcs[i] = tg_lint(&j->reports[i], j->s->variants[i].rules,
                            &j->errs[i]);
    }
    return NULL;
}

/*
 * Lint every variant like a rule set; errors stop the sweep (exit 2).
 * counts[3 * i ..] keeps variant i's errors, warnings and infos.
 */
static int lint_variants(const tg_sweep *s, int *counts, int threads)
{
    int n = s->nvariants, errors = 0, r = EXIT_OK;
    tg_lint_report *reports = calloc((size_t)n, sizeof *reports);
    int *rcs = calloc((size_t)n, sizeof *rcs);
    tg_error *errs = calloc((size_t)n, sizeof *errs);
    if (threads < 1)
        threads = 1;
    if (threads > 8)
        threads = 8;
    lint_job jobs[8];
    pthread_t th[8];
    int started[8] = {0};
    if (!reports || !rcs || !errs) {
        free(reports);
        free(rcs);
        free(errs);
        return EXIT_INTERNAL;
    }
    for (int k = 0; k < threads; k++) {
        jobs[k] = (lint_job){s, reports, rcs, errs, k, threads};
        started[k] = k > 0 && pthread_create(&th[k], NULL, lint_worker,
                                             &jobs[k]) == 0;
        if (k > 0 && !started[k])
            lint_worker(&jobs[k]);
    }
    lint_worker(&jobs[0]);
    for (int k = 1; k < threads; k++)
        if (started[k])
            pthread_join(th[k], NULL);
    for (int i = 0; i < n; i++) {
        if (rcs[i] != TG_OK) {
            if (r == EXIT_OK)
                r = cli_fail(&errs[i]);
            continue;
        }
        const tg_lint_report *lr = &reports[i];
        for (int k = 0; k < lr->n; k++)
            if (lr->findings[k].severity == TG_LINT_ERROR) {
                fprintf(stderr, "tiergate: %s: variant '%s': lint %s: %s\n",
                        *s->path ? s->path : "--vary", s->variants[i].name,
                        lr->findings[k].code, lr->findings[k].message);
                errors++;
            }
        counts[3 * i] = lr->errors;
        counts[3 * i + 1] = lr->warnings;
        counts[3 * i + 2] = lr->infos;
        tg_lint_report_release(&reports[i]);
    }
    free(reports);
    free(rcs);
    free(errs);
    if (r != EXIT_OK)
        return r;
    if (errors)
        fprintf(stderr, "tiergate: sweep: %d lint error%s in the variants; "
                        "nothing was scanned\n", errors, errors == 1 ? "" : "s");
    return errors ? EXIT_USAGE : EXIT_OK;
}

static void add_lint(cJSON *doc, const int *counts, int n)
{
    cJSON *vars = cJSON_GetObjectItem(doc, "variants");
    for (int i = 0; i < n; i++) {
        cJSON *v = cJSON_GetArrayItem(vars, i);
        if (!v)
            continue;
        cJSON *l = cJSON_AddObjectToObject(v, "lint");
        cJSON_AddNumberToObject(l, "errors", counts[3 * i]);
        cJSON_AddNumberToObject(l, "warnings", counts[3 * i + 1]);
        cJSON_AddNumberToObject(l, "infos", counts[3 * i + 2]);
    }
}

int cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        CLI_STATS_LONG_OPTIONS,
        {"emit-rules", required_argument, NULL, OPT_EMIT_RULES},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"html", required_argument, NULL, OPT_HTML},
        {"json", required_argument, NULL, OPT_JSON},
        {"markdown", required_argument, NULL, OPT_MARKDOWN},
        {"no-fingerprint", no_argument, NULL, OPT_NO_FINGERPRINT},
        {"output", required_argument, NULL, 'o'},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"row-by-row", no_argument, NULL, OPT_ROW_BY_ROW},
        {"show-test-all", no_argument, NULL, OPT_SHOW_TEST_ALL},
        {"sweep", required_argument, NULL, OPT_SWEEP},
        {"vary", required_argument, NULL, OPT_VARY},
        {"wide", no_argument, NULL, OPT_WIDE},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = EXIT_OK, show_all = 0, rows_mode = 0,
        fingerprint = 1, wide = 0;
    const char *out_path = NULL, *policy_path = NULL, *sweep_path = NULL,
               *emit_path = NULL, *json_path = NULL, *md_path = NULL,
               *html_path = NULL;
    const char **vary = calloc((size_t)argc + 1, sizeof *vary);
    int nvary = 0;
    tg_sweep *sw = NULL;
    tg_fingerprint *fp = NULL;
    tg_tally *tallies = NULL;
    int ntallies = 0, have_result = 0, *lint_counts = NULL;
    tg_sweep_result res;
    cJSON *doc = NULL;
    tg_error err, first_skip;
    tg_error_clear(&err);
    tg_error_clear(&first_skip);
    if (!vary)
        return EXIT_INTERNAL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "sweep", c, optarg);
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
        case OPT_SWEEP: sweep_path = optarg; break;
        case OPT_VARY: vary[nvary++] = optarg; break;
        case OPT_SHOW_TEST_ALL: show_all = 1; break;
        case OPT_EMIT_RULES: emit_path = optarg; break;
        case OPT_ROW_BY_ROW: rows_mode = 1; break;
        case OPT_NO_FINGERPRINT: fingerprint = 0; break;
        case OPT_JSON: json_path = optarg; break;
        case OPT_MARKDOWN: md_path = optarg; break;
        case OPT_HTML: html_path = optarg; break;
        case OPT_WIDE: wide = 1; break;
        case 'f':
            fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                               FMT_BIT(FMT_MARKDOWN) |
                                               FMT_BIT(FMT_HTML));
            if (fmt < 0) {
                r = cli_usage("sweep", "--format takes text, json, markdown or "
                                       "html, not '%s'", optarg);
                goto done;
            }
            break;
        default: r = cli_usage("sweep", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("sweep", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (!policy_path) {
        r = cli_usage("sweep", "--policy FILE is required");
        goto done;
    }
    if (!sweep_path && !nvary) {
        r = cli_usage("sweep", "give the variants with --sweep FILE or --vary "
                               "SPEC");
        goto done;
    }
    if (!sweep_path && !d.rules) {
        r = cli_usage("sweep", "--vary without --sweep needs the base rule set "
                               "(--rules FILE)");
        goto done;
    }
    if (d.summary && d.ndata) {
        r = cli_usage("sweep", "give --data or --summary, not both");
        goto done;
    }
    if (!d.summary && !d.ndata) {
        r = cli_usage("sweep", "give the data with --data FILE or the "
                               "warehouse's counts with --summary FILE");
        goto done;
    }
    if ((sweep_path ? tg_sweep_load(&sw, sweep_path, d.rules, &err)
                    : tg_sweep_new(&sw, d.rules, &err)) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    for (int i = 0; i < nvary; i++)
        if (tg_sweep_add_vary(sw, vary[i], &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
    if (!(lint_counts = calloc((size_t)sw->nvariants * 3, sizeof *lint_counts))) {
        r = EXIT_INTERNAL;
        goto done;
    }
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d.data;
    o.npaths = d.ndata;
    o.on_bad_row = d.on_bad_row;
    o.threads = d.threads;
    o.date_config = cli_default_date_config(&d);
    /* The data's SHA-256 is hashed on a thread of its own from here to
     * the end of the scan, beside linting, compiling and parsing. */
    char data_sha256[65] = "";
    if (d.ndata && fingerprint &&
        tg_fingerprint_start(&fp, o.paths, o.npaths, d.threads != 1, &err) !=
            TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    r = lint_variants(sw, lint_counts, d.threads > 0 ? d.threads
                                       : cores > 0 ? (int)cores : 1);
    if (r)
        goto done;

    tallies = calloc((size_t)sw->nvariants, sizeof *tallies);
    if (!tallies) {
        r = EXIT_INTERNAL;
        goto done;
    }
    tg_multi_info info = {0, 0, 0};
    if (d.summary) {
        if (tg_sweep_summary_load(tallies, sw, d.summary, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        ntallies = sw->nvariants;
        char hex[65];
        if (tg_sha256_file(d.summary, hex, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        for (int i = 0; i < ntallies; i++)
            memcpy(tallies[i].input_sha256, hex, sizeof hex);
    } else {
        tg_rules **rs = malloc((size_t)sw->nvariants * sizeof *rs);
        if (!rs) {
            r = EXIT_INTERNAL;
            goto done;
        }
        for (int i = 0; i < sw->nvariants; i++)
            rs[i] = sw->variants[i].rules;
        int rc = tg_multi_scan(tallies, rs, sw->nvariants, &o,
                               rows_mode ? TG_MULTI_ROWS : TG_MULTI_AUTO, &info,
                               &first_skip, &err);
        free(rs);
        if (rc != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        ntallies = sw->nvariants;
        if (tallies[0].skipped) {
            char buf[2048];
            cli_warn("skipped %llu bad row%s of %llu; the first: %s",
                     (unsigned long long)tallies[0].skipped,
                     tallies[0].skipped == 1 ? "" : "s",
                     (unsigned long long)tallies[0].rows,
                     tg_error_format(&first_skip, buf, sizeof buf));
        }
    }
    if (tg_sweep_run(&res, sw, policy_path, tallies, d.ci_method, d.ci_level,
                     show_all, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    have_result = 1;
    /* The ranking and the gates do not read the fingerprint: it is
     * awaited only now, so the hashing also fills the core the (single
     * threaded) statistics leave idle. */
    if (fp) {
        int frc = tg_fingerprint_finish(fp, data_sha256, &err);
        fp = NULL;
        if (frc != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        memcpy(res.input_sha256, data_sha256, sizeof res.input_sha256);
        for (int i = 0; i < ntallies; i++)
            memcpy(tallies[i].input_sha256, data_sha256, sizeof data_sha256);
    }
    snprintf(res.source, sizeof res.source, "%s", d.summary ? "summary" : "data");
    if (!(doc = tg_json_stamp(tg_sweep_result_json(&res)))) {
        r = EXIT_INTERNAL;
        goto done;
    }
    cJSON *scan = cJSON_AddObjectToObject(doc, "scan");
    cJSON_AddBoolToObject(scan, "one_pass", 1);
    cJSON_AddBoolToObject(scan, "joined_table", info.joined);
    cJSON_AddNumberToObject(scan, "atoms", info.atoms);
    cJSON_AddNumberToObject(scan, "cells", (double)info.cells);
    add_lint(doc, lint_counts, sw->nvariants);
    if ((json_path && (r = write_form(doc, FMT_JSON, json_path))) ||
        (md_path && (r = write_form(doc, FMT_MARKDOWN, md_path))) ||
        (html_path && (r = write_form(doc, FMT_HTML, html_path))))
        goto done;
    if (emit_path) {
        if (res.chosen < 0) {
            fprintf(stderr, "tiergate: sweep: no variant meets the objective; "
                            "%s not written\n", emit_path);
        } else {
            char *text = tg_variant_rules_text(&sw->variants[res.chosen]);
            if (!text) {
                r = EXIT_INTERNAL;
                goto done;
            }
            r = cli_write_file(emit_path, text, strlen(text));
            free(text);
            if (r)
                goto done;
        }
    }
    /* The text fits the terminal (or COLUMNS, else 80; 80 in a file)
     * unless --wide. */
    int width = wide ? 0 : out_path && strcmp(out_path, "-") ? 80
                                                             : cli_term_width();
    size_t len;
    char *s = render(doc, fmt, width, &len);
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
        r = res.chosen >= 0 && res.v[res.chosen].has_test &&
                    res.v[res.chosen].full_gates.status != TG_OVERALL_FAILED
                ? EXIT_OK
                : EXIT_GATE;
done:
    tg_fingerprint_cancel(fp);
    cJSON_Delete(doc);
    if (have_result)
        tg_sweep_result_release(&res);
    for (int i = 0; i < ntallies; i++)
        tg_tally_release(&tallies[i]);
    free(tallies);
    tg_sweep_free(sw);
    free(lint_counts);
    free(vary);
    free(d.data);
    return cli_flush_stdout(r);
}
