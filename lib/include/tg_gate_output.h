/*
 * A gate result in each of its output forms, with how reliable its
 * verdict is (the plan): the one place `gate`, `release` and `report`
 * turn a result into text, JSON, Markdown, JUnit XML or HTML, so the
 * forms cannot drift apart between commands.
 */
#ifndef TG_GATE_OUTPUT_H
#define TG_GATE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include "tg_gate.h"
#include "tg_plan.h"

typedef enum {
    TG_GATE_OUT_TEXT,     /* the terminal table and a reliability line */
    TG_GATE_OUT_JSON,     /* the result, with "reliability" when planned */
    TG_GATE_OUT_MARKDOWN, /* pull-request summary, then the plan */
    TG_GATE_OUT_JUNIT,    /* one testcase per gate and tier */
    TG_GATE_OUT_HTML      /* the self-contained report */
} tg_gate_output;

typedef struct {
    int color; /* text: ANSI colours on statuses */
    int width; /* text: fit to this many columns; <= 0 the full layout */
} tg_gate_output_options;

#define TG_GATE_OUTPUT_OPTIONS_INIT {0, 80}

/** The result's JSON with the plan as "reliability" (plan may be NULL). */
cJSON *tg_gate_output_json(const tg_gate_result *r, const tg_plan *plan);

/** Write r in form `form` to out; plan may be NULL. TG_OK or TG_EIO. */
int tg_gate_output_write(FILE *out, const tg_gate_result *r,
                         const tg_plan *plan, tg_gate_output form,
                         const tg_gate_output_options *o);

/** The same into a malloc'd string of *len bytes; NULL when out of memory. */
char *tg_gate_output_string(const tg_gate_result *r, const tg_plan *plan,
                            tg_gate_output form,
                            const tg_gate_output_options *o, size_t *len);

#endif
