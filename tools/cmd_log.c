/*
 * tiergate log append | list | verify: the commit-linked execution log
 * of checklist step 10 (EXECUTION_LOG.md). Each subcommand has its own
 * options and function; `cmd_log` only dispatches.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

enum {
    OPT_LOG = 7000,
    OPT_REGISTRY,
    OPT_RESULT,
    OPT_AT,
    OPT_DURATION,
    OPT_RECALIBRATION,
    OPT_CALIBRATION
};

/* The options every subcommand takes: which log, and which registry's
 * lock (and interrupted release) comes first. */
#define LOG_OPT_LOG {"log", 0, "FILE", OPT_LOG, "default EXECUTION_LOG.md"}
#define LOG_OPT_REGISTRY                                                       \
    {"registry", 0, "FILE", OPT_REGISTRY,                                      \
     "the registry whose lock is taken first (and whose\n"                     \
     "interrupted release is completed); default\n"                            \
     "registry/model_registry_v3.json when present"}
#define LOG_OPT_FORMAT                                                         \
    {"format", 0, "FMT", OPT_FORMAT, "text (default) or json"}

/* What the three subcommands share once their options are read. */
typedef struct {
    const char *log;
    const char *registry; /* NULL: none (a log may live on its own) */
    int explicit_registry;
    int fmt;
} log_common;

static void common_init(log_common *c)
{
    c->log = CLI_DEFAULT_LOG;
    c->registry = CLI_DEFAULT_REGISTRY;
    c->explicit_registry = 0;
    c->fmt = FMT_TEXT;
}

/* --log, --registry and --format: 1 when opt was one of them, 0 when
 * not, -1 after a usage error. */
static int common_option(log_common *c, const char *cmd, int opt,
                         const char *arg)
{
    switch (opt) {
    case OPT_LOG: c->log = arg; return 1;
    case OPT_REGISTRY:
        c->registry = arg;
        c->explicit_registry = 1;
        return 1;
    case OPT_FORMAT:
        return cli_format_option(cmd, arg, FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON),
                                 &c->fmt)
                   ? -1
                   : 1;
    }
    return 0;
}

/* The registry is optional (a log may live on its own), unless named. */
static void common_finish(log_common *c)
{
    if (!c->explicit_registry && access(c->registry, F_OK) != 0)
        c->registry = NULL;
}

/* ---- append ------------------------------------------------------------ */

static const cli_opt append_opts[] = {
    {"result", 0, "GATE.json", OPT_RESULT,
     "append a gate entry for this result (what\n`gate --json` writes)"},
    {"recalibration", 0, "FILE", OPT_RECALIBRATION,
     "append a recalibration entry for this proposal"},
    {"rules", 0, "FILE", OPT_RULES,
     "the rule set (default: the rule file the result\n"
     "or proposal names; its SHA-256 must be the one\nrecorded there)"},
    LOG_OPT_LOG,
    LOG_OPT_REGISTRY,
    {"at", 0, "TIME", OPT_AT,
     "the entry's time (UTC, 2025-12-22T10:00:00Z;\ndefault: now)"},
    {"duration", 0, "SECONDS", OPT_DURATION,
     "with --result: how long the run took"},
    {"date-config", 0, "FILE", OPT_DATE_CONFIG,
     "with --result: the date config whose SHA-256 is\n"
     "recorded (default registry/date_config.json,\nwhen present)"},
    {"calibration", 0, "FILE", OPT_CALIBRATION,
     "with --recalibration: the calibration in use\n"
     "(default registry/tier_statistics.json)"},
    CLI_OPT_END,
};

