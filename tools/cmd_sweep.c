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

static const cli_opt sweep_opts[] = {
    CLI_OPT_RULES,
    CLI_OPT_DATA,
    {"summary", 0, "FILE", OPT_SUMMARY,
     "instead of --data: counts per variant, split and\n"
     "tier as the warehouse exports them (the CSV\n"
     "export of `tiergate sql --emit sweep`)"},
    CLI_OPT_DATE_CONFIG,
    CLI_OPT_ON_BAD_ROW,
    {"threads", 0, "N", OPT_THREADS,
     "scan and lint threads (default: cores)"},
    {"policy", 0, "FILE", OPT_POLICY,
     "gate policy (JSON); gates naming a tier a variant\n"
     "lacks are left out for that variant"},
    {"sweep", 0, "FILE", OPT_SWEEP,
     "the sweep (JSON): base rule set, objective,\n"
     "variants; --rules replaces its base"},
    {"vary", 0, "SPEC", OPT_VARY,
     "a one-constant grid, one variant per value:\n"
     "TIER:feature<=10,20,50 or\n"
     "TIER:feature BETWEEN.high=36,48 (repeatable)"},
    {"show-test-all", 0, NULL, OPT_SHOW_TEST_ALL,
     "also show TEST for every variant (exploratory)"},
    {"emit-rules", 0, "FILE", OPT_EMIT_RULES,
     "write the chosen variant as a complete rule set"},
    {"no-fingerprint", 0, NULL, OPT_NO_FINGERPRINT,
     "do not read the data a second time for its\n"
     "SHA-256 (data_sha256 is then null)"},
    {"row-by-row", 0, NULL, OPT_ROW_BY_ROW,
     "assign every row to every variant without the\n"
     "joined tier table (slower; the same counts)"},
    CLI_OPTS_STATS,
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json, markdown or html"},
    CLI_OPT_WIDE,
    CLI_OPT_OUTPUT,
    {"json", 0, "FILE", OPT_JSON, "also write the JSON"},
    {"markdown", 0, "FILE", OPT_MARKDOWN, "also write the Markdown"},
    {"html", 0, "FILE", OPT_HTML,
     "also write the HTML\n('-' for any FILE: standard output)"},
    CLI_OPT_END,
};

