/*
 * The reviewer's view: the HTML report (structure by parsing it, and a
 * real browser: headless Chromium renders it to PNG with no console
 * output), its Markdown twin, `compare` (the migration matrix adds up)
 * and `lint` (every finding from a fixture that triggers it).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *gate_files(void)
{
    static char dir[1024];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", tt_path("rep"));
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        assert_int_equal(system(cmd), 0);
        tt_run_result r = tt_run("synth -o '%s/leads.csv'", dir);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
        r = tt_run("gate --rules registry/tiers/v3.2.json --policy "
                   "registry/gates/v3.2.json --data '%s/leads.csv' --json "
                   "'%s/gate.json' --html '%s/gate.html'", dir, dir, dir);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
        r = tt_run("compare --from registry/tiers/v3.1.json --to "
                   "registry/tiers/v3.2.json --data '%s/leads.csv' --format "
                   "json -o '%s/compare.json'", dir, dir);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
    }
    return dir;
}

/* xmllint --xpath over the (well-formed) page; returns its output. */
static char *xpath(const char *file, const char *expr)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "xmllint --xpath \"%s\" '%s' > '%s' 2>&1", expr,
             file, tt_path("xpath.out"));
    if (system(cmd) != 0)
        fail_msg("xmllint failed on %s", expr);
    return tt_read(tt_path("xpath.out"), NULL);
}

static void expect_count(const char *file, const char *what, int want)
{
    char expr[512];
    snprintf(expr, sizeof expr, "count(%s)", what);
    char *out = xpath(file, expr);
    if (atoi(out) != want)
        fail_msg("%s: %s is %s, want %d", file, what, out, want);
    free(out);
}

static void test_report_html_structure(void **state)
{
    (void)state;
    const char *dir = gate_files();
    char html[1200], report[1200];
    snprintf(html, sizeof html, "%s/gate.html", dir);
    snprintf(report, sizeof report, "%s/report.html", dir);
    tt_run_result r = tt_run("report --from '%s/gate.json' --compare "
                             "'%s/compare.json' -o '%s'", dir, dir, report);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    const char *files[2] = {html, report};
    for (int i = 0; i < 2; i++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", files[i]);
        assert_int_equal(system(cmd), 0); /* well-formed */
        /* Three charts, each with a title, a description and axis text. */
        expect_count(files[i], "//*[local-name()='svg']", 3);
        expect_count(files[i], "//*[local-name()='svg']/*[local-name()='title']", 3);
        expect_count(files[i], "//*[local-name()='svg']/*[local-name()='desc']", 3);
        expect_count(files[i], "//*[local-name()='figure']/*[local-name()='figcaption']", 3);
        /* Offline: no scripts, no external resources. */
        expect_count(files[i], "//*[local-name()='script']", 0);
        expect_count(files[i], "//*[@src or (@href and local-name()!='a')]", 0);
        /* The banner says the status in words. */
        char *b = xpath(files[i], "string(//*[@class='banner PASSED_WITH_WARNINGS'])");
        assert_non_null(strstr(b, "PASSED_WITH_WARNINGS"));
        free(b);
    }
    /* The gates table: one row per gate outcome, with words for status. */
    char *g = tt_read(html, NULL);
    assert_non_null(strstr(g, "✔ pass"));
    /* Non-blocking outcomes the default export leaves undecided. */
    assert_non_null(strstr(g, "◐ inconclusive"));
    assert_non_null(strstr(g, "<h2>Provenance</h2>"));
    assert_non_null(strstr(g, "@page{size:A4"));
    free(g);
    char *c = tt_read(report, NULL);
    assert_non_null(strstr(c, "<h3>Migration of leads</h3>"));
    assert_non_null(strstr(c, "Tier 1 Lift"));
    free(c);

    r = tt_run("report --from '%s/gate.json' --format markdown", dir);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "| V3.2.1 | Tier 1A conversion >= 10% |"));
    assert_null(strstr(r.out, "<svg"));
    tt_run_free(&r);
    r = tt_run("report --from '%s/leads.csv'", dir);
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
}

/* Headless Chromium: renders to PNG; console lines are errors. */
static int chromium(const char *url, const char *png, char **log)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "timeout 120 chromium --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir='%s' "
             "--enable-logging=stderr --v=0 --window-size=1200,3000 "
             "--screenshot='%s' '%s' > '%s' 2>&1",
             tt_path("chromium-profile"), png, url, tt_path("chromium.log"));
    int st = system(cmd);
    *log = tt_read(tt_path("chromium.log"), NULL);
    return st;
}

static void test_report_renders_in_chromium(void **state)
{
    (void)state;
    const char *dir = gate_files();
    char url[1200], png[1200];
    snprintf(url, sizeof url, "file://%s/gate.html", dir);
    snprintf(png, sizeof png, "%s/gate.png", dir);
    char *log = NULL;
    assert_int_equal(chromium(url, png, &log), 0);
    if (strstr(log, ":CONSOLE"))
        fail_msg("console output while rendering the report:\n%s", log);
    free(log);
    size_t len = 0;
    char *img = tt_read(png, &len);
    assert_non_null(img);
    assert_true(len > 20000);
    assert_memory_equal(img, "\x89PNG", 4);
    free(img);

    /* The console check can fail: a page with a script error trips it. */
    const char *bad = tt_write("bad.html", "<html><body><script>throw new "
                                           "Error('broken')</script></body>"
                                           "</html>");
    snprintf(url, sizeof url, "file://%s", bad);
    snprintf(png, sizeof png, "%s/bad.png", dir);
    assert_int_equal(chromium(url, png, &log), 0);
    assert_non_null(strstr(log, ":CONSOLE"));
    free(log);
}