static const cli_spec append_spec = {
    "log append",
    "log append --result GATE.json [--rules FILE] [--log FILE]\n"
    "           [--at TIME] [--duration SECONDS] [--date-config FILE]\n"
    "log append --recalibration PROPOSAL.json [--rules FILE]\n"
    "           [--calibration FILE] [--log FILE] [--at TIME]\n",
    "With --result, writes checklist step 10 entry (executed time, duration,\n"
    "status, what changed, files modified, the gate table, key metrics per\n"
    "tier, what we learned, next steps), linked through libgit2 to HEAD:\n"
    "commit, branch, author, which inputs (rules, policy, date config) had\n"
    "uncommitted changes or changed since the previous entry's commit, and\n"
    "the tiergate version and date config SHA-256. --rules defaults to the\n"
    "rule file the gate result names; a rule file whose SHA-256 differs\n"
    "from the one the result records is refused (exit 2). Appends take the\n"
    "registry's lock, then the log's, and replace the file atomically, so\n"
    "concurrent runs never interleave or lose entries.\n\n"
    "With --recalibration, records a proposed calibration table (what\n"
    "`monitor --recalibrate -o FILE` writes) as a recalibration entry: the\n"
    "proposal's path and SHA-256, the rules file and SHA-256 (--rules\n"
    "defaults to the rule file the proposal names and must have the SHA-256\n"
    "it records), the previous calibration, the windows, the shrinkage\n"
    "strength and, per tier, the previous and proposed rate with its\n"
    "interval and the weight of the data; linked to HEAD like a gate entry.\n"
    "Its status is \"adopted\" when the calibration file as committed at\n"
    "HEAD is the proposal byte for byte (record it again after the reviewed\n"
    "commit that copies it over the calibration), else \"proposed\". A file\n"
    "that is not such a proposal is refused (exit 2, naming the key).\n",
    append_opts,
    0,
    NULL,
};

typedef struct {
    log_common c;
    const char *result, *recalibration, *rules, *at, *date_config;
    const char *calibration; /* NULL: not given */
    double duration;         /* NAN: not given */
} append_args;

/* --at and --duration, checked as they are read. */
static int append_value(append_args *a, int opt, const char *arg)
{
    if (opt == OPT_AT) {
        if (!tg_scored_at_valid(arg) || strlen(arg) < 20)
            return cli_usage("log append", "--at takes a UTC time such as "
                                           "2025-12-22T10:00:00Z");
        a->at = arg;
        return TG_EXIT_OK;
    }
    char *end;
    a->duration = strtod(arg, &end);
    if (!*arg || *end || !(a->duration >= 0))
        return cli_usage("log append", "--duration takes seconds");
    return TG_EXIT_OK;
}

