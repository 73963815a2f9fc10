/*
 * tiergate registry show | update | verify: the model registry of the
 * brief's step 7 (registry/model_registry_v3.json).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate registry show [--registry FILE] [--format text|json]\n"
    "       tiergate registry update --rules FILE --result GATE.json\n"
    "                                [--registry FILE] [--date YYYY-MM-DD]\n"
    "                                [--force --reason TEXT] [--dry-run]\n"
    "       tiergate registry verify [--registry FILE]\n\n"
    "show prints the current entry; verify checks the file (exit 2 when it\n"
    "is not valid JSON or lacks required keys) and that the commit its\n"
    "validation names exists. update writes the brief's step 7 entry from\n"
    "the rule set and a gate result (what `gate --json` wrote): model_version\n"
    "v3.2-updated-YYYYMMDD, changes, expected performance, training data\n"
    "measured from the result, tables, the validation (gate status, policy\n"
    "SHA-256, per-gate results, commit); the replaced entry moves into\n"
    "history; keys tiergate does not know are kept. status becomes\n"
    "production only when no blocking gate failed, otherwise rejected,\n"
    "unless --force --reason TEXT (recorded). The file is replaced\n"
    "atomically; a corrupt registry is an error and stays untouched.\n\n"
    "  --registry FILE   default registry/model_registry_v3.json\n"
    "  --dry-run         update: print the new registry, write nothing\n"
    "  -h, --help        this help\n";

enum {
    OPT_REGISTRY = 6000,
    OPT_RESULT,
    OPT_DATE,
    OPT_FORCE,
    OPT_REASON,
    OPT_DRY_RUN
};

static int show(const cJSON *doc, int json)
{
    if (json) {
        char *s = cJSON_Print(doc);
        printf("%s\n", s);
        cJSON_free(s);
        return EXIT_OK;
    }
    static const char *keys[] = {"model_id", "model_version", "model_type",
                                 "status",   "created_date",  "updated_date"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(doc, keys[k]));
        printf("%-14s ", keys[k]);
        tg_esc_term(stdout, v ? v : "-");
        putchar('\n');
    }
    const cJSON *td = cJSON_GetObjectItem(doc, "training_data");
    if (td) {
        char *s = cJSON_PrintUnformatted(td);
        printf("%-14s ", "training_data");
        tg_esc_term(stdout, s);
        putchar('\n');
        cJSON_free(s);
    }
    const cJSON *v = cJSON_GetObjectItem(doc, "validation");
    if (v) {
        char a[128], b[128];
        printf("%-14s %s (commit %s)\n", "validation",
               tg_esc_term_buf(cJSON_GetStringValue(
                                   cJSON_GetObjectItem(v, "gate_status")),
                               a, sizeof a),
               tg_esc_term_buf(cJSON_GetStringValue(
                                   cJSON_GetObjectItem(v, "commit")),
                               b, sizeof b));
    }
    printf("%-14s %d earlier version(s)\n", "history",
           cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")));
    return EXIT_OK;
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
        {"result", required_argument, NULL, OPT_RESULT},
        {"rules", required_argument, NULL, OPT_RULES},
        {NULL, 0, NULL, 0},
    };
    const char *path = "registry/model_registry_v3.json", *result_path = NULL,
               *rules_path = NULL;
    tg_registry_update_options uo = {NULL, NULL, 0, NULL};
    int fmt = FMT_TEXT, c, r = EXIT_OK, dry = 0;
    cJSON *doc = NULL, *result = NULL, *updated = NULL;
    tg_rules *rules = NULL;
    tg_error err;
    tg_error_clear(&err);
    const char *sub = cli_subcommand(argc, argv, "registry", help,
                                     "show, update, verify", &r);
    if (!sub)
        return r;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': r = cli_help(help); goto done;
        case OPT_REGISTRY: path = optarg; break;
        case OPT_RESULT: result_path = optarg; break;
        case OPT_RULES: rules_path = optarg; break;
        case OPT_DATE: uo.date = optarg; break;
        case OPT_FORCE: uo.force = 1; break;
        case OPT_REASON: uo.reason = optarg; break;
        case OPT_DRY_RUN: dry = 1; break;
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
    if (optind < argc) {
        r = cli_usage("registry", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (strcmp(sub, "show") && strcmp(sub, "update") && strcmp(sub, "verify")) {
        r = cli_usage("registry",
                      "unknown subcommand '%s' (show, update, "
                      "verify)",
                      sub);
        goto done;
    }
    if (tg_registry_load(&doc, path, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (!strcmp(sub, "show")) {
        r = show(doc, fmt == FMT_JSON);
    } else if (!strcmp(sub, "verify")) {
        const char *commit = cJSON_GetStringValue(cJSON_GetObjectItem(
            cJSON_GetObjectItem(doc, "validation"), "commit"));
        if (commit && *commit) {
            int exists = 0;
            if (tg_git_commit_exists(".", commit, &exists, &err) != TG_OK) {
                r = cli_fail(&err);
                goto done;
            }
            if (!exists) {
                fprintf(stderr,
                        "tiergate: %s: the validation's commit %s "
                        "does not exist in this repository\n",
                        path, commit);
                r = EXIT_GATE;
                goto done;
            }
        }
        printf("%s: valid (%s, %s, %d earlier version(s))\n", path,
               cJSON_GetStringValue(cJSON_GetObjectItem(doc, "model_version")),
               cJSON_GetStringValue(cJSON_GetObjectItem(doc, "status")),
               cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")));
    } else {
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
        tg_git_facts git;
        if (tg_git_facts_get(&git, ".", NULL, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        uo.commit = git.has_head ? git.commit : "";
        int rc = tg_registry_update(&updated, doc, rules, result, result_path,
                                    &uo, &err);
        tg_git_facts_release(&git);
        if (rc != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        if (dry) {
            r = show(updated, 1);
        } else if (tg_json_write_atomic(updated, path, &err) != TG_OK) {
            r = cli_fail(&err);
        } else {
            char a[128], b[64];
            printf("%s: %s, status %s\n", path,
                   tg_esc_term_buf(cJSON_GetStringValue(cJSON_GetObjectItem(
                                       updated, "model_version")),
                                   a, sizeof a),
                   tg_esc_term_buf(cJSON_GetStringValue(
                                       cJSON_GetObjectItem(updated, "status")),
                                   b, sizeof b));
        }
    }
done:
    cJSON_Delete(doc);
    cJSON_Delete(result);
    cJSON_Delete(updated);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
