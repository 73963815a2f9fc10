/*
 * tg_outbuf: the buffer `score` writes rows from, and its value texts.
 * Numbers against the snprintf/strtod formatter they replace
 * (tg_fmt_number), over the values the views hold and a random sweep;
 * the months-to-years columns against round-then-format as the views
 * computed them before; CSV fields read back by the CSV reader and JSON
 * strings by cJSON; the same bytes whatever the buffer's size (1 byte, 7
 * bytes, growing in memory); a failed write remembered.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tg_outbuf.h"

/* What o holds (a memory buffer) as a NUL-terminated string. */
static const char *text_of(tg_outbuf *o)
{
    tg_outbuf_putc(o, '\0');
    o->len--;
    return o->buf;
}

static void assert_number_text(double v)
{
    tg_outbuf o;
    char want[32];
    assert_int_equal(tg_outbuf_init(&o, NULL, 4), 0);
    tg_outbuf_number(&o, v);
    tg_fmt_number(v, want);
    if (strcmp(text_of(&o), want) != 0)
        fail_msg("%.17g: '%s', tg_fmt_number '%s'", v, o.buf, want);
    tg_outbuf_free(&o);
}

static void test_numbers_match_fmt_number(void **state)
{
    (void)state;
    const double fixed[] = {0, -0.0, 1, -1, 0.15, 0.1, 3.5, 15, 2.5, 0.04,
                            1e15 - 1, -(1e15 - 1), 1e15, 1e15 + 0.5,
                            9007199254740993.0, 123456789.125, 1e-7,
                            -2.675, 0.3, 100.0 / 3, 1e300, -5e-324};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        assert_number_text(fixed[i]);
    srand(17);
    for (int i = 0; i < 200000; i++) {
        double v;
        switch (i % 4) {
        case 0: v = (double)(rand() % 2000001 - 1000000); break;
        case 1: v = (rand() % 200001 - 100000) / 10.0; break;
        case 2: v = ldexp((double)rand(), rand() % 100 - 60); break;
        default: v = -(double)rand() * rand() * 37.0; break;
        }
        assert_number_text(v);
    }
}

/* The years columns as the views computed them: ROUND(v / 12.0, d). */
static void assert_years_text(double v, int d)
{
    double m = pow(10, d), r = round(v / 12.0 * m) / m;
    char want[32];
    tg_outbuf o;
    assert_int_equal(tg_outbuf_init(&o, NULL, 8), 0);
    int rc = tg_outbuf_years(&o, v, d);
    if (!isfinite(r)) {
        assert_int_equal(rc, -1);
        assert_int_equal(o.len, 0);
    } else {
        assert_int_equal(rc, 0);
        tg_fmt_number(r, want);
        if (strcmp(text_of(&o), want) != 0)
            fail_msg("%.17g months, %d decimals: '%s', want '%s'", v, d,
                     o.buf, want);
    }
    tg_outbuf_free(&o);
}

static void test_years_match_round_then_format(void **state)
{
    (void)state;
    for (int v = -100000; v <= 100000; v++) {
        assert_years_text(v, 0);
        assert_years_text(v, 1);
    }
    const double odd[] = {NAN, INFINITY, -INFINITY, 0.5, -0.5, 5.99, 6,
                          -6, 1e17, -1e17, 1.2e15, 1e308, 0.6, 17.4};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        assert_years_text(odd[i], 0);
        assert_years_text(odd[i], 1);
    }
    srand(5);
    for (int i = 0; i < 100000; i++)
        assert_years_text(ldexp((double)rand() - RAND_MAX / 2, rand() % 40 - 20),
                          i % 2);
}

static const char *const HOSTILE[] = {
    "", "plain", "a,b", "q\"q", "\"", "\"\"", "line\nbreak", "cr\rx",
    "crlf\r\n", "tab\t", "ctl\x01\x1f\x7f", "back\\slash", "\\\"",
    "\b\f", "émoji 🥇", "\xe2\x80\xa8", ",", "  "};
#define NHOSTILE (sizeof HOSTILE / sizeof *HOSTILE)

