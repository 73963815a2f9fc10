/*
 * tiergate synth: a deterministic synthetic feature export.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

static const char help[] =
    "usage: tiergate synth [--rows N] [--seed S] [-o FILE]\n"
    "                      [--weeks N [--weekly-rows N] [--drift SPEC]...]\n\n"
    "Write a synthetic feature export with the change request's columns, calibrated\n"
    "to its findings (1-3 years tenure ~15.8%, 1-10 reps ~14.6%, 3+ prior\n"
    "firms ~10.5%, net change -10..-1 ~11%, below -10 ~10%, under 1 year\n"
    "~3.9%; TRAIN baseline ~3.66%, TEST ~4.16%; a few percent NULL cells).\n"
    "The same rows and seed give the same bytes.\n\n"
    "  --rows N     number of leads (default 48472; TRAIN is 30727/48472)\n"
    "  --seed S     random seed (default 5)\n"
    "  -o FILE      write to FILE (default standard output); a name ending\n"
    "               in .gz is written gzip-compressed\n"
    "  --weeks N    continue past the export with N production weeks\n"
    "               (split PRODUCTION, Monday to Sunday from 2026-01-05):\n"
    "               leads convert at the TRAIN rates, and a conversion\n"
    "               shows only after its delay (exponential, mean 14\n"
    "               days), so the last weeks are immature\n"
    "  --weekly-rows N  leads per production week (default: the export's\n"
    "               own weekly volume, rows x 7 / 700 days)\n"
    "  --drift SPEC inject a change into the production weeks; comma-\n"
    "               separated, repeatable:\n"
    "                 rate:SIGNAL*FACTOR[@WEEK]  a signal converts FACTOR\n"
    "                   times as often from WEEK on (signals: tenure_1_3y,\n"
    "                   short_bleed, small_firm, prior_3, moderate_bleed,\n"
    "                   heavy_bleed, under_1y, base)\n"
    "                 feature:NAME(+|-|*)AMOUNT[@WEEK]  shift a feature\n"
    "                   (current_firm_tenure_months, industry_tenure_months,\n"
    "                   firm_net_change_12mo, firm_rep_count_at_contact,\n"
    "                   num_prior_firms)\n"
    "  -h, --help   this help\n";

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
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"rows", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"weeks", required_argument, NULL, 'w'},
        {"weekly-rows", required_argument, NULL, 'W'},
        {"drift", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    tg_synth_options so = TG_SYNTH_OPTIONS_INIT;
    tg_synth_production prod;
    memset(&prod, 0, sizeof prod);
    tg_error err;
    tg_error_clear(&err);
    const char *out = NULL;
    unsigned long long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': return cli_help(help);
        case 'o': out = optarg; break;
        case 'r':
            if (parse_u64(optarg, 1000000000ULL, &v) || v == 0)
                return cli_usage("synth",
                                 "--rows takes a count from 1 to "
                                 "1000000000, not '%s'",
                                 optarg);
            so.rows = v;
            break;
        case 's':
            if (parse_u64(optarg, 0xffffffffULL, &v))
                return cli_usage("synth", "--seed takes a number, not '%s'",
                                 optarg);
            so.seed = (unsigned long)v;
            break;
        case 'w':
            if (parse_u64(optarg, 520, &v) || v == 0)
                return cli_usage("synth", "--weeks takes 1 to 520, not '%s'",
                                 optarg);
            prod.weeks = (int)v;
            break;
        case 'W':
            if (parse_u64(optarg, 100000000ULL, &v) || v == 0)
                return cli_usage("synth", "--weekly-rows takes 1 to 100000000, "
                                          "not '%s'", optarg);
            prod.weekly_rows = v;
            break;
        case 'd':
            if (tg_synth_drift_parse(&prod, optarg, &err) != TG_OK)
                return cli_fail(&err);
            break;
        default: return cli_usage("synth", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage("synth", "unexpected argument '%s'", argv[optind]);
    if ((prod.ndrifts || prod.weekly_rows) && !prod.weeks)
        return cli_usage("synth", "--drift and --weekly-rows need --weeks N");
    if (!out || strcmp(out, "-") == 0) {
        if (tg_synth_write_production(stdout, &so, prod.weeks ? &prod : NULL,
                                      &err) != TG_OK)
            return cli_fail(&err);
        return cli_flush_stdout(EXIT_OK);
    }
    /* Write beside the target and rename, so no half file is left. */
    size_t n = strlen(out);
    int gz = n > 3 && strcmp(out + n - 3, ".gz") == 0;
    int rc = tg_synth_write_file_production(out, gz, &so,
                                            prod.weeks ? &prod : NULL, &err);
    return rc == TG_OK ? EXIT_OK : cli_fail(&err);
}
