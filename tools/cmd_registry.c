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

/* Entries more than one subcommand takes. */
#define OPT_ENTRY_REGISTRY                                                     \
    {"registry", 0, "FILE", OPT_REGISTRY,                                      \
     "the model registry (default\n" CLI_DEFAULT_REGISTRY ")"}
#define OPT_ENTRY_REASON                                                       \
    {"reason", 0, "TEXT", OPT_REASON,                                          \
     "why, recorded in the history with the move"}
#define OPT_ENTRY_FORCE                                                        \
    {"force", 0, NULL, OPT_FORCE,                                              \
     "move production to a version whose gate result\n"                        \
     "did not pass (needs --reason; recorded as forced)"}

static const char registry_about[] =
    "The model registry as a lifecycle. Versions move through stages:\n"
    "candidate, production, archived, rejected; exactly one is production.\n"
    "Every move is recorded in history with the UTC time, the git author,\n"
    "HEAD and the reason.\n";

static const cli_opt show_opts[] = {
    OPT_ENTRY_REGISTRY,
    {"format", 0, "FMT", OPT_FORMAT, "text (default) or json"},
    CLI_OPT_END,
};

static const cli_spec show_spec = {
    "registry show",
    "registry show [--registry FILE] [--format text|json]\n",
    "Print production, the candidates, the rejected and archived versions\n"
    "and the history of moves between stages.\n",
    show_opts,
    0,
    NULL,
};

static const cli_opt update_opts[] = {
    CLI_OPT_RULES,
    {"result", 0, "GATE.json", OPT_RESULT,
     "the gate result (what `gate --json` wrote)"},
    OPT_ENTRY_REGISTRY,
    {"reports", 0, "DIR", OPT_REPORTS,
     "where evidence goes (default " CLI_DEFAULT_REPORTS ")"},
    {"date", 0, "YYYY-MM-DD", OPT_DATE,
     "the entry's date (default today, UTC)"},
    OPT_ENTRY_REASON,
    {"dry-run", 0, NULL, OPT_DRY_RUN, "print the new entry, write nothing"},
    CLI_OPT_END,
};

static const cli_spec update_spec = {
    "registry update",
    "registry update --rules FILE --result GATE.json\n"
    "     [--registry FILE] [--reports DIR] [--date YYYY-MM-DD]\n"
    "     [--reason TEXT] [--dry-run]\n",
    "Register a candidate from the rule set and a gate result (what `gate\n"
    "--json` wrote); a result that FAILED is recorded as rejected and\n"
    "production does not move. The gate result is copied, as evidence that\n"
    "is never overwritten, to <reports>/<model version>/<run id>/gate.json\n"
    "and cited with its SHA-256; measured performance and training data\n"
    "come from it. A gate is overridden only by `registry promote VERSION\n"
    "--force --reason TEXT`.\n",
    update_opts,
    0,
    NULL,
};

static const cli_opt promote_opts[] = {
    OPT_ENTRY_REGISTRY,
    OPT_ENTRY_FORCE,
    OPT_ENTRY_REASON,
    CLI_OPT_END,
};

static const cli_spec promote_spec = {
    "registry promote",
    "registry promote VERSION [--registry FILE]\n"
    "     [--force --reason TEXT]\n",
    "Make VERSION production (the old one is archived) when its gate\n"
    "result passed, or with --force --reason.\n",
    promote_opts,
    1,
    NULL,
};

static const cli_opt rollback_opts[] = {
    OPT_ENTRY_REGISTRY,
    {"to", 0, "VERSION", OPT_TO,
     "the archived version to return to (default: the\n"
     "one in production before the current one)"},
    OPT_ENTRY_REASON,
    OPT_ENTRY_FORCE,
    CLI_OPT_END,
};

static const cli_spec rollback_spec = {
    "registry rollback",
    "registry rollback [--registry FILE] [--to VERSION]\n"
    "     [--reason TEXT] [--force]\n",
    "Return production to the version before it, or --to one that is\n"
    "archived.\n",
    rollback_opts,
    0,
    NULL,
};

static const cli_opt verify_opts[] = {
    OPT_ENTRY_REGISTRY,
    CLI_OPT_END,
};

static const cli_spec verify_spec = {
    "registry verify",
    "registry verify [--registry FILE]\n",
    "Check meaning, not only shape: evidence hashes, gate status, numbers\n"
    "against the evidence, the rules' SHA-256 against the commit, stages\n"
    "against the history, and that history and versions only grew since\n"
    "HEAD; exit 1 naming each problem's JSON key.\n",
    verify_opts,
    0,
    NULL,
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
        return TG_EXIT_OK;
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
    return TG_EXIT_OK;
}

