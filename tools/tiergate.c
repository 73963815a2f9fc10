/*
 * tiergate: entry point and dispatch table. Each subcommand lives in
 * cmd_<name>.c and returns the process exit code.
 */
#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "tg_escape.h"
#include "tg_suggest.h"

const tg_cmd tg_commands[] = {
    {"calibrate", cmd_calibrate,
     "the calibration table, per tier on TRAIN (step 9)"},
    {"check-schema", cmd_check_schema,
     "check that an export has the columns the rules need (step 1)"},
    {"compare", cmd_compare,
     "V3.1 vs V3.2 on the same leads, with the migration matrix"},
    {"gate", cmd_gate,
     "judge every release gate of a policy; exit 1 when one blocks"},
    {"init", cmd_init,
     "scaffold a new repository governed by tiergate, with CI"},
    {"lint", cmd_lint,
     "tiers that never match, always-false conditions, rank conflicts"},
    {"log", cmd_log,
     "the commit-linked execution log: append, list, verify (step 10)"},
    {"monitor", cmd_monitor,
     "after a release: calibration, drift and alerts per week/month"},
    {"plan", cmd_plan,
     "how reliable the gates' verdict is: pass chances, leads needed"},
    {"preview", cmd_preview,
     "tier distribution, rates, lift and intervals per split (step 2)"},
    {"registry", cmd_registry,
     "the model registry: show, update, promote, rollback, verify"},
    {"release", cmd_release,
     "steps 1-10 in one run: gates, calibration, SQL, registry, log"},
    {"report", cmd_report,
     "the reviewer's HTML report (or Markdown) of a gate result"},
    {"score", cmd_score,
     "scored rows; the production, Salesforce and SGA views (3-6)"},
    {"sql", cmd_sql,
     "the rules as SQL: BigQuery, SQLite, DuckDB, PostgreSQL"},
    {"sweep", cmd_sweep,
     "rule variants in one pass: chosen on TRAIN, confirmed on TEST"},
    {"synth", cmd_synth,
     "a synthetic feature export calibrated to the V3.2 findings"},
    {NULL, NULL, NULL},
};

static int usage(FILE *out)
{
    fprintf(out,
            "usage: tiergate <command> [options]\n"
            "       tiergate help <command> | tiergate --version\n\n"
            "Governs releases of a rules-based lead-scoring model: one rule\n"
            "set, its gates, its SQL, its registry and its execution log.\n\n"
            "commands:\n");
    for (const tg_cmd *c = tg_commands; c->name; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
    fprintf(out,
            "\nexit codes: 0 success (gates passed, perhaps with warnings),\n"
            "1 a blocking gate failed, 2 usage or input error, 3 internal or\n"
            "I/O error. 'tiergate <command> --help' describes each command.\n"
            "\nenvironment: NO_COLOR turns colour off; COLUMNS sets the width\n"
            "text is fitted to; TIERGATE_SCAN_SIMD=avx512|avx2|sse2|portable|none\n"
            "picks how the scan finds separators (same results; 'tiergate\n"
            "--version' names the one in use).\n");
    return 0;
}

static const tg_cmd *find(const char *name)
{
    for (const tg_cmd *c = tg_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* An unknown command, with the nearest one when it is a likely typo. */
static int unknown_command(const char *name)
{
    const char *names[64];
    int n = 0;
    for (const tg_cmd *c = tg_commands; c->name && n < 64; c++)
        names[n++] = c->name;
    char shown[256];
    tg_esc_term_buf(name, shown, sizeof shown);
    int k = tg_suggest_nearest(name, names, n);
    if (k >= 0)
        return cli_usage(NULL, "unknown command '%s'; did you mean '%s'?",
                         shown, names[k]);
    return cli_usage(NULL, "unknown command '%s'", shown);
}

/* Whether the environment variable var (STEP[@TEXT]) names step and
 * the end of its detail. */
static int step_wanted(const char *var, const char *step, const char *detail)
{
    const char *want = getenv(var);
    if (!want || !*want)
        return 0;
    const char *at = strchr(want, '@');
    size_t n = at ? (size_t)(at - want) : strlen(want);
    size_t dl = strlen(detail), tl = at ? strlen(at + 1) : 0;
    return strlen(step) == n && strncmp(step, want, n) == 0 &&
           (!at || (dl >= tl && strcmp(detail + dl - tl, at + 1) == 0));
}

/*
 * The crash tests' seam: TIERGATE_TEST_KILL_AT=STEP[@TEXT] kills this
 * process with SIGKILL when the library announces STEP (and its detail,
 * usually a path, ends with TEXT), exactly as a power cut or `kill -9`
 * would stop it there. TIERGATE_TEST_PAUSE_AT=STEP[@TEXT] stops it there
 * for two seconds instead, so that a concurrency test can run another
 * process in that window. Owned by the tool, not the library: the
 * library only names its steps (tg_step in tg_util.h).
 */
static void kill_at_step(const char *step, const char *detail)
{
    if (step_wanted("TIERGATE_TEST_KILL_AT", step, detail))
        raise(SIGKILL);
    if (step_wanted("TIERGATE_TEST_PAUSE_AT", step, detail)) {
        struct timespec pause = {2, 0};
        while (nanosleep(&pause, &pause) != 0)
            ;
    }
}

/*
 * TIERGATE_SCAN_SIMD=avx512|avx2|sse2|portable|none picks how the scan
 * finds separators (default: the fastest this processor runs). Every
 * choice gives the same results; it exists to compare their speed and
 * to rule the fast path out when chasing a problem.
 */
static int choose_scan_simd(void)
{
    const char *want = getenv("TIERGATE_SCAN_SIMD");
    if (!want || !*want || tg_scan_simd_select(want) == 0)
        return TG_EXIT_OK;
    char shown[64];
    return cli_usage(NULL,
                     "TIERGATE_SCAN_SIMD takes auto, avx512, avx2, sse2, "
                     "portable or none (one this processor runs), not '%s'",
                     tg_esc_term_buf(want, shown, sizeof shown));
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every status. */
    gsl_set_error_handler_off();
    if (getenv("TIERGATE_TEST_KILL_AT") || getenv("TIERGATE_TEST_PAUSE_AT"))
        tg_set_step_hook(kill_at_step);
    int simd = choose_scan_simd();
    if (simd != TG_EXIT_OK)
        return simd;
    if (argc < 2)
        return usage(stderr), TG_EXIT_USAGE;
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        return cli_flush_stdout(usage(stdout));
    if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) {
        char libs[512];
        printf("tiergate %s\n%s", tg_version(),
               tg_library_versions(libs, sizeof libs));
        return cli_flush_stdout(TG_EXIT_OK);
    }
    if (strcmp(a, "help") == 0) {
        if (argc < 3)
            return cli_flush_stdout(usage(stdout));
        const tg_cmd *c = find(argv[2]);
        if (!c)
            return unknown_command(argv[2]);
        char *hargv[] = {argv[2], "--help", NULL};
        return c->run(2, hargv);
    }
    const tg_cmd *c = find(a);
    if (!c)
        return unknown_command(a);
    /* Standard output is checked once, here: a command that printed
     * into a closed pipe or a full disk exits 3, not 0. */
    return cli_flush_stdout(c->run(argc - 1, argv + 1));
}
