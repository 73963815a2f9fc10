/*
 * tg_error: the record every failure fills, its "file:line:col: message"
 * form with the source line and caret, the exit code of each kind, and
 * the thread's last failure that assert_tg_ok shows.
 */
#include <pthread.h>
#include <string.h>

#include "testutil.h"

static void test_format_names_file_line_column_and_caret(void **state)
{
    (void)state;
    tg_error err;
    tg_error_clear(&err);
    assert_int_equal(tg_error_set(&err, TG_EINVAL, "rules.json", 3, 14,
                                  "expected %s", "a number"),
                     TG_EINVAL);
    const char line[] = "  \"min\": abc,\n  \"max\": 1";
    tg_error_context(&err, line, sizeof line - 1, 13);
    char buf[512];
    assert_string_equal(tg_error_format(&err, buf, sizeof buf),
                        "rules.json:3:14: expected a number\n"
                        "      \"min\": abc,\n"
                        "                 ^");
}

static void test_caret_counts_characters_not_bytes(void **state)
{
    (void)state;
    tg_error err;
    tg_error_clear(&err);
    /* "é" is two bytes: the caret under "x" sits at character 3. */
    const char line[] = "a\xc3\xa9 x";
    tg_error_set(&err, TG_EINVAL, "f.csv", 2, 5, "bad value");
    tg_error_context(&err, line, sizeof line - 1, 4);
    char buf[256];
    tg_error_format(&err, buf, sizeof buf);
    assert_non_null(strstr(buf, "f.csv:2:4: bad value"));
    assert_non_null(strstr(buf, "\n       ^"));
}

static void test_control_bytes_never_reach_the_context(void **state)
{
    (void)state;
    tg_error err;
    tg_error_clear(&err);
    const char line[] = "ok\x1b[31mred";
    tg_error_set(&err, TG_EINVAL, "x", 1, 1, "m");
    tg_error_context(&err, line, sizeof line - 1, 0);
    assert_null(strchr(err.context, '\x1b'));
}

static void test_small_buffers_truncate_safely(void **state)
{
    (void)state;
    tg_error err;
    tg_error_clear(&err);
    tg_error_set(&err, TG_EIO, "a-rather-long-file-name.csv", 0, 0,
                 "cannot read");
    char buf[8];
    tg_error_format(&err, buf, sizeof buf);
    assert_int_equal(strlen(buf), 7);
    assert_memory_equal(buf, "a-rathe", 7);
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(tg_error_exit_code(TG_OK), 0);
    assert_int_equal(tg_error_exit_code(TG_EINVAL), 2);
    assert_int_equal(tg_error_exit_code(TG_EIO), 3);
    assert_int_equal(tg_error_exit_code(TG_ENOMEM), 3);
    assert_int_equal(tg_error_exit_code(TG_EINTERNAL), 3);
}

/* A failure is remembered also when the caller passed no record. */
static void test_last_error_without_a_record(void **state)
{
    (void)state;
    tg_rules *r = NULL;
    /* A missing input is bad input (exit 2), not an I/O failure. */
    assert_int_equal(tg_rules_load(&r, "/nonexistent/rules.json", NULL),
                     TG_EINVAL);
    const tg_error *e = tg_error_last();
    assert_int_equal(e->code, TG_EINVAL);
    assert_string_equal(e->file, "/nonexistent/rules.json");
    tg_error err;
    tg_error_clear(&err);
    tg_error_set(&err, TG_EINVAL, "p.json", 0, 0, "key 'gates': expected");
    assert_string_equal(tg_error_last()->file, "p.json");
}

static void *fail_on_other_thread(void *arg)
{
    (void)arg;
    tg_error_set(NULL, TG_EINTERNAL, "other", 0, 0, "elsewhere");
    return NULL;
}

/* Each thread has its own: a scan thread's failure does not replace
 * the caller's. */
static void test_last_error_is_per_thread(void **state)
{
    (void)state;
    tg_error_set(NULL, TG_EINVAL, "mine", 0, 0, "here");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fail_on_other_thread, NULL), 0);
    pthread_join(t, NULL);
    assert_string_equal(tg_error_last()->file, "mine");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names_file_line_column_and_caret),
        cmocka_unit_test(test_caret_counts_characters_not_bytes),
        cmocka_unit_test(test_control_bytes_never_reach_the_context),
        cmocka_unit_test(test_small_buffers_truncate_safely),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_last_error_without_a_record),
        cmocka_unit_test(test_last_error_is_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
