/*
 * libFuzzer harness for the parsers that read untrusted input: the
 * condition language, rule sets (JSON), gate policies, summaries, the
 * CSV scan, and the monitor's inputs (rows, monitor summaries, monitor
 * policies, calibration tables, synth drift specs), slice expressions,
 * sliced scans and summaries, and column lists. Not part of the build or CI; run it by hand:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_POSIX_C_SOURCE=200809L \
 *     -DTG_VERSION='"fuzz"' \
 *     -Ilib/include fuzz/fuzz_inputs.c lib/*.c $(pkg-config --cflags --libs \
 *     gsl libcjson libgit2 zlib libcrypto) -lpthread -lm -o /tmp/fuzz_inputs
 *   /tmp/fuzz_inputs -max_total_time=120
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiergate.h"

static tg_rules *v32;

static int resolve(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!v32 && tg_rules_load(&v32, "registry/tiers/v3.2.json", NULL) != TG_OK)
        abort();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    tg_error err;

    tg_cond *c = NULL;
    if (tg_cond_parse(&c, text, resolve, v32, "fuzz", &err) == TG_OK) {
        double v[8] = {1, 2, 3, 4, 5, 0, 0, 0};
        tg_cond_eval(c, v);
    }
    tg_cond_free(c);

    tg_rules *r = NULL;
    if (tg_rules_parse(&r, text, size, "fuzz.json", &err) == TG_OK) {
        tg_lint_report lr;
        if (tg_lint(&lr, r, &err) == TG_OK)
            tg_lint_report_release(&lr);
    }
    tg_rules_free(r);
    tg_policy *p = NULL;
    tg_policy_parse(&p, text, size, "fuzz.json", v32, &err);
    tg_policy_free(p);

    /* The same bytes as a CSV export and as a summary. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, size, f);
    fclose(f);
    tg_tally t;
    tg_tally_init(&t, v32, NULL);
    const char *paths[1] = {path};
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.on_bad_row = size % 2 ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
    tg_error skip;
    tg_scan(&t, v32, &o, &skip, &err);
    tg_tally_release(&t);
    if (tg_summary_load(&t, v32, path, &err) == TG_OK)
        tg_tally_release(&t);

    /* Monitor: the rows, the warehouse summary, the policy, the
     * calibration table, the drift spec of synth. */
    tg_monitor_options mo = {(tg_window_unit)(size % 2), (int)(size % 40), 0,
                             0, size % 3 ? NULL : v32};
    tg_monitor_data md;
    if (tg_monitor_scan(&md, v32, &o, &mo, &err) == TG_OK)
        tg_monitor_data_release(&md);
    if (tg_monitor_summary_load(&md, v32, path, &mo, &err) == TG_OK) {
        tg_monitor_baseline b;
        if (tg_monitor_baseline_load(&b, NULL, v32, &err) == TG_OK) {
            tg_monitor_stats ms;
            if (tg_monitor_stats_compute(&ms, v32, NULL, &md, &b, TG_CI_WILSON,
                                         0.95, &err) == TG_OK)
                tg_monitor_stats_release(&ms);
            tg_monitor_baseline_release(&b);
        }
        tg_monitor_data_release(&md);
    }
    tg_monitor_policy *mp = NULL;
    tg_monitor_policy_parse(&mp, text, size, "fuzz.json", v32, &err);
    tg_monitor_policy_free(mp);
    tg_monitor_baseline mb;
    if (tg_monitor_baseline_load(&mb, path, v32, &err) == TG_OK)
        tg_monitor_baseline_release(&mb);
    tg_synth_production sp;
    memset(&sp, 0, sizeof sp);
    tg_synth_drift_parse(&sp, text, &err);

    /* Slices: the expression, a sliced scan and a sliced summary of the
     * same bytes (slice columns "split" and "tier" exist in either), and
     * the bytes as a column list for check-schema --columns. */
    tg_slice_spec ss;
    if (tg_slice_parse(&ss, text, v32, &err) == TG_OK) {
        char key[TG_SLICE_MAX_KEY + 1];
        tg_slice_key(&ss, text, size, key);
        tg_slice_spec_release(&ss);
    }
    static const char *exprs[] = {"split", "tier:0,10,50", "split:month"};
    tg_slicing sl[3];
    for (int k = 0; k < 3; k++) {
        if (tg_slice_parse(&ss, exprs[k], v32, &err) != TG_OK)
            abort();
        tg_slicing_init(&sl[k], &ss);
    }
    tg_tally_init(&t, v32, NULL);
    tg_scan_sliced(&t, sl, 3, v32, &o, &skip, &err);
    tg_tally_release(&t);
    for (int k = 0; k < 3; k++) {
        tg_slicing_release(&sl[k]);
        if (tg_slice_parse(&ss, exprs[k], v32, &err) != TG_OK)
            abort();
        tg_slicing_init(&sl[k], &ss);
    }
    if (tg_summary_load_sliced(&t, sl, 3, v32, path, &err) == TG_OK)
        tg_tally_release(&t);
    for (int k = 0; k < 3; k++)
        tg_slicing_release(&sl[k]);
    tg_columns cols;
    if (tg_columns_load(&cols, path, &err) == TG_OK) {
        tg_schema_report rep;
        if (tg_schema_check_columns(&rep, v32, &cols, path, &err) == TG_OK)
            tg_schema_report_release(&rep);
        tg_columns_release(&cols);
    }
    unlink(path);
    free(text);
    return 0;
}
