/*
 * Hostile input: every reproducer of a crash, an unbounded cost, a
 * silently wrong number or undefined behaviour on the input side, run
 * through the tiergate binary as CI would run it. Each asserts the
 * documented outcome (exit 2 naming file, line and column or the key;
 * or the right numbers) against counts computed here from the rows
 * written, independently of the scan.
 *
 * TG_TEST_BIN=/path/to/older/tiergate runs them against another build.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define RULES "--rules registry/tiers/v3.2.json "
#define HDR                                                                  \
    "lead_id,current_firm_tenure_months,industry_tenure_months,"             \
    "firm_net_change_12mo,firm_rep_count_at_contact,num_prior_firms,"        \
    "is_wirehouse,target,split\n"

/* The V3.2 features, for rule sets written by the tests. */
#define FEATURES                                                             \
    "\"features\": ["                                                        \
    "{\"name\": \"current_firm_tenure_months\", \"min\": 0, \"max\": 720},"  \
    "{\"name\": \"industry_tenure_months\", \"min\": 0, \"max\": 840},"      \
    "{\"name\": \"firm_net_change_12mo\", \"min\": -100000, \"max\": 100000}," \
    "{\"name\": \"firm_rep_count_at_contact\", \"min\": 1, \"max\": 100000%s}," \
    "{\"name\": \"num_prior_firms\", \"min\": 0, \"max\": 100},"             \
    "{\"name\": \"is_wirehouse\", \"type\": \"boolean\", \"min\": 0, \"max\": 1}]"

/* A growing string (open_memstream). */
typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} sb;

static void sb_open(sb *s)
{
    s->buf = NULL;
    s->len = 0;
    s->f = open_memstream(&s->buf, &s->len);
    assert_non_null(s->f);
}

static char *sb_close(sb *s)
{
    fclose(s->f);
    return s->buf;
}

/* A rule set with the V3.2 features and one tier whose condition is
 * cond (a JSON string body, already escaped), written to name. */
static const char *one_tier_rules(const char *name, const char *cond)
{
    sb s;
    sb_open(&s);
    fprintf(s.f, "{\"model_id\": \"m\", \"model_version\": \"v1\", "
                 "\"model_type\": \"rules-based-tiers\", ");
    fprintf(s.f, FEATURES, "");
    fprintf(s.f, ", \"tiers\": [{\"name\": \"T1\", \"when\": \"%s\", "
                 "\"expected_conversion_rate\": 0.1, \"expected_lift\": 2, "
                 "\"priority_rank\": 1}], \"default_tier\": {\"name\": \"STANDARD\", "
                 "\"expected_conversion_rate\": 0.03, \"expected_lift\": 1, "
                 "\"priority_rank\": 99}}\n", cond);
    char *text = sb_close(&s);
    const char *p = tt_write(name, text);
    free(text);
    return p;
}

static void expect_exit(tt_run_result *r, int status, const char *needle)
{
    if (r->status != status)
        fail_msg("exit %d (want %d); stderr: %.600s", r->status, status,
                 r->err);
    if (needle && !strstr(r->err, needle))
        fail_msg("stderr lacks '%s': %.600s", needle, r->err);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        fail_msg("key %s is not a number", k);
    return v->valuedouble;
}

/* ---- crashes ------------------------------------------------------------ */

static void test_summary_with_80_leading_columns(void **state)
{
    (void)state;
    sb s;
    sb_open(&s);
    for (int i = 0; i < 80; i++)
        fprintf(s.f, "x%d,", i);
    fprintf(s.f, "split,tier,leads,labeled,conversions\n");
    for (int i = 0; i < 80; i++)
        fprintf(s.f, "%d,", i);
    fprintf(s.f, "TRAIN,STANDARD,many,5,1\n");
    char *text = sb_close(&s);
    const char *p = tt_write("wide-summary.csv", text);
    free(text);
    /* The field-name table has 7 entries: indexing it by column 82
     * crashed. The message names the field and its column. */
    tt_run_result r = tt_run("preview " RULES "--summary '%s'", p);
    expect_exit(&r, 2, ":2:");
    assert_non_null(strstr(r.err, "'leads' needs a whole count"));
    tt_run_free(&r);
}

static void test_summary_bad_rows_are_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *msg;
    } cases[] = {
        /* Summed before: a summary that double counts. */
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,5,5,1\n"
         "TRAIN,STANDARD,5,5,1\n",
         ":3:7: a second row for split 'TRAIN' and tier 'STANDARD'"},
        {"split,tier,leads,labeled,conversions,first_contacted_date,"
         "last_contacted_date\nTRAIN,STANDARD,5,5,1,2025-03-01,2025-01-01\n",
         ":2:33: last_contacted_date 2025-01-01 is before "
         "first_contacted_date 2025-03-01"},
        /* A count no integer type holds: its cast was undefined. */
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,1e300,0,0\n",
         ":2:16: 'leads' needs a whole count >= 0"},
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,5,5,1,9\n",
         ":2:22: expected 5 fields as in the header, found 6"},
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,5,5\n",
         ":2:19: expected 5 fields as in the header, found 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *p = tt_write("bad-summary.csv", cases[i].csv);
        tt_run_result r = tt_run("preview " RULES "--summary '%s'", p);
        expect_exit(&r, 2, cases[i].msg);
        tt_run_free(&r);
    }
    /* Rows that differ in another key column (a slice) add up; the same
     * values twice do not. */
    const char *p = tt_write("sliced-summary.csv",
                             "split,tier,region,leads,labeled,conversions\n"
                             "TRAIN,STANDARD,east,5,5,1\n"
                             "TRAIN,STANDARD,west,7,6,2\n");
    tt_run_result r = tt_run("preview " RULES "--summary '%s' --split TRAIN "
                             "--format json", p);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 12);
    cJSON_Delete(j);
    tt_run_free(&r);
    p = tt_write("sliced-summary.csv",
                 "split,tier,region,leads,labeled,conversions\n"
                 "TRAIN,STANDARD,east,5,5,1\n"
                 "train,STANDARD,east,7,6,2\n");
    r = tt_run("preview " RULES "--summary '%s'", p);
    expect_exit(&r, 2, ":3:7: a second row for split 'train' and tier "
                       "'STANDARD'");
    tt_run_free(&r);
}

