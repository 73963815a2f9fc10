/*
 * The model registry as a lifecycle, in the spirit of MLflow's model
 * registry. One JSON document (registry/model_registry_v3.json):
 *
 *   {"tiergate_registry": 2,
 *    "production": "<model_version of the one production version>",
 *    "versions": [entry, ...],      append-only
 *    "history":  [transition, ...]} append-only
 *
 * Each entry has the checklist's step 7 shape (model_id, model_version,
 * model_type, status, created_date, updated_date, changes_from_<prev>,
 * expected_performance, training_data, tables) plus its own
 * measured_performance, the validation that cites its evidence (gate
 * result files with SHA-256, the commit, the rules' SHA-256) and, when
 * a release wrote it, the SHA-256 of the execution log through its own
 * entry. status is the stage: candidate, production, archived or
 * rejected; exactly one version is production. Every change of stage is
 * a transition {at, action, version, from, to, author, commit, reason},
 * so the stages can be replayed from the history alone.
 *
 * Nothing here takes locks or touches files other than through
 * tg_registry_load/tg_registry_save; the commands hold the trail's
 * locks (tg_trail.h) around a read-modify-write.
 */
#ifndef TG_REGISTRY_H
#define TG_REGISTRY_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_rules.h"

#define TG_REGISTRY_FORMAT 2

/**
 * Read a gate result (what `gate --json` writes) and check that it has
 * what the registry and the log need, and that it was produced from
 * rules (same model version and rule file SHA-256) when rules is given.
 * Every gate result the registry, the log and the reports read comes
 * through here.
 */
int tg_result_load(cJSON **out, const char *path, const tg_rules *rules,
                   tg_error *err);
/** The same checks on a result already parsed (path names it). */
int tg_result_matches(const cJSON *j, const char *path, const tg_rules *rules,
                      tg_error *err);

/** 1 when a gate status lets a version into production unforced. */
int tg_registry_status_passed(const char *gate_status);

/** Check a registry document's shape; problems name the JSON key. */
int tg_registry_validate(const cJSON *doc, const char *path, tg_error *err);

/** Read and validate a registry file. */
int tg_registry_load(cJSON **out, const char *path, tg_error *err);

/** Write it atomically (not under a journal: standalone commands). */
int tg_registry_save(const cJSON *doc, const char *path, tg_error *err);

/** The entry of version (NULL when absent) and its index. */
cJSON *tg_registry_find(const cJSON *doc, const char *version, int *index);

/** The production entry (NULL when none). */
cJSON *tg_registry_production(const cJSON *doc);

/** What every transition records besides its action. */
typedef struct {
    const char *at;        /* UTC ISO time; NULL = now */
    const char *author;    /* "Name <email>" */
    const char *commit;    /* HEAD, "" when unknown */
    const char *reason;    /* NULL when none */
    int force;             /* production despite a gate that did not pass */
} tg_transition_info;

/* Parts of an entry derived from its gate result alone; verify
 * recomputes them from the cited evidence and compares. */
cJSON *tg_registry_measured(const cJSON *result);
cJSON *tg_registry_training_data(const cJSON *result);
cJSON *tg_registry_gates(const cJSON *result);

/* Parts of an entry derived from its rule set alone; verify recomputes
 * them from the rule file as committed at the cited commit. */
cJSON *tg_registry_tables(const tg_rules *r);
cJSON *tg_registry_changes(const tg_rules *r);
cJSON *tg_registry_expected_performance(const tg_rules *r);

typedef struct {
    const char *date;          /* YYYY-MM-DD (UTC today when NULL) */
    const char *commit;        /* HEAD, "" when unknown */
    const char *rules_file;    /* the rule file, relative to the work tree */
    const char *run_id;
    const cJSON *evidence;     /* [{file, sha256}], the first the gate result */
    const cJSON *log_anchor;   /* {file, bytes, sha256} or NULL */
} tg_entry_options;

/**
 * Register a new version from rules and its gate result: a candidate,
 * or rejected when the gate result FAILED (production never moves).
 * The version is "<model_version>-updated-YYYYMMDD", with ".2", ".3",
 * ... when taken. On TG_OK *version_out (may be NULL) points into doc.
 */
int tg_registry_add(cJSON *doc, const tg_rules *rules, const cJSON *result,
                    const tg_entry_options *o, const tg_transition_info *t,
                    const char **version_out, tg_error *err);

/**
 * Make version production; the old production is archived. Refused
 * (TG_EINVAL) unless its gate passed, or force with a reason.
 */
int tg_registry_promote(cJSON *doc, const char *version,
                        const tg_transition_info *t, tg_error *err);

/**
 * Move production back: to version, or (NULL) to the version that was
 * production before the current one.
 */
int tg_registry_rollback(cJSON *doc, const char *version,
                         const tg_transition_info *t, tg_error *err);

/** A fresh registry with no versions (for a new repository). */
cJSON *tg_registry_new(void);

#endif
