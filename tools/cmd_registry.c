/*
 * tiergate registry show | update | promote | rollback | verify: the
 * model registry as a lifecycle (registry/model_registry_v3.json).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

static const char help[] =
    "usage: tiergate registry show [--registry FILE] [--format text|json]\n"
    "       tiergate registry update --rules FILE --result GATE.json\n"
    "                                [--reports DIR] [--date YYYY-MM-DD]\n"
    "                                [--reason TEXT] [--dry-run]\n"
    "       tiergate registry promote VERSION [--force --reason TEXT]\n"
    "       tiergate registry rollback [--to VERSION] [--reason TEXT]\n"
    "                                  [--force]\n"
    "       tiergate registry verify [--registry FILE]\n\n"
    "Versions move through stages: candidate, production, archived,\n"
    "rejected; exactly one is production. update registers a candidate\n"
    "from the rule set and a gate result (what `gate --json` wrote); a\n"
    "result that FAILED is recorded as rejected and production does not\n"
    "move. The gate result is copied, as evidence that is never\n"
    "overwritten, to <reports>/<model version>/<run id>/gate.json and\n"
    "cited with its SHA-256; measured performance and training data come\n"
    "from it. promote makes a version production (the old one is\n"
    "archived) when its gate result passed, or with --force --reason.\n"
    "rollback returns production to the version before it (or --to one\n"
    "that is archived). Every move is recorded in history with the UTC\n"
    "time, the git author, HEAD and the reason. show prints production,\n"
    "candidates and history. verify checks meaning, not only shape:\n"
    "evidence hashes, gate status, numbers against the evidence, the\n"
    "rules' SHA-256 against the commit, stages against the history, and\n"
    "that history and versions only grew since HEAD; exit 1 naming each\n"
    "problem's JSON key.\n\n"
    "  --registry FILE   default registry/model_registry_v3.json\n"
    "  --reports DIR     update: where evidence goes (default reports)\n"
    "  --dry-run         update: print the new entry, write nothing\n"
    "  -h, --help        this help\n";

enum {
    OPT_REGISTRY = 6000,
    OPT_RESULT,
    OPT_DATE,
    OPT_FORCE,
    OPT_REASON,
    OPT_DRY_RUN,
    OPT_TO,
    OPT_REPORTS
};

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "-";
}

/* One line of text from the registry, which may hold anything: control
 * characters are shown escaped, never sent to the terminal. With fit (the
 * `show` listing), a line wider than the terminal is wrapped between
 * words, its following lines indented under the first. */
static void line_out(int fit, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void line_out(int fit, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char esc[16384];
    const char *t = tg_esc_term_buf(buf, esc, sizeof esc);
    int width = fit ? cli_term_width() : 0;
    if (!fit || tg_text_width(t) <= width) { /* as it is: keeps alignment */
        puts(t);
        return;
    }
    int lead = 0;
    while (t[lead] == ' ')
        lead++;
    printf("%*s", lead, "");
    tg_text_wrap(stdout, t + lead, width, lead, lead + 2);
}
#define out(...) line_out(0, __VA_ARGS__)
#define show_out(...) line_out(1, __VA_ARGS__)

static void show_entry(const cJSON *e)
{
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "validation");
    /* Version and status, then the gate and date: 80 columns even for
     * long version names. */
    show_out("  %-20s %-10s gate %s, created %s%s", s_of(e, "model_version"),
        s_of(e, "status"), val ? s_of(val, "gate_status") : "(imported)",
        s_of(e, "created_date"),
        cJSON_GetObjectItemCaseSensitive(e, "imported") ? ", imported" : "");
}

