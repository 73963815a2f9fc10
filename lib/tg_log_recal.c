/*
 * Recalibration entries of the execution log: a proposed calibration
 * (monitor --recalibrate) recorded when it is proposed, and again when
 * it is adopted, i.e. when the calibration committed at HEAD is that
 * very file. The entry holds what an auditor asks of a recalibration:
 * which file (and its SHA-256), computed from which rules, over which
 * windows, with how much shrinkage, and per tier the previous rate
 * against the proposed one with its interval and the weight of the
 * data; linked to the commit, hash-chained and verified like the gate
 * entries (tg_log.c makes both).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_escape.h"
#include "tg_git.h"
#include "tg_log.h"
#include "tg_log_internal.h"
#include "tg_recal_proposal.h"
#include "tg_render.h"
#include "tg_util.h"
#include "tg_version.h"

typedef struct {
    const tg_recal_proposal *p;
    char proposal_rel[TG_PATH_MAX];     /* paths as recorded: relative to the */
    char rules_rel[TG_PATH_MAX];        /* work tree when inside it */
    char calibration_rel[TG_PATH_MAX];  /* "" without a calibration file */
    int calibration_in_tree;     /* inside the repository's work tree */
    int has_calibration;         /* the file exists */
    char calibration_sha[65];
    int calibration_at_head;     /* committed at HEAD */
    char calibration_head_sha[65];
    int adopted;                 /* HEAD's calibration is the proposal */
    char recorded_by[512];
} recal_ctx;

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* A rate as a percentage; rounding is monotone, so a rounded rate stays
 * inside its rounded interval. */
static void pct(FILE *f, double v)
{
    if (isnan(v))
        fputs("—", f);
    else
        fprintf(f, "%.2f%%", v * 100);
}

/* The path as recorded: relative to the work tree when inside it
 * (returns 1), else as given (0). */
static int rel_path(const char *repo, const char *file, char *out, size_t n)
{
    if (tg_git_relpath(repo, file, out, n) == 0)
        return 1;
    snprintf(out, n, "%s", file);
    return 0;
}

