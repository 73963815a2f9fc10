/*
 * tiergate score: scored rows and the change request's views (steps 3-6), from
 * the same rule set the SQL is generated from.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"
#include "tg_lock.h"
#include "tg_suggest.h"
#include "tg_util.h"

enum { OPT_VIEW = 3000, OPT_PRIORITY_ONLY, OPT_SCORED_AT };

/* What -o names: with several views, a pattern in which {view} stands
 * for each view's name. */
#define VIEW_SLOT "{view}"

/* Scoring streams rows: no --summary (counts cannot be scored) and no
 * --threads (the rows go out in input order, read by one reader). */
static const cli_opt score_opts[] = {
    CLI_OPT_RULES,
    CLI_OPT_DATA,
    CLI_OPT_DATE_CONFIG,
    CLI_OPT_ON_BAD_ROW,
    {"view", 0, "V[,V...]", OPT_VIEW,
     "scores (default), production, salesforce, sga;\n"
     "several, comma-separated: one pass, one file each"},
    {"priority-only", 0, NULL, OPT_PRIORITY_ONLY,
     "scores view: leave out the default tier"},
    {"scored-at", 0, "TIME", OPT_SCORED_AT,
     "pin scored_at (UTC, e.g. 2025-12-22T00:00:00Z) so\n"
     "the output is reproducible; default: now"},
    {"format", 0, "FMT", OPT_FORMAT,
     "csv (default) or json (an array of objects)"},
    {"output", 'o', "FILE", OPT_OUTPUT,
     "write to FILE (replaced atomically) instead of\n"
     "standard output; '-' is standard output; {view}\n"
     "in FILE stands for the view's name (required\n"
     "with several views: -o 'out/{view}.csv')"},
    CLI_OPT_END,
};

static const cli_spec score_spec = {
    "score",
    "score --rules FILE --data FILE...\n"
    "      [--view scores|production|salesforce|sga]\n"
    "      [--priority-only] [--scored-at TIME] [--format csv|json]\n"
    "      [-o FILE]\n"
    "score --rules FILE --data FILE... --view V,V[,V...]\n"
    "      -o 'DIR/{view}.csv' [--priority-only] [...]\n",
    "Score every lead and write one of the change request's outputs:\n"
    "  scores      every input column, then score_tier, tier_display,\n"
    "              expected_conversion_rate, expected_lift, priority_rank,\n"
    "              action_recommended, tier_explanation, scored_at,\n"
    "              model_version (step 3, the lead_scores_v3 table)\n"
    "  production  the production view (step 4)\n"
    "  salesforce  the Salesforce sync (step 5): __c fields, Expected_\n"
    "              Conversion__c as 15.0%, Expected_Lift__c as 3.5x\n"
    "  sga         the SGA dashboard (step 6)\n"
    "The last three hold priority tiers only, ordered by priority rank, then\n"
    "expected conversion rate, as the change request's views are. Streaming: memory\n"
    "does not grow with the number of rows.\n"
    "Several views (--view production,salesforce,sga) are written in one pass\n"
    "over the data, each to -o's pattern with {view} replaced by its name, each\n"
    "byte for byte what --view alone writes. All or nothing: every file is\n"
    "written beside its target and renamed into place only once all are\n"
    "complete; on an error no file is replaced.\n",
    score_opts,
    0,
    NULL,
};

/* The views asked for, in the order given. */
typedef struct {
    tg_view v[TG_VIEW_COUNT];
    int n;
} view_list;

/* One name of a --view list; returns an exit code. */
static int add_view(view_list *vl, const char *name, size_t len)
{
    char item[64], shown[96];
    static const char *const names[TG_VIEW_COUNT] = {"scores", "production",
                                                     "salesforce", "sga"};
    if (len == 0)
        return cli_usage("score", "--view: an empty view name in the list");
    snprintf(item, sizeof item, "%.*s", (int)(len < 63 ? len : 63), name);
    int v = len < 63 ? tg_view_parse(item) : -1;
    if (v < 0) {
        int k = tg_suggest_nearest(item, names, TG_VIEW_COUNT);
        tg_esc_term_buf(item, shown, sizeof shown);
        if (k >= 0)
            return cli_usage("score", "--view: no view '%s' (did you mean %s?)",
                             shown, names[k]);
        return cli_usage("score",
                         "--view takes scores, production, salesforce or sga, "
                         "not '%s'",
                         shown);
    }
    for (int i = 0; i < vl->n; i++)
        if (vl->v[i] == (tg_view)v)
            return cli_usage("score", "--view names %s twice", names[v]);
    vl->v[vl->n++] = (tg_view)v;
    return TG_EXIT_OK;
}