/* The options, and the ones that go with one kind of entry only. */
static int append_parse(append_args *a, int argc, char **argv)
{
    cli_parser p;
    int c, r = TG_EXIT_OK;
    cli_parse_begin(&p, &append_spec, argc, argv);
    while (r == TG_EXIT_OK && (c = cli_next(&p)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc ? p.rc : -1; /* -1: the help was printed */
        int used = common_option(&a->c, "log append", c, p.arg);
        if (used)
            r = used < 0 ? TG_EXIT_USAGE : TG_EXIT_OK;
        else if (c == OPT_AT || c == OPT_DURATION)
            r = append_value(a, c, p.arg);
        else
            switch (c) {
            case OPT_RESULT: a->result = p.arg; break;
            case OPT_RECALIBRATION: a->recalibration = p.arg; break;
            case OPT_RULES: a->rules = p.arg; break;
            case OPT_DATE_CONFIG: a->date_config = p.arg; break;
            case OPT_CALIBRATION: a->calibration = p.arg; break;
            }
    }
    if (r)
        return r;
    if (!a->result == !a->recalibration)
        return cli_usage("log append", "give --result GATE.json or "
                                       "--recalibration PROPOSAL.json");
    if (a->recalibration && (!isnan(a->duration) || a->date_config))
        return cli_usage("log append", "--duration and --date-config go with "
                                       "--result");
    if (a->result && a->calibration)
        return cli_usage("log append", "--calibration goes with "
                                       "--recalibration");
    common_finish(&a->c);
    return TG_EXIT_OK;
}

/* The rule file the proposal names, unless given (the library checks
 * its SHA-256 against the proposal's, under the locks). */
static int recal_rules(tg_rules **rules, const char *proposal,
                       const char *given)
{
    tg_error err;
    tg_recal_proposal peek;
    if (tg_recal_proposal_load(&peek, proposal, &err) != TG_OK)
        return cli_fail(&err);
    int rc = tg_rules_load(rules, given ? given : peek.rules_file, &err);
    tg_recal_proposal_release(&peek);
    return rc == TG_OK ? TG_EXIT_OK : cli_fail(&err);
}

static int append_recalibration(const append_args *a)
{
    tg_rules *rules = NULL;
    tg_trail trail;
    tg_error err;
    int r = recal_rules(&rules, a->recalibration, a->rules);
    if (r == TG_EXIT_OK &&
        tg_trail_open(&trail, a->c.registry, a->c.log, NULL, 0, &err) != TG_OK)
        r = cli_fail(&err);
    else if (r == TG_EXIT_OK) {
        int adopted = 0;
        tg_log_recal_options o = {
            a->recalibration, rules,
            a->calibration ? a->calibration : CLI_DEFAULT_CALIBRATION,
            a->at, ".", &adopted};
        if (tg_log_append_recalibration(a->c.log, &o, &err) != TG_OK)
            r = cli_fail(&err);
        else {
            char p[600], v[160];
            printf("%s: appended the recalibration of %s (%s)\n",
                   tg_esc_term_buf(a->c.log, p, sizeof p),
                   tg_esc_term_buf(rules->model_version, v, sizeof v),
                   adopted ? "adopted" : "proposed");
        }
        tg_trail_close(&trail);
    }
    tg_rules_free(rules);
    return r;
}

/* The gate result and its rule set (the one it names, unless given);
 * either way the rule file's SHA-256 must be the one it records. */
static int load_result(const append_args *a, cJSON **result, tg_rules **rules)
{
    tg_error err;
    if (tg_result_load(result, a->result, NULL, &err) != TG_OK)
        return cli_fail(&err);
    const char *rules_path = a->rules;
    if (!rules_path)
        rules_path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(*result, "provenance"),
            "rules_file"));
    if (!rules_path) {
        char shown[600];
        return cli_usage("log append", "%s names no rule file "
                                       "(provenance.rules_file): give --rules "
                                       "FILE",
                         tg_esc_term_buf(a->result, shown, sizeof shown));
    }
    if (tg_rules_load(rules, rules_path, &err) != TG_OK ||
        tg_result_matches(*result, a->result, *rules, &err) != TG_OK)
        return cli_fail(&err);
    return TG_EXIT_OK;
}

/* The entry records which of the run's inputs changed: the rule file,
 * the policy the result names and the date config (when there is one). */
static int append_gate_entry(const append_args *a, const cJSON *result,
                             const tg_rules *rules)
{
    const char *policy = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(result, "provenance"), "policy_file"));
    const char *date_config =
        a->date_config ? a->date_config : CLI_DEFAULT_DATE_CONFIG;
    char dsha[65];
    tg_error err, ignored;
    int have_dc = tg_sha256_file(date_config, dsha, &ignored) == TG_OK;
    const char *inputs[3];
    int ninputs = 0;
    inputs[ninputs++] = rules->path;
    if (policy)
        inputs[ninputs++] = policy;
    if (have_dc)
        inputs[ninputs++] = date_config;
    tg_log_append_options lo = {result, rules, a->at, a->duration, ".", NULL,
                                0, inputs, ninputs, have_dc ? dsha : NULL,
                                NULL};
    if (tg_log_append(a->c.log, &lo, &err) != TG_OK)
        return cli_fail(&err);
    char p[600], v[160];
    printf("%s: appended %s (%s)\n", tg_esc_term_buf(a->c.log, p, sizeof p),
           tg_esc_term_buf(rules->model_version, v, sizeof v),
           cJSON_GetStringValue(cJSON_GetObjectItem(result, "status")));
    return TG_EXIT_OK;
}