static cJSON *marker(const recal_ctx *c, const char *prev_sha,
                     const tg_git_facts *git, const char *executed_at,
                     cJSON **dirty_out)
{
    const tg_recal_proposal *p = c->p;
    cJSON *m = tg_log_marker_start("recalibration", p->model_version,
                                   p->model_id,
                                   c->adopted ? "adopted" : "proposed", git,
                                   executed_at);
    cJSON_AddStringToObject(m, "recorded_by", c->recorded_by);
    cJSON_AddStringToObject(m, "proposal_file", c->proposal_rel);
    cJSON_AddStringToObject(m, "proposal_sha256", p->sha256);
    cJSON_AddStringToObject(m, "calibrated_at", p->calibrated_at);
    cJSON_AddStringToObject(m, "rules_file", c->rules_rel);
    cJSON_AddStringToObject(m, "rules_sha256", p->rules_sha256);
    cJSON *prev = cJSON_AddObjectToObject(m, "previous_calibration");
    cJSON_AddStringToObject(prev, "file", p->previous_file);
    cJSON_AddStringToObject(prev, "sha256", p->previous_sha256);
    if (c->calibration_rel[0])
        cJSON_AddStringToObject(m, "calibration_file", c->calibration_rel);
    else
        cJSON_AddNullToObject(m, "calibration_file");
    if (c->has_calibration)
        cJSON_AddStringToObject(m, "calibration_sha256", c->calibration_sha);
    else
        cJSON_AddNullToObject(m, "calibration_sha256");
    if (c->calibration_at_head)
        cJSON_AddStringToObject(m, "calibration_head_sha256",
                                c->calibration_head_sha);
    else
        cJSON_AddNullToObject(m, "calibration_head_sha256");
    cJSON *w = cJSON_AddArrayToObject(m, "windows");
    for (int i = 0; i < p->nwindows; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(p->windows[i]));
    cJSON_AddStringToObject(m, "first_contacted_date", p->first_date);
    cJSON_AddStringToObject(m, "last_contacted_date", p->last_date);
    cJSON_AddNumberToObject(m, "shrinkage_strength", p->strength);
    cJSON_AddStringToObject(m, "ci_method", p->ci_method);
    cJSON_AddNumberToObject(m, "ci_level", p->ci_level);
    cJSON *tiers = cJSON_AddArrayToObject(m, "tiers");
    for (int k = 0; k < p->ntiers; k++) {
        const tg_recal_tier *t = &p->tiers[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "tier", t->tier);
        cJSON_AddItemToObject(x, "previous_rate", num_or_null(t->previous_rate));
        cJSON_AddItemToObject(x, "proposed_rate", num_or_null(t->rate));
        cJSON_AddItemToObject(x, "ci_lower", num_or_null(t->ci_lower));
        cJSON_AddItemToObject(x, "ci_upper", num_or_null(t->ci_upper));
        cJSON_AddItemToObject(x, "weight_of_data",
                              num_or_null(t->weight_of_data));
        cJSON_AddNumberToObject(x, "labeled", (double)t->labeled);
        cJSON_AddNumberToObject(x, "conversions", (double)t->conversions);
        cJSON_AddItemToArray(tiers, x);
    }
    cJSON *dirty = cJSON_AddArrayToObject(m, "dirty_inputs");
    const char *inputs[3] = {c->proposal_rel, c->rules_rel, c->calibration_rel};
    for (int i = 0; i < 3; i++) {
        int dup = 0;
        for (int k = 0; k < i; k++)
            dup |= !strcmp(inputs[k], inputs[i]);
        if (inputs[i][0] && !dup && git->in_repo &&
            tg_git_listed(git->uncommitted, git->nuncommitted, inputs[i]))
            cJSON_AddItemToArray(dirty, cJSON_CreateString(inputs[i]));
    }
    cJSON_AddStringToObject(m, "tiergate_version", TG_VERSION);
    cJSON_AddStringToObject(m, "prev_sha256", prev_sha);
    cJSON_AddStringToObject(m, "body_sha256", "BODY");
    *dirty_out = dirty;
    return m;
}

static void status_line(FILE *f, const recal_ctx *c)
{
    const tg_recal_proposal *p = c->p;
    fputs("**Status:** ", f);
    if (c->adopted) {
        fputs("✅ ADOPTED: ", f);
        tg_esc_md_code(f, c->calibration_rel);
        fputs(" as committed at HEAD is this proposal\n", f);
    } else {
        fputs("📝 PROPOSED: ", f);
        if (!c->calibration_rel[0])
            fputs("no calibration file to adopt it into was given\n", f);
        else {
            tg_esc_md_code(f, c->calibration_rel);
            fputs(!c->calibration_in_tree
                      ? " is outside the repository: it cannot be committed"
                  : c->calibration_at_head ? " as committed at HEAD is not "
                                             "this proposal"
                                           : " is not committed at HEAD", f);
            fputs(c->calibration_in_tree && c->has_calibration &&
                          !strcmp(c->calibration_sha, p->sha256)
                      ? " (the work tree's copy is: commit it to adopt)\n"
                      : "\n", f);
        }
    }
}

