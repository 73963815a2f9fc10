/*
 * The condition language of a tier's `when`: the SQL subset of
 * README, "Rule sets" (AND, OR, NOT, comparisons, [NOT] BETWEEN, [NOT] IN,
 * IS [NOT] NULL, + - * /, numbers, feature names) with SQL's
 * three-valued logic. Parsed once into a flat tree, evaluated per row.
 */
#ifndef TG_COND_H
#define TG_COND_H

#include <stddef.h>

#include "tg_error.h"

/** Truth values of SQL's three-valued logic. */
enum { TG_FALSE = 0, TG_TRUE = 1, TG_UNKNOWN = 2 };

typedef struct tg_cond tg_cond;

/**
 * Maps a feature name (not NUL-terminated) to its index in the value
 * array given to tg_cond_eval; returns -1 for an unknown name.
 */
typedef int (*tg_cond_resolver)(void *ctx, const char *name, size_t len);

/**
 * Compile text. where names it in messages (for example
 * "registry/tiers/v3.2.json#TIER_1A"); lines and columns count from the
 * start of text. The caller frees *out with tg_cond_free.
 */
int tg_cond_parse(tg_cond **out, const char *text, tg_cond_resolver resolve,
                  void *ctx, const char *where, tg_error *err);

/**
 * Evaluate against one row. values[i] is feature i; NAN stands for SQL
 * NULL. Returns TG_TRUE, TG_FALSE or TG_UNKNOWN.
 */
int tg_cond_eval(const tg_cond *cond, const double *values);

/** Call fn once for each feature index the condition reads. */
void tg_cond_each_feature(const tg_cond *cond, void (*fn)(void *, int),
                          void *ctx);

/** Release; NULL is accepted. */
void tg_cond_free(tg_cond *cond);

#endif
