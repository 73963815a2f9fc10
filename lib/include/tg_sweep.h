/*
 * Sweeps: variants of a rule set described as data (a sweep file, or
 * one-constant grids from the command line), each compiled into a
 * complete rule set, and the objective that chooses among them.
 *
 * A variant is the base rule set with a list of edits applied, in
 * order, to its JSON document:
 *   {"op": "set", "tier": T, "at": "firm_rep_count_at_contact <=", "value": 100}
 *   {"op": "set", "tier": T, "at": "current_firm_tenure_months BETWEEN.high", "value": 48}
 *   {"op": "when", "tier": T, "when": "..." | ["...", "..."]}
 *   {"op": "add_tier", "tier": {...a tier object...}, "before": T2}
 *   {"op": "remove_tier", "tier": T}
 *   {"op": "merge", "tiers": [A, B], "name": N, ...tier keys to override}
 * and the result is loaded exactly as a rule set file would be, so a
 * variant is never something a rule set could not be.
 */
#ifndef TG_SWEEP_H
#define TG_SWEEP_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_rules.h"

/* What an objective maximises or bounds, measured on TRAIN. */
typedef enum {
    TG_METRIC_PRIORITY_VOLUME = 0, /* leads in every tier but the default */
    TG_METRIC_PRIORITY_CONVERSIONS,
    TG_METRIC_PRIORITY_LIFT,       /* their rate / the split's baseline */
    TG_METRIC_PRIORITY_LIFT_LOWER, /* lower Katz bound of that lift */
    TG_METRIC_TIER1_VOLUME,        /* leads in tiers named TIER_1* */
    TG_METRIC_TIER1_LIFT,
    TG_METRIC_TIER1_LIFT_LOWER,
    TG_METRIC_COUNT
} tg_metric;

const char *tg_metric_name(tg_metric m);
/** TG_METRIC_* for a name, or -1. */
int tg_metric_parse(const char *name);

typedef struct {
    tg_metric maximize;
    int require_blocking;          /* every blocking gate passes on TRAIN */
    double min[TG_METRIC_COUNT];   /* NAN when not bounded */
    double max[TG_METRIC_COUNT];
} tg_objective;

typedef struct {
    char *name;          /* "base" for the unchanged rule set */
    char *changes;       /* what changed, one line, "" for the base */
    char *description;   /* from the sweep file, "" if none */
    tg_rules *rules;     /* compiled; path is "SWEEP#name" */
    cJSON *doc;          /* the complete rule set document */
    char *pending;       /* its text until compiled (internal) */
} tg_variant;

typedef struct tg_sweep {
    char *path;          /* the sweep file, "" when built from --vary only */
    char sha256[65];     /* of the sweep file's bytes, "" without one */
    char *sweep_id;
    char *description;
    tg_objective objective;
    char *objective_text;  /* the objective in words */
    tg_variant *variants;  /* [0] is the base */
    int nvariants;
    int cap;
    const cJSON *json_variants; /* the file's variants, while loading */
} tg_sweep;

/**
 * Load a sweep file. base_path names the base rule set; NULL takes the
 * file's "base" (relative to the sweep file's folder). Every variant is
 * edited and compiled here; an edit that does not apply is an error
 * naming the variant and the key (exit 2 material).
 */
int tg_sweep_load(tg_sweep **out, const char *path, const char *base_path,
                  tg_error *err);

/** A sweep of the base alone (variants come from tg_sweep_add_vary). */
int tg_sweep_new(tg_sweep **out, const char *base_path, tg_error *err);

/**
 * Add one variant per value of a one-constant grid:
 * "TIER:feature<=10,20,50" or "TIER:feature BETWEEN.high=36,48".
 * Variants are named "TIER:feature<=10"; a value equal to the base's
 * constant is skipped (it is the base).
 */
int tg_sweep_add_vary(tg_sweep *s, const char *spec, tg_error *err);

void tg_sweep_free(tg_sweep *s);

/** The objective in words, for output. */
const char *tg_objective_describe(const tg_sweep *s);

/**
 * The document of a variant's rule set as JSON text (caller frees),
 * ready to be written as a rule set file.
 */
char *tg_variant_rules_text(const tg_variant *v);

#endif