/* Commit, who, the files and their hashes, windows, shrinkage. */
static void facts(FILE *f, const recal_ctx *c, const tg_git_facts *git,
                  const cJSON *dirty)
{
    const tg_recal_proposal *p = c->p;
    /* (A recalibration is only recorded inside a repository.) */
    tg_log_commit_line(f, git);
    fputs("**Recorded by:** ", f);
    tg_esc_md(f, c->recorded_by[0] ? c->recorded_by : "(unknown)");
    fputs("\n**Proposal:** ", f);
    tg_esc_md_code(f, c->proposal_rel);
    /* Every hash below is hex: computed here or checked as such. */
    fprintf(f, " · SHA-256 `%s` · computed at ", p->sha256);
    tg_esc_md(f, p->calibrated_at);
    fputs("\n**Rules:** ", f);
    tg_esc_md_code(f, c->rules_rel);
    fprintf(f, " · SHA-256 `%s`\n**Previous calibration:** ", p->rules_sha256);
    tg_esc_md_code(f, p->previous_file);
    fprintf(f, " · SHA-256 `%s`\n", p->previous_sha256);
    if (c->calibration_rel[0]) {
        fputs("**Calibration in use:** ", f);
        tg_esc_md_code(f, c->calibration_rel);
        if (c->has_calibration)
            fprintf(f, " · SHA-256 `%s`%s", c->calibration_sha,
                    c->calibration_in_tree ? " in the work tree" : "");
        else
            fputs(" · absent", f);
        if (c->calibration_at_head)
            fprintf(f, ", `%s` at HEAD\n", c->calibration_head_sha);
        else
            fputs(", not committed at HEAD\n", f);
    }
    fprintf(f, "**Windows:** %d fully mature window%s, ", p->nwindows,
            p->nwindows == 1 ? "" : "s");
    tg_esc_md(f, p->first_date);
    fputs(" to ", f);
    tg_esc_md(f, p->last_date);
    fputs(": ", f);
    for (int i = 0; i < p->nwindows; i++) {
        fputs(i ? ", " : "", f);
        tg_esc_md(f, p->windows[i]);
    }
    fprintf(f, "\n**Shrinkage:** each tier's rate is (conversions + k · "
               "previous rate) / (labeled + k), k = %g labeled leads; ",
            p->strength);
    tg_esc_md(f, p->ci_method);
    fprintf(f, " %g%% intervals\n", p->ci_level * 100);
    int ndirty = cJSON_GetArraySize(dirty);
    fputs("**Uncommitted inputs:** ", f);
    if (!ndirty)
        fputs("none (every input is as committed)", f);
    for (int i = 0; i < ndirty; i++) {
        fputs(i ? ", " : "", f);
        tg_esc_md_code(f, cJSON_GetArrayItem(dirty, i)->valuestring);
    }
    fprintf(f, "\n**Provenance:** tiergate %s\n", TG_VERSION);

}

/* Per tier: previous rate, proposed rate in its interval, the weight of
 * the data and the counts behind it. */
static void rates_table(FILE *f, const tg_recal_proposal *p)
{
    fprintf(f, "\n### Proposed Rates\n"
               "| Tier | Previous rate | Proposed rate | %g%% interval | "
               "Weight of data | Mature labeled | Conversions |\n"
               "|------|---------------|---------------|--------------|"
               "----------------|----------------|-------------|\n",
            p->ci_level * 100);
    for (int k = 0; k < p->ntiers; k++) {
        const tg_recal_tier *t = &p->tiers[k];
        char a[32], b[32];
        fputs("| ", f);
        tg_esc_md(f, t->tier);
        fputs(" | ", f);
        pct(f, t->previous_rate);
        fputs(" | ", f);
        pct(f, t->rate);
        fputs(" | ", f);
        if (isnan(t->ci_lower))
            fputs("—", f);
        else {
            pct(f, t->ci_lower);
            fputs(" – ", f);
            pct(f, t->ci_upper);
        }
        fputs(" | ", f);
        if (isnan(t->weight_of_data))
            fputs("—", f);
        else
            fprintf(f, "%.1f%%", t->weight_of_data * 100);
        fprintf(f, " | %s | %s |\n", tg_fmt_count(t->labeled, a),
                tg_fmt_count(t->conversions, b));
    }

}

