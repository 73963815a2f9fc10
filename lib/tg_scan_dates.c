/*
 * Date windows of the scan: the train and test windows of a date config
 * (registry/date_config.json), which assign a split to the rows of a file
 * without a split column (the rule itself is tg_split_of_date in
 * tg_scan_dates.h, inline for the fast path).
 */
#include "tg_scan_dates.h"

#include "tg_json.h"

int tg_date_config_load(tg_date_config *out, const char *path, tg_error *err)
{
    cJSON *root = NULL;
    int rc = tg_json_load(&root, path, err);
    if (rc)
        return rc;
    static const char *keys[] = {"train_start_date", "train_end_date",
                                 "test_start_date", "test_end_date"};
    int *dst[] = {&out->train_start, &out->train_end, &out->test_start,
                  &out->test_end};
    for (int k = 0; k < 4 && !rc; k++) {
        const char *v = NULL;
        rc = tg_json_get_string(root, keys[k], 1, path, "", &v, err);
        if (!rc && !(*dst[k] = tg_parse_date(v, strlen(v))))
            rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                              "key '%s': '%s' is not a YYYY-MM-DD date",
                              keys[k], v);
    }
    cJSON_Delete(root);
    return rc;
}
int tg_scan_load_dates(const tg_scan_options *o, tg_date_config *d, int *have,
                       tg_error *err)
{
    *have = 0;
    if (!o->date_config)
        return TG_OK;
    int rc = tg_date_config_load(d, o->date_config, err);
    if (rc == TG_OK)
        *have = 1;
    return rc;
}