/* n copies of open, then the core, then n copies of close. */
static const char *nested_rules(const char *name, const char *open, int n,
                                const char *core, const char *close)
{
    sb s;
    sb_open(&s);
    for (int i = 0; i < n; i++)
        fputs(open, s.f);
    fputs(core, s.f);
    for (int i = 0; i < n; i++)
        fputs(close, s.f);
    char *cond = sb_close(&s);
    const char *p = one_tier_rules(name, cond);
    free(cond);
    return p;
}

static void test_deep_nesting_is_refused(void **state)
{
    (void)state;
    static const struct {
        const char *open, *core, *close;
        int n;
    } cases[] = {
        {"(", "current_firm_tenure_months > 1", ")", 100000},
        {"(", "current_firm_tenure_months > 1", ")", 10000},
        {"NOT ", "current_firm_tenure_months > 1", "", 10000},
        {"- ", "1 < current_firm_tenure_months", "", 10000},
        {"", "current_firm_tenure_months", " + 1", 10000},
        {"(", "current_firm_tenure_months > 1", ")", 257},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char core[200];
        snprintf(core, sizeof core, "%s", cases[i].core);
        const char *p;
        if (strcmp(cases[i].close, " + 1") == 0) {
            /* A left-deep chain: x + 1 + 1 + ... > 3 */
            sb s;
            sb_open(&s);
            fputs("current_firm_tenure_months", s.f);
            for (int k = 0; k < cases[i].n; k++)
                fputs(" + 1", s.f);
            fputs(" > 3", s.f);
            char *cond = sb_close(&s);
            p = one_tier_rules("deep.json", cond);
            free(cond);
        } else {
            p = nested_rules("deep.json", cases[i].open, cases[i].n, core,
                             cases[i].close);
        }
        tt_run_result r = tt_run("lint --rules '%s'", p);
        expect_exit(&r, 2, "condition nested too deeply: more than 256 levels");
        assert_non_null(strstr(r.err, "deep.json#T1:1:"));
        tt_run_free(&r);
    }
    /* 256 levels are allowed. */
    const char *p = nested_rules("ok.json", "(", 255,
                                 "current_firm_tenure_months > 1", ")");
    tt_run_result r = tt_run("lint --rules '%s'", p);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
}

/* Rows of HDR; reps, target and split per row from simple formulas. */
static const char *small_data(const char *name, int rows)
{
    sb s;
    sb_open(&s);
    fputs(HDR, s.f);
    for (int i = 0; i < rows; i++)
        fprintf(s.f, "%d,%d,%d,%d,%d,%d,%s,%d,%s\n", i, 12 + i % 30,
                60 + i % 100, -(i % 7), 1 + (i * 37) % 2000, i % 4,
                i % 3 ? "false" : "true", i % 5 == 0, i % 2 ? "TRAIN" : "TEST");
    char *text = sb_close(&s);
    const char *p = tt_write(name, text);
    free(text);
    return p;
}

static void test_long_conjunction_loads_and_counts(void **state)
{
    (void)state;
    /* 100,000 AND terms with distinct constants: the tier table would
     * evaluate the whole condition once per cell (200,002 cells). The
     * tier holds every row whose firm has fewer than 1,000 reps. */
    sb s;
    sb_open(&s);
    for (int k = 0; k < 100000; k++)
        fprintf(s.f, "%sfirm_rep_count_at_contact <> %d", k ? " AND " : "",
                1000 + k);
    char *cond = sb_close(&s);
    const char *rules = one_tier_rules("long.json", cond);
    free(cond);
    const char *data = small_data("long.csv", 60);
    uint64_t want = 0;
    for (int i = 0; i < 60; i++)
        want += 1 + (i * 37) % 2000 < 1000;
    tt_run_result r = tt_run("preview --rules '%s' --data '%s' --split ALL "
                             "--format json", rules, data);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *t1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tiers"), 0);
    assert_string_equal(cJSON_GetObjectItem(t1, "tier")->valuestring, "T1");
    assert_true(num(t1, "leads") == (double)want);
    cJSON_Delete(j);
    tt_run_free(&r);
    /* The generated SQL keeps the chain flat, one term per line. */
    r = tt_run("sql --rules '%s' --dialect sqlite --emit scoring", rules);
    expect_exit(&r, 0, NULL);
    assert_non_null(strstr(r.out, "firm_rep_count_at_contact <> 1000\n"));
    assert_null(strstr(r.out, "(firm_rep_count_at_contact <> 1000 AND"));
    tt_run_free(&r);
}

static void test_condition_size_limit(void **state)
{
    (void)state;
    /* A condition over 8 MiB is refused with its size, not parsed. */
    size_t n = (9u << 20);
    char *cond = malloc(n + 64);
    memset(cond, ' ', n);
    strcpy(cond + n, "current_firm_tenure_months > 1");
    const char *p = one_tier_rules("huge.json", cond);
    free(cond);
    tt_run_result r = tt_run("lint --rules '%s'", p);
    expect_exit(&r, 2, "condition too large");
    tt_run_free(&r);
}

