/*
 * tg_json: syntax errors name the line and column where Python's json
 * module (an independent parser) stops on the same text; type errors
 * name the key path; documents are written atomically, and what is
 * written reads back equal (cJSON_Compare) with a trailing newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Python's position of the syntax error in the file at path: its line
 * and column (characters, 1-based). */
static void python_position(const char *path, long *line, long *col)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import json,sys\n"
             "try:\n json.loads(open(sys.argv[1],encoding='utf-8').read())\n"
             "except json.JSONDecodeError as e: print(e.lineno, e.colno)\n"
             "else: print(0, 0)\" '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%ld %ld", line, col), 2);
    assert_int_equal(pclose(p), 0);
}

/*
 * Broken documents, each wrong at one token. Not here: two texts that
 * cJSON accepts and strict JSON (and Python) refuses -- a number with a
 * leading zero ("01") and a raw control character inside a string; both
 * parse to the value a reader would expect, so they are a leniency, not
 * a misreading.
 */
static const char *const BROKEN[] = {
    "{\"a\": 1,\n  \"b\": tru}",
    "{\"a\": [1, 2,, 3]}",
    "{\n\"tiers\": [\n  {\"name\": \"T1\" \"when\": \"x\"}\n]}",
    "{\"a\": 1}\n\nextra",
    "{\"caf\xc3\xa9\": \"\xe2\x82\xac\", \"b\": ]}",
    "[1, 2, 3",
};

/*
 * A string that cannot start or does not end: cJSON stops one character
 * after the opening quote (after the ' of 'single'), Python at it. Same
 * line, column at most one apart.
 */
static const char *const BROKEN_STRING[] = {
    "{'single': 1}",
    "{\n  \"ok\": 1,\n  'k': 2}",
};

/* The position tiergate reports for the broken text: line and column
 * (characters) from the formatted message "file:line:col: invalid JSON". */
static void our_position(const char *text, long *line, long *col)
{
    const char *path = tt_write("broken.json", text);
    cJSON *doc = NULL;
    tg_error err;
    tg_error_clear(&err);
    if (tg_json_load(&doc, path, &err) != TG_EINVAL)
        fail_msg("accepted: %s", text);
    assert_null(doc);
    char buf[2048];
    tg_error_format(&err, buf, sizeof buf);
    const char *p = strstr(buf, ".json:");
    assert_non_null(p);
    assert_int_equal(sscanf(p, ".json:%ld:%ld: invalid JSON", line, col), 2);
}

static void test_string_errors_next_to_python(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BROKEN_STRING / sizeof *BROKEN_STRING; i++) {
        long pl, pc, l, c;
        python_position(tt_write("broken.json", BROKEN_STRING[i]), &pl, &pc);
        our_position(BROKEN_STRING[i], &l, &c);
        assert_int_equal(l, pl);
        assert_in_range(c - pc, 0, 1);
    }
}

static void test_syntax_errors_where_python_finds_them(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BROKEN / sizeof *BROKEN; i++) {
        const char *path = tt_write("broken.json", BROKEN[i]);
        long pl, pc;
        python_position(path, &pl, &pc);
        assert_true(pl > 0); /* Python refuses it too */
        cJSON *doc = NULL;
        tg_error err;
        tg_error_clear(&err);
        if (tg_json_load(&doc, path, &err) != TG_EINVAL)
            fail_msg("document %zu accepted: %s", i, BROKEN[i]);
        assert_null(doc);
        char buf[2048], want[64];
        tg_error_format(&err, buf, sizeof buf);
        snprintf(want, sizeof want, ":%ld:%ld: invalid JSON", pl, pc);
        if (!strstr(buf, want))
            fail_msg("document %zu: Python stops at %ld:%ld, we say: %s", i,
                     pl, pc, buf);
    }
}

/* Type errors name the key path: keypath "." key, as the reader of the
 * file would look it up. */
