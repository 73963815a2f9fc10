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
#include "tg_slice.h"

/**
 * Read path, with the header split,tier,leads,labeled,conversions and
 * optionally first_contacted_date,last_contacted_date (any order), into
 * t (initialised here for rules). Unknown tiers, negative or fractional
 * counts, conversions above labeled or labeled above leads are errors
 * naming the line, and so are rows with more or fewer fields than the
 * header, a first date after the last, and a second row with the same
 * split, tier and values in every other column that is not a count or a
 * date (slice columns, for one): rows differing in those add up.
 */
int tg_summary_load(tg_tally *t, const tg_rules *rules, const char *path,
                    tg_error *err);

/**
 * The same with a variant column (the CSV of `sql --emit sweep`): the
 * rows of variant variants[i] go to tallies[i], initialised here for
 * rules[i]. A variant not in the list is an error naming the line.
 */
int tg_summary_load_variants(tg_tally *tallies, tg_rules *const *rules,
                             const char *const *variants, int n,
                             const char *path, tg_error *err);
#define TG_SUMMARY_MAX_SLICINGS 8

/**
 * The same, and per slicing (tg_slice.h) the tallies of its values: the
 * summary then has one column per slicing, named as
 * tg_slice_summary_column says (what `sql --emit summary --slice`
 * writes); an empty field is the NULL slice, and a value the slicing
 * cannot produce (another binning's label) is an error.
 */
int tg_summary_load_sliced(tg_tally *t, tg_slicing *sl, int nsl,
                           const tg_rules *rules, const char *path,
                           tg_error *err);

#endif