/* --view V[,V...] */
static int parse_views(view_list *vl, const char *arg)
{
    vl->n = 0;
    for (const char *p = arg;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int r = add_view(vl, p, len);
        if (r)
            return r;
        if (!end)
            return TG_EXIT_OK;
        p = end;
    }
}

/* One option of score's own; returns an exit code. */
static int score_option(tg_score_options *so, view_list *vl, int c,
                        const char *arg)
{
    char shown[96];
    switch (c) {
    case OPT_PRIORITY_ONLY: so->priority_only = 1; return TG_EXIT_OK;
    case OPT_VIEW: return parse_views(vl, arg);
    case OPT_SCORED_AT:
        if (!tg_scored_at_valid(arg))
            return cli_usage("score",
                             "--scored-at takes a UTC time such as "
                             "2025-12-22T00:00:00Z, not '%s'",
                             tg_esc_term_buf(arg, shown, sizeof shown));
        so->scored_at = arg;
        return TG_EXIT_OK;
    case OPT_FORMAT: {
        int fmt = FMT_CSV;
        int r = cli_format_option("score", arg,
                                  FMT_BIT(FMT_CSV) | FMT_BIT(FMT_JSON), &fmt);
        so->format = fmt == FMT_JSON ? TG_SCORE_JSON : TG_SCORE_CSV;
        return r;
    }
    }
    return TG_EXIT_OK;
}

/* Where view goes: the pattern with every {view} replaced by its name
 * (the names are fixed words, so the path is the one the user wrote).
 * NULL when too long. */
