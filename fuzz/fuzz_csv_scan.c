/* The CSV scan of a feature export, in both bad-row modes, and
 * check-schema's validation of the same bytes. Differential: the scan
 * runs with every separator lister this processor has and with no fast
 * path at all (the general reader alone); any difference in counts,
 * dates, skips or messages aborts. */
#include "fuzz_common.h"

#include <string.h>

typedef struct {
    int rc;
    tg_tally t;
    tg_error err, skip;
} scan_result;

static void scan_with(scan_result *out, const char *lister, const char *path,
                      int on_bad_row)
{
    const tg_rules *r = fuzz_rules();
    const char *paths[1] = {path};
    if (tg_scan_simd_select(lister) != 0)
        abort();
    memset(out, 0, sizeof *out);
    if (tg_tally_init(&out->t, r, &out->err) != TG_OK)
        abort();
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = 1;
    o.threads = 1;
    o.on_bad_row = on_bad_row;
    o.date_config = TG_SOURCE_DIR "/registry/date_config.json";
    tg_error_clear(&out->skip);
    out->rc = tg_scan(&out->t, r, &o, &out->skip, &out->err);
}

static void same_error(const tg_error *a, const tg_error *b)
{
    if (a->code != b->code || a->line != b->line || a->column != b->column ||
        strcmp(a->msg, b->msg) != 0 || strcmp(a->file, b->file) != 0)
        abort();
}

static void same_result(const scan_result *a, const scan_result *b)
{
    if (a->rc != b->rc)
        abort();
    if (a->rc != TG_OK) {
        same_error(&a->err, &b->err);
        return; /* counts of a failed scan are not reported */
    }
    same_error(&a->skip, &b->skip);
    const tg_tally *x = &a->t, *y = &b->t;
    if (x->rows != y->rows || x->skipped != y->skipped ||
        x->nother != y->nother || x->other_more != y->other_more ||
        memcmp(x->cells, y->cells,
               sizeof *x->cells * (size_t)(TG_NSPLITS * x->ntiers)) != 0 ||
        memcmp(x->first_date, y->first_date, sizeof x->first_date) != 0 ||
        memcmp(x->last_date, y->last_date, sizeof x->last_date) != 0 ||
        memcmp(x->skipped_by, y->skipped_by, sizeof x->skipped_by) != 0 ||
        memcmp(x->other, y->other, sizeof x->other) != 0 ||
        memcmp(x->out_of_range, y->out_of_range,
               sizeof *x->out_of_range * (size_t)x->nfeatures) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const listers[] = {"avx512", "avx2", "sse2", "portable"};
    const char *path = fuzz_file(data, size, ".csv");
    int mode = size % 2 ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
    scan_result ref, got;
    scan_with(&ref, "none", path, mode);
    for (size_t i = 0; i < sizeof listers / sizeof *listers; i++) {
        if (tg_scan_simd_select(listers[i]) != 0)
            continue; /* not on this processor */
        scan_with(&got, listers[i], path, mode);
        same_result(&ref, &got);
        tg_tally_release(&got.t);
    }
    tg_tally_release(&ref.t);
    tg_scan_simd_select("auto");
    tg_schema_report rep;
    tg_error err;
    const char *paths[1] = {path};
    if (tg_schema_check(&rep, fuzz_rules(), paths, 1,
                        TG_SOURCE_DIR "/registry/date_config.json", &err) == TG_OK)
        tg_schema_report_release(&rep);
    else
        tg_schema_report_release(&rep);
    unlink(path);
    return 0;
}
