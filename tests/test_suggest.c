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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance), cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_delimiter), cmocka_unit_test(test_message_fits),
        cmocka_unit_test(test_cli_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
