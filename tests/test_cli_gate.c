/*
 * `tiergate gate` end to end: exit codes, the JSON document, JUnit
 * checked by xmllint, Markdown and the GitHub step summary, and gates
 * from a warehouse summary (made here by SQLite running the generated
 * summary SQL) identical to gates from the rows it summarizes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "tg_escape.h"
#include "testutil.h"

#define GATE "gate --rules registry/tiers/v3.2.json --policy " \
             "registry/gates/v3.2.json "
#define BRIEF "gate --rules registry/tiers/v3.2.json --policy " \
              "registry/gates/v3.2-brief.json "

static const char *synth(const char *name, const char *args)
{
    const char *p = tt_path(name);
    tt_run_result r = tt_run("synth %s -o '%s'", args, p);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    return p;
}

static const cJSON *key(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        fail_msg("missing key '%s'", k);
    return v;
}

static void test_cli_gate_json_shape_and_exit_codes(void **state)
{
    (void)state;
    const char *data = synth("default.csv", "");
    tt_run_result r = tt_run(GATE "--data '%s' --format json", data);
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    assert_string_equal(key(j, "status")->valuestring, "PASSED_WITH_WARNINGS");
    assert_string_equal(key(j, "model_version")->valuestring, "v3.2");
    assert_string_equal(key(j, "policy")->valuestring,
                        "lead-scoring-v3.2-release");
    assert_string_equal(key(j, "ci_method")->valuestring, "wilson");
    assert_true(key(j, "ci_level")->valuedouble == 0.95);
    const cJSON *g;
    int n = 0, seen_v325 = 0;
    cJSON_ArrayForEach(g, key(j, "gates"))
    {
        static const char *keys[] = {"id", "description", "severity",
                                     "status", "tier", "split", "actual",
                                     "threshold", "ci_lower", "ci_upper",
                                     "message"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            key(g, keys[k]);
        const char *st = key(g, "status")->valuestring;
        assert_true(strcmp(st, "pass") == 0 || strcmp(st, "warn") == 0 ||
                    strcmp(st, "inconclusive") == 0);
        key(g, "judge");
        key(g, "inconclusive");
        assert_false(cJSON_IsTrue(key(g, "blocks")));
        seen_v325 += strcmp(key(g, "id")->valuestring, "V3.2.5") == 0;
        n++;
    }
    assert_int_equal(seen_v325, 7);
    assert_true(n > 50);
    const cJSON *train = key(key(j, "splits"), "TRAIN");
    assert_true(key(train, "rows")->valuedouble == 30727);
    assert_string_equal(key(train, "first_contacted_date")->valuestring,
                        "2024-02-01");
    assert_string_equal(key(train, "last_contacted_date")->valuestring,
                        "2025-07-03");
    assert_int_equal(cJSON_GetArraySize(key(train, "tiers")), 8);
    key(key(key(j, "splits"), "TEST"), "baseline_rate");
    /* The fingerprint is the SHA-256 of the file's bytes. */
    char hex[65];
    assert_tg_ok(tg_sha256_file(data, hex, NULL));
    assert_string_equal(key(key(j, "provenance"), "data_sha256")->valuestring,
                        hex);
    tt_run_free(&r);

    /* Warnings fail under --strict. */
    r = tt_run(GATE "--data '%s' --strict", data);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "overall: FAILED"));
    tt_run_free(&r);

    assert_true(key(key(j, "summary"), "inconclusive")->valuedouble > 0);

    /* Read literally (point estimates), seed 1's Tier 2A misses its
     * gates: exit 1. */
    const char *bad = synth("seed1.csv", "--seed 1");
    r = tt_run(BRIEF "--data '%s'", bad);
    assert_int_equal(r.status, 1);
    /* The fitted table names the tier by its short label. */
    assert_non_null(strstr(r.out, "FAIL 8b.tier2 2A: "));
    assert_non_null(strstr(r.out, "2A=TIER_2A_PROVEN_MOVER,"));
    tt_run_free(&r);
    cJSON_Delete(j);

    /* A broken policy exits 2 naming the gate and key. */
    tt_write("bad-policy.json",
             "{\"policy_id\": \"x\", \"gates\": [{\"id\": \"G\", "
             "\"description\": \"d\", \"check\": \"lift\", \"tiers\": "
             "[\"TIER_9*\"], \"min\": 2, \"severity\": \"block\"}]}");
    r = tt_run("gate --rules registry/tiers/v3.2.json --policy '%s' --data "
               "'%s'", tt_path("bad-policy.json"), data);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "gate 'G': key 'tiers': 'TIER_9*' matches "
                                  "no tier of lead-scoring-v3.2"));
    assert_string_equal(r.out, "");
    tt_run_free(&r);
    r = tt_run("gate --rules registry/tiers/v3.2.json --data '%s'", data);
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
}

