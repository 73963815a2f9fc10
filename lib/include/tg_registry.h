/*
 * The model registry (the brief's step 7, model_registry_v3.json) and
 * the gate result it is updated from. Read and written with cJSON;
 * keys tiergate does not know are kept; every replaced entry goes to
 * "history" so every version stays on record.
 */
#ifndef TG_REGISTRY_H
#define TG_REGISTRY_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_rules.h"

/**
 * Read a gate result (what `gate --json` writes) and check that it has
 * what the registry and the log need, and that it was produced from
 * rules (same model version and rule file SHA-256) when rules is given.
 */
int tg_result_load(cJSON **out, const char *path, const tg_rules *rules,
                   tg_error *err);

/** Check a registry document: an object with the required keys. */
int tg_registry_validate(const cJSON *doc, const char *path, tg_error *err);

/** Read and validate a registry file. */
int tg_registry_load(cJSON **out, const char *path, tg_error *err);

typedef struct {
    const char *date;        /* YYYY-MM-DD (UTC today when NULL) */
    const char *commit;      /* HEAD's SHA, "" when unknown */
    int force;               /* production despite a failed gate */
    const char *reason;      /* required with force */
} tg_registry_update_options;

/**
 * The registry after a release: the new entry from rules and the gate
 * result, the old entry moved into "history", unknown keys kept.
 */
int tg_registry_update(cJSON **out, const cJSON *old, const tg_rules *rules,
                       const cJSON *result, const char *result_path,
                       const tg_registry_update_options *o, tg_error *err);

#endif
