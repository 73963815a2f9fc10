/*
 * Tallies from the warehouse: the CSV that BigQuery exports from the
 * generated gate_summary.sql (GROUP BY split, tier), so gates run on
 * counts aggregated at any scale without moving rows.
 */
#ifndef TG_SUMMARY_H
#define TG_SUMMARY_H

#include "tg_error.h"
#include "tg_rules.h"
#include "tg_tally.h"

/**
 * Read path, with the header split,tier,leads,labeled,conversions and
 * optionally first_contacted_date,last_contacted_date (any order), into
 * t (initialised here for rules). Unknown tiers, negative or fractional
 * counts, conversions above labeled or labeled above leads are errors
 * naming the line, and so are rows with more or fewer fields than the
 * header, a second row for the same TRAIN or TEST tier, and a first
 * date after the last. Rows of other split values add up.
 */
int tg_summary_load(tg_tally *t, const tg_rules *rules, const char *path,
                    tg_error *err);

#endif
