/*
 * The CSV reader on the shapes BigQuery exports (and on broken ones):
 * quoting, line ends, BOM, blank lines, gzip, long records, positions.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Read all records of path; returns them joined as "a|b|c\n" lines. */
static char *dump(const char *path, int *rc_out, tg_error *err)
{
    tg_csv *c = NULL;
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    tg_error_clear(err);
    int rc = tg_csv_open(&c, path, err);
    while (rc == TG_OK && (rc = tg_csv_next(c, err)) == 1) {
        rc = TG_OK;
        for (size_t i = 0; i < tg_csv_nfields(c); i++) {
            size_t len;
            const char *f = tg_csv_field(c, i, &len);
            while (n + len + 4 > cap)
                out = realloc(out, cap *= 2);
            if (i)
                out[n++] = '|';
            memcpy(out + n, f, len);
            n += len;
        }
        out[n++] = '\n';
        out[n] = '\0';
    }
    tg_csv_free(c);
    *rc_out = rc;
    return out;
}

static void expect(const char *input, const char *want)
{
    tg_error err;
    int rc;
    char *got = dump(tt_write("in.csv", input), &rc, &err);
    if (rc != 0)
        fail_msg("input %s: error %s", input, err.msg);
    assert_string_equal(got, want);
    free(got);
}

static void test_csv_plain_and_line_ends(void **state)
{
    (void)state;
    expect("a,b,c\n1,2,3\n", "a|b|c\n1|2|3\n");
    expect("a,b\r\n1,2\r\n", "a|b\n1|2\n");
    expect("a,b\n1,2", "a|b\n1|2\n");                 /* no final newline */
    expect("a,b\r\n1,2", "a|b\n1|2\n");
    expect("a,,c\n,,\n", "a||c\n||\n");                /* empty = NULL */
    expect("a,b\n\n1,2\n\n\n", "a|b\n1|2\n");          /* blank lines */
    expect("\xEF\xBB\xBFlead_id,x\n1,2\n", "lead_id|x\n1|2\n"); /* BOM */
    expect("", "");
}

static void test_csv_quoting(void **state)
{
    (void)state;
    expect("a,\"b,c\",d\n", "a|b,c|d\n");
    expect("\"say \"\"hi\"\"\",x\n", "say \"hi\"|x\n");
    expect("\"line1\nline2\",x\n2,y\n", "line1\nline2|x\n2|y\n");
    expect("\"\",x\n", "|x\n");
    expect("\"\"\"\"\n", "\"\n");
    expect("a,\"b\"\r\n", "a|b\n");
    expect("a,\"b\"", "a|b\n");
}

static void expect_error(const char *input, long line, long col,
                         const char *msg)
{
    tg_error err;
    int rc;
    char *got = dump(tt_write("bad.csv", input), &rc, &err);
    free(got);
    assert_int_equal(rc, TG_EINVAL);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, msg);
    if (err.line != line || err.column != col)
        fail_msg("%s: at %ld:%ld, want %ld:%ld", msg, err.line, err.column,
                 line, col);
    assert_string_equal(err.file, tt_path("bad.csv"));
}

static void test_csv_malformed(void **state)
{
    (void)state;
    expect_error("a,b\n1,\"x\"y\n", 2, 6, "unexpected character after a "
                                          "closing quote");
    expect_error("a,b\n1,x\"y\n", 2, 4, "quote inside an unquoted field");
    expect_error("a,b\n1,\"open\n2,3\n", 2, 3, "unterminated quoted field");
    expect_error("a\n\"multi\nline\" x\n", 3, 6, "unexpected character");
}

static void test_csv_positions(void **state)
{
    (void)state;
    tg_csv *c = NULL;
    tg_error err;
    const char *p = tt_write("pos.csv", "h1,h2,h3\n\"a\nb\",x,\"y\"\nq,rr,s\n");
    assert_tg_ok(tg_csv_open(&c, p, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    assert_int_equal(tg_csv_next(c, &err), 1);
    long line, col;
    assert_int_equal(tg_csv_record_line(c), 2);
    tg_csv_field_position(c, 0, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 1);
    tg_csv_field_position(c, 1, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 4);
    tg_csv_field_position(c, 2, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 6);
    assert_int_equal(tg_csv_next(c, &err), 1);
    assert_int_equal(tg_csv_record_line(c), 4);
    tg_csv_field_position(c, 1, &line, &col);
    assert_int_equal(col, 3);
    assert_int_equal(tg_csv_next(c, &err), 0);
    tg_csv_free(c);
}

static void test_csv_gzip(void **state)
{
    (void)state;
    const char *text = "a,b\n1,\"x,y\"\n2,3\n";
    const char *p = tt_write_gz("in.csv.gz", text, strlen(text));
    tg_error err;
    int rc;
    char *got = dump(p, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "a|b\n1|x,y\n2|3\n");
    free(got);

    /* A gzip stream cut short is an error, not a silently short table. */
    size_t n = 200000, len;
    char *big = malloc(n * 12 + 1), *w = big;
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%zu,%zu\n", i, (i * 7919) % 1000);
    tt_write_gz("big.csv.gz", big, (size_t)(w - big));
    char *gz = tt_read(tt_path("big.csv.gz"), &len);
    FILE *f = fopen(tt_path("cut.csv.gz"), "wb");
    fwrite(gz, 1, len / 2, f);
    fclose(f);
    got = dump(tt_path("cut.csv.gz"), &rc, &err);
    assert_int_equal(rc, TG_EINVAL);
    assert_non_null(strstr(err.msg, "truncated gzip data"));
    free(got);
    free(gz);
    free(big);
}

static void test_csv_long_records_cross_buffers(void **state)
{
    (void)state;
    /* Records longer than the 4 MiB read size, and a quoted field that
     * straddles read boundaries, come through whole. */
    size_t big = (9u << 20);
    char *text = malloc(big + 64), *w = text;
    w += sprintf(w, "id,payload\n1,\"");
    for (size_t i = 0; i < big - 40; i++)
        *w++ = (i % 1000 == 999) ? '\n' : (i % 500 == 0 ? ',' : 'x');
    w += sprintf(w, "\"\n2,end\n");
    *w = '\0';
    const char *p = tt_path("long.csv");
    FILE *f = fopen(p, "wb");
    fwrite(text, 1, (size_t)(w - text), f);
    fclose(f);
    tg_csv *c = NULL;
    tg_error err;
    assert_tg_ok(tg_csv_open(&c, p, &err));
    assert_int_equal(tg_csv_next(c, &err), 1);
    assert_int_equal(tg_csv_next(c, &err), 1);
    size_t len;
    tg_csv_field(c, 1, &len);
    assert_int_equal(len, big - 40);
    assert_int_equal(tg_csv_next(c, &err), 1);
    const char *f2 = tg_csv_field(c, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(f2, "end", 3);
    /* Lines inside the quoted field were counted. */
    assert_int_equal(tg_csv_record_line(c), 3 + (long)((big - 40) / 1000));
    assert_int_equal(tg_csv_next(c, &err), 0);
    tg_csv_free(c);
    free(text);
}

static void test_csv_missing_file(void **state)
{
    (void)state;
    tg_csv *c = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_int_equal(tg_csv_open(&c, tt_path("nope.csv"), &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_plain_and_line_ends),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_csv_positions),
        cmocka_unit_test(test_csv_gzip),
        cmocka_unit_test(test_csv_long_records_cross_buffers),
        cmocka_unit_test(test_csv_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