static void test_cli_gate_junit_markdown_step_summary(void **state)
{
    (void)state;
    const char *data = synth("default.csv", "");
    const char *junit = tt_path("junit.xml"), *md = tt_path("gate.md"),
               *step = tt_write("step.md", "# earlier step\n");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && GITHUB_STEP_SUMMARY='%s' '%s' " GATE
             "--data '%s' --junit '%s' --markdown '%s' --json '%s' "
             ">/dev/null",
             TG_SOURCE_DIR, step, TIERGATE_BIN, data, junit, md,
             tt_path("gate.json"));
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", junit);
    assert_int_equal(system(cmd), 0);
    char *x = tt_read(junit, NULL);
    int cases = 0;
    for (const char *p = x; (p = strstr(p, "<testcase ")); p++)
        cases++;
    char *js = tt_read(tt_path("gate.json"), NULL);
    cJSON *j = cJSON_Parse(js);
    free(js);
    assert_int_equal(cases, cJSON_GetArraySize(key(j, "gates")));
    assert_non_null(strstr(x, "failures=\"0\""));
    /* The default export leaves some outcomes inconclusive (not blocking
     * under this policy): skipped tests that say so, never plain passes;
     * the message is written once (no system-out copy). */
    assert_non_null(strstr(x, "<skipped message=\"warning (inconclusive): "));
    assert_null(strstr(x, "<system-out>"));
    free(x);
    /* Read literally, the same export misses some step 2 ranges:
     * warnings, skipped with "warning (warn): ". */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' " BRIEF "--data '%s' --junit '%s' "
             ">/dev/null", TG_SOURCE_DIR, TIERGATE_BIN, data, junit);
    assert_int_equal(system(cmd), 0);
    x = tt_read(junit, NULL);
    assert_non_null(strstr(x, "<skipped message=\"warning (warn): "));
    assert_null(strstr(x, "<system-out>"));
    free(x);
    cJSON_Delete(j);
    char *m = tt_read(md, NULL);
    assert_non_null(strstr(m, "| V3.2.1 | Tier 1A conversion >= 10% | "
                              "`TIER_1A_PRIME_MOVER_SMALL` | TRAIN |"));
    assert_non_null(strstr(m, "⚠️ PASSED_WITH_WARNINGS"));
    /* Verdict, then what did not pass, then the table folded away. */
    const char *verdict = strstr(m, "PASSED_WITH_WARNINGS"),
               *np = strstr(m, "**Not passed**"), *det = strstr(m, "<details>"),
               *row = strstr(m, "| V3.2.1 |"), *end = strstr(m, "</details>");
    assert_true(verdict && np && det && row && end);
    assert_true(verdict < np && np < det && det < row && row < end);
    const char *w = strstr(np, ", warning)\n");
    assert_true(w && w < det);
    char *s = tt_read(step, NULL);
    assert_true(strncmp(s, "# earlier step\n## tiergate:", 27) == 0);
    free(m);
    free(s);

    /* A failing run: JUnit failures for the blocking gates. */
    const char *bad = synth("seed1.csv", "--seed 1");
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' " BRIEF "--data '%s' --junit "
             "'%s' >/dev/null; xmllint --noout '%s'", TG_SOURCE_DIR,
             TIERGATE_BIN, bad, junit, junit);
    assert_int_equal(system(cmd), 0);
    x = tt_read(junit, NULL);
    assert_non_null(strstr(x, "<failure type=\"fail\" message=\""));
    assert_null(strstr(x, "failures=\"0\""));
    free(x);
}

/* The summary a warehouse would export: the generated sqlite dialect of
 * gate_summary.sql, run by SQLite over the rows. */