/* The gate result, copied byte for byte into its own evidence folder. */
static int copy_evidence(cJSON **cite, char *run_id, const char *reports,
                         const char *version, const char *result_path,
                         const cJSON *result, tg_error *err)
{
    char *bytes = NULL, dir[TG_PATH_JOIN_MAX], now[32];
    size_t len = 0;
    int rc = tg_read_file(&bytes, &len, result_path, TG_MAX_JSON_BYTES, err);
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

/* What the command line of any subcommand asked for; each subcommand's
 * table holds only the options it takes, so the others stay unset. */
typedef struct {
    const char *path, *result_path, *rules_path, *date, *reason, *to,
        *reports, *version;
    int fmt, dry, force;
} reg_args;

/* Read argv against spec: -1 to go on, else the exit code (0 after
 * --help). */
static int parse_args(reg_args *a, const cli_spec *spec, int argc,
                      char **argv)
{
    memset(a, 0, sizeof *a);
    a->path = CLI_DEFAULT_REGISTRY;
    a->reports = CLI_DEFAULT_REPORTS;
    a->fmt = FMT_TEXT;
    cli_parser p;
    cli_parse_begin(&p, spec, argc, argv);
    int c;
    while ((c = cli_next(&p)) != CLI_END) {
        switch (c) {
        case CLI_STOP: return p.rc;
        case OPT_REGISTRY: a->path = p.arg; break;
        case OPT_RESULT: a->result_path = p.arg; break;
        case OPT_RULES: a->rules_path = p.arg; break;
        case OPT_DATE: a->date = p.arg; break;
        case OPT_FORCE: a->force = 1; break;
        case OPT_REASON: a->reason = p.arg; break;
        case OPT_DRY_RUN: a->dry = 1; break;
        case OPT_TO: a->to = p.arg; break;
        case OPT_REPORTS: a->reports = p.arg; break;
        case OPT_FORMAT:
            if (cli_format_option(spec->name, p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON),
                                  &a->fmt))
                return TG_EXIT_USAGE;
            break;
        }
    }
    if (p.npos)
        a->version = p.pos[0];
    if (a->force && (!a->reason || !*a->reason))
        return cli_parser_usage(&p, "--force needs --reason TEXT, which is "
                                    "recorded");
    return -1;
}

/* The registry file, locked from the read to the write (a dead run's
 * transaction is completed first). */
typedef struct {
    const char *path;
    tg_trail trail;
    int locked;
    cJSON *doc;
} reg_file;

static int reg_open(reg_file *f, const char *path)
{
    tg_error err;
    tg_error_clear(&err);
    f->path = path;
    if (tg_trail_open(&f->trail, path, NULL, NULL, 0, &err) != TG_OK)
        return cli_fail(&err);
    f->locked = 1;
    if (tg_registry_load(&f->doc, path, &err) != TG_OK)
        return cli_fail(&err);
    return TG_EXIT_OK;
}

static void reg_unlock(reg_file *f)
{
    if (f->locked)
        tg_trail_close(&f->trail);
    f->locked = 0;
}

static void reg_close(reg_file *f)
{
    reg_unlock(f);
    cJSON_Delete(f->doc);
    f->doc = NULL;
}

/* Who moves a version, and at which commit: what history records. */
typedef struct {
    tg_git_facts git;
    char author[512];
    tg_transition_info ti;
} reg_actor;

static int actor_begin(reg_actor *a, const reg_args *args, tg_error *err)
{
    if (tg_git_facts_get(&a->git, ".", NULL, err) != TG_OK)
        return cli_fail(err);
    tg_git_whoami(".", a->author, sizeof a->author);
    tg_transition_info ti = {NULL, a->author,
                             a->git.has_head ? a->git.commit : "",
                             args->reason, args->force};
    a->ti = ti;
    return TG_EXIT_OK;
}

/* Write the registry back and say what moved. */
static int save_and_report(reg_file *f, const char *added)
{
    tg_error err;
    tg_error_clear(&err);
    if (tg_registry_save(f->doc, f->path, &err) != TG_OK)
        return cli_fail(&err);
    if (added) {
        const cJSON *e = tg_registry_find(f->doc, added, NULL);
        out("%s: registered %s as %s (production: %s)", f->path, added,
            s_of(e, "status"), s_of(f->doc, "production"));
    } else {
        out("%s: production is now %s", f->path, s_of(f->doc, "production"));
    }
    return TG_EXIT_OK;
}

static int registry_show(int argc, char **argv)
{
    reg_args a;
    int r = parse_args(&a, &show_spec, argc, argv);
    if (r >= 0)
        return r;
    reg_file f = {.doc = NULL};
    if ((r = reg_open(&f, a.path)) == TG_EXIT_OK) {
        reg_unlock(&f);
        r = show(f.doc, a.fmt == FMT_JSON);
    }
    reg_close(&f);
    return cli_flush_stdout(r);
}

