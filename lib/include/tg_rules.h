/*
 * Rule sets: the model's features (with the column aliases a warehouse
 * export may use), its ordered tiers (first match wins) and the default
 * tier, loaded from JSON and compiled once.
 */
#ifndef TG_RULES_H
#define TG_RULES_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_cond.h"
#include "tg_error.h"
#include "tg_tiermap.h"

typedef struct {
    char *name;
    char **aliases;
    int naliases;
    double min, max;        /* declared range, NAN when not declared */
    int is_boolean;         /* "type": "boolean": 0/1 in rules, BOOL in SQL */
    int range_warn;         /* "out_of_range": "warn": a value outside
                               min..max is counted, not an error */
    char *description;
} tg_feature;

typedef struct {
    char *name;
    char *when;             /* source text, "" for the default tier */
    tg_cond *cond;          /* NULL for the default tier */
    char *display;
    double expected_conversion_rate;
    double expected_lift;
    int priority_rank;
    char *action;
    char *explanation;
} tg_tier;


typedef struct tg_rules {
    char *path;
    char sha256[65];        /* of the file's bytes */
    char *model_id;
    char *model_version;
    char *model_type;
    tg_feature *features;
    int nfeatures;
    tg_tier *tiers;         /* rule order; the default tier is last */
    int ntiers;             /* including the default tier */
    char **changes;
    int nchanges;
    cJSON *json;            /* the whole document, for keys passed through */
    tg_tiermap *map;        /* NULL when a condition is not table-able */
} tg_rules;

/** The rule set's "tables" entry key (e.g. "scores"), or fallback. */
const char *tg_rules_table(const tg_rules *r, const char *key,
                           const char *fallback);

/** Load and compile a rule set. The caller frees *out with tg_rules_free. */
int tg_rules_load(tg_rules **out, const char *path, tg_error *err);

/** Load from text already in memory; path is used in messages. */
int tg_rules_parse(tg_rules **out, const char *text, size_t len,
                   const char *path, tg_error *err);

void tg_rules_free(tg_rules *rules);

/** Index of the default tier (always ntiers - 1). */
static inline int tg_rules_default(const tg_rules *r)
{
    return r->ntiers - 1;
}

/** The tier of one row by evaluating each condition (no table). */
int tg_rules_assign_slow(const tg_rules *r, const double *values);

/**
 * The tier of one row: the first tier whose condition is TRUE, else the
 * default. values holds one double per feature, NAN for NULL.
 */
static inline int tg_rules_assign(const tg_rules *r, const double *values)
{
    const tg_tiermap *m = r->map;
    if (m) {
        size_t idx = 0;
        for (int i = 0; i < m->nfeat; i++) {
            double v = values[m->feat[i]];
            const double *c = m->cut[i];
            int n = m->ncut[i], region;
            if (v != v) {
                region = 0; /* NULL */
            } else {
                int k = 0;
                while (k < n && c[k] < v)
                    k++;
                region = (k < n && c[k] == v) ? 2 + 2 * k : 1 + 2 * k;
            }
            idx += (size_t)region * m->stride[i];
        }
        return m->tier[idx];
    }
    return tg_rules_assign_slow(r, values);
}


/** Index of the tier called name, or -1. */
int tg_rules_tier_index(const tg_rules *r, const char *name);

/** Index of the feature whose name or alias is name (any case), or -1. */
int tg_rules_feature_index(const tg_rules *r, const char *name, size_t len);

/** Marks in used[] (nfeatures entries) the features some tier reads. */
void tg_rules_used_features(const tg_rules *r, unsigned char *used);

#endif
