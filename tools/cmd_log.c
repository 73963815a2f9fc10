/*
 * tiergate log append | list | verify: the commit-linked execution log
 * of checklist step 10 (EXECUTION_LOG.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

static const char help[] =
    "usage: tiergate log append --result GATE.json [--rules FILE] [--log FILE]\n"
    "                           [--at TIME] [--duration SECONDS]\n"
    "                           [--date-config FILE]\n"
    "       tiergate log append --recalibration PROPOSAL.json [--rules FILE]\n"
    "                           [--calibration FILE] [--log FILE] [--at TIME]\n"
    "       tiergate log list [--log FILE] [--format text|json]\n"
    "       tiergate log verify [--log FILE] [--registry FILE]\n\n"
    "append writes checklist step 10 entry (executed time, duration,\n"
    "status, what changed, files modified, the gate table, key metrics per\n"
    "tier, what we learned, next steps), linked through libgit2 to HEAD:\n"
    "commit, branch, author, which inputs (rules, policy, date config) had\n"
    "uncommitted changes or changed since the previous entry's commit, and\n"
    "the tiergate version and date config SHA-256. --rules defaults to the\n"
    "rule file the gate result names; a rule file whose SHA-256 differs\n"
    "from the one the result records is refused (exit 2). Appends take the\n"
    "registry's lock, then the log's, and replace the file atomically, so\n"
    "concurrent runs never interleave or lose entries. list prints the\n"
    "entries (JSON: an array of their markers); verify checks that no entry\n"
    "was rewritten, edited or reordered, that every logged commit exists,\n"
    "and that the log still holds the prefix each registry entry recorded\n"
    "(so cutting entries off the end shows); exit 1 when not.\n\n"
    "append --recalibration records a proposed calibration table (what\n"
    "`monitor --recalibrate -o FILE` writes) as a recalibration entry: the\n"
    "proposal's path and SHA-256, the rules file and SHA-256 (--rules\n"
    "defaults to the rule file the proposal names and must have the SHA-256\n"
    "it records), the previous calibration, the windows, the shrinkage\n"
    "strength and, per tier, the previous and proposed rate with its interval\n"
    "and the weight of the data; linked to HEAD like a gate entry. Its status\n"
    "is \"adopted\" when the calibration file as committed at HEAD is the\n"
    "proposal byte for byte (record it again after the reviewed commit that\n"
    "copies it over the calibration), else \"proposed\". A file that is not\n"
    "such a proposal is refused (exit 2, naming the key). list shows each\n"
    "entry's kind (gate or recalibration); verify checks both kinds alike.\n\n"
    "  --log FILE        default EXECUTION_LOG.md\n"
    "  --registry FILE   default registry/model_registry_v3.json (when present)\n"
    "  --date-config F   append: default registry/date_config.json (when present)\n"
    "  --recalibration F append a recalibration entry for the proposal F\n"
    "  --calibration F   with --recalibration: the calibration in use, default\n"
    "                    registry/tier_statistics.json\n"
    "  -h, --help        this help\n";

enum { OPT_LOG = 7000, OPT_RESULT2, OPT_AT2, OPT_DURATION, OPT_REGISTRY2,
       OPT_DATE_CONFIG2, OPT_RECALIBRATION, OPT_CALIBRATION2 };

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
    return rc == TG_OK ? EXIT_OK : cli_fail(&err);
}

static int append_recal(const char *log, tg_log_recal_options *o)
{
    tg_error err;
    int adopted = 0;
    o->status_out = &adopted;
    if (tg_log_append_recalibration(log, o, &err) != TG_OK)
        return cli_fail(&err);
    char a[600], v[160];
    printf("%s: appended the recalibration of %s (%s)\n",
           tg_esc_term_buf(log, a, sizeof a),
           tg_esc_term_buf(o->rules->model_version, v, sizeof v),
           adopted ? "adopted" : "proposed");
    return EXIT_OK;
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
        return EXIT_INTERNAL;
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
    return ok ? EXIT_OK : EXIT_INTERNAL;
}

int cmd_log(int argc, char **argv)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, OPT_AT2},
        {"calibration", required_argument, NULL, OPT_CALIBRATION2},
        {"date-config", required_argument, NULL, OPT_DATE_CONFIG2},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"log", required_argument, NULL, OPT_LOG},
        {"recalibration", required_argument, NULL, OPT_RECALIBRATION},
        {"registry", required_argument, NULL, OPT_REGISTRY2},
        {"result", required_argument, NULL, OPT_RESULT2},
        {"rules", required_argument, NULL, OPT_RULES},
        {NULL, 0, NULL, 0},
    };
    const char *path = "EXECUTION_LOG.md", *result_path = NULL,
               *rules_path = NULL, *at = NULL,
               *registry = "registry/model_registry_v3.json",
               *date_config = "registry/date_config.json",
               *recal_path = NULL,
               *calibration = "registry/tier_statistics.json";
    int open = 0, explicit_registry = 0;
    tg_trail trail;
    cJSON *reg = NULL;
    double duration = NAN;
    int fmt = FMT_TEXT, c, r = EXIT_OK;
    cJSON *result = NULL;
    tg_rules *rules = NULL;
    tg_error err;
    tg_error_clear(&err);
    const char *sub = cli_subcommand(argc, argv, "log", help,
                                     "append, list, verify", &r);
    if (!sub)
        return r;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case OPT_LOG: path = optarg; break;
        case OPT_REGISTRY2: registry = optarg; explicit_registry = 1; break;
        case OPT_DATE_CONFIG2: date_config = optarg; break;
        case OPT_RESULT2: result_path = optarg; break;
        case OPT_RECALIBRATION: recal_path = optarg; break;
        case OPT_CALIBRATION2: calibration = optarg; break;
        case OPT_RULES: rules_path = optarg; break;
        case OPT_AT2:
            if (!tg_scored_at_valid(optarg) || strlen(optarg) < 20) {
                r = cli_usage("log", "--at takes a UTC time such as "
                                     "2025-12-22T10:00:00Z");
                goto done;
            }
            at = optarg;
            break;
        case OPT_DURATION: {
            char *end;
            duration = strtod(optarg, &end);
            if (*end || !(duration >= 0)) {
                r = cli_usage("log", "--duration takes seconds");
                goto done;
            }
            break;
        }
        case 'f':
            if ((fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) |
                                                    FMT_BIT(FMT_JSON))) < 0) {
                r = cli_usage("log", "--format takes text or json");
                goto done;
            }
            break;
        default: r = cli_usage("log", "bad option"); goto done;
        }
    }
    if (optind < argc) {
        r = cli_usage("log", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (strcmp(sub, "append") && strcmp(sub, "list") && strcmp(sub, "verify")) {
        r = cli_usage("log", "unknown subcommand '%s' (append, list, verify)",
                      sub);
        goto done;
    }
    /* The registry is optional (a log may live on its own), unless named. */
    if (!explicit_registry && access(registry, F_OK) != 0)
        registry = NULL;
    if (!strcmp(sub, "append") && !result_path == !recal_path) {
        r = cli_usage("log", "append needs --result GATE.json or "
                             "--recalibration PROPOSAL.json (one of them)");
        goto done;
    }
    if ((recal_path || strcmp(calibration, "registry/tier_statistics.json")) &&
        strcmp(sub, "append")) {
        r = cli_usage("log", "--recalibration and --calibration are for "
                             "append");
        goto done;
    }
    if (recal_path && !isnan(duration)) {
        r = cli_usage("log", "--duration is for gate entries (--result)");
        goto done;
    }
    if (recal_path) {
        if ((r = recal_rules(&rules, recal_path, rules_path)))
            goto done;
    } else if (!strcmp(sub, "append")) {
        /* The rule file the result names, unless given; either way its
         * SHA-256 must be the one the result records. */
        if (tg_result_load(&result, result_path, NULL, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        if (!rules_path)
            rules_path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(result, "provenance"),
                "rules_file"));
        if (!rules_path) {
            r = cli_usage("log", "%s names no rule file "
                                 "(provenance.rules_file): give --rules FILE",
                          result_path);
            goto done;
        }
        if (tg_rules_load(&rules, rules_path, &err) != TG_OK ||
            tg_result_matches(result, result_path, rules, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
    }
    if (tg_trail_open(&trail, registry, path, NULL, 0, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    open = 1;
    if (recal_path) {
        tg_log_recal_options ro = {recal_path, rules, calibration, at, ".",
                                   NULL};
        r = append_recal(path, &ro);
    } else if (!strcmp(sub, "append")) {
        const char *policy = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(result, "provenance"), "policy_file"));
        char dsha[65];
        tg_error ignored;
        int have_dc = tg_sha256_file(date_config, dsha, &ignored) == TG_OK;
        const char *inputs[3];
        int ninputs = 0;
        inputs[ninputs++] = rules_path;
        if (policy)
            inputs[ninputs++] = policy;
        if (have_dc)
            inputs[ninputs++] = date_config;
        tg_log_append_options lo = {result, rules, at, duration, ".", NULL, 0,
                                    inputs, ninputs, have_dc ? dsha : NULL,
                                    NULL};
        if (tg_log_append(path, &lo, &err) != TG_OK)
            r = cli_fail(&err);
        else
        {
            char v[160];
            printf("%s: appended %s (%s)\n", path,
                   tg_esc_term_buf(rules->model_version, v, sizeof v),
                   cJSON_GetStringValue(cJSON_GetObjectItem(result, "status")));
        }
    } else if (!strcmp(sub, "list")) {
        char *text = NULL;
        size_t len;
        tg_log log;
        if (tg_read_file(&text, &len, path, 256u << 20, &err) != TG_OK ||
            tg_log_parse(&log, text, len, path, &err) != TG_OK) {
            free(text);
            r = cli_fail(&err);
            goto done;
        }
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < log.n; i++) {
            cJSON *m = cJSON_Duplicate(log.entries[i].marker, 1);
            /* Entries written before kinds existed are gate entries. */
            if (!cJSON_GetObjectItemCaseSensitive(m, "kind"))
                cJSON_AddStringToObject(m, "kind", "gate");
            cJSON_AddNumberToObject(m, "line", (double)log.entries[i].line);
            cJSON_AddItemToArray(arr, m);
        }
        if (fmt == FMT_JSON) {
            /* {"format_version": 1, "entries": [...]} */
            cJSON *doc = tg_json_stamp(cJSON_CreateObject());
            cJSON_AddItemReferenceToObject(doc, "entries", arr);
            char *s = cJSON_Print(doc);
            cJSON_Delete(doc);
            printf("%s\n", s);
            cJSON_free(s);
        } else if (log.n == 0) {
            printf("%s: no entries\n", path);
        } else if (list_text(&log, arr) != EXIT_OK) {
            r = EXIT_INTERNAL;
        }
        cJSON_Delete(arr);
        tg_log_release(&log);
        free(text);
    } else if (!strcmp(sub, "verify")) {
        char **problems = NULL;
        int n = 0, entries = 0;
        if ((registry && tg_registry_load(&reg, registry, &err) != TG_OK) ||
            tg_log_verify(path, ".", reg, &problems, &n, &entries, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            /* They quote the log, which anyone may have edited. */
            fputs("tiergate: ", stderr);
            tg_esc_term(stderr, problems[i]);
            fputc('\n', stderr);
            free(problems[i]);
        }
        free(problems);
        if (n)
            r = EXIT_GATE;
        else
            printf("%s: %d entries verified\n", path, entries);
    }
done:
    if (open)
        tg_trail_close(&trail);
    cJSON_Delete(reg);
    cJSON_Delete(result);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
