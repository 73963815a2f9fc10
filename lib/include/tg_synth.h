/*
 * A synthetic feature export calibrated to the brief's findings, for
 * demos, tests and benchmarks. Deterministic: the same options give the
 * same bytes (GSL's MT19937 generator).
 */
#ifndef TG_SYNTH_H
#define TG_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "tg_error.h"

typedef struct {
    uint64_t rows;        /* default 48,472 as in the brief */
    unsigned long seed;
} tg_synth_options;

#define TG_SYNTH_OPTIONS_INIT {48472, 5}

/** Number of TRAIN rows for a given total (30,727 of 48,472). */
uint64_t tg_synth_train_rows(uint64_t rows);

/** Write the header and rows as CSV to out. */
int tg_synth_write(FILE *out, const tg_synth_options *opts, tg_error *err);

/**
 * Write the export to path (gzip-compressed when gz), through a
 * temporary file renamed into place, so no partial file is ever seen.
 */
int tg_synth_write_file(const char *path, int gz,
                        const tg_synth_options *opts, tg_error *err);

#endif