/* Each problem on stderr (exit 1), or one line saying what was checked. */
static int verify(const cJSON *doc, const char *path)
{
    tg_error err;
    tg_error_clear(&err);
    char **problems = NULL;
    int n = 0;
    if (tg_registry_verify(doc, path, ".", &problems, &n, &err) != TG_OK)
        return cli_fail(&err);
    for (int i = 0; i < n; i++) {
        fprintf(stderr, "tiergate: %s: ", path);
        tg_esc_term(stderr, problems[i]);
        fputc('\n', stderr);
        free(problems[i]);
    }
    free(problems);
    if (n)
        return TG_EXIT_GATE;
    const cJSON *p = tg_registry_production(doc);
    out("%s: verified (production %s, %d versions, %d transitions)", path,
        p ? s_of(p, "model_version") : "none",
        cJSON_GetArraySize(cJSON_GetObjectItem(doc, "versions")),
        cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")));
    return TG_EXIT_OK;
}

static int registry_verify(int argc, char **argv)
{
    reg_args a;
    int r = parse_args(&a, &verify_spec, argc, argv);
    if (r >= 0)
        return r;
    reg_file f = {.doc = NULL};
    if ((r = reg_open(&f, a.path)) == TG_EXIT_OK)
        r = verify(f.doc, a.path);
    reg_close(&f);
    return cli_flush_stdout(r);
}

/* The new entry into f's registry: evidence first (unless a dry run),
 * then the entry citing it. */
static int add_entry(reg_file *f, const reg_args *a, const tg_rules *rules,
                     const cJSON *result, const char **added)
{
    tg_error err;
    tg_error_clear(&err);
    reg_actor act;
    int r = actor_begin(&act, a, &err);
    if (r)
        return r;
    cJSON *cite = NULL;
    char run_id[96] = "", rel[TG_PATH_MAX];
    int rc = TG_OK;
    if (!a->dry)
        rc = copy_evidence(&cite, run_id, a->reports, rules->model_version,
                           a->result_path, result, &err);
    if (rc == TG_OK) {
        if (tg_git_relpath(".", a->rules_path, rel, sizeof rel) != 0)
            snprintf(rel, sizeof rel, "%s", a->rules_path);
        tg_entry_options eo = {a->date, act.ti.commit, rel, run_id, cite,
                               NULL};
        rc = tg_registry_add(f->doc, rules, result, &eo, &act.ti, added,
                             &err);
    }
    tg_git_facts_release(&act.git);
    cJSON_Delete(cite);
    return rc == TG_OK ? TG_EXIT_OK : cli_fail(&err);
}

static int registry_update(int argc, char **argv)
{
    reg_args a;
    int r = parse_args(&a, &update_spec, argc, argv);
    if (r >= 0)
        return r;
    if (!a.rules_path || !a.result_path)
        return cli_usage(update_spec.name,
                         "--rules FILE and --result GATE.json are required");
    tg_error err;
    tg_error_clear(&err);
    tg_rules *rules = NULL;
    cJSON *result = NULL;
    reg_file f = {.doc = NULL};
    const char *added = NULL;
    if (tg_rules_load(&rules, a.rules_path, &err) != TG_OK ||
        tg_result_load(&result, a.result_path, rules, &err) != TG_OK)
        r = cli_fail(&err);
    else if ((r = reg_open(&f, a.path)) == TG_EXIT_OK &&
             (r = add_entry(&f, &a, rules, result, &added)) == TG_EXIT_OK) {
        if (a.dry) {
            char *s = cJSON_Print(tg_registry_find(f.doc, added, NULL));
            printf("%s\n", s ? s : "null");
            cJSON_free(s);
        } else {
            r = save_and_report(&f, added);
        }
    }
    reg_close(&f);
    cJSON_Delete(result);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}

/* promote and rollback: production moves to another version. */
static int move_production(const cli_spec *spec, int argc, char **argv)
{
    reg_args a;
    int r = parse_args(&a, spec, argc, argv);
    if (r >= 0)
        return r;
    int promote = spec == &promote_spec;
    if (promote && !a.version)
        return cli_usage(spec->name, "the VERSION to promote is required");
    tg_error err;
    tg_error_clear(&err);
    reg_file f = {.doc = NULL};
    reg_actor act;
    if ((r = reg_open(&f, a.path)) == TG_EXIT_OK &&
        (r = actor_begin(&act, &a, &err)) == TG_EXIT_OK) {
        int rc = promote ? tg_registry_promote(f.doc, a.version, &act.ti, &err)
                         : tg_registry_rollback(f.doc, a.to, &act.ti, &err);
        tg_git_facts_release(&act.git);
        r = rc != TG_OK ? cli_fail(&err) : save_and_report(&f, NULL);
    }
    reg_close(&f);
    return cli_flush_stdout(r);
}

static int registry_promote(int argc, char **argv)
{
    return move_production(&promote_spec, argc, argv);
}

static int registry_rollback(int argc, char **argv)
{
    return move_production(&rollback_spec, argc, argv);
}

int cmd_registry(int argc, char **argv)
{
    static const cli_subcommand_def subs[] = {
        {"show", registry_show,
         "production, candidates, rejected, archived, history"},
        {"update", registry_update,
         "register a candidate from a rule set and its gate result"},
        {"verify", registry_verify,
         "check evidence, hashes, stages and history (exit 1)"},
        {"promote", registry_promote, "make a version production"},
        {"rollback", registry_rollback,
         "return production to an archived version"},
        {NULL, NULL, NULL},
    };
    return cli_run_subcommand("registry", registry_about, subs, argc, argv);
}
