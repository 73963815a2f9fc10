/*
 * End to end: the tiergate binary as a user or CI runs it, its outputs
 * parsed and its exit codes checked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *synth_file(void)
{
    static char path[1024];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tt_path("synth.csv"));
        tt_run_result r = tt_run("synth -o '%s'", path);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
    }
    return path;
}

static void test_cli_help_and_version(void **state)
{
    (void)state;
    const char *cmds[] = {"synth", "check-schema", "preview", "gate",
                          "score", "sql", "calibrate", "registry", "log",
                          "release", "report", "compare", "lint"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        tt_run_result r = tt_run("%s --help", cmds[i]);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "usage: tiergate"));
        assert_string_equal(r.err, "");
        tt_run_free(&r);
        r = tt_run("help %s", cmds[i]);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, cmds[i]));
        tt_run_free(&r);
    }
    tt_run_result r = tt_run("--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "exit codes"));
    tt_run_free(&r);
    r = tt_run("--version");
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "tiergate ", 9) == 0);
    tt_run_free(&r);
    r = tt_run("frobnicate");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
    assert_string_equal(r.out, "");
    tt_run_free(&r);
    r = tt_run("preview --data x.csv");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--rules FILE is required"));
    tt_run_free(&r);
    r = tt_run("preview --rules registry/tiers/v3.2.json --data x --split VAL");
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
    r = tt_run("synth --rows 0");
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        fail_msg("key %s is not a number", k);
    return v->valuedouble;
}

static void check_preview_object(const cJSON *o, const char *split)
{
    assert_string_equal(cJSON_GetObjectItem(o, "split")->valuestring, split);
    assert_string_equal(cJSON_GetObjectItem(o, "model_version")->valuestring,
                        "v3.2");
    assert_string_equal(cJSON_GetObjectItem(o, "ci_method")->valuestring,
                        "wilson");
    assert_true(num(o, "ci_level") == 0.95);
    const cJSON *tiers = cJSON_GetObjectItem(o, "tiers");
    assert_int_equal(cJSON_GetArraySize(tiers), 8);
    double leads = 0, labeled = 0, conv = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, tiers)
    {
        leads += num(t, "leads");
        labeled += num(t, "labeled");
        conv += num(t, "conversions");
        double rate = num(t, "conversion_rate");
        assert_true(fabs(rate - num(t, "conversions") / num(t, "labeled")) <
                    1e-12);
        assert_true(fabs(num(t, "lift") - rate / num(o, "baseline_rate")) <
                    1e-9);
        assert_true(num(t, "ci_lower") < rate && rate < num(t, "ci_upper"));
    }
    assert_true(leads == num(o, "rows"));
    assert_true(labeled == num(o, "labeled"));
    assert_true(conv == num(o, "conversions"));
    assert_true(fabs(num(o, "baseline_rate") - conv / labeled) < 1e-12);
    const cJSON *last = cJSON_GetArrayItem(tiers, 7);
    assert_string_equal(cJSON_GetObjectItem(last, "tier")->valuestring,
                        "STANDARD");
    assert_true(num(last, "lift") < 1);
    assert_true(num(cJSON_GetArrayItem(tiers, 0), "lift") > 2);
}

/* TIERGATE_SCAN_SIMD: every choice gives the same preview, --version
 * names it, and a bad value is exit 2 with the value shown escaped. */
static void test_cli_scan_simd_choice(void **state)
{
    (void)state;
    tt_run_result ref = tt_run("preview --rules registry/tiers/v3.2.json "
                               "--data '%s' --format json --threads 2",
                               synth_file());
    assert_int_equal(ref.status, 0);
    static const char *const choices[] = {"none", "portable", "sse2"};
    for (size_t i = 0; i < sizeof choices / sizeof *choices; i++) {
        setenv("TIERGATE_SCAN_SIMD", choices[i], 1);
        tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                                 "--data '%s' --format json --threads 2",
                                 synth_file());
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, ref.out);
        tt_run_free(&r);
        r = tt_run("--version");
        char want[64];
        snprintf(want, sizeof want, "scan separators: %s\n", choices[i]);
        assert_non_null(strstr(r.out, want));
        tt_run_free(&r);
    }
    setenv("TIERGATE_SCAN_SIMD", "avx9\x1b[31m", 1);
    tt_run_result r = tt_run("--version");
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "TIERGATE_SCAN_SIMD takes auto, avx512"));
    assert_null(strchr(r.err, '\x1b'));
    tt_run_free(&r);
    unsetenv("TIERGATE_SCAN_SIMD");
    tt_run_free(&ref);
}

