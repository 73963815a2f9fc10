/*
 * Lint for first-match rule sets: tiers that can never match (every
 * lead they select is taken by earlier tiers, or their condition is
 * never true), tiers partly shadowed, constants outside a feature's
 * declared range, and priority ranks that disagree with the rule order
 * or the expected conversion rates.
 */
#ifndef TG_LINT_H
#define TG_LINT_H

#include <cjson/cJSON.h>

#include "tg_rules.h"

typedef enum { TG_LINT_INFO = 0, TG_LINT_WARNING, TG_LINT_ERROR } tg_lint_severity;

typedef struct {
    tg_lint_severity severity;
    const char *code;      /* e.g. "never-matches" */
    int tier;              /* -1 when about the rule set */
    char message[600];
} tg_lint_finding;

typedef struct {
    tg_lint_finding *findings;
    int n;
    int errors, warnings, infos;
} tg_lint_report;

int tg_lint(tg_lint_report *out, const tg_rules *rules, tg_error *err);
void tg_lint_report_release(tg_lint_report *r);
cJSON *tg_lint_json(const tg_lint_report *r, const tg_rules *rules);

#endif
