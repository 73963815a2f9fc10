/*
 * Monitor policies (registry/monitors/, one per model version) and their judging on
 * monitor windows. Every check is judged three ways on an interval
 * (tg_verdict.h): pass, fail, or inconclusive when the interval
 * straddles the threshold; "insufficient" when a window holds too few
 * mature leads to judge. A fail counts at the gate's severity; an
 * inconclusive verdict on a blocking gate blocks unless the policy (or
 * the gate) says "inconclusive": "warn", as in gate policies; on a
 * warning gate it warns.
 */
#ifndef TG_MONITOR_POLICY_H
#define TG_MONITOR_POLICY_H

#include <cjson/cJSON.h>

#include "tg_error.h"
#include "tg_gate.h"
#include "tg_monitor.h"
#include "tg_rules.h"
#include "tg_verdict.h"

typedef enum {
    TG_MCHECK_CALIBRATION_DRIFT, /* observed/calibrated ratio in [min, max] */
    TG_MCHECK_PSI,               /* PSI of tier shares <= max */
    TG_MCHECK_VOLUME_SHARE,      /* covered tiers' share in [min, max] */
    TG_MCHECK_BELOW_REFERENCE,   /* tier rate not below the reference's */
    TG_MCHECK_COUNT
} tg_mcheck;

typedef struct {
    char *id;
    char *description;
    tg_mcheck check;
    int block;               /* severity: 1 block, 0 warn */
    double min, max;         /* NAN when not given */
    int consecutive;         /* windows in a row before a fail counts */
    int against;             /* reference tier of below_reference */
    long min_labeled;        /* mature labeled leads per tier and window */
    long min_leads;          /* leads per window (psi, volume_share) */
    tg_inconclusive inconclusive;
    int ntiers;
    int *tiers;              /* covered tiers, rule order */
} tg_mgate;

typedef struct {
    char *path;
    char sha256[65];
    char *policy_id;
    char *description;
    int maturity_days;
    tg_window_unit window;
    int recalibrate_windows;
    double shrinkage_strength;
    int ngates;
    tg_mgate *gates;
} tg_monitor_policy;

int tg_monitor_policy_load(tg_monitor_policy **out, const char *path,
                           const tg_rules *rules, tg_error *err);
int tg_monitor_policy_parse(tg_monitor_policy **out, const char *text,
                            size_t len, const char *path,
                            const tg_rules *rules, tg_error *err);
void tg_monitor_policy_free(tg_monitor_policy *p);
const char *tg_mcheck_name(tg_mcheck c);

typedef enum {
    TG_MSTATUS_PASS = 0,
    TG_MSTATUS_INCONCLUSIVE,
    TG_MSTATUS_FAIL,
    TG_MSTATUS_INSUFFICIENT
} tg_mstatus;

typedef enum { TG_LEVEL_NONE = 0, TG_LEVEL_WARN, TG_LEVEL_BLOCK } tg_level;

typedef struct {
    const tg_mgate *gate;
    int window;              /* index into the stats' windows */
    int tier;                /* -1 for a check over the whole window */
    tg_mstatus status;
    tg_level level;
    double actual, ci_lower, ci_upper; /* NAN when not computed */
    double min, max;
    int run;                 /* fails in a row up to this window */
    char message[320];
} tg_moutcome;

typedef struct {
    const tg_monitor_policy *policy;
    const tg_monitor_stats *stats;
    tg_moutcome *outcomes;
    int noutcomes;
    int pass, inconclusive, fail, insufficient, warnings, blocking;
    tg_overall status;
    char generated_at[32];
    char commit[41];
} tg_monitor_result;

/** Judge every gate on every window. Release with _release. */
int tg_monitor_judge(tg_monitor_result *out, const tg_monitor_policy *p,
                     const tg_monitor_stats *s, tg_error *err);
void tg_monitor_result_release(tg_monitor_result *r);
const char *tg_mstatus_name(tg_mstatus s);
const char *tg_level_name(tg_level l);

typedef struct {
    const char *source;        /* "rows" or "summary" */
    const char *const *files;  /* input files */
    int nfiles;
} tg_monitor_inputs;

/** The monitor document (`monitor --format json`; caller deletes). */
cJSON *tg_monitor_result_json(const tg_monitor_result *r,
                              const tg_monitor_inputs *in);

#endif
