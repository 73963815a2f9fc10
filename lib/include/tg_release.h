/*
 * A release: the release checklist in one run. Check every file it
 * will touch first (a corrupt registry or log stops it before anything
 * is written), check the schema, tally, judge the gates, write the gate
 * report; when no blocking gate failed, regenerate the calibration, the
 * SQL and the registry; append the log entry either way.
 */
#ifndef TG_RELEASE_H
#define TG_RELEASE_H

#include "tg_gate.h"
#include "tg_scan.h"

typedef struct {
    const char *rules_path;
    const char *policy_path;
    const char *const *data;
    int ndata;
    const char *summary;
    const char *date_config;
    tg_bad_row on_bad_row;
    int threads;
    tg_ci_method ci_method;
    double ci_level;
    int strict;
    int dry_run;               /* write nothing; list what would change */
    int tag;                   /* annotated tag on HEAD (clean tree only) */
    /* Where things are: all required (the command line supplies its
     * defaults, so the library holds no repository layout). */
    const char *reports_dir;   /* evidence: <reports>/<version>/<run id>/ */
    const char *registry_path;
    const char *log_path;
    const char *sql_dir;
    const char *calibration_path;
    const char *repo_dir;      /* the repository the log links to */
    const char *sql_regenerate; /* the command line the SQL headers name */
    const char *date;          /* registry date; NULL: today (UTC) */
    const char *at;            /* executed/calibrated at; NULL: now */
} tg_release_options;

typedef struct {
    tg_rules *rules;
    tg_policy *policy;
    tg_tally tally;
    tg_gate_result gate;       /* valid when have_gate */
    int have_gate;
    char **actions;            /* what was done (or would be, dry run) */
    int nactions;
} tg_release_report;

/** Run a release. On TG_OK, report->gate.status says how it went. */
int tg_release_run(tg_release_report *report, const tg_release_options *o,
                   tg_error *err);
void tg_release_report_release(tg_release_report *r);

#endif
