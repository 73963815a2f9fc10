/* The CSV scan of a feature export, in both bad-row modes, and
 * check-schema's validation of the same bytes. Differential: the scan
 * runs with every separator lister this processor has and with no fast
 * path at all (the general reader alone), under the shipped rules and
 * under rules that reach the fast path's rarer branches; any difference
 * in counts, dates, skips or messages aborts. */
#include "fuzz_common.h"

#include <string.h>

typedef struct {
    int rc;
    tg_tally t;
    tg_error err, skip;
} scan_result;

/*
 * The export's columns under rules that take the fast path's other
 * branches: a boolean declared 1..1, a range holding no whole number, a
 * value counted out of range rather than refused, a feature cut at more
 * than 255 regions (an IN list of 150 values) and one whose cuts span
 * more than the lookup array (no array: region by search).
 */
static const tg_rules *odd_rules(void)
{
    static tg_rules *r;
    if (r)
        return r;
    char json[4096];
    int n = snprintf(json, sizeof json, "%s",
        "{\"model_id\": \"odd\", \"model_version\": \"v0\", \"features\": ["
        "{\"name\": \"is_wirehouse\", \"type\": \"boolean\", \"min\": 1,"
        " \"out_of_range\": \"warn\"},"
        "{\"name\": \"num_prior_firms\", \"min\": 0.5, \"max\": 0.7,"
        " \"out_of_range\": \"warn\"},"
        "{\"name\": \"current_firm_tenure_months\", \"min\": 0, \"max\": 200},"
        "{\"name\": \"firm_rep_count_at_contact\"},"
        "{\"name\": \"firm_net_change_12mo\"}],"
        " \"tiers\": ["
        "{\"name\": \"A\", \"priority_rank\": 1, \"when\": "
        "\"firm_net_change_12mo < -100000 OR firm_net_change_12mo > 100000\"},"
        "{\"name\": \"B\", \"priority_rank\": 2, \"when\": "
        "\"is_wirehouse = 1 AND num_prior_firms IS NULL\"},"
        "{\"name\": \"C\", \"priority_rank\": 3, \"when\": "
        "\"current_firm_tenure_months BETWEEN 12 AND 36\"},"
        "{\"name\": \"D\", \"priority_rank\": 4, \"when\": "
        "\"firm_rep_count_at_contact IN (");
    for (int v = 1; v <= 150; v++)
        n += snprintf(json + n, sizeof json - (size_t)n, "%s%d", v > 1 ? "," : "",
                      v * 3);
    n += snprintf(json + n, sizeof json - (size_t)n, "%s",
                  ")\"}], \"default_tier\": {\"name\": \"S\", "
                  "\"priority_rank\": 99}}");
    if (tg_rules_parse(&r, json, (size_t)n, "odd.json", NULL) != TG_OK)
        abort();
    return r;
}

static void scan_with(scan_result *out, const tg_rules *r, const char *lister,
                      const char *path, int on_bad_row)
{
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
    const tg_rules *rules[2] = {fuzz_rules(), odd_rules()};
    for (int k = 0; k < 2; k++) {
        scan_result ref, got;
        scan_with(&ref, rules[k], "none", path, mode);
        for (size_t i = 0; i < sizeof listers / sizeof *listers; i++) {
            if (tg_scan_simd_select(listers[i]) != 0)
                continue; /* not on this processor */
            scan_with(&got, rules[k], listers[i], path, mode);
            same_result(&ref, &got);
            tg_tally_release(&got.t);
        }
        tg_tally_release(&ref.t);
    }
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