static void test_cli_synth_pipe_preview_json(void **state)
{
    (void)state;
    tt_run_result r = tt_run("synth | %s preview --rules "
                             "registry/tiers/v3.2.json --data - --format json",
                             TIERGATE_BIN);
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_true(num(j, "format_version") == 1);
    cJSON *sp = cJSON_GetObjectItem(j, "splits");
    assert_true(cJSON_IsArray(sp));
    assert_int_equal(cJSON_GetArraySize(sp), 2);
    check_preview_object(cJSON_GetArrayItem(sp, 0), "TRAIN");
    check_preview_object(cJSON_GetArrayItem(sp, 1), "TEST");
    assert_true(num(cJSON_GetArrayItem(sp, 0), "rows") == 30727);
    cJSON_Delete(j);
    tt_run_free(&r);

    r = tt_run("preview --rules registry/tiers/v3.2.json --data '%s' "
               "--split ALL --format json --ci exact --level 0.9",
               synth_file());
    assert_int_equal(r.status, 0);
    j = cJSON_Parse(r.out);
    assert_true(cJSON_IsObject(j));
    assert_true(num(j, "rows") == 48472);
    assert_string_equal(cJSON_GetObjectItem(j, "ci_method")->valuestring,
                        "exact");
    assert_true(num(j, "ci_level") == 0.9);
    cJSON_Delete(j);
    tt_run_free(&r);
}

static void test_cli_preview_formats_and_output_file(void **state)
{
    (void)state;
    tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                             "--data '%s' --format markdown", synth_file());
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "| `TIER_1A_PRIME_MOVER_SMALL` |"));
    assert_non_null(strstr(r.out, "### v3.2 TEST"));
    tt_run_free(&r);
    r = tt_run("preview --rules registry/tiers/v3.2.json --data '%s' "
               "--format csv", synth_file());
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "split,tier,leads,labeled,conversions,", 37) == 0);
    int lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 16);
    tt_run_free(&r);
    r = tt_run("preview --rules registry/tiers/v3.2.json --data '%s' -o '%s'",
               synth_file(), tt_path("preview.txt"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    char *txt = tt_read(tt_path("preview.txt"), NULL);
    assert_non_null(strstr(txt, "TRAIN: 30,727 leads"));
    free(txt);
    tt_run_free(&r);
}

static void test_cli_check_schema(void **state)
{
    (void)state;
    tt_run_result r = tt_run("check-schema --rules registry/tiers/v3.2.json "
                             "--data tests/fixtures/aliases.csv --format json");
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "ok");
    const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 3);
    assert_string_equal(cJSON_GetObjectItem(f, "feature")->valuestring,
                        "firm_rep_count_at_contact");
    assert_string_equal(cJSON_GetObjectItem(f, "column")->valuestring,
                        "pit_firm_rep_count");
    assert_true(fabs(num(f, "null_rate") - 0.2) < 1e-12);
    cJSON_Delete(j);
    tt_run_free(&r);

    tt_write("no_prior.csv", "lead_id,current_firm_tenure_months,"
                             "industry_tenure_months,firm_net_change_12mo,"
                             "firm_rep_count,is_wirehouse,target,split\n"
                             "1,2,3,4,5,false,0,TRAIN\n");
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data '%s'",
               tt_path("no_prior.csv"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing column 'num_prior_firms' (tried "
                                  "'num_prior_firms', 'pit_num_prior_firms', "
                                  "'prior_firm_count')"));
    assert_non_null(strstr(r.out, "num_prior_firms"));
    assert_non_null(strstr(r.out, "MISSING"));
    tt_run_free(&r);
}

