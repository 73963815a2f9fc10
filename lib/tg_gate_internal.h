/*
 * Internal to the gate engine: tg_gate.c runs a policy over a tally,
 * tg_gate_checks.c judges each kind of check and words its outcome,
 * tg_gate_json.c writes the result.
 */
#ifndef TG_GATE_INTERNAL_H
#define TG_GATE_INTERNAL_H

#include "tg_gate.h"

/** Room for `more` outcomes (geometric growth). TG_OK or TG_ENOMEM. */
int tg_gate_reserve_outcomes(tg_gate_result *r, int more);

/* One gate over the tiers it covers, over a sum of tiers, or over the
 * rows skipped as bad: outcomes appended to r. TG_OK or TG_ENOMEM. */
int tg_gate_run_per_tier(tg_gate_result *r, const tg_gate_def *g);
int tg_gate_run_aggregate(tg_gate_result *r, const tg_gate_def *g);
int tg_gate_run_data_quality(tg_gate_result *r, const tg_gate_def *g);

/* For an inconclusive outcome: about how many labeled leads would give
 * an 80% chance of a decisive pass at the tier's expected rate, added
 * to its message (tg_gate_oc.c). */
void tg_gate_add_leads_needed(const tg_gate_result *r, tg_gate_outcome *o);

#endif