static int show(const cJSON *doc, int json)
{
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "versions");
    const cJSON *prod = tg_registry_production(doc);
    if (json) {
        cJSON *o = tg_json_stamp(cJSON_CreateObject());
        cJSON_AddItemToObject(o, "production", prod ? cJSON_Duplicate(prod, 1)
                                                    : cJSON_CreateNull());
        static const char *stages[] = {"candidate", "archived", "rejected"};
        static const char *keys[] = {"candidates", "archived", "rejected"};
        for (int s = 0; s < 3; s++) {
            cJSON *arr = cJSON_AddArrayToObject(o, keys[s]);
            const cJSON *e;
            cJSON_ArrayForEach(e, vs)
                if (!strcmp(s_of(e, "status"), stages[s]))
                    cJSON_AddItemToArray(arr, cJSON_Duplicate(e, 1));
        }
        cJSON_AddItemToObject(o, "history",
                              cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                                  doc, "history"), 1));
        char *s = cJSON_Print(o);
        printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
        return EXIT_OK;
    }
    show_out("production");
    if (prod) {
        show_entry(prod);
        const cJSON *td = cJSON_GetObjectItemCaseSensitive(prod, "training_data");
        if (td) {
            const cJSON *tl = cJSON_GetObjectItemCaseSensitive(td, "total_leads");
            show_out("    training %s to %s, %.0f leads, baseline %s",
                s_of(td, "start_date"), s_of(td, "end_date"),
                cJSON_IsNumber(tl) ? tl->valuedouble : 0,
                s_of(td, "baseline_conversion"));
        }
    } else {
        show_out("  (none)");
    }
    static const char *stages[] = {"candidate", "rejected", "archived"};
    static const char *titles[] = {"candidates", "rejected", "archived"};
    for (int s = 0; s < 3; s++) {
        show_out("%s", titles[s]);
        int any = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, vs)
            if (!strcmp(s_of(e, "status"), stages[s])) {
                show_entry(e);
                any = 1;
            }
        if (!any)
            show_out("  (none)");
    }
    show_out("history");
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "history"))
    {
        const cJSON *from = cJSON_GetObjectItemCaseSensitive(t, "from");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(t, "reason");
        show_out("  %s  %-8s %s: %s -> %s", s_of(t, "at"), s_of(t, "action"),
            s_of(t, "version"),
            cJSON_IsString(from) ? from->valuestring : "(new)", s_of(t, "to"));
        show_out("      by %s, commit %.12s%s%s%s", s_of(t, "author"),
            *s_of(t, "commit") ? s_of(t, "commit") : "(none)",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "forced"))
                ? ", FORCED" : "",
            cJSON_IsString(reason) ? ": " : "",
            cJSON_IsString(reason) ? reason->valuestring : "");
    }
    return EXIT_OK;
}

/* The gate result, copied byte for byte into its own evidence folder. */
static int copy_evidence(cJSON **cite, char *run_id, const char *reports,
                         const char *version, const char *result_path,
                         const cJSON *result, tg_error *err)
{
    char *bytes = NULL, dir[4400], now[32];
    size_t len = 0;
    int rc = tg_read_file(&bytes, &len, result_path, 64u << 20, err);
    if (rc)
        return rc;
    const char *dsha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(result, "provenance"), "data_sha256"));
    char id[96];
    tg_run_id(id, tg_now_iso(now), dsha);
    tg_evidence_file f = {"gate.json", bytes, len};
    rc = tg_evidence_write(dir, sizeof dir, reports, version, id, &f, 1, err);
    if (rc == TG_OK) {
        *cite = tg_evidence_cite(dir, &f, 1, ".");
        const char *slash = strrchr(dir, '/');
        snprintf(run_id, 96, "%.95s", slash ? slash + 1 : dir);
    }
    free(bytes);
    return rc;
}