static char *view_path(const char *pattern, tg_view v)
{
    const char *name = tg_view_name(v);
    size_t n = strlen(pattern) + 1, slot = strlen(VIEW_SLOT);
    for (const char *p = pattern; (p = strstr(p, VIEW_SLOT)); p += slot)
        n += strlen(name);
    if (n > TG_PATH_MAX)
        return NULL;
    char *out = malloc(n), *w = out;
    if (!out)
        return NULL;
    for (const char *p = pattern; *p;) {
        if (strncmp(p, VIEW_SLOT, slot) == 0) {
            w += sprintf(w, "%s", name);
            p += slot;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

/* The file a target really is (its folder's links resolved), to tell
 * two views from writing one file; NULL when it cannot be resolved. */
static char *real_target(const char *path)
{
    char dir[TG_PATH_JOIN_MAX], *base = strrchr(path, '/');
    tg_dirname(path, dir, sizeof dir);
    char *rdir = realpath(dir, NULL);
    if (!rdir)
        return NULL;
    const char *b = base ? base + 1 : path;
    char *out = malloc(strlen(rdir) + strlen(b) + 2);
    if (out)
        sprintf(out, "%s/%s", rdir, b);
    free(rdir);
    return out;
}

/* Whether two of the n opened files are the same file. */
static int same_target(const tg_atomic_file *af, int n, int *a, int *b)
{
    char *real[TG_VIEW_COUNT] = {NULL};
    int found = 0;
    for (int i = 0; i < n && !found; i++) {
        real[i] = real_target(af[i].path);
        for (int j = 0; j < i && !found; j++)
            if (real[i] && real[j] && strcmp(real[i], real[j]) == 0) {
                *a = j;
                *b = i;
                found = 1;
            }
    }
    for (int i = 0; i < n; i++)
        free(real[i]);
    return found;
}

/*
 * Every finished file renamed into place, under the lock of every target
 * (tg_lock, taken in path order so that two runs cannot deadlock): the
 * files of two runs writing the same targets at once are never mixed,
 * the one that renames last replaces them all. A device or FIFO, written
 * in place, takes no lock.
 */
static int commit_all(tg_atomic_file *af, int n, tg_error *err)
{
    tg_lock locks[TG_VIEW_COUNT];
    int order[TG_VIEW_COUNT], rc = TG_OK, held = 0;
    for (int i = 0; i < n; i++) {
        int j = i;
        for (; j > 0 && strcmp(af[order[j - 1]].path, af[i].path) > 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (; held < n && rc == TG_OK; held++) {
        locks[held].fd = -1;
        if (!af[order[held]].direct)
            rc = tg_lock_acquire(&locks[held], af[order[held]].path, err);
    }
    for (int i = 0; i < n; i++) {
        if (rc == TG_OK)
            rc = tg_atomic_commit(&af[i], err);
        else
            tg_atomic_abort(&af[i]);
    }
    while (held > 0)
        tg_lock_release(&locks[--held]);
    return rc;
}

/* The outputs of several views (or one to a file): each written beside
 * its target; all renamed into place once every one is complete, none
 * on any error. Returns an exit code. */
static int write_files(const view_list *vl, const char *pattern,
                       const tg_rules *rules, const tg_scan_options *o,
                       const tg_score_options *so)
{
    tg_atomic_file af[TG_VIEW_COUNT];
    tg_score_output outs[TG_VIEW_COUNT];
    int n = 0, r = TG_EXIT_OK, a, b;
    tg_error err;
    tg_error_clear(&err);
    memset(af, 0, sizeof af);
    for (; n < vl->n; n++) {
        char *path = view_path(pattern, vl->v[n]);
        if (!path) {
            r = cli_usage("score", "-o: the path is too long");
            goto fail;
        }
        /* What a killed run left beside the target goes first. */
        char dir[TG_PATH_JOIN_MAX];
        tg_remove_stale_temps(tg_dirname(path, dir, sizeof dir), NULL);
        int rc = tg_atomic_open(&af[n], path, &err);
        free(path);
        if (rc != TG_OK) {
            r = cli_fail(&err);
            goto fail;
        }
        outs[n] = (tg_score_output){vl->v[n], af[n].f, 0};
    }
    if (same_target(af, n, &a, &b)) {
        r = cli_usage("score", "-o: views %s and %s would write the same file",
                      tg_view_name(vl->v[a]), tg_view_name(vl->v[b]));
        goto fail;
    }
    if (tg_score_write_views(outs, n, rules, o, so, &err) != TG_OK) {
        r = cli_fail(&err);
        goto fail;
    }
    for (int i = 0; i < n; i++)
        if (tg_atomic_finish(&af[i], &err) != TG_OK) {
            r = cli_fail(&err);
            goto fail;
        }
    if (commit_all(af, n, &err) != TG_OK)
        r = cli_fail(&err);
    return r;
fail:
    for (int i = 0; i < n; i++)
        tg_atomic_abort(&af[i]);
    return r;
}

/* The combinations of --view and -o that cannot be written. */
static int check_outputs(const view_list *vl, const char *out_path)
{
    int to_stdout = !out_path || strcmp(out_path, "-") == 0;
    if (vl->n > 1 && (to_stdout || !strstr(out_path, VIEW_SLOT)))
        return cli_usage("score",
                         "several views need -o with %s, e.g. -o 'out/%s.csv'",
                         VIEW_SLOT, VIEW_SLOT);
    return TG_EXIT_OK;
}

int cmd_score(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    tg_score_options so = {TG_VIEW_SCORES, 0, NULL, TG_SCORE_CSV, NULL};
    view_list vl = {{TG_VIEW_SCORES}, 1};
    const char *out_path = NULL;
    tg_rules *rules = NULL;
    int c, r = TG_EXIT_OK;
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &score_spec, argc, argv);
    while ((c = cli_next_option(&p, &d, NULL)) != CLI_END) {
        if (c == CLI_STOP) {
            r = p.rc;
            goto done;
        }
        if (c == OPT_OUTPUT)
            out_path = p.arg;
        else if ((r = score_option(&so, &vl, c, p.arg)))
            goto done;
    }
    if ((r = check_outputs(&vl, out_path)))
        goto done;
    if (d.ndata == 0) {
        r = cli_usage("score", "give the data with --data FILE");
        goto done;
    }
    if ((r = cli_load_rules(&rules, &d, "score")))
        goto done;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d.data;
    o.npaths = d.ndata;
    o.on_bad_row = d.on_bad_row;
    o.date_config = cli_default_date_config(&d);
    tg_score_skips skips;
    memset(&skips, 0, sizeof skips);
    so.skips = &skips;
    so.view = vl.v[0];
    if (out_path && strcmp(out_path, "-") != 0) {
        /* Through memory would defeat streaming: temporary files beside
         * the targets, renamed when complete. */
        r = write_files(&vl, out_path, rules, &o, &so);
    } else {
        uint64_t rows = 0;
        if (tg_score_write(stdout, rules, &o, &so, &rows, &err) != TG_OK)
            r = cli_fail(&err);
    }
    /* Dropped rows are never silent: the same warning as preview's. */
    if (r == TG_EXIT_OK && skips.skipped)
        cli_warn_skipped(skips.skipped, skips.skipped + skips.rows_read,
                         skips.skipped_by, &skips.first);
done:
    tg_rules_free(rules);
    free(d.data);
    return cli_flush_stdout(r);
}