static int append_gate(const append_args *a)
{
    cJSON *result = NULL;
    tg_rules *rules = NULL;
    tg_trail trail;
    tg_error err;
    int r = load_result(a, &result, &rules);
    if (r == TG_EXIT_OK) {
        if (tg_trail_open(&trail, a->c.registry, a->c.log, NULL, 0, &err) !=
            TG_OK) {
            r = cli_fail(&err);
        } else {
            r = append_gate_entry(a, result, rules);
            tg_trail_close(&trail);
        }
    }
    cJSON_Delete(result);
    tg_rules_free(rules);
    return r;
}

static int log_append(int argc, char **argv)
{
    append_args a;
    memset(&a, 0, sizeof a);
    common_init(&a.c);
    a.duration = NAN;
    int r = append_parse(&a, argc, argv);
    if (r)
        return r < 0 ? TG_EXIT_OK : r;
    return a.recalibration ? append_recalibration(&a) : append_gate(&a);
}

/* ---- list -------------------------------------------------------------- */

static const cli_opt list_opts[] = {
    LOG_OPT_LOG,
    LOG_OPT_REGISTRY,
    LOG_OPT_FORMAT,
    CLI_OPT_END,
};

static const cli_spec list_spec = {
    "log list",
    "log list [--log FILE] [--registry FILE] [--format text|json]\n",
    "Print the entries of the log, one row each: number, executed time,\n"
    "kind (gate or recalibration), version, status, commit and the line of\n"
    "its marker. JSON: {\"format_version\", \"log\", \"entries\": [...]}, each\n"
    "entry its marker with its kind and line.\n",
    list_opts,
    0,
    NULL,
};

/* Reading the options of list or verify: TG_EXIT_OK, an exit code, or -1
 * after the help. */
static int read_common(log_common *c, const cli_spec *spec, int argc,
                       char **argv)
{
    cli_parser p;
    int opt;
    common_init(c);
    cli_parse_begin(&p, spec, argc, argv);
    while ((opt = cli_next(&p)) != CLI_END) {
        if (opt == CLI_STOP)
            return p.rc ? p.rc : -1;
        if (common_option(c, spec->name, opt, p.arg) < 0)
            return TG_EXIT_USAGE;
    }
    common_finish(c);
    return TG_EXIT_OK;
}

/* One row per entry, as wide as the terminal allows (tg_text_table puts
 * a row on two lines rather than clip it). */
static int list_text(const tg_log *log, const cJSON *markers)
{
    enum { NCOLS = 7 };
    static const char *head[NCOLS] = {"#", "executed (UTC)", "kind", "version",
                                      "status", "commit", "line"};
    int nrows = log->n + 1;
    char **cells = calloc((size_t)nrows * NCOLS, sizeof *cells);
    if (!cells)
        return TG_EXIT_INTERNAL;
    int ok = 1;
    for (int c = 0; c < NCOLS; c++)
        ok &= (cells[c] = strdup(head[c])) != NULL;
    for (int i = 0; i < log->n; i++) {
        const cJSON *m = cJSON_GetArrayItem(markers, i);
        static const char *keys[] = {"executed_at", "kind", "version",
                                     "status", "commit"};
        char **row = cells + (size_t)(i + 1) * NCOLS, buf[200];
        snprintf(buf, sizeof buf, "%d", i + 1);
        ok &= (row[0] = strdup(buf)) != NULL;
        for (int k = 0; k < 5; k++) {
            /* The log is a file anyone may have edited. */
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(m, keys[k]));
            tg_esc_term_buf(v ? v : "(none)", buf, k == 4 ? 13 : sizeof buf);
            ok &= (row[k + 1] = strdup(buf)) != NULL;
        }
        snprintf(buf, sizeof buf, "%ld", log->entries[i].line);
        ok &= (row[6] = strdup(buf)) != NULL;
    }
    if (ok)
        tg_text_table(stdout, (const char *const *)cells, nrows, NCOLS,
                      "rlllllr", 0, cli_term_width());
    for (int i = 0; i < nrows * NCOLS; i++)
        free(cells[i]);
    free(cells);
    return ok ? TG_EXIT_OK : TG_EXIT_INTERNAL;
}

