/*
 * Writers: they format results already computed, to a caller's FILE.
 */
#ifndef TG_RENDER_H
#define TG_RENDER_H

#include <stdio.h>

#include "tg_preview.h"

/**
 * Terminal table per split, fitted to width columns (a tier name that
 * leaves no room for the numbers gets a line of its own); width <= 0:
 * the fixed layout.
 */
void tg_render_preview_text(FILE *out, const tg_split_stats *s, int n,
                            int width);
/** GitHub-flavoured Markdown tables. */
void tg_render_preview_markdown(FILE *out, const tg_split_stats *s, int n);
/** One CSV row per (split, tier). */
void tg_render_preview_csv(FILE *out, const tg_split_stats *s, int n);

struct tg_gate_result;

/**
 * The gate table for a terminal; color adds ANSI colours to statuses.
 * width > 0: one line per check, grouped by gate, fitted to width columns;
 * width <= 0: the full layout (--wide), one column per field.
 */
void tg_render_gate_text(FILE *out, const struct tg_gate_result *r, int color,
                         int width);
/** A Markdown summary fit for a pull-request comment. */
void tg_render_gate_markdown(FILE *out, const struct tg_gate_result *r);
/** JUnit XML: one testcase per gate and tier (mapping in docs/ci.md). */
void tg_render_gate_junit(FILE *out, const struct tg_gate_result *r);
/**
 * GitHub Actions annotations: one `::error` per outcome that fails the
 * release, one `::warning` per outcome that neither passes nor blocks,
 * each on its own line, naming the policy file.
 */
void tg_render_gate_github(FILE *out, const struct tg_gate_result *r);

/*
 * Short tier labels for narrow tables, derived from the rule set's own
 * names: the words after a first word that several tiers share, as few
 * as keep the labels distinct (TIER_1A_PRIME_MOVER_SMALL -> "1A"); one
 * per tier, terminal-escaped.
 */
#define TG_SHORT_LABEL_MAX 24
struct tg_rules;
void tg_tier_short_labels(const struct tg_rules *rules,
                          char (*labels)[TG_SHORT_LABEL_MAX + 1]);

/** How a gate's values read: 12.34%, 2.50x, 0.93 or 1,234. */
typedef enum { TG_UNIT_PCT, TG_UNIT_LIFT, TG_UNIT_RATIO, TG_UNIT_COUNT } tg_unit;

/** Format v in unit u into buf (32 bytes); "n/a" when not finite. */
const char *tg_fmt_unit(double v, tg_unit u, char buf[32]);

/** "1,234,567" into buf (32 bytes). */
const char *tg_fmt_count(unsigned long long v, char buf[32]);
/** "12.34%" or "n/a" into buf (32 bytes). */
const char *tg_fmt_pct(double v, int decimals, char buf[32]);

#endif
