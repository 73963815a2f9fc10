/*
 * tiergate synth: a deterministic synthetic feature export.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

enum {
    OPT_ROWS = 2200,
    OPT_SEED_S,
    OPT_WEEKS,
    OPT_WEEKLY_ROWS,
    OPT_DRIFT
};

static const cli_opt synth_opts[] = {
    {"rows", 0, "N", OPT_ROWS,
     "number of leads (default 48472; TRAIN is\n30727/48472)"},
    {"seed", 0, "S", OPT_SEED_S, "random seed (default 5)"},
    {"output", 'o', "FILE", OPT_OUTPUT,
     "write to FILE (replaced atomically; default\n"
     "standard output); a name ending in .gz is\n"
     "written gzip-compressed"},
    {"weeks", 0, "N", OPT_WEEKS,
     "continue past the export with N production weeks\n"
     "(split PRODUCTION, Monday to Sunday from\n"
     "2026-01-05): leads convert at the TRAIN rates,\n"
     "and a conversion shows only after its delay\n"
     "(exponential, mean 14 days), so the last weeks\n"
     "are immature"},
    {"weekly-rows", 0, "N", OPT_WEEKLY_ROWS,
     "leads per production week (default: the\n"
     "export's own weekly volume, rows x 7 / 700 days)"},
    {"drift", 0, "SPEC", OPT_DRIFT,
     "inject a change into the production weeks;\n"
     "comma-separated, repeatable:\n"
     "rate:SIGNAL*FACTOR[@WEEK]  a signal converts\n"
     "  FACTOR times as often from WEEK on (signals:\n"
     "  tenure_1_3y, short_bleed, small_firm, prior_3,\n"
     "  moderate_bleed, heavy_bleed, under_1y, base)\n"
     "feature:NAME(+|-|*)AMOUNT[@WEEK]  shift a\n"
     "  feature (current_firm_tenure_months,\n"
     "  industry_tenure_months, firm_net_change_12mo,\n"
     "  firm_rep_count_at_contact, num_prior_firms)"},
    CLI_OPT_END,
};

static const cli_spec synth_spec = {
    "synth",
    "synth [--rows N] [--seed S] [-o FILE]\n"
    "     [--weeks N [--weekly-rows N] [--drift SPEC]...]\n",
    "Write a synthetic feature export with the change request's columns,\n"
    "calibrated to its findings (1-3 years tenure ~15.8%, 1-10 reps ~14.6%,\n"
    "3+ prior firms ~10.5%, net change -10..-1 ~11%, below -10 ~10%, under\n"
    "1 year ~3.9%; TRAIN baseline ~3.66%, TEST ~4.16%; a few percent NULL\n"
    "cells). The same rows and seed give the same bytes.\n",
    synth_opts,
    0,
    NULL,
};

/* A value from the command line, safe to quote in a message. */
static const char *shown(const char *s)
{
    static char buf[256];
    return tg_esc_term_buf(s, buf, sizeof buf);
}

static int parse_u64(const char *s, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    tg_synth_options so = TG_SYNTH_OPTIONS_INIT;
    tg_synth_production prod;
    memset(&prod, 0, sizeof prod);
    tg_error err;
    tg_error_clear(&err);
    const char *out = NULL;
    unsigned long long v;
    int c;
    cli_parser p;
    cli_parse_begin(&p, &synth_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        const char *arg = p.arg;
        switch (c) {
        case CLI_STOP: return p.rc;
        case OPT_OUTPUT: out = arg; break;
        case OPT_ROWS:
            if (parse_u64(arg, 1000000000ULL, &v) || v == 0)
                return cli_usage("synth",
                                 "--rows takes a count from 1 to "
                                 "1000000000, not '%s'",
                                 shown(arg));
            so.rows = v;
            break;
        case OPT_SEED_S:
            if (parse_u64(arg, 0xffffffffULL, &v))
                return cli_usage("synth", "--seed takes a number, not '%s'",
                                 shown(arg));
            so.seed = (unsigned long)v;
            break;
        case OPT_WEEKS:
            if (parse_u64(arg, 520, &v) || v == 0)
                return cli_usage("synth", "--weeks takes 1 to 520, not '%s'",
                                 shown(arg));
            prod.weeks = (int)v;
            break;
        case OPT_WEEKLY_ROWS:
            if (parse_u64(arg, 100000000ULL, &v) || v == 0)
                return cli_usage("synth", "--weekly-rows takes 1 to 100000000, "
                                          "not '%s'", shown(arg));
            prod.weekly_rows = v;
            break;
        case OPT_DRIFT:
            if (tg_synth_drift_parse(&prod, arg, &err) != TG_OK)
                return cli_fail(&err);
            break;
        }
    }
    if ((prod.ndrifts || prod.weekly_rows) && !prod.weeks)
        return cli_usage("synth", "--drift and --weekly-rows need --weeks N");
    if (!out || strcmp(out, "-") == 0) {
        if (tg_synth_write_production(stdout, &so, prod.weeks ? &prod : NULL,
                                      &err) != TG_OK)
            return cli_fail(&err);
        return cli_flush_stdout(TG_EXIT_OK);
    }
    /* Write beside the target and rename, so no half file is left. */
    size_t n = strlen(out);
    int gz = n > 3 && strcmp(out + n - 3, ".gz") == 0;
    int rc = tg_synth_write_file_production(out, gz, &so,
                                            prod.weeks ? &prod : NULL, &err);
    return rc == TG_OK ? TG_EXIT_OK : cli_fail(&err);
}