static double num(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItem(o, k)->valuedouble;
}

static void test_compare_matrix_adds_up(void **state)
{
    (void)state;
    const char *dir = gate_files();
    char path[1200];
    snprintf(path, sizeof path, "%s/compare.json", dir);
    char *text = tt_read(path, NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    double leads = 0, conv = 0, labeled = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "migration"))
    {
        leads += num(m, "leads");
        labeled += num(m, "labeled");
        conv += num(m, "conversions");
        assert_true(num(m, "leads") > 0);
    }
    /* Every lead is in exactly one cell: the cells sum to the totals of
     * either model, row by row and column by column. */
    for (int side = 0; side < 2; side++) {
        const cJSON *model = cJSON_GetObjectItem(j, side ? "to" : "from");
        const cJSON *stats = cJSON_GetObjectItem(model, "stats");
        assert_true(num(stats, "rows") == leads);
        assert_true(num(stats, "labeled") == labeled);
        assert_true(num(stats, "conversions") == conv);
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(stats, "tiers"))
        {
            double sum = 0;
            cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "migration"))
                if (!strcmp(cJSON_GetObjectItem(m, side ? "to" : "from")->valuestring,
                            cJSON_GetObjectItem(t, "tier")->valuestring))
                    sum += num(m, "leads");
            assert_true(sum == num(t, "leads"));
        }
    }
    assert_true(leads == 48472);
    /* The brief's direction for Tier 1 lift holds on the synthetic
     * export: V3.2's Tier 1 converts at a higher lift than V3.1's. */
    const cJSON *from = cJSON_GetObjectItem(j, "from"), *to = cJSON_GetObjectItem(j, "to");
    assert_true(num(to, "tier1_lift") > num(from, "tier1_lift"));
    const cJSON *psi = cJSON_GetObjectItem(j, "psi");
    assert_true(num(psi, "from") >= 0 && num(psi, "from") < 0.1);
    assert_true(num(psi, "to") >= 0 && num(psi, "to") < 0.1);
    cJSON_Delete(j);
}

typedef struct {
    const char *fixture, *code, *tier;
    int status;
} lint_case;

static void test_lint_findings(void **state)
{
    (void)state;
    static const lint_case cases[] = {
        {"never_matches", "never-matches", "T2", 1},
        {"never_true", "reversed-between", "T1", 1},
        {"never_true", "never-true", "T2", 1},
        {"partly_shadowed", "partly-shadowed", "T2", 0},
        {"out_of_range", "out-of-range", "T1", 0},
        {"rank_order", "rank-order", "T2", 0},
        {"rank_vs_rate", "rank-vs-rate", "T1", 0},
        {"arithmetic", "analysis-skipped", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tt_run_result r = tt_run("lint --rules tests/fixtures/lint/%s.json "
                                 "--format json", cases[i].fixture);
        if (r.status != cases[i].status)
            fail_msg("%s: exit %d", cases[i].fixture, r.status);
        cJSON *j = cJSON_Parse(r.out);
        int found = 0;
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(j, "findings"))
        {
            const cJSON *t = cJSON_GetObjectItem(f, "tier");
            if (!strcmp(cJSON_GetObjectItem(f, "code")->valuestring, cases[i].code) &&
                (cases[i].tier ? cJSON_IsString(t) && !strcmp(t->valuestring, cases[i].tier)
                               : cJSON_IsNull(t)))
                found = 1;
        }
        if (!found)
            fail_msg("%s: no %s finding for %s:\n%s", cases[i].fixture,
                     cases[i].code, cases[i].tier ? cases[i].tier : "the rules",
                     r.out);
        cJSON_Delete(j);
        tt_run_free(&r);
    }
    /* Clean rules have no findings; V3.1 and V3.2 have no errors. */
    tt_run_result r = tt_run("lint --rules tests/fixtures/lint/clean.json");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "0 errors, 0 warnings, 0 info"));
    tt_run_free(&r);
    const char *shipped[] = {"registry/tiers/v3.1.json", "registry/tiers/v3.2.json"};
    for (int k = 0; k < 2; k++) {
        r = tt_run("lint --rules %s", shipped[k]);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, " 0 errors,"));
        tt_run_free(&r);
    }
    /* V3.2's rank conflict of the brief: 2A (10%) above 2B (11%). */
    r = tt_run("lint --rules registry/tiers/v3.2.json");
    assert_non_null(strstr(r.out, "warning: TIER_2A_PROVEN_MOVER: ranks above "
                                  "TIER_2B_MODERATE_BLEEDER"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_html_structure),
        cmocka_unit_test(test_report_renders_in_chromium),
        cmocka_unit_test(test_compare_matrix_adds_up),
        cmocka_unit_test(test_lint_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