int cmd_registry(int argc, char **argv)
{
    static const struct option opts[] = {
        {"date", required_argument, NULL, OPT_DATE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"force", no_argument, NULL, OPT_FORCE},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"reason", required_argument, NULL, OPT_REASON},
        {"registry", required_argument, NULL, OPT_REGISTRY},
        {"reports", required_argument, NULL, OPT_REPORTS},
        {"result", required_argument, NULL, OPT_RESULT},
        {"rules", required_argument, NULL, OPT_RULES},
        {"to", required_argument, NULL, OPT_TO},
        {NULL, 0, NULL, 0},
    };
    const char *path = "registry/model_registry_v3.json", *result_path = NULL,
               *rules_path = NULL, *date = NULL, *reason = NULL, *to = NULL,
               *reports = "reports", *version = NULL;
    int fmt = FMT_TEXT, c, r = EXIT_OK, dry = 0, force = 0, open = 0;
    cJSON *doc = NULL, *result = NULL, *cite = NULL;
    tg_rules *rules = NULL;
    tg_trail trail;
    tg_error err;
    tg_error_clear(&err);
    const char *sub = cli_subcommand(argc, argv, "registry", help,
                                     "show, update, promote, rollback, verify",
                                     &r);
    if (!sub)
        return r;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case OPT_REGISTRY: path = optarg; break;
        case OPT_RESULT: result_path = optarg; break;
        case OPT_RULES: rules_path = optarg; break;
        case OPT_DATE: date = optarg; break;
        case OPT_FORCE: force = 1; break;
        case OPT_REASON: reason = optarg; break;
        case OPT_DRY_RUN: dry = 1; break;
        case OPT_TO: to = optarg; break;
        case OPT_REPORTS: reports = optarg; break;
        case 'f':
            if ((fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) |
                                                    FMT_BIT(FMT_JSON))) < 0) {
                r = cli_usage("registry", "--format takes text or json");
                goto done;
            }
            break;
        default: r = cli_usage("registry", "bad option"); goto done;
        }
    }
    int promote = !strcmp(sub, "promote");
    if (promote && optind < argc)
        version = argv[optind++];
    if (optind < argc) {
        r = cli_usage("registry", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (strcmp(sub, "show") && strcmp(sub, "update") && strcmp(sub, "verify") &&
        !promote && strcmp(sub, "rollback")) {
        r = cli_usage("registry", "unknown subcommand '%s' (show, update, "
                                  "promote, rollback, verify)", sub);
        goto done;
    }
    if (promote && !version) {
        r = cli_usage("registry", "promote needs the VERSION to promote");
        goto done;
    }
    if (force && (!reason || !*reason)) {
        r = cli_usage("registry", "--force needs --reason TEXT, which is "
                                  "recorded");
        goto done;
    }
    if (force && !strcmp(sub, "update")) {
        r = cli_usage("registry", "update only registers a candidate; "
                                  "`registry promote VERSION --force --reason "
                                  "TEXT` overrides a gate");
        goto done;
    }
    int update = !strcmp(sub, "update");
    if (update) {
        if (!rules_path || !result_path) {
            r = cli_usage("registry", "update needs --rules FILE and --result "
                                      "GATE.json");
            goto done;
        }
        if (tg_rules_load(&rules, rules_path, &err) != TG_OK ||
            tg_result_load(&result, result_path, rules, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
    }

    /* Locked from the read to the write; a dead run's transaction is
     * completed first. */
    if (tg_trail_open(&trail, path, NULL, NULL, 0, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    open = 1;
    if (tg_registry_load(&doc, path, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (!strcmp(sub, "show")) {
        tg_trail_close(&trail);
        open = 0;
        r = show(doc, fmt == FMT_JSON);
        goto done;
    }
    if (!strcmp(sub, "verify")) {
        char **problems = NULL;
        int n = 0;
        if (tg_registry_verify(doc, path, ".", &problems, &n, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            fprintf(stderr, "tiergate: %s: ", path);
            tg_esc_term(stderr, problems[i]);
            fputc('\n', stderr);
            free(problems[i]);
        }
        free(problems);
        if (n) {
            r = EXIT_GATE;
        } else {
            const cJSON *p = tg_registry_production(doc);
            out("%s: verified (production %s, %d versions, %d transitions)",
                path, p ? s_of(p, "model_version") : "none",
                   cJSON_GetArraySize(cJSON_GetObjectItem(doc, "versions")),
                   cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")));
        }
        goto done;
    }

    tg_git_facts git;
    if (tg_git_facts_get(&git, ".", NULL, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    char author[512], rel[4096];
    tg_git_whoami(".", author, sizeof author);
    tg_transition_info ti = {NULL, author, git.has_head ? git.commit : "",
                             reason, force};
    int rc;
    const char *added = NULL;
    if (update) {
        char run_id[96] = "";
        if (!dry && (rc = copy_evidence(&cite, run_id, reports,
                                        rules->model_version, result_path,
                                        result, &err)) != TG_OK) {
            tg_git_facts_release(&git);
            r = cli_fail(&err);
            goto done;
        }
        if (tg_git_relpath(".", rules_path, rel, sizeof rel) != 0)
            snprintf(rel, sizeof rel, "%s", rules_path);
        tg_entry_options eo = {date, ti.commit, rel, run_id, cite, NULL};
        rc = tg_registry_add(doc, rules, result, &eo, &ti, &added, &err);
    } else if (promote) {
        rc = tg_registry_promote(doc, version, &ti, &err);
    } else {
        rc = tg_registry_rollback(doc, to, &ti, &err);
    }
    tg_git_facts_release(&git);
    if (rc != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (dry) {
        char *s = cJSON_Print(tg_registry_find(doc, added, NULL));
        printf("%s\n", s);
        cJSON_free(s);
    } else if (tg_registry_save(doc, path, &err) != TG_OK) {
        r = cli_fail(&err);
    } else if (update) {
        const cJSON *e = tg_registry_find(doc, added, NULL);
        out("%s: registered %s as %s (production: %s)", path, added,
               s_of(e, "status"), s_of(doc, "production"));
    } else {
        out("%s: production is now %s", path, s_of(doc, "production"));
    }
done:
    if (open)
        tg_trail_close(&trail);
    cJSON_Delete(doc);
    cJSON_Delete(result);
    cJSON_Delete(cite);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
