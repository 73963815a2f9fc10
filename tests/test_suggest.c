/*
 * Suggestions for a missing column: edit distance (classic cases), the
 * nearest name within its limit, the delimiter hint, and the messages
 * `preview` gives on a renamed column and on a ';'-separated file.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(tg_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(tg_edit_distance("flaw", "lawn"), 2);
    assert_int_equal(tg_edit_distance("", "abc"), 3);
    assert_int_equal(tg_edit_distance("abc", ""), 3);
    assert_int_equal(tg_edit_distance("Target", "target"), 0); /* case */
    assert_int_equal(tg_edit_distance("split", "split"), 0);
}

static void test_nearest(void **state)
{
    (void)state;
    const char *names[] = {"lead_id", "firm_net_chg_12mo", "target", ""};
    assert_int_equal(tg_suggest_nearest("firm_net_change_12mo", names, 4), 1);
    assert_int_equal(tg_suggest_nearest("traget", names, 4), 2);
    /* Nothing close: no suggestion rather than a wild one. */
    assert_int_equal(tg_suggest_nearest("num_prior_firms", names, 4), -1);
    assert_int_equal(tg_suggest_nearest("x", names, 0), -1);
}

static void test_delimiter(void **state)
{
    (void)state;
    const char *semi[] = {"a;b;c"}, *tab[] = {"a\tb"}, *pipe[] = {"a|b"},
               *one[] = {"abc"}, *two[] = {"a;b", "c"};
    assert_int_equal(tg_suggest_delimiter(semi, 1), ';');
    assert_int_equal(tg_suggest_delimiter(tab, 1), '\t');
    assert_int_equal(tg_suggest_delimiter(pipe, 1), '|');
    assert_int_equal(tg_suggest_delimiter(one, 1), 0);
    assert_int_equal(tg_suggest_delimiter(two, 2), 0); /* commas worked */
}

static void test_message_fits(void **state)
{
    (void)state;
    /* 200 long names: the list is clipped, never overflows. */
    const char *names[200];
    char store[200][40];
    for (int i = 0; i < 200; i++) {
        snprintf(store[i], sizeof store[i], "column_number_%03d_of_many", i);
        names[i] = store[i];
    }
    char buf[300];
    memset(buf, 'x', sizeof buf);
    tg_suggest_missing_column(buf, 200, "target", names, 200);
    assert_true(strlen(buf) < 200);
    assert_non_null(strstr(buf, "the header has 200 columns"));
    assert_non_null(strstr(buf, "..."));
    assert_int_equal(buf[250], 'x'); /* nothing written past size */
}