/* Every hostile text as a CSV record of one field, in one file. */
static void test_csv_fields_read_back(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        tg_outbuf o;
        assert_int_equal(tg_outbuf_init(&o, NULL, 1), 0);
        tg_outbuf_put(&o, "h,x\n", 4);
        tg_outbuf_csv_text(&o, HOSTILE[i], strlen(HOSTILE[i]));
        tg_outbuf_put(&o, ",end\n", 5);
        const char *p = tt_write("field.csv", text_of(&o));
        /* Quotes only when needed: a comma, a quote, CR or LF. */
        int needs = strpbrk(HOSTILE[i], ",\"\r\n") != NULL;
        assert_int_equal(o.buf[4] == '"', needs);
        tg_outbuf_free(&o);
        tg_csv *c = NULL;
        tg_error err;
        size_t len;
        assert_tg_ok(tg_csv_open(&c, p, &err));
        assert_int_equal(tg_csv_next(c, &err), 1);
        assert_int_equal(tg_csv_next(c, &err), 1);
        assert_int_equal(tg_csv_nfields(c), 2);
        const char *f = tg_csv_field(c, 0, &len);
        assert_int_equal(len, strlen(HOSTILE[i]));
        assert_memory_equal(f, HOSTILE[i], len);
        assert_int_equal(tg_csv_next(c, &err), 0);
        tg_csv_free(c);
    }
}

static void test_json_strings_read_back(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHOSTILE; i++) {
        tg_outbuf o;
        assert_int_equal(tg_outbuf_init(&o, NULL, 1), 0);
        tg_outbuf_json_text(&o, HOSTILE[i], strlen(HOSTILE[i]));
        const char *t = text_of(&o);
        for (const char *q = t; *q; q++)
            assert_true((unsigned char)*q >= 0x20); /* escaped */
        cJSON *j = cJSON_Parse(t);
        assert_non_null(j);
        assert_true(cJSON_IsString(j));
        assert_string_equal(j->valuestring, HOSTILE[i]);
        cJSON_Delete(j);
        tg_outbuf_free(&o);
    }
}

/* A run of appends: texts, numbers, single bytes. */
static void append_all(tg_outbuf *o)
{
    for (int round = 0; round < 40; round++)
        for (size_t i = 0; i < NHOSTILE; i++) {
            tg_outbuf_csv_text(o, HOSTILE[i], strlen(HOSTILE[i]));
            tg_outbuf_putc(o, ',');
            tg_outbuf_json_text(o, HOSTILE[(i + round) % NHOSTILE],
                                strlen(HOSTILE[(i + round) % NHOSTILE]));
            tg_outbuf_number(o, round * 1000.25 - (double)i);
            tg_outbuf_years(o, round * 7.0 - (double)i, round % 2);
            tg_outbuf_put(o, "\n", 1);
        }
    /* Larger than any of the buffers. */
    char big[5000];
    memset(big, '"', sizeof big);
    tg_outbuf_csv_text(o, big, sizeof big);
    tg_outbuf_put(o, big, sizeof big);
}

static void test_same_bytes_whatever_the_buffer(void **state)
{
    (void)state;
    tg_outbuf mem;
    assert_int_equal(tg_outbuf_init(&mem, NULL, 16), 0);
    append_all(&mem);
    const size_t caps[] = {1, 7, 64, TG_OUTBUF_SIZE};
    for (size_t k = 0; k < sizeof caps / sizeof *caps; k++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        tg_outbuf o;
        assert_int_equal(tg_outbuf_init(&o, m, caps[k]), 0);
        append_all(&o);
        assert_int_equal(tg_outbuf_flush(&o), 0);
        fclose(m);
        assert_int_equal(len, mem.len);
        assert_memory_equal(buf, mem.buf, len);
        tg_outbuf_free(&o);
        free(buf);
    }
    tg_outbuf_free(&mem);
}

static void test_failed_write_is_remembered(void **state)
{
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    /* Unbuffered: the first full buffer's write fails at once. */
    setvbuf(full, NULL, _IONBF, 0);
    tg_outbuf o;
    assert_int_equal(tg_outbuf_init(&o, full, 64), 0);
    for (int i = 0; i < 100; i++)
        tg_outbuf_put(&o, "0123456789", 10);
    assert_int_equal(o.err, ENOSPC);
    assert_int_equal(tg_outbuf_flush(&o), -1);
    tg_outbuf_free(&o);
    fclose(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_match_fmt_number),
        cmocka_unit_test(test_years_match_round_then_format),
        cmocka_unit_test(test_csv_fields_read_back),
        cmocka_unit_test(test_json_strings_read_back),
        cmocka_unit_test(test_same_bytes_whatever_the_buffer),
        cmocka_unit_test(test_failed_write_is_remembered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
