/*
 * What the two terminal layouts of a sweep document share (tg_sweep_wide.c
 * defines them, tg_sweep_text.c uses them too). Internal to the library.
 */
#ifndef TG_SWEEP_TEXT_INTERNAL_H
#define TG_SWEEP_TEXT_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/** "TIER_1A_PRIME_MOVER_SMALL" -> "1A"; other names their first 8 bytes. */
void tg_sweep_tier_label(char *buf, size_t size, const char *name);
/** A gate summary's status word ("PASSED", "FAILED", ...). */
const char *tg_sweep_gate_word(const cJSON *g);
/** The tiers of the variants' TRAIN figures, first seen first (<= 64). */
int tg_sweep_tier_columns(const cJSON *vars, const char *cols[64]);
/** A variant's TRAIN rate in a tier: "12.25", "n/a" or "-" (no tier). */
void tg_sweep_tier_rate(const cJSON *v, const char *tier, char *buf, size_t n);
/** "3.87 [3.21,4.65]": Tier 1 lift and its interval, or "n/a". */
void tg_sweep_lift_ci(const cJSON *t, char *buf, size_t n);
/** "ok 28/0/0/26/0" or "FAIL 26/4/4/20/0": status and counts. */
void tg_sweep_gates_cell(const cJSON *g, char *buf, size_t n);
/** The verdict line for the chosen variant (escaped); 0 when none. */
int tg_sweep_verdict_line(const cJSON *s, char *line, size_t n);
/** The full layout (--wide). */
void tg_sweep_render_text_wide(FILE *f, const cJSON *s);

#endif
