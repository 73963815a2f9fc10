/*
 * Gate policies: a declarative list of release gates (JSON), resolved
 * against a rule set so that every tier pattern names real tiers.
 */
#ifndef TG_POLICY_H
#define TG_POLICY_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_rules.h"

typedef enum {
    TG_CHECK_CONVERSION_RATE, /* rate >= min (and <= max) */
    TG_CHECK_LIFT,            /* lift against the split baseline >= min */
    TG_CHECK_VOLUME_SHARE,    /* covered tiers' share of the split's leads */
    TG_CHECK_VOLUME_COUNT,    /* covered tiers' leads */
    TG_CHECK_CI_SEPARATION,   /* tier CI lower > reference tier CI upper */
    TG_CHECK_CALIBRATION,     /* rate within max_relative_error of expected */
    TG_CHECK_TEST_TRAIN_LIFT, /* TEST lift / TRAIN lift >= min */
    TG_CHECK_TIER_SIZE,       /* leads >= min */
    TG_CHECK_EXPECTED_RANGE,  /* the change request's step 2 table: rate, lift */
    TG_CHECK_RANK_ORDER,      /* rate falls with priority rank */
    TG_CHECK_DATA_QUALITY,    /* skipped rows <= max_skipped_share of rows */
    TG_CHECK_COUNT
} tg_check;

/*
 * How a statistical gate decides (tg_verdict.h): from its interval, three
 * ways (pass, fail, inconclusive), or from the point estimate alone, two
 * ways, the literal reading of a threshold.
 */
typedef enum { TG_JUDGE_INTERVAL = 0, TG_JUDGE_POINT = 1 } tg_judge;
/* What an inconclusive verdict does to the release. */
typedef enum { TG_INCONCLUSIVE_BLOCK = 0, TG_INCONCLUSIVE_WARN = 1 } tg_inconclusive;
typedef enum { TG_SEVERITY_BLOCK = 0, TG_SEVERITY_WARN = 1 } tg_severity;

/* Labeled leads a slice needs before a per-slice gate judges it. */
#define TG_DEFAULT_MIN_SLICE_SIZE 500

typedef struct {
    double rate_min, rate_max, lift_min;  /* NAN when not given */
    char *advice;                         /* tier_size merge advice */
} tg_tier_param;

typedef struct {
    char *id;
    char *description;
    tg_check check;
    tg_severity severity;
    tg_judge judge;          /* the policy's unless the gate says */
    tg_inconclusive inconclusive;
    int split;               /* TG_SPLIT_TRAIN, _TEST or _ALL */
    double min, max;         /* NAN when not given */
    double max_relative_error;
    int against;             /* reference tier of ci_separation */
    double max_skipped_share; /* data_quality: default 0 */
    long min_labeled;        /* below it a tier is insufficient */
    long min_conversions;
    int per_slice;           /* also judged in every large-enough slice */
    long min_slice_size;     /* labeled leads a slice needs in the split */
    int ntiers;
    int *tiers;              /* covered tier indices, rule order */
    tg_tier_param *params;   /* per rule tier */
    int nparams;             /* the rules' number of tiers */
} tg_gate_def;

typedef struct tg_policy {
    char *path;
    char sha256[65];
    char *policy_id;
    char *description;
    tg_judge judge;          /* policy level "judge", default interval */
    tg_inconclusive inconclusive; /* policy level, default block */
    int ngates;
    tg_gate_def *gates;
} tg_policy;

/** Load a policy and resolve it against rules. Free with tg_policy_free. */
int tg_policy_load(tg_policy **out, const char *path, const tg_rules *rules,
                   tg_error *err);
int tg_policy_parse(tg_policy **out, const char *text, size_t len,
                    const char *path, const tg_rules *rules, tg_error *err);
void tg_policy_free(tg_policy *p);

const char *tg_check_name(tg_check c);
/** "interval" or "point". */
const char *tg_judge_name(tg_judge j);
/** "block" or "warn". */
const char *tg_inconclusive_name(tg_inconclusive i);

#endif
