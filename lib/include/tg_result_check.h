/*
 * Full validation of a gate result document (what `gate --json`
 * writes) before anything reads it: `report`, `registry update` and
 * `log append` load results that may come from anywhere (an artifact of
 * another CI run, a hand-edited file). Words come from closed sets,
 * numbers are finite and in range, counts are non-negative integers, so
 * no writer downstream ever meets a status it does not know or a count
 * of -5.
 */
#ifndef TG_RESULT_CHECK_H
#define TG_RESULT_CHECK_H

#include <cjson/cJSON.h>

#include "tg_error.h"

/**
 * Check the whole document; on the first problem, an error naming path
 * and the key ("gates[3].status") with what was expected. TG_OK when it
 * is a well-formed gate result.
 */
int tg_result_check(const cJSON *doc, const char *path, tg_error *err);

#endif
