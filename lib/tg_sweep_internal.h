/*
 * What the sweep's files share (lib/tg_sweep*.c, not tg_sweep_run.c or
 * tg_sweep_report.c, which use the public tg_sweep.h): messages that
 * name the sweep file, the rule set document, addressing one constant,
 * the edits, and building and compiling variants.
 */
#ifndef TG_SWEEP_INTERNAL_H
#define TG_SWEEP_INTERNAL_H

#include <stdio.h>

#include "tg_sweep.h"

/* Input decides how many variants there are, and each compiles into a
 * tier table of up to 8 MB: both are bounded so that a sweep file cannot
 * exhaust memory. */
#define TG_SWEEP_MAX_VARIANTS 256
#define TG_SWEEP_MAX_TABLE_BYTES ((size_t)1 << 30)

/* ---- messages and the document (lib/tg_sweep_doc.c) ---- */

/** "variant 'x': key 'edits[1].at': message", naming the sweep file. */
int tg_sweep_verr(tg_error *err, const tg_sweep *s, const char *variant,
                  const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/** The document's tiers array, NULL when it has none. */
cJSON *tg_sweep_tiers(cJSON *doc);
/** The tier object called name, its index in *idx (idx may be NULL). */
cJSON *tg_sweep_find_tier(cJSON *doc, const char *name, int *idx);
/** A string member of e, NULL when missing or not a string. */
const char *tg_sweep_str_key(const cJSON *e, const char *key);
/** A tier's `when` as one text (lines joined by '\n'); NULL if absent. */
char *tg_sweep_when_text(const cJSON *tier);
/** Store text as the tier's `when`, as lines when the base used lines. */
int tg_sweep_set_when(cJSON *tier, const char *text);
/** Append each line of text to the array arr; TG_ENOMEM on failure. */
int tg_sweep_add_lines(cJSON *arr, const char *text);

/* ---- one constant: "feature <=" or "feature BETWEEN.high" (tg_sweep_at.c) */

enum { TG_SWEEP_AT_BETWEEN_LOW = 6, TG_SWEEP_AT_BETWEEN_HIGH = 7 };
/** The operator of an address as written: "<=", "BETWEEN.high". */
const char *tg_sweep_at_name(int op);
/**
 * Parse the address at s into the feature and the operator; *rest is
 * what follows. Returns 0, or -1 with a reason in why.
 */
int tg_sweep_at_parse(const tg_rules *base, const char *s, int *feat, int *op,
                      const char **rest, char why[200]);
/**
 * Replace the constant (feat, op) of tier in its `when` by value, in the
 * text, at the offset the parser recorded. On success *old holds the
 * value replaced; -1 with a reason in why.
 */
int tg_sweep_replace_constant(cJSON *tier, const tg_rules *base, int feat,
                              int op, double value, double *old, char why[200]);

/* ---- edits (lib/tg_sweep_edit.c) ---- */

/* One variant's edits being applied to its document. */
typedef struct {
    tg_sweep *s;
    const tg_rules *base;
    const char *variant;
    cJSON *doc;
    FILE *changes; /* what changed, "; "-separated */
    int nchanges;
} tg_sweep_edit_ctx;

/** Apply edit e (at key path kp, for messages) to x->doc. */
int tg_sweep_apply_edit(tg_sweep_edit_ctx *x, const cJSON *e, const char *kp,
                        tg_error *err);

/* ---- variants (lib/tg_sweep_variant.c) ---- */

/** A new zeroed variant at the end of s (at most TG_SWEEP_MAX_VARIANTS). */
int tg_sweep_add_variant(tg_sweep *s, tg_variant **out, tg_error *err);
/** The index of the variant called name, -1 when there is none. */
int tg_sweep_variant_index(const tg_sweep *s, const char *name);
/**
 * Add a variant from its edited document (taken, as is changes), to be
 * compiled by tg_sweep_compile_pending.
 */
int tg_sweep_finish_variant(tg_sweep *s, const char *name, const char *desc,
                            cJSON *doc, char *changes, tg_error *err);
/** Compile every pending variant; the first error in variant order. */
int tg_sweep_compile_pending(tg_sweep *s, tg_error *err);
/** The variant object at variants[index] of a sweep file. */
int tg_sweep_build_variant(tg_sweep *s, const cJSON *obj, int index,
                           tg_error *err);

#endif
