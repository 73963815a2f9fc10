/* The CSV scan of a feature export (fast path and general reader), in
 * both bad-row modes, and check-schema's validation of the same bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    const char *path = fuzz_file(data, size, ".csv");
    const char *paths[1] = {path};
    tg_error err, skip;
    tg_tally t;
    if (tg_tally_init(&t, r, &err) != TG_OK)
        abort();
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.on_bad_row = size % 2 ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
    o.date_config = TG_SOURCE_DIR "/registry/date_config.json";
    tg_scan(&t, r, &o, &skip, &err);
    tg_tally_release(&t);
    tg_schema_report rep;
    if (tg_schema_check(&rep, r, paths, 1, o.date_config, &err) == TG_OK)
        tg_schema_report_release(&rep);
    else
        tg_schema_report_release(&rep);
    unlink(path);
    return 0;
}
