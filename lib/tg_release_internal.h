/*
 * Internal to the release pipeline (tg_release.c runs the steps,
 * tg_release_checks.c holds the checks made before anything is
 * written): the state one run carries from step to step.
 */
#ifndef TG_RELEASE_INTERNAL_H
#define TG_RELEASE_INTERNAL_H

#include <time.h>

#include <cjson/cJSON.h>

#include "tg_git.h"
#include "tg_journal.h"
#include "tg_plan.h"
#include "tg_release.h"
#include "tg_sql.h"
#include "tg_trail.h"

/* Path buffers: a path, and a path joined with a file name. */
enum { PATH_CAP = 4096, JOINED_CAP = PATH_CAP + 256 };

enum { EVIDENCE_FILES = 4 }; /* gate.json, gate.md, junit.xml, report.html */

/*
 * One release run: what each step computes for the next ones, and what
 * the last step frees. Steps run in the order of tg_release_run; each
 * returns TG_OK or the error it set.
 */
typedef struct {
    const tg_release_options *o;
    tg_release_report *rep;
    struct timespec t0;
    char now[32];
    const char *at;             /* executed/calibrated at */
    char caldir[PATH_CAP];      /* the calibration's folder */
    const char *dirs[2];        /* folders the trail cleans: caldir, sql */
    tg_trail trail;
    int locked;
    tg_git_facts git;           /* read before anything is written */
    int have_git;
    char author[512];           /* who runs it (every transition records) */
    char rules_rel[PATH_CAP];   /* the rule file inside the work tree */
    char tagname[256];
    cJSON *reg;                 /* the registry */
    tg_plan plan;
    int have_plan;
    int failed;                 /* a blocking gate failed */
    char *texts[EVIDENCE_FILES];
    size_t lens[EVIDENCE_FILES];
    cJSON *result;              /* gate.json parsed back */
    char run_id[96];
    char date_sha[65];
    int have_date_sha;
    cJSON *cal;                 /* the calibration table (passed only) */
    char evdir[JOINED_CAP + 128];
    const char *run_dir;        /* evdir's last component */
    cJSON *cite;                /* the evidence files and their SHA-256 */
    /* The transaction: files replaced together, and the list the log
     * entry shows as written. */
    tg_journal_file files[TG_EMIT_COUNT + 3];
    int nfiles;
    const char *written[EVIDENCE_FILES + TG_EMIT_COUNT + 2];
    int nwritten;
    char evfiles[EVIDENCE_FILES][JOINED_CAP + 256];
    char sqlpaths[TG_EMIT_COUNT][JOINED_CAP];
    char *sqltext[TG_EMIT_COUNT];
    char *caltext, *regtext, *logtext;
    size_t loglen;
    char logsha[65];
    char version[200];
} release_run;

/** Add a line to the run's account of what it did (or would do). */
void tg_release_act(tg_release_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Every path the library needs is set (tools/ supplies defaults). */
int tg_release_check_options(const tg_release_options *o, tg_error *err);

/*
 * Step 1: a dead run's transaction is completed first; then every input
 * and every file the run will update is checked, and git read, before
 * any write.
 */
int tg_release_preflight(release_run *x, tg_error *err);

/** Step 2: every feature the rules use is a column (rows only). */
int tg_release_check_schema(release_run *x, tg_error *err);

/** The evidence folder lies inside the reports folder, inside the
 * repository (checked before and after writing it). */
int tg_release_check_reports_dir(const char *reports, const char *repo,
                                 const tg_rules *rules, tg_error *err);

#endif
