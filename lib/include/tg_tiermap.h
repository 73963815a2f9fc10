/*
 * The tier table: a rule set compiled into a lookup table (built by
 * tg_tiermap.c when the rules are loaded, read by tg_rules_assign).
 */
#ifndef TG_TIERMAP_H
#define TG_TIERMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A rule set whose conditions only compare single features with
 * constants is compiled into a lookup table: each feature's value falls
 * in one of a few regions (NULL, below the first constant, equal to it,
 * between two constants, ...), inside which every comparison has one
 * truth value, so the tier of each combination of regions is computed
 * once, at load time, by the evaluator itself.
 */
typedef struct {
    int nfeat;            /* features in the table */
    int *feat;            /* their indices */
    int *ncut;            /* constants per feature */
    double **cut;         /* sorted distinct constants per feature */
    uint32_t *stride;
    uint16_t *tier;       /* the table: two bytes a cell, so that a table
                             joining several rule sets (tg_multiscan) can
                             name thousands of tier combinations */
    size_t size;
} tg_tiermap;

struct tg_rules;

/**
 * The table of rules when every condition is table-able and the table
 * small, else NULL (evaluation then walks the conditions; also NULL when
 * memory runs out, which only costs speed). used[f] marks the features
 * any condition reads. Evaluates each condition, never the rules' own
 * functions: the rules build their table, not the other way round.
 */
tg_tiermap *tg_tiermap_build(const struct tg_rules *r,
                             const unsigned char *used);
void tg_tiermap_free(tg_tiermap *m);

#endif
