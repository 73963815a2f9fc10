/*
 * tg_textfit: widths count characters (not bytes), clipping and
 * wrapping stay within the width, break only between words and never
 * inside a UTF-8 character. Expected layouts are worked out by hand in
 * the comments; random texts are checked for the properties every
 * layout must have (width, valid UTF-8, same words in the same order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tg_textfit.h"

#define ELL "\xe2\x80\xa6" /* "…", one column */

/* Characters counted independently: every byte that is not 10xxxxxx. */
static int chars(const char *s, size_t len)
{
    int w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] >> 6) != 2;
    return w;
}

/* Whether s is whole UTF-8 sequences (no character cut). */
static int whole_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 0;
        if (!n)
            return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void test_width_counts_characters(void **state)
{
    (void)state;
    assert_int_equal(tg_text_width(""), 0);
    assert_int_equal(tg_text_width("TIER_1A"), 7);
    assert_int_equal(tg_text_width("caf\xc3\xa9"), 4);          /* é: 2 bytes */
    assert_int_equal(tg_text_width("\xe2\x82\xac" "5"), 2);      /* €: 3 bytes */
    assert_int_equal(tg_text_width("\xf0\x9f\x98\x80"), 1);      /* 😀: 4 bytes */
    assert_int_equal(tg_text_width("a\xc2\xb7" "b" ELL), 4);     /* a·b… */
}

/*
 * Clip keeps width - 1 columns for the text and one for "…", cut back
 * to the last space:
 *   "the quick brown fox", 10: the first 9 are "the quick", followed by
 *       a space, so nothing is cut off a word -> "the quick…"
 *   same, 12: the first 11 are "the quick b"; back to the space ->
 *       "the quick…"
 *   "abcdefghij", 5: one word longer than the width -> "abcd…"
 *   "éééééé", 3: two characters (4 bytes) and "…" -> "éé…"
 */