/* ---- no fixed per-tier arrays: 1,000 tiers through every command ------ */

#define NT 999 /* tiers besides the default */

static const char *many_tier_rules(void)
{
    sb s;
    sb_open(&s);
    fprintf(s.f, "{\"model_id\": \"many\", \"model_version\": \"v9\", "
                 "\"model_type\": \"rules-based-tiers\", ");
    fprintf(s.f, FEATURES, "");
    fprintf(s.f, ", \"tiers\": [");
    for (int k = 0; k < NT; k++)
        fprintf(s.f, "{\"name\": \"T%04d\", \"when\": "
                     "\"firm_rep_count_at_contact = %d\", "
                     "\"expected_conversion_rate\": %.6f, "
                     "\"expected_lift\": 1, \"priority_rank\": %d}%s",
                k, k + 1, 0.5 - k * 0.0004, k + 1, k + 1 < NT ? "," : "");
    fprintf(s.f, "], \"default_tier\": {\"name\": \"STANDARD\", "
                 "\"expected_conversion_rate\": 0.01, \"expected_lift\": 1, "
                 "\"priority_rank\": 5000}}\n");
    char *text = sb_close(&s);
    const char *p = tt_write("many.json", text);
    free(text);
    return p;
}

/* Three rows per tier (firm_rep_count_at_contact = k + 1), and three
 * for STANDARD; the first of each tier converts. */
static const char *many_tier_data(void)
{
    sb s;
    sb_open(&s);
    fputs(HDR, s.f);
    for (int k = 0; k <= NT; k++)
        for (int i = 0; i < 3; i++)
            fprintf(s.f, "%d,%d,100,-3,%d,1,false,%d,%s\n", k * 3 + i, 24,
                    k + 1, i == 0, i == 2 ? "TEST" : "TRAIN");
    char *text = sb_close(&s);
    const char *p = tt_write("many.csv", text);
    free(text);
    return p;
}

static void test_thousand_tiers_every_command(void **state)
{
    (void)state;
    /* tt_path's buffers are reused: keep copies. */
    char rules[1024], gate_json[1024], html[1024];
    snprintf(rules, sizeof rules, "%s", many_tier_rules());
    snprintf(gate_json, sizeof gate_json, "%s", tt_path("many-gate.json"));
    snprintf(html, sizeof html, "%s", tt_path("many.html"));
    const char *data = many_tier_data();
    char rules_arg[1100], data_arg[1100];
    snprintf(rules_arg, sizeof rules_arg, "--rules '%s'", rules);
    snprintf(data_arg, sizeof data_arg, "--data '%s'", data);
    char policy[1024];
    snprintf(policy, sizeof policy, "%s", tt_write(
        "many-policy.json",
        "{\"policy_id\": \"many\", \"min_labeled\": 1, \"gates\": ["
        "{\"id\": \"R\", \"description\": \"rank order\", \"check\": "
        "\"rank_order\", \"tiers\": \"priority\", \"severity\": \"warn\"},"
        "{\"id\": \"C\", \"description\": \"rate\", \"check\": "
        "\"conversion_rate\", \"tiers\": \"priority\", \"min\": 0.3, "
        "\"severity\": \"warn\"},"
        "{\"id\": \"D\", \"description\": \"no skipped rows\", \"check\": "
        "\"data_quality\", \"severity\": \"block\"}]}\n"));

    tt_run_result r = tt_run("check-schema %s %s", rules_arg, data_arg);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);

    r = tt_run("preview %s %s --split ALL --format json", rules_arg, data_arg);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    const cJSON *tiers = cJSON_GetObjectItem(j, "tiers");
    assert_int_equal(cJSON_GetArraySize(tiers), NT + 1);
    for (int k = 0; k <= NT; k++)
        assert_true(num(cJSON_GetArrayItem(tiers, k), "leads") == 3);
    cJSON_Delete(j);
    tt_run_free(&r);

    /* Every covered tier is judged: rank order and Holm stopped at 256.
     * The fewest simulated releases the reliability section allows: the
     * test is about 1,000 tiers, not about the simulation's precision,
     * and it also runs under the sanitizers. */
    r = tt_run("gate %s --policy '%s' %s --json '%s' --draws 1000", rules_arg,
               policy, data_arg, gate_json);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    char *text = tt_read(gate_json, NULL);
    j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    int rank = 0, rate = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
    {
        const char *id = cJSON_GetObjectItem(g, "id")->valuestring;
        rank += strcmp(id, "R") == 0;
        rate += strcmp(id, "C") == 0;
    }
    assert_int_equal(rate, NT);
    assert_true(rank >= NT - 1);
    const cJSON *train = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "splits"),
                                             "TRAIN");
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(train, "tiers"),
                                           NT - 1);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(last, "fisher_p_holm")));
    cJSON_Delete(j);

    /* The ordered views: every priority row, in rank order. */
    const char *views[] = {"production", "salesforce", "sga"};
    for (int v = 0; v < 3; v++) {
        r = tt_run("score %s %s --view %s", rules_arg, data_arg, views[v]);
        expect_exit(&r, 0, NULL);
        long lines = 0;
        for (const char *c = r.out; *c; c++)
            lines += *c == '\n';
        assert_int_equal(lines, 1 + 3 * NT);
        /* Tiers appear in rank order: T0000 first, T0998 last. */
        const char *a = strstr(r.out, "T0000"), *b = strstr(r.out, "T0500"),
                   *c = strstr(r.out, "T0998");
        assert_non_null(a);
        assert_true(a < b && b < c);
        tt_run_free(&r);
    }
    r = tt_run("score %s %s --view production --format json", rules_arg,
               data_arg);
    expect_exit(&r, 0, NULL);
    j = cJSON_Parse(r.out);
    assert_int_equal(cJSON_GetArraySize(j), 3 * NT);
    cJSON_Delete(j);
    tt_run_free(&r);

    mkdir(tt_path("many-sql"), 0755);
    r = tt_run("sql %s --dialect sqlite --emit all --out-dir '%s'", rules_arg,
               tt_path("many-sql"));
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    r = tt_run("calibrate %s %s", rules_arg, data_arg);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    r = tt_run("compare --from registry/tiers/v3.2.json --to '%s' %s --format "
               "json", rules, data_arg);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    r = tt_run("lint %s --format json", rules_arg);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
    r = tt_run("report --from '%s' -o '%s'", gate_json, html);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
}

