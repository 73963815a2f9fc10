/* Slices: a slice expression and a key from it, a sliced scan and a
 * sliced summary of the same bytes, and the bytes as a column list for
 * check-schema --columns. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    tg_rules *v32 = (tg_rules *)r;
    char *text = fuzz_text(data, size);
    const char *path = fuzz_file(data, size, ".slice.csv");
    const char *paths[1] = {path};
    tg_error err, skip;
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
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.on_bad_row = size % 2 ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
    tg_tally t;
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