/* A new JSON document {"format_version": 1, "log": PATH}. */
static cJSON *json_doc(const char *log_path)
{
    cJSON *doc = tg_json_stamp(cJSON_CreateObject());
    if (doc && !cJSON_AddStringToObject(doc, "log", log_path)) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* Print doc (NULL: it could not be made) on stdout and free it. */
static int print_json(cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!s) {
        fprintf(stderr, "tiergate: out of memory\n");
        return TG_EXIT_INTERNAL;
    }
    printf("%s\n", s);
    cJSON_free(s);
    return TG_EXIT_OK;
}

/* The markers, each with its kind and line. */
static cJSON *list_markers(const tg_log *log)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < log->n; i++) {
        cJSON *m = cJSON_Duplicate(log->entries[i].marker, 1);
        /* Entries written before kinds existed are gate entries. */
        if (m && !cJSON_GetObjectItemCaseSensitive(m, "kind"))
            cJSON_AddStringToObject(m, "kind", "gate");
        if (m)
            cJSON_AddNumberToObject(m, "line", (double)log->entries[i].line);
        if (!m || !cJSON_AddItemToArray(arr, m)) {
            cJSON_Delete(m);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static int list_entries(const log_common *c)
{
    char *text = NULL;
    size_t len;
    tg_log log;
    tg_error err;
    if (tg_read_file(&text, &len, c->log, TG_LOG_MAX_BYTES, &err) != TG_OK ||
        tg_log_parse(&log, text, len, c->log, &err) != TG_OK) {
        free(text);
        return cli_fail(&err);
    }
    int r = TG_EXIT_OK;
    cJSON *arr = list_markers(&log);
    if (!arr) {
        fprintf(stderr, "tiergate: out of memory\n");
        r = TG_EXIT_INTERNAL;
    } else if (c->fmt == FMT_JSON) {
        cJSON *doc = json_doc(c->log);
        if (doc)
            cJSON_AddItemToObject(doc, "entries", arr);
        else
            cJSON_Delete(arr);
        arr = NULL;
        r = print_json(doc);
    } else if (log.n == 0) {
        char p[600];
        printf("%s: no entries\n", tg_esc_term_buf(c->log, p, sizeof p));
    } else {
        r = list_text(&log, arr);
    }
    cJSON_Delete(arr);
    tg_log_release(&log);
    free(text);
    return r;
}

/* A reading subcommand: its options, then run under the trail's locks
 * (so that a release being written is read whole). */
static int read_locked(const cli_spec *spec, int (*run)(const log_common *),
                       int argc, char **argv)
{
    log_common c;
    int r = read_common(&c, spec, argc, argv);
    if (r)
        return r < 0 ? TG_EXIT_OK : r;
    tg_trail trail;
    tg_error err;
    if (tg_trail_open(&trail, c.registry, c.log, NULL, 0, &err) != TG_OK)
        return cli_fail(&err);
    r = run(&c);
    tg_trail_close(&trail);
    return r;
}

static int log_list(int argc, char **argv)
{
    return read_locked(&list_spec, list_entries, argc, argv);
}

/* ---- verify ------------------------------------------------------------ */

static const cli_opt verify_opts[] = {
    LOG_OPT_LOG,
    {"registry", 0, "FILE", OPT_REGISTRY,
     "also check the log prefixes its entries recorded\n"
     "(its lock is taken first); default\n"
     "registry/model_registry_v3.json when present"},
    LOG_OPT_FORMAT,
    CLI_OPT_END,
};

static const cli_spec verify_spec = {
    "log verify",
    "log verify [--log FILE] [--registry FILE] [--format text|json]\n",
    "Check that no entry was rewritten, edited or reordered (each entry's\n"
    "marker holds the SHA-256 of the log before it and of its own text),\n"
    "that every logged commit exists, and that the log still holds the\n"
    "prefix each registry entry recorded (so cutting entries off the end\n"
    "shows); gate and recalibration entries alike. Exit 0 when all holds,\n"
    "1 when not (each problem on stderr). JSON: {\"format_version\", \"log\",\n"
    "\"entries_checked\", \"verified\", \"problems\": [{\"kind\", \"entry\",\n"
    "\"line\", \"message\"}]}, kind one of rewritten_before, edited,\n"
    "missing_commit, cannot_check_commit, bad_registry_record, truncated or\n"
    "prefix_changed (entry and line are null for the registry's records).\n",
    verify_opts,
    0,
    NULL,
};

static cJSON *verify_json(const char *log_path, const tg_log_problem *ps,
                          int n, int entries)
{
    cJSON *res = json_doc(log_path);
    if (!res)
        return NULL;
    cJSON_AddNumberToObject(res, "entries_checked", entries);
    cJSON_AddBoolToObject(res, "verified", n == 0);
    cJSON *arr = cJSON_AddArrayToObject(res, "problems");
    for (int i = 0; arr && i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, x);
        cJSON_AddStringToObject(x, "kind", tg_log_problem_kind_name(ps[i].kind));
        if (ps[i].entry > 0) {
            cJSON_AddNumberToObject(x, "entry", ps[i].entry);
            cJSON_AddNumberToObject(x, "line", (double)ps[i].line);
        } else {
            cJSON_AddNullToObject(x, "entry");
            cJSON_AddNullToObject(x, "line");
        }
        cJSON_AddStringToObject(x, "message", ps[i].message);
    }
    return res;
}

static int verify_log(const log_common *c)
{
    cJSON *reg = NULL;
    tg_log_problem *ps = NULL;
    int n = 0, entries = 0, r = TG_EXIT_OK;
    tg_error err;
    if ((c->registry && tg_registry_load(&reg, c->registry, &err) != TG_OK) ||
        tg_log_verify(c->log, ".", reg, &ps, &n, &entries, &err) != TG_OK) {
        cJSON_Delete(reg);
        return cli_fail(&err);
    }
    for (int i = 0; i < n; i++) {
        /* They quote the log, which anyone may have edited. */
        fputs("tiergate: ", stderr);
        tg_esc_term(stderr, ps[i].message);
        fputc('\n', stderr);
    }
    if (c->fmt == FMT_JSON) {
        r = print_json(verify_json(c->log, ps, n, entries));
    } else if (!n) {
        char p[600];
        printf("%s: %d entries verified\n",
               tg_esc_term_buf(c->log, p, sizeof p), entries);
    }
    tg_log_problems_free(ps, n);
    cJSON_Delete(reg);
    return r ? r : n ? TG_EXIT_GATE : TG_EXIT_OK;
}

static int log_verify(int argc, char **argv)
{
    return read_locked(&verify_spec, verify_log, argc, argv);
}

int cmd_log(int argc, char **argv)
{
    static const cli_subcommand_def subs[] = {
        {"append", log_append,
         "append a gate or recalibration entry, linked to HEAD"},
        {"list", log_list, "print the entries"},
        {"verify", log_verify,
         "check that no entry was rewritten, edited or cut off"},
        {NULL, NULL, NULL},
    };
    return cli_flush_stdout(cli_run_subcommand(
        "log",
        "The commit-linked execution log (default EXECUTION_LOG.md): one\n"
        "Markdown entry per release (gate) or recalibration, each with a\n"
        "marker holding its commit and the SHA-256 of the log before it and\n"
        "of its own text, so that rewriting an entry shows.\n",
        subs, argc, argv));
}