static void test_lint_findings_stay_bounded(void **state)
{
    (void)state;
    /* 999 tiers whose expected rates rise with rank: every pair
     * conflicts (about 500,000 pairs). lint reports each tier's first
     * ten and counts the rest, in linear memory. */
    sb s;
    sb_open(&s);
    fprintf(s.f, "{\"model_id\": \"rev\", \"model_version\": \"v9\", "
                 "\"model_type\": \"rules-based-tiers\", ");
    fprintf(s.f, FEATURES, "");
    fprintf(s.f, ", \"tiers\": [");
    for (int k = 0; k < NT; k++)
        fprintf(s.f, "{\"name\": \"T%04d\", \"when\": "
                     "\"firm_rep_count_at_contact = %d\", "
                     "\"expected_conversion_rate\": %.6f, "
                     "\"expected_lift\": 1, \"priority_rank\": %d}%s",
                k, k + 1, 0.01 + k * 0.0004, k + 1, k + 1 < NT ? "," : "");
    fprintf(s.f, "], \"default_tier\": {\"name\": \"STANDARD\", "
                 "\"expected_conversion_rate\": 0.001, \"expected_lift\": 1, "
                 "\"priority_rank\": 5000}}\n");
    char *text = sb_close(&s);
    const char *rules = tt_write("reversed.json", text);
    free(text);
    tt_run_result r = tt_run("lint --rules '%s' --format json", rules);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    int rank_vs_rate = 0, summaries = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "findings"))
    {
        if (strcmp(cJSON_GetObjectItem(f, "code")->valuestring,
                   "rank-vs-rate") != 0)
            continue;
        rank_vs_rate++;
        summaries += strstr(cJSON_GetObjectItem(f, "message")->valuestring,
                            "more tiers") != NULL;
    }
    /* Tier k ranks above the 998 - k tiers after it, all conflicting:
     * min(10, 998 - k) findings, plus one summary when more. */
    int want = 0, want_summaries = 0;
    for (int k = 0; k < NT; k++) {
        int conflicts = NT - 1 - k;
        want += conflicts < 10 ? conflicts : 10;
        want_summaries += conflicts > 10;
    }
    assert_int_equal(summaries, want_summaries);
    assert_int_equal(rank_vs_rate, want + want_summaries);
    cJSON_Delete(j);
    tt_run_free(&r);
}

/* ---- rows and values --------------------------------------------------- */

