/* The monitor's inputs: rows (windowed), monitor summaries with the
 * statistics computed from them, monitor policies, calibration tables
 * and synth's drift specs. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    tg_rules *v32 = (tg_rules *)r;
    char *text = fuzz_text(data, size);
    const char *path = fuzz_file(data, size, ".monitor");
    const char *paths[1] = {path};
    tg_error err;
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.on_bad_row = size % 2 ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
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
    unlink(path);
    free(text);
    return 0;
}
