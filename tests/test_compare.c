/*
 * compare's expected outcomes come from the newer rule set's
 * expected_outcomes block, never from constants: V3.2 ships the change
 * request's table (each row naming the version its previous value
 * quotes); a rule set without the block gets no such columns; a rule set
 * with other values shows those; a block naming an unknown metric is
 * refused, naming its key.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static const char *data(void)
{
    static char path[1024];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tt_path("leads.csv"));
        tt_run_result r = tt_run("synth --rows 6000 -o '%s'", path);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
    }
    return path;
}

static const cJSON *row_of(const cJSON *arr, const char *metric)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (!strcmp(s_of(e, "metric"), metric))
            return e;
    return NULL;
}

static void test_shipped_table_with_its_versions(void **state)
{
    (void)state;
    tt_run_result r = tt_run("compare --from registry/tiers/v3.1.json --to "
                             "registry/tiers/v3.2.json --data '%s' --format "
                             "json", data());
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    tt_run_free(&r);
    const cJSON *eo = cJSON_GetObjectItem(j, "expected_outcomes");
    assert_int_equal(cJSON_GetArraySize(eo), 4);
    const cJSON *lift = row_of(eo, "tier1_lift");
    assert_string_equal(s_of(lift, "previous"), "3.69x");
    assert_string_equal(s_of(lift, "previous_version"), "v3.1");
    assert_string_equal(s_of(lift, "expected"), "4.0x+");
    assert_string_equal(s_of(lift, "expected_version"), "v3.2");
    /* The measured columns are the comparison's own numbers. */
    char want[64];
    snprintf(want, sizeof want, "%.2fx", cJSON_GetObjectItem(
        cJSON_GetObjectItem(j, "to"), "tier1_lift")->valuedouble);
    assert_string_equal(s_of(lift, "measured_to"), want);
    const cJSON *m = row_of(cJSON_GetObjectItem(j, "metrics"), "tier1_lift");
    assert_string_equal(s_of(m, "measured_to"), want);
    snprintf(want, sizeof want, "%.0f leads", cJSON_GetObjectItem(
        cJSON_GetObjectItem(j, "from"), "priority_leads")->valuedouble);
    assert_string_equal(s_of(row_of(eo, "priority_volume"), "measured_from"),
                        want);
    cJSON_Delete(j);
}

static void test_no_block_no_columns(void **state)
{
    (void)state;
    /* V3.1 states no expected outcomes: none are printed, in any form. */
    tt_run_result r = tt_run("compare --from registry/tiers/v3.2.json --to "
                             "registry/tiers/v3.1.json --data '%s' --format "
                             "json -o '%s'", data(), tt_path("c.json"));
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *text = tt_read(tt_path("c.json"), NULL);
    cJSON *j = cJSON_Parse(text);
    assert_null(cJSON_GetObjectItem(j, "expected_outcomes"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "metrics")), 5);
    assert_null(strstr(text, "3.69x"));
    free(text);
    cJSON_Delete(j);
    r = tt_run("compare --from registry/tiers/v3.2.json --to "
               "registry/tiers/v3.1.json --data '%s'", data());
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "3.69x"));
    assert_null(strstr(r.out, "expected"));
    assert_non_null(strstr(r.out, "Tier 1 Lift"));
    tt_run_free(&r);
    r = tt_run("compare --from registry/tiers/v3.2.json --to "
               "registry/tiers/v3.1.json --data '%s' --format markdown", data());
    assert_non_null(strstr(r.out, "| Metric | v3.2 measured | v3.1 measured |"));
    tt_run_free(&r);
}

static void test_other_values_are_shown_bad_metric_refused(void **state)
{
    (void)state;
    char *v32 = tt_read(tt_src("registry/tiers/v3.2.json"), NULL);
    cJSON *rules = cJSON_Parse(v32);
    free(v32);
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        rules, "expected_outcomes"), "rows"), 0);
    cJSON_ReplaceItemInObject(row, "previous", cJSON_CreateString("2.50x"));
    cJSON_ReplaceItemInObject(row, "previous_version", cJSON_CreateString("v3.0"));
    char *s = cJSON_Print(rules);
    const char *custom = tt_write("custom.json", s);
    cJSON_free(s);
    tt_run_result r = tt_run("compare --from registry/tiers/v3.1.json --to '%s' "
                             "--data '%s'", custom, data());
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "2.50x (v3.0)"));
    assert_null(strstr(r.out, "3.69x"));
    tt_run_free(&r);

    cJSON_ReplaceItemInObject(row, "metric", cJSON_CreateString("revenue"));
    s = cJSON_Print(rules);
    const char *bad = tt_write("bad.json", s);
    cJSON_free(s);
    r = tt_run("compare --from registry/tiers/v3.1.json --to '%s' --data '%s'",
               bad, data());
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "key 'expected_outcomes.rows[0].metric'"));
    tt_run_free(&r);
    cJSON_Delete(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_table_with_its_versions),
        cmocka_unit_test(test_no_block_no_columns),
        cmocka_unit_test(test_other_values_are_shown_bad_metric_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