static void test_bad_values_are_errors_at_their_column(void **state)
{
    (void)state;
    static const struct {
        const char *row, *where, *msg;
    } cases[] = {
        /* One unquoted comma shifted every later column. */
        {"1,24,100,-3,5,0,false,0,TRAIN,extra\n", ":2:31:",
         "more fields than the 9 of the header"},
        {"1,24,100,-3,5,0,fal,se,0,TRAIN\n", ":2:26:",
         "more fields than the 9 of the header"},
        {"1,24,100,-3,true,0,false,0,TRAIN\n", ":2:13:",
         "bad value 'true' in column 'firm_rep_count_at_contact': expected a "
         "number"},
        {"1,24,100,-3,1e-400,0,false,0,TRAIN\n", ":2:13:",
         "expected a number within the range of a double"},
        {"1,24,100,-3,5,0,false,0,TRAIN\n1,24,100,-3,1e400,0,false,0,TRAIN\n",
         ":3:13:", "expected a number within the range of a double"},
        {"1,24,100,-3,250000,0,false,0,TRAIN\n", ":2:13:",
         "value 250000 in column 'firm_rep_count_at_contact' is outside its "
         "declared range 1..100000"},
        {"1,24,100,-3,0,0,false,0,TRAIN\n", ":2:13:", "outside its declared"},
        {"1,24,100,-3,5,0,2,0,TRAIN\n", ":2:17:",
         "bad value '2' in column 'is_wirehouse': expected a boolean"},
        {"1,24,100,-3,5,0,yes,0,TRAIN\n", ":2:17:", "expected a boolean"},
        {"1,24,100,-3,5,0,false,2,TRAIN\n", ":2:23:",
         "bad value '2' in column 'target'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1000];
        snprintf(text, sizeof text, "%s%s", HDR, cases[i].row);
        const char *p = tt_write("bad-value.csv", text);
        tt_run_result r = tt_run("preview " RULES "--data '%s'", p);
        expect_exit(&r, 2, cases[i].msg);
        if (!strstr(r.err, cases[i].where))
            fail_msg("case %zu: stderr lacks '%s': %s", i, cases[i].where,
                     r.err);
        tt_run_free(&r);
        /* check-schema fails whenever preview does, at the same place. */
        r = tt_run("check-schema " RULES "--data '%s'", p);
        expect_exit(&r, 2, cases[i].msg);
        if (!strstr(r.err, cases[i].where))
            fail_msg("case %zu: check-schema lacks '%s': %s", i,
                     cases[i].where, r.err);
        tt_run_free(&r);
    }
    /* The same rows in a large file go through the fast path first. */
    sb s;
    sb_open(&s);
    fputs(HDR, s.f);
    for (int i = 0; i < 5000; i++)
        fprintf(s.f, "%d,24,100,-3,5,0,false,0,TRAIN\n", i);
    fputs("5000,24,100,-3,5,0,false,0,TRAIN,x\n", s.f);
    char *text = sb_close(&s);
    const char *p = tt_write("bad-late.csv", text);
    free(text);
    tt_run_result r = tt_run("preview " RULES "--data '%s'", p);
    expect_exit(&r, 2, ":5002:34: more fields than the 9 of the header");
    tt_run_free(&r);
}

static void test_check_schema_counts_each_problem(void **state)
{
    (void)state;
    /* Rows written here: 3 with is_wirehouse = 2, 2 with target 2, one
     * with an extra field, 44 good ones. */
    sb s;
    sb_open(&s);
    fputs(HDR, s.f);
    for (int i = 0; i < 50; i++) {
        if (i == 7 || i == 20 || i == 33)
            fprintf(s.f, "%d,24,100,-3,5,0,2,0,TRAIN\n", i);
        else if (i == 11 || i == 40)
            fprintf(s.f, "%d,24,100,-3,5,0,false,2,TEST\n", i);
        else if (i == 45)
            fprintf(s.f, "%d,24,100,-3,5,0,false,0,TEST,x\n", i);
        else
            fprintf(s.f, "%d,24,100,-3,5,0,false,1,TRAIN\n", i);
    }
    char *text = sb_close(&s);
    const char *p = tt_write("schema-bad.csv", text);
    free(text);
    tt_run_result r = tt_run("check-schema " RULES "--data '%s' --format json",
                             p);
    expect_exit(&r, 2, ":9:17: bad value '2' in column 'is_wirehouse'");
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring,
                        "bad_values");
    assert_true(num(j, "bad_rows") == 6);
    const cJSON *probs = cJSON_GetObjectItem(j, "problems");
    assert_int_equal(cJSON_GetArraySize(probs), 3);
    static const struct {
        const char *reason;
        double rows, line, column;
    } want[] = {{"bad_value", 3, 9, 17}, {"bad_target", 2, 13, 24},
                {"field_count", 1, 47, 31}};
    for (int i = 0; i < 3; i++) {
        const cJSON *x = cJSON_GetArrayItem(probs, i);
        assert_string_equal(cJSON_GetObjectItem(x, "reason")->valuestring,
                            want[i].reason);
        assert_true(num(x, "rows") == want[i].rows);
        const cJSON *f = cJSON_GetObjectItem(x, "first");
        assert_true(num(f, "line") == want[i].line);
        assert_true(num(f, "column") == want[i].column);
    }
    cJSON_Delete(j);
    tt_run_free(&r);
}

static void test_booleans_any_case(void **state)
{
    (void)state;
    const char *p = tt_write("bools.csv", HDR "1,24,100,-3,5,0,TRUE,0,TRAIN\n"
                                              "2,24,100,-3,5,0,False,1,TRAIN\n"
                                              "3,24,100,-3,5,0,1,0,TRAIN\n"
                                              "4,24,100,-3,5,0,0,1,TRAIN\n");
    tt_run_result r = tt_run("preview " RULES "--data '%s' --split TRAIN "
                             "--format json", p);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 4);
    /* Tenure 24, 100 months in the industry, a shrinking firm of 5
     * reps: TIER_1A unless a wirehouse. */
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tiers"), 0);
    assert_string_equal(cJSON_GetObjectItem(t, "tier")->valuestring,
                        "TIER_1A_PRIME_MOVER_SMALL");
    assert_true(num(t, "leads") == 2);
    cJSON_Delete(j);
    tt_run_free(&r);
}

static void test_out_of_range_warn_is_counted(void **state)
{
    (void)state;
    sb s;
    sb_open(&s);
    fprintf(s.f, "{\"model_id\": \"m\", \"model_version\": \"v1\", "
                 "\"model_type\": \"rules-based-tiers\", ");
    fprintf(s.f, FEATURES, ", \"out_of_range\": \"warn\"");
    fprintf(s.f, ", \"tiers\": [{\"name\": \"T1\", \"when\": "
                 "\"firm_rep_count_at_contact <= 10\", "
                 "\"expected_conversion_rate\": 0.1, \"expected_lift\": 2, "
                 "\"priority_rank\": 1}], \"default_tier\": {\"name\": \"STANDARD\", "
                 "\"expected_conversion_rate\": 0.03, \"expected_lift\": 1, "
                 "\"priority_rank\": 99}}\n");
    char *text = sb_close(&s);
    const char *rules = tt_write("warn.json", text);
    free(text);
    const char *p = tt_write("warn.csv", HDR "1,24,100,-3,0,0,false,0,TRAIN\n"
                                             "2,24,100,-3,200000,0,false,0,TRAIN\n"
                                             "3,24,100,-3,5,0,false,0,TRAIN\n");
    tt_run_result r = tt_run("preview --rules '%s' --data '%s' --split ALL "
                             "--format json", rules, p);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "out_of_range_warnings") == 2);
    assert_true(num(j, "rows") == 3);
    cJSON_Delete(j);
    tt_run_free(&r);
}