static void write_summary(const char *data, const char *out)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, NULL, NULL, 0};
    char *sql = NULL;
    assert_tg_ok(tg_sql_generate(&sql, r, TG_EMIT_SUMMARY, &o, NULL));
    tg_rules_free(r);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    free(sql);
    FILE *f = fopen(out, "w");
    fprintf(f, "split,tier,leads,labeled,conversions,first_contacted_date,"
               "last_contacted_date\n");
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(f, "%s,%s,%lld,%lld,%lld,%s,%s\n",
                sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "",
                sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
                sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                sqlite3_column_text(st, 5), sqlite3_column_text(st, 6));
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static cJSON *gate_json(const char *input)
{
    tt_run_result r = tt_run(GATE "%s --format json", input);
    assert_true(r.status == 0 || r.status == 1);
    cJSON *j = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(j);
    /* What differs by construction: when it ran and what it read. */
    cJSON_DeleteItemFromObject(j, "generated_at");
    cJSON_DeleteItemFromObject(j, "provenance");
    return j;
}

static void test_cli_gate_summary_equals_rows(void **state)
{
    (void)state;
    const char *paths[] = {synth("default.csv", ""),
                           synth("seed1.csv", "--seed 1")};
    for (int i = 0; i < 2; i++) {
        write_summary(paths[i], tt_path("summary.csv"));
        char a[1100], b[1100];
        snprintf(a, sizeof a, "--data '%s'", paths[i]);
        snprintf(b, sizeof b, "--summary '%s'", tt_path("summary.csv"));
        cJSON *ja = gate_json(a), *jb = gate_json(b);
        char *sa = cJSON_Print(ja), *sb = cJSON_Print(jb);
        assert_string_equal(sa, sb);
        free(sa);
        free(sb);
        cJSON_Delete(ja);
        cJSON_Delete(jb);
    }
}

static void test_cli_gate_summary_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv, *msg;
    } cases[] = {
        {"split,tier,leads,labeled,conversions\nTRAIN,TIER_9,5,5,1\n",
         ":2:7: unknown tier 'TIER_9' (not in lead-scoring-v3.2)"},
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,5,5,6\n",
         ":2:20: conversions (6) exceed labeled (5)"},
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,5,7,1\n",
         ":2:18: labeled (7) exceeds leads (5)"},
        {"split,tier,leads,labeled,conversions\nTRAIN,STANDARD,-5,0,0\n",
         ":2:16: 'leads' needs a whole count >= 0, found '-5'"},
        {"split,tier,leads,conversions\nTRAIN,STANDARD,5,0\n",
         ":1: missing column 'labeled'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *p = tt_write("bad-summary.csv", cases[i].csv);
        tt_run_result r = tt_run(GATE "--summary '%s'", p);
        assert_int_equal(r.status, 2);
        if (!strstr(r.err, cases[i].msg))
            fail_msg("stderr '%s' lacks '%s'", r.err, cases[i].msg);
        tt_run_free(&r);
    }
}

static void test_cli_preview_summary_ci_level(void **state)
{
    (void)state;
    const char *data = synth("default.csv", "");
    write_summary(data, tt_path("summary.csv"));
    tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                             "--summary '%s' --split TEST --ci jeffreys "
                             "--level 0.99 --format json",
                             tt_path("summary.csv"));
    assert_int_equal(r.status, 0);
    cJSON *j = cJSON_Parse(r.out);
    assert_string_equal(key(j, "ci_method")->valuestring, "jeffreys");
    assert_true(key(j, "ci_level")->valuedouble == 0.99);
    assert_true(key(j, "rows")->valuedouble == 17745);
    assert_string_equal(key(j, "first_contacted_date")->valuestring,
                        "2025-07-04");
    cJSON_Delete(j);
    tt_run_free(&r);
}

/* Outcomes of a gate JSON: how many block, how many only warn. */
static void count_not_passed(const char *json, int *blocking, int *warning)
{
    cJSON *j = cJSON_Parse(json), *g;
    assert_non_null(j);
    *blocking = *warning = 0;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gates"))
    {
        if (strcmp(key(g, "status")->valuestring, "pass") == 0)
            continue;
        *(cJSON_IsTrue(key(g, "blocks")) ? blocking : warning) += 1;
    }
    cJSON_Delete(j);
}

/* How many lines of text start with prefix. */
static int lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    size_t k = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        n += strncmp(p, prefix, k) == 0;
    return n;
}