static void test_cli_bad_rows(void **state)
{
    (void)state;
    tt_write("bad.csv", "lead_id,current_firm_tenure_months,"
                        "industry_tenure_months,firm_net_change_12mo,"
                        "firm_rep_count_at_contact,num_prior_firms,"
                        "is_wirehouse,target,split\n"
                        "1,24,100,-3,5,0,false,1,TRAIN\n"
                        "2,24,100,-3,five,0,false,0,TRAIN\n");
    tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                             "--data '%s' -o '%s'", tt_path("bad.csv"),
                             tt_path("never.txt"));
    assert_int_equal(r.status, 2);
    char want[1200];
    snprintf(want, sizeof want, "tiergate: %s:3:13: bad value 'five' in column "
                                "'firm_rep_count_at_contact': expected a "
                                "number\n"
                                "    2,24,100,-3,five,0,false,0,TRAIN\n"
                                "                ^\n",
             tt_path("bad.csv"));
    assert_string_equal(r.err, want);
    assert_null(tt_read(tt_path("never.txt"), NULL)); /* no partial report */
    tt_run_free(&r);
    r = tt_run("preview --rules registry/tiers/v3.2.json --data '%s' "
               "--on-bad-row skip --split ALL --format json",
               tt_path("bad.csv"));
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "warning: skipped 1 bad row of 2"));
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 1);
    cJSON_Delete(j);
    tt_run_free(&r);

    r = tt_run("preview --rules tests/fixtures/nonexistent.json --data '%s'",
               tt_path("bad.csv"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "nonexistent.json: cannot open"));
    tt_run_free(&r);
}

/* Known leads of the default synthetic export, field by field. */
static void test_cli_salesforce_known_rows(void **state)
{
    (void)state;
    tt_run_result r = tt_run("score --rules registry/tiers/v3.2.json --data "
                             "'%s' --view salesforce --scored-at "
                             "2025-12-22T00:00:00Z", synth_file());
    assert_int_equal(r.status, 0);
    static const char header[] =
        "Lead_ID__c,Lead_Score_Tier__c,Lead_Score_Display__c,"
        "Expected_Conversion__c,Expected_Lift__c,Lead_Priority_Rank__c,"
        "Lead_Action__c,Lead_Score_Explanation__c,Lead_Score_Model__c,"
        "Lead_Scored_At__c\n";
    assert_true(strncmp(r.out, header, sizeof header - 1) == 0);
    /* 00Q000000000030: 23 months at a firm of 43 reps that lost 6, 63
     * months in the industry, not a wirehouse: every TIER_1A condition. */
    assert_non_null(strstr(r.out,
        "\n00Q000000000030,TIER_1A_PRIME_MOVER_SMALL,🥇 Prime Mover (Small "
        "Firm),15.0%,3.5x,1,Call immediately - highest priority,\"Mid-career "
        "advisor (1-3yr tenure, 5-15yr exp) at small bleeding firm - highest "
        "conversion signal\",v3.2,2025-12-22T00:00:00Z\n"));
    /* 00Q000000000031: 333 months in the industry at a firm of 154 reps
     * that lost 55. */
    assert_non_null(strstr(r.out,
        "\n00Q000000000031,TIER_4_HEAVY_BLEEDER,🎖️ Heavy Bleeder,10.0%,2.3x,7,"
        "Priority follow-up this week,Experienced advisor at firm in crisis "
        "(losing 10+ reps),v3.2,2025-12-22T00:00:00Z\n"));
    assert_non_null(strstr(r.out,
        "\n00Q000000000034,TIER_2A_PROVEN_MOVER,🥈 Proven Mover,10.0%,2.5x,4,"));
    /* Priority tiers only: 00Q000000000004 (292 months tenure, firm
     * growing) is STANDARD and absent; the view starts with Tier 1A. */
    assert_null(strstr(r.out, "00Q000000000004,"));
    assert_null(strstr(r.out, ",STANDARD,"));
    assert_non_null(strstr(r.out, "Lead_Scored_At__c\n00Q000000000030,"));
    tt_run_free(&r);
    char *csv = tt_read(synth_file(), NULL);
    assert_non_null(strstr(csv, "\n00Q000000000030,5956444,2024-03-11,23,63,"
                                "-6,43,2,false,0,TRAIN\n"));
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_cli_synth_pipe_preview_json),
        cmocka_unit_test(test_cli_scan_simd_choice),
        cmocka_unit_test(test_cli_preview_formats_and_output_file),
        cmocka_unit_test(test_cli_check_schema),
        cmocka_unit_test(test_cli_bad_rows),
        cmocka_unit_test(test_cli_salesforce_known_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