static void test_other_split_values_are_reported(void **state)
{
    (void)state;
    const char *p = tt_write("splits.csv", HDR
                             "1,24,100,-3,5,0,false,0,TRAIN\n"
                             "2,24,100,-3,5,0,false,0, TRAIN\n"
                             "3,24,100,-3,5,0,false,0,\xff\xfeTEST\n"
                             "4,24,100,-3,5,0,false,0,VAL\n"
                             "5,24,100,-3,5,0,false,0,VAL\n"
                             "6,24,100,-3,5,0,false,0,test\n");
    tt_run_result r = tt_run("preview " RULES "--data '%s' --split ALL "
                             "--format json", p);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j); /* valid JSON despite the invalid UTF-8 */
    assert_true(num(j, "rows") == 6);
    const cJSON *o = cJSON_GetObjectItem(j, "other_split_values");
    assert_true(num(o, " TRAIN") == 1);
    assert_true(num(o, "\\xFF\\xFETEST") == 1);
    assert_true(num(o, "VAL") == 2);
    assert_int_equal(cJSON_GetArraySize(o), 3);
    cJSON_Delete(j);
    tt_run_free(&r);
    r = tt_run("preview " RULES "--data '%s' --split TRAIN --format json", p);
    j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 1);
    cJSON_Delete(j);
    tt_run_free(&r);
}

static void test_timestamps_validated(void **state)
{
    (void)state;
    const char *ok[] = {"2025-07-04", "2025-07-04T10:00", "2025-07-04 10:00:00",
                        "2025-07-04 10:00:00 UTC", "2025-07-04T23:59:60.5Z",
                        "2025-07-04T10:00:00+02:00"};
    const char *bad[] = {"2025-07-04T25:00:00", "2025-07-04T10:61", "2025-07-04T",
                         "2025-07-04 10:00:00 CET", "2025-07-04T10:00:00.",
                         "2025-02-30"};
    for (int k = 0; k < 12; k++) {
        const char *d = k < 6 ? ok[k] : bad[k - 6];
        char text[600];
        snprintf(text, sizeof text,
                 "lead_id,contacted_date,current_firm_tenure_months,"
                 "industry_tenure_months,firm_net_change_12mo,"
                 "firm_rep_count_at_contact,num_prior_firms,is_wirehouse,"
                 "target,split\n1,%s,24,100,-3,5,0,false,0,TRAIN\n", d);
        tt_run_result r = tt_run("preview " RULES "--data '%s'",
                                 tt_write("dates.csv", text));
        if (k < 6)
            expect_exit(&r, 0, NULL);
        else
            expect_exit(&r, 2, ":2:3: bad value");
        tt_run_free(&r);
    }
}

static void test_gzip_trailing_garbage(void **state)
{
    (void)state;
    const char *text = HDR "1,24,100,-3,5,0,false,0,TRAIN\n";
    const char *gz = tt_write_gz("trail.csv.gz", text, strlen(text));
    size_t len;
    char *bytes = tt_read(gz, &len);
    FILE *f = fopen(tt_path("trail2.csv.gz"), "wb");
    fwrite(bytes, 1, len, f);
    fputs("garbage", f);
    fclose(f);
    tt_run_result r = tt_run("preview " RULES "--data '%s'", gz);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    r = tt_run("preview " RULES "--data '%s'", tt_path("trail2.csv.gz"));
    expect_exit(&r, 2, "unexpected bytes after the gzip data");
    tt_run_free(&r);
    /* Two members one after the other are one stream (gzip -c a b). */
    f = fopen(tt_path("two.csv.gz"), "wb");
    fwrite(bytes, 1, len, f);
    const char *more = "2,24,100,-3,5,0,false,0,TRAIN\n";
    const char *gz2 = tt_write_gz("more.gz", more, strlen(more));
    size_t len2;
    char *b2 = tt_read(gz2, &len2);
    fwrite(b2, 1, len2, f);
    fclose(f);
    r = tt_run("preview " RULES "--data '%s' --split TRAIN --format json",
               tt_path("two.csv.gz"));
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 2);
    cJSON_Delete(j);
    tt_run_free(&r);
    free(b2);
    free(bytes);
}

static void test_same_file_twice_and_directories(void **state)
{
    (void)state;
    const char *p = tt_write("once.csv", HDR "1,24,100,-3,5,0,false,0,TRAIN\n");
    tt_run_result r = tt_run("preview " RULES "--data '%s' --data '%s'", p, p);
    expect_exit(&r, 2, "given twice");
    tt_run_free(&r);
    unlink(tt_path("link.csv"));
    assert_int_equal(symlink(p, tt_path("link.csv")), 0);
    r = tt_run("gate " RULES "--policy registry/gates/v3.2.json --data '%s' "
               "--data '%s'", p, tt_path("link.csv"));
    expect_exit(&r, 2, "given twice");
    tt_run_free(&r);
    r = tt_run("preview " RULES "--data '%s'", tt_tmpdir());
    expect_exit(&r, 2, "s a directory");
    tt_run_free(&r);
    r = tt_run("check-schema " RULES "--data '%s'", tt_tmpdir());
    expect_exit(&r, 2, "s a directory");
    tt_run_free(&r);
}

/* ---- skipped rows cannot bias a verdict -------------------------------- */

