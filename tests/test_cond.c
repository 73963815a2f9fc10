/*
 * The condition language: precedence, SQL's three-valued logic, every
 * predicate, and the messages (with their carets) for bad conditions.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "testutil.h"

static const char *names[] = {"a", "b", "c"};

static int resolve(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return i;
    return -1;
}

#define N NAN
#define T TG_TRUE
#define F TG_FALSE
#define U TG_UNKNOWN

typedef struct {
    const char *text;
    double a, b, c;
    int want;
} eval_case;

static const eval_case cases[] = {
    /* comparisons */
    {"a = 1", 1, 0, 0, T}, {"a = 1", 2, 0, 0, F}, {"a = 1", N, 0, 0, U},
    {"a != 1", 2, 0, 0, T}, {"a <> 1", 1, 0, 0, F}, {"a != 1", N, 0, 0, U},
    {"a < 0", -1, 0, 0, T}, {"a < 0", 0, 0, 0, F}, {"a <= 0", 0, 0, 0, T},
    {"a > -10", -10, 0, 0, F}, {"a >= -10", -10, 0, 0, T},
    {"a > b", 2, 1, 0, T}, {"a > b", 2, N, 0, U},
    {"3 < a", 4, 0, 0, T},
    /* BETWEEN is inclusive at both ends */
    {"a BETWEEN 12 AND 36", 12, 0, 0, T}, {"a BETWEEN 12 AND 36", 36, 0, 0, T},
    {"a BETWEEN 12 AND 36", 11, 0, 0, F}, {"a BETWEEN 12 AND 36", 37, 0, 0, F},
    {"a BETWEEN 12 AND 36", N, 0, 0, U},
    {"a BETWEEN 36 AND 12", 20, 0, 0, F},
    {"a NOT BETWEEN 12 AND 36", 20, 0, 0, F},
    {"a NOT BETWEEN 12 AND 36", 40, 0, 0, T},
    {"a NOT BETWEEN 12 AND 36", N, 0, 0, U},
    {"a BETWEEN b AND 10", 5, N, 0, U},   /* a >= NULL is unknown */
    {"a BETWEEN b AND 10", 50, N, 0, F},  /* ... but a <= 10 is false */
    {"a BETWEEN -10 AND -1", -10, 0, 0, T},
    /* IN */
    {"a IN (1, 2, 3)", 2, 0, 0, T}, {"a IN (1, 2, 3)", 4, 0, 0, F},
    {"a IN (1, 2, 3)", N, 0, 0, U}, {"a IN (1, NULL)", 2, 0, 0, U},
    {"a IN (1, NULL)", 1, 0, 0, T}, {"a NOT IN (1, 2)", 3, 0, 0, T},
    {"a NOT IN (1, 2)", 1, 0, 0, F}, {"a NOT IN (1, NULL)", 2, 0, 0, U},
    {"a in (b, c)", 1, 2, 1, T},
    /* IS NULL never yields unknown */
    {"a IS NULL", N, 0, 0, T}, {"a IS NULL", 0, 0, 0, F},
    {"a IS NOT NULL", N, 0, 0, F}, {"a is not null", 5, 0, 0, T},
    /* Kleene logic */
    {"a = 1 AND b = 1", 1, 1, 0, T}, {"a = 1 AND b = 1", 1, 0, 0, F},
    {"a = 1 AND b = 1", 1, N, 0, U}, {"a = 1 AND b = 1", 0, N, 0, F},
    {"a = 1 AND b = 1", N, N, 0, U},
    {"a = 1 OR b = 1", 0, 1, 0, T}, {"a = 1 OR b = 1", 0, 0, 0, F},
    {"a = 1 OR b = 1", N, 1, 0, T}, {"a = 1 OR b = 1", N, 0, 0, U},
    {"NOT a = 1", 1, 0, 0, F}, {"NOT a = 1", 0, 0, 0, T},
    {"NOT a = 1", N, 0, 0, U}, {"NOT NOT a = 1", 1, 0, 0, T},
    {"NOT (a = 1 AND b = 1)", 1, N, 0, U},
    /* precedence: AND binds tighter than OR, NOT tighter than AND */
    {"a = 1 OR b = 1 AND c = 1", 1, 0, 0, T},
    {"(a = 1 OR b = 1) AND c = 1", 1, 0, 0, F},
    {"NOT a = 1 AND b = 1", 0, 1, 0, T},
    {"NOT a = 1 OR b = 1", 1, 1, 0, T},
    {"a = 1 and b = 1 or c = 1", 0, 0, 1, T},
    /* arithmetic: * before +, unary minus, NULL propagation, x/0 NULL */
    {"a + b * 2 = 7", 1, 3, 0, T}, {"(a + b) * 2 = 8", 1, 3, 0, T},
    {"a - b - c = 0", 5, 3, 2, T}, {"a / b / c = 1", 8, 4, 2, T},
    {"-a = -3", 3, 0, 0, T}, {"- - a = 3", 3, 0, 0, T},
    {"a / 12 BETWEEN 1 AND 3", 24, 0, 0, T},
    {"a + b > 0", 1, N, 0, U}, {"a / b > 0", 1, 0, 0, U},
    {"a * 1.5 = 3", 2, 0, 0, T}, {"a = .5", 0.5, 0, 0, T},
    {"a = 1e2", 100, 0, 0, T},
    /* literals and comments */
    {"a = TRUE", 1, 0, 0, T}, {"a = false", 0, 0, 0, T},
    {"a = NULL", 1, 0, 0, U},
    {"a = 1 -- the first signal\nAND b = 2", 1, 2, 0, T},
    {"  a\n  BETWEEN 1\n  AND 2  ", 2, 0, 0, T},
};