static void test_type_errors_name_the_key_path(void **state)
{
    (void)state;
    cJSON *doc = NULL;
    assert_tg_ok(tg_json_parse(&doc,
                               "{\"name\": 3, \"min\": \"0.1\", \"ok\": \"s\","
                               " \"lines\": [\"a\", \"b\"], \"mixed\": [\"a\", 1],"
                               " \"none\": null}",
                               "p.json", NULL));
    tg_error err;
    const char *s = "kept";
    double d = 42;
    char *text = NULL;

    tg_error_clear(&err);
    assert_int_equal(tg_json_get_string(doc, "name", 1, "p.json", "tiers[2]",
                                        &s, &err), TG_EINVAL);
    assert_string_equal(err.file, "p.json");
    assert_string_equal(err.msg, "key 'tiers[2].name': expected a string");
    assert_string_equal(s, "kept");

    tg_error_clear(&err);
    assert_int_equal(tg_json_get_number(doc, "min", 1, "p.json", "gates[0]",
                                        &d, &err), TG_EINVAL);
    assert_string_equal(err.msg, "key 'gates[0].min': expected a number");
    assert_true(d == 42);

    tg_error_clear(&err);
    assert_int_equal(tg_json_get_number(doc, "max", 1, "p.json", "", &d, &err),
                     TG_EINVAL);
    assert_string_equal(err.msg, "key 'max': missing");
    /* null counts as missing; optional and missing leaves *out alone. */
    tg_error_clear(&err);
    assert_int_equal(tg_json_get_number(doc, "none", 1, "p.json", "x", &d, &err),
                     TG_EINVAL);
    assert_string_equal(err.msg, "key 'x.none': missing");
    assert_int_equal(tg_json_get_number(doc, "max", 0, "p.json", "", &d, NULL),
                     TG_OK);
    assert_true(d == 42);

    assert_tg_ok(tg_json_get_text(doc, "lines", 1, "p.json", "", &text, NULL));
    assert_string_equal(text, "a\nb");
    free(text);
    assert_tg_ok(tg_json_get_text(doc, "ok", 1, "p.json", "", &text, NULL));
    assert_string_equal(text, "s");
    free(text);
    tg_error_clear(&err);
    assert_int_equal(tg_json_get_text(doc, "mixed", 1, "p.json", "t", &text,
                                      &err), TG_EINVAL);
    assert_string_equal(err.msg,
                        "key 't.mixed': expected a string or an array of strings");
    assert_null(text);
    cJSON_Delete(doc);
}

/* Written atomically: reads back equal, ends with a newline, keeps the
 * old file's permission bits, and the stamp is the first key. */
static void test_write_atomic_reads_back(void **state)
{
    (void)state;
    const char *path = tt_write("out.json", "{\"old\": true}\n");
    assert_int_equal(chmod(path, 0600), 0);
    cJSON *doc = cJSON_Parse("{\"tier\": \"TIER_1A\", \"rate\": 0.08,"
                             " \"note\": \"caf\u00e9 <b> \\\"q\\\"\"}");
    assert_non_null(doc);
    tg_json_stamp(doc);
    assert_string_equal(doc->child->string, "format_version");
    assert_int_equal(doc->child->valueint, TG_FORMAT_VERSION);
    tg_json_stamp(doc); /* once only */
    assert_int_equal(cJSON_GetArraySize(doc), 4);
    assert_tg_ok(tg_json_write_atomic(doc, path, NULL));

    size_t len;
    char *text = tt_read(path, &len);
    assert_non_null(text);
    assert_true(len > 0 && text[len - 1] == '\n');
    /* Python reads what was written as the document written here by
     * hand (format_version is 1 while TG_FORMAT_VERSION is 1). */
    assert_int_equal(TG_FORMAT_VERSION, 1);
    const char *want = tt_write("want.json",
                                "{\"format_version\": 1, \"tier\": \"TIER_1A\","
                                " \"rate\": 0.08,"
                                " \"note\": \"caf\u00e9 <b> \\\"q\\\"\"}");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import json,sys; "
             "a, b = (json.load(open(p, encoding=\"utf-8\")) for p in sys.argv[1:]); "
             "sys.exit(0 if a == b else 1)' '%s' '%s'", path, want);
    assert_int_equal(system(cmd), 0);
    cJSON *back = NULL;
    assert_tg_ok(tg_json_parse(&back, text, path, NULL));
    assert_true(cJSON_Compare(doc, back, 1));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(text);
    cJSON_Delete(back);
    cJSON_Delete(doc);

    /* Into a folder that does not exist: refused, nothing created. */
    char missing[512];
    snprintf(missing, sizeof missing, "%s/no-such-dir/x.json", tt_tmpdir());
    cJSON *one = cJSON_CreateObject();
    assert_int_not_equal(tg_json_write_atomic(one, missing, NULL), TG_OK);
    assert_int_not_equal(access(missing, F_OK), 0);
    cJSON_Delete(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors_where_python_finds_them),
        cmocka_unit_test(test_string_errors_next_to_python),
        cmocka_unit_test(test_type_errors_name_the_key_path),
        cmocka_unit_test(test_write_atomic_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