static void test_skipped_rows_fail_the_data_quality_gate(void **state)
{
    (void)state;
    /* The default export, then its converters made unreadable: skipping
     * them would leave rates that look fine to every other gate. */
    const char *leads = tt_path("dq.csv");
    tt_run_result r = tt_run("synth --rows 20000 -o '%s'", leads);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    char *text = tt_read(leads, NULL);
    sb s;
    sb_open(&s);
    uint64_t bad = 0, rows = 0;
    char *line = strtok(text, "\n");
    fprintf(s.f, "%s\n", line);
    while ((line = strtok(NULL, "\n")) != NULL) {
        size_t n = strlen(line);
        rows++;
        /* target is the second-to-last field: ",1,TRAIN" or ",1,TEST" */
        int conv = strstr(line, ",1,TRAIN") == line + n - 8 ||
                   strstr(line, ",1,TEST") == line + n - 7;
        if (conv && bad < 200) {
            bad++;
            fprintf(s.f, "%s,oops\n", line);
        } else {
            fprintf(s.f, "%s\n", line);
        }
    }
    free(text);
    char *out = sb_close(&s);
    char p[1024]; /* tt_path's buffers are reused: keep a copy */
    snprintf(p, sizeof p, "%s", tt_write("dq-bad.csv", out));
    free(out);
    assert_true(bad == 200);
    char gate_json[1024];
    snprintf(gate_json, sizeof gate_json, "%s", tt_path("dq-gate.json"));
    r = tt_run("gate " RULES "--policy registry/gates/v3.2.json --data '%s' "
               "--on-bad-row skip --format json --json '%s'", p, gate_json);
    expect_exit(&r, 1, "skipped 200 bad rows");
    assert_non_null(strstr(r.err, "field_count 200"));
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    const cJSON *g, *dq = NULL;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
        if (strcmp(cJSON_GetObjectItem(g, "id")->valuestring, "V3.2.DQ") == 0)
            dq = g;
    assert_non_null(dq);
    assert_string_equal(cJSON_GetObjectItem(dq, "status")->valuestring, "fail");
    const cJSON *prov = cJSON_GetObjectItem(j, "provenance");
    assert_true(num(cJSON_GetObjectItem(prov, "skipped_by_reason"),
                    "field_count") == 200);
    assert_true(num(prov, "skipped_rows") == 200);
    assert_true(num(prov, "rows") == (double)rows);
    cJSON_Delete(j);
    tt_run_free(&r);
    /* The report and the log say it too. */
    r = tt_run("report --from '%s' --format markdown", gate_json);
    expect_exit(&r, 0, NULL);
    assert_non_null(strstr(r.out, "200 skipped as bad (field_count 200)"));
    tt_run_free(&r);
    r = tt_run("report --from '%s'", gate_json);
    expect_exit(&r, 0, NULL);
    assert_non_null(strstr(r.out, "200 skipped as bad (field_count 200)"));
    tt_run_free(&r);
    char log[1024];
    snprintf(log, sizeof log, "%s", tt_path("DQ_LOG.md"));
    r = tt_run("log append " RULES "--result '%s' --log '%s'", gate_json, log);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    char *logtext = tt_read(log, NULL);
    assert_non_null(logtext);
    assert_non_null(strstr(logtext, "**Data:** "));
    assert_non_null(strstr(logtext, "200 skipped as bad (field_count 200)"));
    free(logtext);

    /* A policy may allow a share; exactly at it, the gate passes. */
    char policy[600];
    snprintf(policy, sizeof policy,
             "{\"policy_id\": \"dq\", \"gates\": [{\"id\": \"DQ\", "
             "\"description\": \"few skipped\", \"check\": \"data_quality\", "
             "\"max_skipped_share\": %.17g, \"severity\": \"block\"}]}",
             200.0 / (double)rows);
    r = tt_run("gate " RULES "--policy '%s' --data '%s' --on-bad-row skip",
               tt_write("dq-policy.json", policy), p);
    expect_exit(&r, 0, NULL);
    tt_run_free(&r);
    snprintf(policy, sizeof policy,
             "{\"policy_id\": \"dq\", \"gates\": [{\"id\": \"DQ\", "
             "\"description\": \"few skipped\", \"check\": \"data_quality\", "
             "\"max_skipped_share\": %.17g, \"severity\": \"block\"}]}",
             199.0 / (double)rows);
    r = tt_run("gate " RULES "--policy '%s' --data '%s' --on-bad-row skip",
               tt_write("dq-policy.json", policy), p);
    expect_exit(&r, 1, NULL);
    tt_run_free(&r);

    /* score drops the same rows, and says so. */
    r = tt_run("score " RULES "--data '%s' --on-bad-row skip -o '%s'", p,
               tt_path("dq-scores.csv"));
    expect_exit(&r, 0, "skipped 200 bad rows");
    tt_run_free(&r);
}

/* ---- undefined behaviour ----------------------------------------------- */