static void test_clip_by_hand(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(tg_text_clip("the quick brown fox", 10, buf, sizeof buf),
                        "the quick" ELL);
    assert_string_equal(tg_text_clip("the quick brown fox", 12, buf, sizeof buf),
                        "the quick" ELL);
    assert_string_equal(tg_text_clip("abcdefghij", 5, buf, sizeof buf),
                        "abcd" ELL);
    assert_string_equal(tg_text_clip("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                                     3, buf, sizeof buf),
                        "\xc3\xa9\xc3\xa9" ELL);
    assert_string_equal(tg_text_clip("fits", 4, buf, sizeof buf), "fits");
    assert_string_equal(tg_text_clip("anything", 0, buf, sizeof buf), "");
}

/* A buffer too small for the clipped text must not end in part of a
 * character: "ééé…" is 9 bytes; 6 bytes of room hold "éé" and the NUL
 * (5 bytes), not a first byte of the third é. */
static void test_clip_small_buffer_keeps_characters_whole(void **state)
{
    (void)state;
    const char *s = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    for (size_t n = 1; n <= 12; n++) {
        char buf[16];
        memset(buf, 'Z', sizeof buf);
        tg_text_clip(s, 4, buf, n);
        assert_true(strlen(buf) < n);
        if (!whole_utf8(buf))
            fail_msg("buffer of %zu bytes: a character was cut", n);
    }
    char buf[6];
    assert_string_equal(tg_text_clip(s, 4, buf, sizeof buf), "\xc3\xa9\xc3\xa9");
    /* Text that fits the width but not the buffer, likewise. */
    char four[4];
    assert_string_equal(tg_text_clip("\xc3\xa9\xc3\xa9", 10, four, sizeof four),
                        "\xc3\xa9");
}

/* Random texts of words with 1- to 4-byte characters: every clip fits,
 * is whole UTF-8, is a prefix of the text (plus "…"), and ends at a word
 * boundary unless the first word alone is wider than the room. */
static void test_clip_random_properties(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "Z", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", " "};
    srand(7);
    for (int round = 0; round < 500; round++) {
        char s[200] = "";
        int k = 1 + rand() % 30;
        strcat(s, "w");
        for (int i = 0; i < k; i++)
            strcat(s, pieces[rand() % 6]);
        for (int width = 1; width <= 35; width++) {
            char buf[256];
            tg_text_clip(s, width, buf, sizeof buf);
            size_t bl = strlen(buf);
            assert_true(chars(buf, bl) <= width);
            assert_true(whole_utf8(buf));
            if (chars(s, strlen(s)) <= width) {
                assert_string_equal(buf, s);
                continue;
            }
            assert_true(bl >= 3 && strcmp(buf + bl - 3, ELL) == 0);
            size_t pl = bl - 3;
            assert_memory_equal(buf, s, pl);
            /* a word boundary, or the whole room used by one long word */
            int boundary = s[pl] == ' ';
            int one_word = memchr(buf, ' ', pl) == NULL &&
                           chars(buf, pl) == width - 1;
            if (!boundary && !one_word)
                fail_msg("\"%s\" at %d clipped inside a word: \"%s\"", s, width, buf);
        }
    }
}

static char *wrap(const char *s, int width, int first, int indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    tg_text_wrap(m, s, width, first, indent);
    fclose(m);
    return buf;
}

/*
 * "aaa bbb ccc ddd" at width 7, indent 2: "aaa bbb" is exactly 7;
 * "ccc" moves to a new line (col 2 -> 5); " ddd" would reach 9 > 7, so
 * it moves too.
 * With first = 4 (the caller printed 4 columns): "aaa" reaches 7, "bbb"
 * goes to the next line.
 */
static void test_wrap_by_hand(void **state)
{
    (void)state;
    char *w = wrap("aaa bbb ccc ddd", 7, 0, 2);
    assert_string_equal(w, "aaa bbb\n  ccc\n  ddd\n");
    free(w);
    w = wrap("aaa bbb", 7, 4, 0);
    assert_string_equal(w, "aaa\nbbb\n");
    free(w);
    w = wrap("one\ntwo three", 80, 0, 1);  /* a line break is kept */
    assert_string_equal(w, "one\n two three\n");
    free(w);
    /* é counts one column: "éé éé" is 5 columns and fits 5. */
    w = wrap("\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9", 5, 0, 0);
    assert_string_equal(w, "\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\n");
    free(w);
}

/* Random texts: every wrapped line fits, and the words come out whole
 * and in order (a word wider than the line is clipped with "…"). */
static void test_wrap_random_properties(void **state)
{
    (void)state;
    static const char *const pieces[] = {"x", "\xc3\xa9", "\xe2\x82\xac", " ", " "};
    srand(11);
    for (int round = 0; round < 300; round++) {
        char s[300] = "";
        int k = 1 + rand() % 60;
        for (int i = 0; i < k; i++)
            strcat(s, pieces[rand() % 5]);
        int width = 8 + rand() % 30, indent = rand() % 4;
        char *w = wrap(s, width, 0, indent);
        assert_true(whole_utf8(w));
        for (char *line = w; *line;) {
            char *nl = strchr(line, '\n');
            assert_non_null(nl);
            assert_true(chars(line, (size_t)(nl - line)) <= width);
            line = nl + 1;
        }
        /* Words: every word of s no wider than width - indent appears
         * whole, in order. */
        char copy[300], *save = NULL, *pos = w;
        strcpy(copy, s);
        for (char *word = strtok_r(copy, " ", &save); word;
             word = strtok_r(NULL, " ", &save)) {
            if (chars(word, strlen(word)) > width - indent)
                continue;
            char *at = strstr(pos, word);
            if (!at)
                fail_msg("\"%s\" lost the word \"%s\": %s", s, word, w);
            pos = at + strlen(word);
        }
        free(w);
    }
}

static void test_pad_in_characters(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    tg_text_pad(m, "caf\xc3\xa9", 6);
    fputc('|', m);
    tg_text_rpad(m, "\xe2\x82\xac", 3);
    fputc('|', m);
    tg_text_pad(m, "too wide", 3);
    fclose(m);
    assert_string_equal(buf, "caf\xc3\xa9  |  \xe2\x82\xac|too wide");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_counts_characters),
        cmocka_unit_test(test_clip_by_hand),
        cmocka_unit_test(test_clip_small_buffer_keeps_characters_whole),
        cmocka_unit_test(test_clip_random_properties),
        cmocka_unit_test(test_wrap_by_hand),
        cmocka_unit_test(test_wrap_random_properties),
        cmocka_unit_test(test_pad_in_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