static void test_cond_eval_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tg_cond *c = NULL;
        tg_error err;
        tg_error_clear(&err);
        int rc = tg_cond_parse(&c, cases[i].text, resolve, NULL, "t", &err);
        if (rc != TG_OK)
            fail_msg("'%s' did not parse: %s", cases[i].text, err.msg);
        double v[3] = {cases[i].a, cases[i].b, cases[i].c};
        int got = tg_cond_eval(c, v);
        if (got != cases[i].want)
            fail_msg("'%s' with a=%g b=%g c=%g: got %d, want %d",
                     cases[i].text, v[0], v[1], v[2], got, cases[i].want);
        tg_cond_free(c);
    }
}

typedef struct {
    const char *text;
    long line, column;
    const char *msg;
} error_case;

static const error_case errors[] = {
    {"a >", 1, 4, "expected a number, a feature or '(', found the end of "
                  "the condition"},
    {"a > 1 AND", 1, 10, "expected a number, a feature or '(', found the end"},
    {"a > 1 AND zz < 3", 1, 11, "unknown feature 'zz'"},
    {"a BETWEEN 1 OR 2", 1, 13, "expected AND in BETWEEN, found 'OR'"},
    {"a IN 1, 2", 1, 6, "expected '(' after IN, found '1'"},
    {"a IN (1 2)", 1, 9, "expected ',' or ')' in the IN list, found '2'"},
    {"(a > 1", 1, 7, "expected ')', found the end of the condition"},
    {"a > 1)", 1, 6, "expected AND, OR or the end, found ')'"},
    {"a IS 3", 1, 6, "expected NULL or NOT NULL after IS, found '3'"},
    {"a NOT 3", 1, 7, "expected BETWEEN or IN after NOT, found '3'"},
    {"a", 1, 1, "a tier's condition needs a condition such as 'x > 1', not "
                "a number"},
    {"a AND b > 1", 1, 1, "AND needs a condition such as 'x > 1', not a "
                          "number"},
    {"a > 1 OR 2", 1, 10, "OR needs a condition such as 'x > 1', not a "
                          "number"},
    {"(a > 1) + 2 > 0", 1, 4, "'+' needs a number, not a condition"},
    {"a > 1 > 2", 1, 7, "expected AND, OR or the end, found '>'"},
    {"a = 12x", 1, 5, "expected a number, a feature or '(', found '12x'"},
    {"a == 1", 1, 4, "expected a number, a feature or '(', found '='"},
    {"a > 1 &", 1, 7, "unexpected character, found '&'"},
    {"", 1, 1, "empty condition"},
    {"a > 1\nAND b < ", 2, 9, "expected a number, a feature or '('"},
    {"a > 1\n  AND q = 2", 2, 7, "unknown feature 'q'"},
    {"NOT 3", 1, 5, "NOT needs a condition such as 'x > 1', not a number"},
};

static void test_cond_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        tg_cond *c = NULL;
        tg_error err;
        tg_error_clear(&err);
        int rc = tg_cond_parse(&c, errors[i].text, resolve, NULL,
                               "rules.json#T1", &err);
        if (rc != TG_EINVAL)
            fail_msg("'%s' parsed (rc %d)", errors[i].text, rc);
        assert_null(c);
        if (strncmp(err.msg, errors[i].msg, strlen(errors[i].msg)) != 0)
            fail_msg("'%s': message '%s', want '%s'", errors[i].text, err.msg,
                     errors[i].msg);
        if (err.line != errors[i].line || err.column != errors[i].column)
            fail_msg("'%s': at %ld:%ld, want %ld:%ld", errors[i].text,
                     err.line, err.column, errors[i].line, errors[i].column);
        assert_string_equal(err.file, "rules.json#T1");
        assert_int_equal(err.caret, err.column - 1);
    }
}

static void test_cond_error_format_has_caret(void **state)
{
    (void)state;
    tg_cond *c = NULL;
    tg_error err;
    tg_error_clear(&err);
    assert_int_equal(tg_cond_parse(&c, "a BETWEEN 12 AND 36\nAND bogus > 1",
                                   resolve, NULL, "v.json#TIER_1A", &err),
                     TG_EINVAL);
    char buf[1024];
    tg_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "v.json#TIER_1A:2:5: unknown feature 'bogus'\n"
                             "    AND bogus > 1\n"
                             "        ^");
}

static void count_feature(void *ctx, int f)
{
    ((int *)ctx)[f]++;
}

static void test_cond_features_listed(void **state)
{
    (void)state;
    tg_cond *c = NULL;
    assert_tg_ok(tg_cond_parse(&c, "a > 1 AND (c IS NULL OR c + a < 2)",
                               resolve, NULL, "t", NULL));
    int seen[3] = {0, 0, 0};
    tg_cond_each_feature(c, count_feature, seen);
    assert_true(seen[0] >= 2);
    assert_int_equal(seen[1], 0);
    assert_true(seen[2] >= 2);
    tg_cond_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cond_eval_table),
        cmocka_unit_test(test_cond_errors),
        cmocka_unit_test(test_cond_error_format_has_caret),
        cmocka_unit_test(test_cond_features_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