static void test_huge_numbers_in_policies_and_results(void **state)
{
    (void)state;
    const char *pol = tt_write(
        "huge-policy.json",
        "{\"policy_id\": \"p\", \"min_labeled\": 1e30, \"gates\": [{\"id\": "
        "\"G\", \"description\": \"d\", \"check\": \"tier_size\", \"min\": 1, "
        "\"severity\": \"block\"}]}");
    const char *data = small_data("small.csv", 50);
    tt_run_result r = tt_run("gate " RULES "--policy '%s' --data '%s'", pol,
                             data);
    expect_exit(&r, 2, "min_labeled");
    tt_run_free(&r);
    pol = tt_write("huge-policy2.json",
                   "{\"policy_id\": \"p\", \"gates\": [{\"id\": \"G\", "
                   "\"description\": \"d\", \"check\": \"tier_size\", "
                   "\"min\": 1, \"min_conversions\": -1e300, \"severity\": "
                   "\"block\"}]}");
    r = tt_run("gate " RULES "--policy '%s' --data '%s'", pol, data);
    expect_exit(&r, 2, "gate 'G': key 'min_conversions'");
    tt_run_free(&r);

    /* A gate result whose tier count is -5: the log never prints it as
     * 18,446,744,073,709,551,611 (the cast of a negative double). */
    r = tt_run("gate " RULES "--policy registry/gates/v3.2.json --data '%s' "
               "--json '%s'", data, tt_path("neg.json"));
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
    char *text = tt_read(tt_path("neg.json"), NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cJSON *t0 = cJSON_GetArrayItem(
        cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(j, "splits"), "TRAIN"),
            "tiers"),
        0);
    cJSON_ReplaceItemInObject(t0, "leads", cJSON_CreateNumber(-5));
    text = cJSON_Print(j);
    tt_write("neg.json", text);
    cJSON_free(text);
    cJSON_Delete(j);
    r = tt_run("log append " RULES "--result '%s' --log '%s'",
               tt_path("neg.json"), tt_path("NEG_LOG.md"));
    assert_true(r.status == 0 || r.status == 2);
    tt_run_free(&r);
    text = tt_read(tt_path("NEG_LOG.md"), NULL);
    if (text)
        assert_null(strstr(text, "18,446,744"));
    free(text);
}

/* ---- the smaller ones -------------------------------------------------- */

static void test_caret_counts_characters(void **state)
{
    (void)state;
    /* Two two-byte characters before the bad value: the column and the
     * caret count characters, as a terminal shows them. */
    const char *p = tt_write("utf8.csv", "lead_id,note,current_firm_tenure_months,"
                                         "industry_tenure_months,"
                                         "firm_net_change_12mo,"
                                         "firm_rep_count_at_contact,"
                                         "num_prior_firms,is_wirehouse,target,"
                                         "split\n"
                                         "1,\xc3\xa9\xc3\xa9,24,100,-3,x,0,false,"
                                         "0,TRAIN\n");
    tt_run_result r = tt_run("preview " RULES "--data '%s'", p);
    expect_exit(&r, 2, ":2:16: bad value 'x'");
    /* The caret line: 4 spaces of indent, then 15 spaces, then ^. */
    assert_non_null(strstr(r.err, "\n                   ^"));
    assert_null(strstr(r.err, "\n                     ^"));
    tt_run_free(&r);
}

static void test_missing_column_and_ragged_rows_have_a_column(void **state)
{
    (void)state;
    const char *p = tt_write("nocol.csv", "lead_id,target,split\n1,0,TRAIN\n");
    tt_run_result r = tt_run("preview " RULES "--data '%s'", p);
    expect_exit(&r, 2, ":1:1: missing column 'current_firm_tenure_months'");
    tt_run_free(&r);
    p = tt_write("short.csv", HDR "1,24,100\n");
    r = tt_run("preview " RULES "--data '%s'", p);
    expect_exit(&r, 2, ":2:9: fewer fields than the 9 of the header");
    tt_run_free(&r);
}

static void test_date_config_from_the_rules_repository(void **state)
{
    (void)state;
    /* No split column: the windows come from the rule set's repository's
     * registry/date_config.json, wherever the command runs. */
    const char *p = tt_write("nosplit.csv",
                             "lead_id,contacted_date,current_firm_tenure_months,"
                             "industry_tenure_months,firm_net_change_12mo,"
                             "firm_rep_count_at_contact,num_prior_firms,"
                             "is_wirehouse,target\n"
                             "1,2025-01-02,24,100,-3,5,0,false,0\n"
                             "2,2025-08-02,24,100,-3,5,0,false,1\n");
    tt_run_result r = tt_run_in(tt_tmpdir(), "preview --rules '%s' --data '%s' "
                                             "--split TEST --format json",
                                tt_src("registry/tiers/v3.2.json"), p);
    expect_exit(&r, 0, NULL);
    cJSON *j = cJSON_Parse(r.out);
    assert_true(num(j, "rows") == 1);
    cJSON_Delete(j);
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_with_80_leading_columns),
        cmocka_unit_test(test_summary_bad_rows_are_errors),
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_long_conjunction_loads_and_counts),
        cmocka_unit_test(test_condition_size_limit),
        cmocka_unit_test(test_thousand_tiers_every_command),
        cmocka_unit_test(test_lint_findings_stay_bounded),
        cmocka_unit_test(test_bad_values_are_errors_at_their_column),
        cmocka_unit_test(test_check_schema_counts_each_problem),
        cmocka_unit_test(test_booleans_any_case),
        cmocka_unit_test(test_out_of_range_warn_is_counted),
        cmocka_unit_test(test_other_split_values_are_reported),
        cmocka_unit_test(test_timestamps_validated),
        cmocka_unit_test(test_gzip_trailing_garbage),
        cmocka_unit_test(test_same_file_twice_and_directories),
        cmocka_unit_test(test_skipped_rows_fail_the_data_quality_gate),
        cmocka_unit_test(test_huge_numbers_in_policies_and_results),
        cmocka_unit_test(test_caret_counts_characters),
        cmocka_unit_test(test_missing_column_and_ragged_rows_have_a_column),
        cmocka_unit_test(test_date_config_from_the_rules_repository),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