static void render(FILE *f, const char *prev_sha, const tg_git_facts *git,
                   const char *executed_at, const void *ctx)
{
    const recal_ctx *c = ctx;
    const tg_recal_proposal *p = c->p;
    cJSON *dirty = NULL;
    cJSON *m = marker(c, prev_sha, git, executed_at, &dirty);
    char title[64];
    snprintf(title, sizeof title, "%s", p->model_version);
    for (char *t = title; *t; t++)
        if (*t == 'v')
            *t = 'V';

    fputs(TG_LOG_ENTRY_START "Recalibration ", f);
    tg_esc_md(f, title);
    fprintf(f, ": %s Calibration\n\n" TG_LOG_MARK,
            c->adopted ? "Adopted" : "Proposed");
    char *mj = cJSON_PrintUnformatted(m);
    if (mj)
        tg_log_marker_json(f, mj);
    fputs(" -->\n\n", f);
    cJSON_free(mj);

    fprintf(f, "**Executed:** %.10s %.8s UTC\n", executed_at, executed_at + 11);
    status_line(f, c);
    facts(f, c, git, dirty);
    rates_table(f, p);
    fprintf(f, "\n### Next Steps\n");
    if (c->adopted) {
        fputs("- Monitor against the adopted calibration (", f);
        tg_esc_md_code(f, c->calibration_rel);
        fputs(")\n", f);
    } else {
        fputs("- Review the proposal: rates that moved, their intervals, the "
              "weight of the data\n- To adopt it, copy it over ", f);
        tg_esc_md_code(f, c->calibration_rel[0] ? c->calibration_rel
                                                : "registry/tier_statistics.json");
        fputs(" in a reviewed commit, then record the adoption with `tiergate "
              "log append --recalibration` on that file\n", f);
    }
    cJSON_Delete(m);
}

/* The calibration's SHA-256 in the work tree and at HEAD. */
static int calibration_facts(recal_ctx *c, const char *repo, const char *file,
                             tg_error *err)
{
    c->calibration_in_tree = rel_path(repo, file, c->calibration_rel,
                                      sizeof c->calibration_rel);
    if (access(file, F_OK) == 0) {
        int rc = tg_sha256_file(file, c->calibration_sha, err);
        if (rc)
            return rc;
        c->has_calibration = 1;
    }
    char *text = NULL;
    size_t len = 0;
    int found = 0;
    if (!c->calibration_in_tree)
        return TG_OK; /* never committed: nothing at HEAD */
    int rc = tg_git_read_at(repo, "HEAD", c->calibration_rel, &text, &len,
                            &found, err);
    if (rc)
        return rc;
    if (found) {
        tg_sha256_buffer(text, len, c->calibration_head_sha);
        c->calibration_at_head = 1;
    }
    free(text);
    return TG_OK;
}

int tg_log_append_recalibration(const char *path,
                                const tg_log_recal_options *o, tg_error *err)
{
    const char *repo = o->repo_dir ? o->repo_dir : ".";
    tg_recal_proposal p;
    int rc = tg_recal_proposal_load(&p, o->proposal, err);
    if (rc)
        return rc;
    if ((rc = tg_recal_proposal_match(&p, o->rules, err)) ||
        (rc = tg_log_require_repo(path, repo, err))) {
        tg_recal_proposal_release(&p);
        return rc;
    }
    recal_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        tg_recal_proposal_release(&p);
        return tg_error_oom(err, path);
    }
    c->p = &p;
    rel_path(repo, o->proposal, c->proposal_rel, sizeof c->proposal_rel);
    rel_path(repo, o->rules->path, c->rules_rel, sizeof c->rules_rel);
    if (tg_git_whoami(repo, c->recorded_by, sizeof c->recorded_by) != 0)
        c->recorded_by[0] = '\0';
    if (o->calibration)
        rc = calibration_facts(c, repo, o->calibration, err);
    c->adopted = c->calibration_at_head &&
                 !strcmp(c->calibration_head_sha, p.sha256);
    if (rc == TG_OK)
        rc = tg_log_append_with(path, repo, NULL, o->executed_at, render, c,
                                err);
    if (rc == TG_OK && o->status_out)
        *o->status_out = c->adopted;
    free(c);
    tg_recal_proposal_release(&p);
    return rc;
}