static const cli_spec sweep_spec = {
    "sweep",
    "sweep --policy FILE (--sweep FILE | --rules FILE --vary SPEC...)\n"
    "      (--data FILE... | --summary FILE) [--rules FILE]\n"
    "      [--vary SPEC]... [--show-test-all] [--emit-rules FILE]\n"
    "      [--ci METHOD] [--level L] [--wide]\n"
    "      [--format text|json|markdown|html] [-o FILE] [--json FILE]\n"
    "      [--markdown FILE] [--html FILE]\n",
    "Tally every variant of the sweep in one pass over the data, judge each\n"
    "on TRAIN only (the policy's gates that read TRAIN, and the objective\n"
    "the sweep file states), choose the best, and only then show TEST for\n"
    "the chosen variant and the base, with every gate of the policy (the\n"
    "TEST/TRAIN lift ratio included). TEST figures of the other variants\n"
    "stay hidden unless --show-test-all, which marks the output\n"
    "exploratory. Exit 0 when a variant is chosen and passes the gate, 1\n"
    "when none meets the objective or the chosen one fails the gate, 2 for\n"
    "bad input (a variant with a lint error included), 3 for an internal\n"
    "or I/O error.\n",
    sweep_opts,
    0,
    NULL,
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
        return TG_EXIT_INTERNAL;
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
    int n = s->nvariants, errors = 0, r = TG_EXIT_OK;
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
        return TG_EXIT_INTERNAL;
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
            if (r == TG_EXIT_OK)
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
    if (r != TG_EXIT_OK)
        return r;
    if (errors)
        fprintf(stderr, "tiergate: sweep: %d lint error%s in the variants; "
                        "nothing was scanned\n", errors, errors == 1 ? "" : "s");
    return errors ? TG_EXIT_USAGE : TG_EXIT_OK;
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

typedef struct {
    cli_data d;
    int fmt, show_all, rows_mode, fingerprint, wide;
    const char *out_path, *policy_path, *sweep_path, *emit_path, *json_path,
        *md_path, *html_path;
    const char **vary; /* --vary, in order */
    int nvary;
} sweep_args;

/* What needs the others: the policy, the variants, one data source. */
static int check_args(const sweep_args *a)
{
    if (!a->policy_path)
        return cli_usage("sweep", "--policy FILE is required");
    if (!a->sweep_path && !a->nvary)
        return cli_usage("sweep", "give the variants with --sweep FILE or "
                                  "--vary SPEC");
    if (!a->sweep_path && !a->d.rules)
        return cli_usage("sweep", "--vary without --sweep needs the base rule "
                                  "set (--rules FILE)");
    if (a->d.summary && a->d.ndata)
        return cli_usage("sweep", "give --data or --summary, not both");
    if (!a->d.summary && !a->d.ndata)
        return cli_usage("sweep", "give the data with --data FILE or the "
                                  "warehouse's counts with --summary FILE");
    return TG_EXIT_OK;
}

/* The options; -1 after the help. */
static int parse_args(sweep_args *a, int argc, char **argv)
{
    cli_parser p;
    int c, r = TG_EXIT_OK;
    cli_parse_begin(&p, &sweep_spec, argc, argv);
    while (r == TG_EXIT_OK &&
           (c = cli_next_option(&p, &a->d, NULL)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc ? p.rc : -1;
        switch (c) {
        case OPT_OUTPUT: a->out_path = p.arg; break;
        case OPT_POLICY: a->policy_path = p.arg; break;
        case OPT_SWEEP: a->sweep_path = p.arg; break;
        case OPT_VARY: a->vary[a->nvary++] = p.arg; break;
        case OPT_SHOW_TEST_ALL: a->show_all = 1; break;
        case OPT_EMIT_RULES: a->emit_path = p.arg; break;
        case OPT_ROW_BY_ROW: a->rows_mode = 1; break;
        case OPT_NO_FINGERPRINT: a->fingerprint = 0; break;
        case OPT_JSON: a->json_path = p.arg; break;
        case OPT_MARKDOWN: a->md_path = p.arg; break;
        case OPT_HTML: a->html_path = p.arg; break;
        case OPT_WIDE: a->wide = 1; break;
        case OPT_FORMAT:
            r = cli_format_option("sweep", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                      FMT_BIT(FMT_MARKDOWN) | FMT_BIT(FMT_HTML),
                                  &a->fmt);
            break;
        }
    }
    return r ? r : check_args(a);
}

/* The sweep file (or the base rule set alone), then every --vary. */
static int load_sweep(tg_sweep **sw, const sweep_args *a)
{
    tg_error err;
    if ((a->sweep_path ? tg_sweep_load(sw, a->sweep_path, a->d.rules, &err)
                       : tg_sweep_new(sw, a->d.rules, &err)) != TG_OK)
        return cli_fail(&err);
    for (int i = 0; i < a->nvary; i++)
        if (tg_sweep_add_vary(*sw, a->vary[i], &err) != TG_OK)
            return cli_fail(&err);
    return TG_EXIT_OK;
}

/* Lint every variant (on a few threads) while the data's SHA-256 is
 * hashed on a thread of its own (*fp; none with --no-fingerprint or a
 * summary) from here to the end of the run. */
static int lint_and_start_fingerprint(const tg_sweep *sw, const sweep_args *a,
                                      const tg_scan_options *o, int *counts,
                                      tg_fingerprint **fp)
{
    tg_error err;
    if (a->d.ndata && a->fingerprint &&
        tg_fingerprint_start(fp, o->paths, o->npaths, a->d.threads != 1,
                             &err) != TG_OK)
        return cli_fail(&err);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return lint_variants(sw, counts, a->d.threads > 0 ? a->d.threads
                                     : cores > 0 ? (int)cores : 1);
}

/* The ranking and the gates do not read the fingerprint: it is awaited
 * only once they are done, so the hashing also fills the core the
 * (single threaded) statistics leave idle. */
static int finish_fingerprint(tg_fingerprint *fp, tg_sweep_result *res,
                              tg_tally *tallies, int n)
{
    char data_sha256[65] = "";
    tg_error err;
    if (tg_fingerprint_finish(fp, data_sha256, &err) != TG_OK)
        return cli_fail(&err);
    memcpy(res->input_sha256, data_sha256, sizeof res->input_sha256);
    for (int i = 0; i < n; i++)
        memcpy(tallies[i].input_sha256, data_sha256, sizeof data_sha256);
    return TG_EXIT_OK;
}

/* Every variant's tally from the warehouse's summary. */
static int tally_summary(tg_tally *tallies, const tg_sweep *sw,
                         const char *summary)
{
    tg_error err;
    char hex[65];
    if (tg_sweep_summary_load(tallies, sw, summary, &err) != TG_OK ||
        tg_sha256_file(summary, hex, &err) != TG_OK)
        return cli_fail(&err);
    for (int i = 0; i < sw->nvariants; i++)
        memcpy(tallies[i].input_sha256, hex, sizeof hex);
    return TG_EXIT_OK;
}

/* Every variant's tally from one pass over the rows. */
static int tally_rows(tg_tally *tallies, const tg_sweep *sw,
                      const sweep_args *a, const tg_scan_options *o,
                      tg_multi_info *info)
{
    tg_error err, first_skip;
    tg_error_clear(&err);
    tg_error_clear(&first_skip);
    tg_rules **rs = malloc((size_t)sw->nvariants * sizeof *rs);
    if (!rs)
        return TG_EXIT_INTERNAL;
    for (int i = 0; i < sw->nvariants; i++)
        rs[i] = sw->variants[i].rules;
    int rc = tg_multi_scan(tallies, rs, sw->nvariants, o,
                           a->rows_mode ? TG_MULTI_ROWS : TG_MULTI_AUTO, info,
                           &first_skip, &err);
    free(rs);
    if (rc != TG_OK)
        return cli_fail(&err);
    if (tallies[0].skipped) {
        char buf[2048];
        cli_warn("skipped %llu bad row%s of %llu; the first: %s",
                 (unsigned long long)tallies[0].skipped,
                 tallies[0].skipped == 1 ? "" : "s",
                 (unsigned long long)tallies[0].rows,
                 tg_error_format(&first_skip, buf, sizeof buf));
    }
    return TG_EXIT_OK;
}

/* The result's document, with how the scan went and each variant's lint. */
static cJSON *result_doc(const tg_sweep_result *res, const tg_multi_info *info,
                         const int *lint_counts, int nvariants)
{
    cJSON *doc = tg_json_stamp(tg_sweep_result_json(res));
    if (!doc)
        return NULL;
    cJSON *scan = cJSON_AddObjectToObject(doc, "scan");
    cJSON_AddBoolToObject(scan, "one_pass", 1);
    cJSON_AddBoolToObject(scan, "joined_table", info->joined);
    cJSON_AddNumberToObject(scan, "atoms", info->atoms);
    cJSON_AddNumberToObject(scan, "cells", (double)info->cells);
    add_lint(doc, lint_counts, nvariants);
    return doc;
}

/* --emit-rules: the chosen variant as a complete rule set. */
static int emit_rules(const char *path, const tg_sweep *sw, int chosen)
{
    if (chosen < 0) {
        fprintf(stderr, "tiergate: sweep: no variant meets the objective; "
                        "%s not written\n", path);
        return TG_EXIT_OK;
    }
    char *text = tg_variant_rules_text(&sw->variants[chosen]);
    if (!text)
        return TG_EXIT_INTERNAL;
    int r = cli_write_file(path, text, strlen(text));
    free(text);
    return r;
}

/* The side files, the chosen rule set, then the main output; exit 1
 * when no variant was chosen or the chosen one fails the gate. */
static int write_outputs(const sweep_args *a, const cJSON *doc,
                         const tg_sweep *sw, const tg_sweep_result *res)
{
    int r = TG_EXIT_OK;
    if ((a->json_path && (r = write_form(doc, FMT_JSON, a->json_path))) ||
        (a->md_path && (r = write_form(doc, FMT_MARKDOWN, a->md_path))) ||
        (a->html_path && (r = write_form(doc, FMT_HTML, a->html_path))) ||
        (a->emit_path && (r = emit_rules(a->emit_path, sw, res->chosen))))
        return r;
    /* The text fits the terminal (or COLUMNS, else 80; 80 in a file)
     * unless --wide. */
    int to_file = a->out_path && strcmp(a->out_path, "-") != 0;
    int width = a->wide ? 0 : to_file ? 80 : cli_term_width();
    size_t len;
    char *s = render(doc, a->fmt, width, &len);
    if (!s)
        return TG_EXIT_INTERNAL;
    if (to_file)
        r = cli_write_file(a->out_path, s, len);
    else if (fwrite(s, 1, len, stdout) != len)
        r = TG_EXIT_INTERNAL;
    free(s);
    if (r)
        return r;
    return res->chosen >= 0 && res->v[res->chosen].has_test &&
                   res->v[res->chosen].full_gates.status != TG_OVERALL_FAILED
               ? TG_EXIT_OK
               : TG_EXIT_GATE;
}

/* Lint, tally and judge the variants of sw, then write what was asked. */
static int run_sweep(const sweep_args *a, tg_sweep *sw)
{
    int r, *lint_counts = calloc((size_t)sw->nvariants * 3, sizeof *lint_counts);
    tg_tally *tallies = calloc((size_t)sw->nvariants, sizeof *tallies);
    tg_multi_info info = {0, 0, 0};
    tg_sweep_result res;
    tg_error err;
    cJSON *doc = NULL;
    int have_result = 0;
    tg_fingerprint *fp = NULL;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = a->d.data;
    o.npaths = a->d.ndata;
    o.on_bad_row = a->d.on_bad_row;
    o.threads = a->d.threads;
    o.date_config = cli_default_date_config(&a->d);
    if (!lint_counts || !tallies)
        r = TG_EXIT_INTERNAL;
    else if (!(r = lint_and_start_fingerprint(sw, a, &o, lint_counts, &fp)))
        r = a->d.summary ? tally_summary(tallies, sw, a->d.summary)
                         : tally_rows(tallies, sw, a, &o, &info);
    if (r == TG_EXIT_OK) {
        if (tg_sweep_run(&res, sw, a->policy_path, tallies, a->d.ci_method,
                         a->d.ci_level, a->show_all, &err) != TG_OK)
            r = cli_fail(&err);
        else
            have_result = 1;
    }
    if (have_result && fp) {
        r = finish_fingerprint(fp, &res, tallies, sw->nvariants);
        fp = NULL;
    }
    if (have_result && r == TG_EXIT_OK) {
        snprintf(res.source, sizeof res.source, "%s",
                 a->d.summary ? "summary" : "data");
        doc = result_doc(&res, &info, lint_counts, sw->nvariants);
        r = doc ? write_outputs(a, doc, sw, &res) : TG_EXIT_INTERNAL;
    }
    if (have_result)
        tg_sweep_result_release(&res);
    tg_fingerprint_cancel(fp);
    cJSON_Delete(doc);
    for (int i = 0; tallies && i < sw->nvariants; i++)
        tg_tally_release(&tallies[i]);
    free(tallies);
    free(lint_counts);
    return r;
}

int cmd_sweep(int argc, char **argv)
{
    sweep_args a;
    memset(&a, 0, sizeof a);
    a.d = (cli_data)CLI_DATA_INIT;
    a.fmt = FMT_TEXT;
    a.fingerprint = 1;
    a.vary = calloc((size_t)argc + 1, sizeof *a.vary);
    if (!a.vary)
        return TG_EXIT_INTERNAL;
    tg_sweep *sw = NULL;
    int r = parse_args(&a, argc, argv);
    if (r == TG_EXIT_OK && (r = load_sweep(&sw, &a)) == TG_EXIT_OK)
        r = run_sweep(&a, sw);
    tg_sweep_free(sw);
    free(a.vary);
    free(a.d.data);
    return cli_flush_stdout(r < 0 ? TG_EXIT_OK : r);
}