static void test_cli_gate_github_annotations(void **state)
{
    (void)state;
    /* Without GITHUB_ACTIONS=true: no annotations. */
    unsetenv("GITHUB_ACTIONS");
    unsetenv("GITHUB_STEP_SUMMARY");
    tt_run_result r = tt_run(GATE "--data tests/fixtures/synthetic_sample.csv "
                                  "--format json");
    assert_int_equal(r.status, 1);
    assert_null(strstr(r.err, "::error"));
    int blocking, warning;
    count_not_passed(r.out, &blocking, &warning);
    assert_true(blocking > 0 && warning > 0);
    tt_run_free(&r);

    /* With it: one ::error per blocking outcome, one ::warning per
     * other non-pass, on stderr; stdout is still the JSON alone. */
    setenv("GITHUB_ACTIONS", "true", 1);
    r = tt_run(GATE "--data tests/fixtures/synthetic_sample.csv --format json");
    assert_int_equal(r.status, 1);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    cJSON_Delete(j);
    assert_int_equal(lines_starting(r.err, "::error file=registry/gates/v3.2.json,"
                                           "title=tiergate "), blocking);
    assert_int_equal(lines_starting(r.err, "::warning file=registry/gates/v3.2.json,"
                                           "title=tiergate "), warning);
    /* A message's % is escaped as %25. */
    assert_non_null(strstr(r.err, "12.12%25 [4.82%25, 27.33%25]"));
    tt_run_free(&r);

    /* Hostile names and texts (newlines, CR, %, ':' and ',' in the gate
     * ids): still one line per annotation, the property escapes applied. */
    r = tt_run("gate --rules tests/fixtures/hostile/hostile_rules.json "
               "--policy tests/fixtures/hostile/hostile_policy.json "
               "--data tests/fixtures/synthetic_sample.csv --format json");
    assert_int_equal(r.status, 1);
    count_not_passed(r.out, &blocking, &warning);
    int annotations = lines_starting(r.err, "::error file=") +
                      lines_starting(r.err, "::warning file=");
    assert_int_equal(annotations, blocking + warning);
    /* Every stderr line is an annotation or tiergate's own message: a
     * newline in a text would have started a line of its own. */
    int lines = lines_starting(r.err, "");
    int own = lines_starting(r.err, "tiergate: ");
    assert_int_equal(lines, annotations + own);
    assert_non_null(strstr(r.err, "%0A"));
    tt_run_free(&r);
    unsetenv("GITHUB_ACTIONS");
}

static void test_github_escapes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    tg_esc_gh_message(f, "50% a:b,c\r\nnext\x1b[31m\tend");
    fputc('|', f);
    tg_esc_gh_property(f, "50% a:b,c\r\nx\xff");
    fclose(f);
    assert_string_equal(buf, "50%25 a:b,c%0D%0Anext\xef\xbf\xbd[31m\tend|"
                             "50%25 a%3Ab%2Cc%0D%0Ax\xef\xbf\xbd");
    free(buf);
}

static void test_cli_gate_unwritable_step_summary(void **state)
{
    (void)state;
    unsetenv("GITHUB_ACTIONS");
    /* A directory cannot be appended to; the verdict's exit code stays:
     * 0 for a pass with warnings, 1 for a failure; a warning on stderr. */
    const char *data = synth("default.csv", "");
    setenv("GITHUB_STEP_SUMMARY", TG_SOURCE_DIR, 1);
    tt_run_result r = tt_run(GATE "--data '%s'", data);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "tiergate: warning: GITHUB_STEP_SUMMARY"));
    assert_non_null(strstr(r.out, "overall: PASSED_WITH_WARNINGS"));
    tt_run_free(&r);
    r = tt_run(GATE "--data tests/fixtures/synthetic_sample.csv");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cannot append the step summary"));
    tt_run_free(&r);
    unsetenv("GITHUB_STEP_SUMMARY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_gate_json_shape_and_exit_codes),
        cmocka_unit_test(test_cli_gate_junit_markdown_step_summary),
        cmocka_unit_test(test_cli_gate_github_annotations),
        cmocka_unit_test(test_github_escapes),
        cmocka_unit_test(test_cli_gate_unwritable_step_summary),
        cmocka_unit_test(test_cli_gate_summary_equals_rows),
        cmocka_unit_test(test_cli_gate_summary_errors),
        cmocka_unit_test(test_cli_preview_summary_ci_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