static void test_cli_messages(void **state)
{
    (void)state;
    size_t len;
    char *csv = tt_read(tt_src("tests/fixtures/synthetic_sample.csv"), &len);
    char *nl = strchr(csv, '\n');
    /* Renamed column: nearest name, alias advice, the header listed. */
    char *ren = malloc(len + 1);
    memcpy(ren, csv, len);
    ren[len] = '\0';
    char *p = strstr(ren, "firm_net_change_12mo");
    assert_true(p && p < ren + (nl - csv));
    memcpy(p + 9, "chang", 5); /* firm_net_chang_12mo: 1 edit */
    memmove(p + 14, p + 15, strlen(p + 15) + 1);
    tt_write("renamed.csv", ren);
    tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                             "--data %s", tt_path("renamed.csv"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing column 'firm_net_change_12mo'"));
    assert_non_null(strstr(r.err, "did you mean 'firm_net_chang_12mo'?"));
    assert_non_null(strstr(r.err, "\"aliases\""));
    assert_non_null(strstr(r.err, "the header has 11 columns"));
    tt_run_free(&r);
    /* ';' instead of ',': the delimiter hint, not a list of one column. */
    for (char *q = ren; *q; q++)
        if (*q == ',')
            *q = ';';
    tt_write("semi.csv", ren);
    r = tt_run("preview --rules registry/tiers/v3.2.json --data %s",
               tt_path("semi.csv"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "one column holding ';'"));
    assert_null(strstr(r.err, "did you mean"));
    tt_run_free(&r);
    free(ren);
    free(csv);
}

/* The fixture with its header edited: from -> to (the first match); the
 * path, to free (tt_write's buffer is reused by later calls). */
static char *header_edit(const char *name, const char *from,
                               const char *to)
{
    size_t len;
    char *csv = tt_read(tt_src("tests/fixtures/synthetic_sample.csv"), &len);
    char *nl = strchr(csv, '\n'), *p = strstr(csv, from);
    assert_true(p && p < nl);
    char *out = malloc(len + strlen(to) + 1);
    sprintf(out, "%.*s%s%s", (int)(p - csv), csv, to, p + strlen(from));
    char *path = strdup(tt_write(name, out));
    free(out);
    free(csv);
    return path;
}

/* check-schema gives the hint a scan's error gives: the nearest header
 * name and what to do, in its message and in --format json, for --data
 * and for --columns; the outcome column gets "rename", not "alias". */
static void test_check_schema_hint(void **state)
{
    (void)state;
    char *ren = header_edit("cs_renamed.csv", "firm_net_change_12mo",
                                  "firm_net_chang_12mo");
    tt_run_result r = tt_run("check-schema --rules registry/tiers/v3.2.json "
                             "--data %s", ren);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing column 'firm_net_change_12mo' "
                                  "(tried 'firm_net_change_12mo')"));
    assert_non_null(strstr(r.err, "did you mean 'firm_net_chang_12mo'? If it "
                                  "holds firm_net_change_12mo, add "
                                  "\"firm_net_chang_12mo\" to that feature's "
                                  "\"aliases\""));
    assert_non_null(strstr(r.err, "the header has 11 columns"));
    assert_non_null(strstr(r.out, "MISSING"));
    tt_run_free(&r);

    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s "
               "--format json", ren);
    assert_int_equal(r.status, 2);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    cJSON *m = cJSON_GetObjectItem(j, "missing_columns");
    assert_int_equal(cJSON_GetArraySize(m), 1);
    cJSON *x = cJSON_GetArrayItem(m, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(x, "column")),
                        "firm_net_change_12mo");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(x, "file")),
                        ren);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(x, "did_you_mean")),
        "firm_net_chang_12mo");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(x, "hint")),
                           "the header has 11 columns"));
    cJSON_Delete(j);
    tt_run_free(&r);

    /* The same header as a column list: the same hint. */
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --columns %s",
               ren);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "did you mean 'firm_net_chang_12mo'?"));
    tt_run_free(&r);

    /* Nothing near: no suggestion, null in JSON, the header listed. */
    char *far = header_edit("cs_far.csv", "firm_net_change_12mo",
                                  "headcount_delta");
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s "
               "--format json", far);
    assert_int_equal(r.status, 2);
    assert_null(strstr(r.err, "did you mean"));
    assert_non_null(strstr(r.err, "'headcount_delta'"));
    j = cJSON_Parse(r.out);
    x = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "missing_columns"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(x, "did_you_mean")));
    cJSON_Delete(j);
    tt_run_free(&r);

    /* The outcome renamed: the hint says rename, never alias. */
    char *tgt = header_edit("cs_target.csv", "target", "traget");
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s", tgt);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing column 'target'; did you mean "
                                  "'traget'? The outcome column must be "
                                  "called 'target'"));
    assert_null(strstr(r.err, "aliases"));
    tt_run_free(&r);

    /* A second file lacking a column the first has: named, with its hint. */
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s "
               "--data %s", tt_src("tests/fixtures/synthetic_sample.csv"), ren);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "cs_renamed.csv: missing column "
                                  "'firm_net_change_12mo'"));
    assert_non_null(strstr(r.err, "did you mean 'firm_net_chang_12mo'?"));
    tt_run_free(&r);

    /* A header name holding an escape sequence reaches the terminal
     * escaped, in the hint too. */
    char *esc = header_edit("cs_esc.csv", "firm_net_change_12mo",
                                  "firm_net_chang\x1b[2J_12mo");
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s", esc);
    assert_int_equal(r.status, 2);
    assert_null(strchr(r.err, '\x1b'));
    assert_null(strchr(r.out, '\x1b'));
    tt_run_free(&r);

    /* ';' instead of ',': the delimiter hint. */
    size_t len;
    char *semi = tt_read(ren, &len);
    for (char *q = semi; *q; q++)
        if (*q == ',')
            *q = ';';
    const char *sp = tt_write("cs_semi.csv", semi);
    free(semi);
    r = tt_run("check-schema --rules registry/tiers/v3.2.json --data %s", sp);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "one column holding ';'"));
    tt_run_free(&r);
    free(ren);
    free(far);
    free(tgt);
    free(esc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance), cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_delimiter), cmocka_unit_test(test_message_fits),
        cmocka_unit_test(test_cli_messages),
        cmocka_unit_test(test_check_schema_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
