/*
 * tg_escape: every output language against hostile text. HTML and XML
 * output is read back by Python's own parsers (html.parser, expat) and
 * must give the original text with exactly one element; SQL literals are
 * read back by SQLite; the rest are checked against outputs worked out
 * by hand from the rules in tg_escape.h (each derivation in a comment),
 * plus properties that must hold for any input (no control byte, no
 * invalid UTF-8 in the output).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "testutil.h"

typedef void (*escaper)(FILE *, const char *);

/* The escaper's output for s as a NUL-terminated string (caller frees). */
static char *esc(escaper fn, const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    fn(m, s);
    fclose(m);
    return buf;
}

static void sql_standard(FILE *f, const char *s)
{
    tg_esc_sql_string(f, s, TG_SQL_LITERAL_STANDARD);
}
static void sql_backslash(FILE *f, const char *s)
{
    tg_esc_sql_string(f, s, TG_SQL_LITERAL_BACKSLASH);
}
static void sql_postgres(FILE *f, const char *s)
{
    tg_esc_sql_string(f, s, TG_SQL_LITERAL_POSTGRES);
}

#define assert_esc(fn, in, want)                                             \
    do {                                                                     \
        char *got_ = esc(fn, in);                                            \
        assert_string_equal(got_, want);                                     \
        free(got_);                                                          \
    } while (0)

/* Valid UTF-8 text with every metacharacter of the markup languages,
 * quotes, a tag, an entity, tab/newline/CR, C0 and C1 controls, DEL,
 * and characters of 2, 3 and 4 bytes. */
static const char *const HOSTILE[] = {
    "plain",
    "<script>alert('x')</script>",
    "a & b &amp; c &#60; d",
    "\"double\" and 'single' quotes",
    "tab\there\nnewline\r\ncrlf",
    "esc \x1b[31mred\x1b[0m bell\x07 nul-free del\x7f",
    "C1 csi \xc2\x9b" "31m and nel \xc2\x85",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "]]><!-- --><![CDATA[x]]>",
    "\xef\xbf\xbe and \xef\xbf\xbf",   /* U+FFFE, U+FFFF */
    "",
};

/*
 * Runs the Python oracle: argv[1] holds the input text (valid UTF-8),
 * argv[2] the document built from the escaped output. The script
 * computes the expected visible text by the documented rule (control
 * characters other than those the language keeps become U+FFFD) and
 * exits 0 only when the parser read exactly one element whose
 * attribute and text both equal it.
 */
static const char PY_HTML[] =
    "import sys, html.parser\n"
    "s = open(sys.argv[1], encoding='utf-8', newline='').read()\n"
    "doc = open(sys.argv[2], encoding='utf-8', newline='').read()\n"
    "def ctl(c): o = ord(c); return o < 0x20 or 0x7f <= o <= 0x9f\n"
    "want = ''.join('\\ufffd' if ctl(c) and c not in '\\t\\n\\r' else c for c in s)\n"
    "class P(html.parser.HTMLParser):\n"
    "    def __init__(p):\n"
    "        super().__init__(convert_charrefs=True); p.tags = []; p.text = ''\n"
    "    def handle_starttag(p, t, a): p.tags.append((t, dict(a)))\n"
    "    def handle_startendtag(p, t, a): p.tags.append((t, dict(a)))\n"
    "    def handle_endtag(p, t): p.tags.append(('/' + t, {}))\n"
    "    def handle_data(p, d): p.text += d\n"
    "    def handle_comment(p, d): p.tags.append(('!--', {}))\n"
    "p = P(); p.feed(doc); p.close()\n"
    "ok = p.tags == [('p', {'title': want}), ('/p', {})] and p.text == want\n"
    "if not ok: print(repr(want), p.tags, repr(p.text))\n"
    "sys.exit(0 if ok else 1)\n";

static const char PY_XML[] =
    "import sys, xml.etree.ElementTree as ET\n"
    "s = open(sys.argv[1], encoding='utf-8', newline='').read()\n"
    "doc = open(sys.argv[2], 'rb').read()\n"
    "def bad(c): o = ord(c); return (o < 0x20 and c not in '\\t\\n\\r') or 0x7f <= o <= 0x9f or o in (0xfffe, 0xffff)\n"
    "want = ''.join('\\ufffd' if bad(c) else c for c in s)\n"
    "e = ET.fromstring(doc)\n"
    "ok = e.tag == 'p' and len(e) == 0 and e.attrib == {'t': want} and (e.text or '') == want\n"
    "if not ok: print(repr(want), e.tag, e.attrib, repr(e.text), len(e))\n"
    "sys.exit(0 if ok else 1)\n";

/* Wrap the escaped s as an attribute and as the text of one element and
 * let the Python script judge it. */
static void read_back_with_python(const char *script, escaper fn,
                                  const char *attr, const char *s)
{
    tt_write("esc_in.txt", s);
    tt_write("esc_oracle.py", script);
    char *e = esc(fn, s);
    size_t n = strlen(e) * 2 + 64;
    char *doc = malloc(n);
    assert_non_null(doc);
    snprintf(doc, n, "<p %s=\"%s\">%s</p>", attr, e, e);
    tt_write("esc_doc.txt", doc);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s'",
             tt_path("esc_oracle.py"), tt_path("esc_in.txt"),
             tt_path("esc_doc.txt"));
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("the parser did not read back \"%s\" from %s", s, doc);
    free(doc);
    free(e);
}

static void test_html_reads_back_as_the_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof HOSTILE / sizeof *HOSTILE; i++)
        read_back_with_python(PY_HTML, tg_esc_html, "title", HOSTILE[i]);
}

static void test_xml_reads_back_as_the_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof HOSTILE / sizeof *HOSTILE; i++)
        read_back_with_python(PY_XML, tg_esc_xml, "t", HOSTILE[i]);
}

/*
 * Invalid UTF-8: every byte that does not start a valid sequence
 * becomes one U+FFFD (EF BF BD), and never swallows the metacharacter
 * after it. Byte by byte:
 *   C0 AF        overlong "/"            -> 2 x FFFD
 *   ED A0 80     surrogate U+D800        -> 3 x FFFD
 *   F4 90 80 80  U+110000, above the max -> 4 x FFFD
 *   E2 82 then < truncated euro sign     -> 2 x FFFD, then &lt;
 *   FF           never valid             -> FFFD
 */
#define R "\xef\xbf\xbd"
static void test_invalid_utf8_in_markup(void **state)
{
    (void)state;
    assert_esc(tg_esc_html, "\xc0\xaf", R R);
    assert_esc(tg_esc_html, "\xed\xa0\x80", R R R);
    assert_esc(tg_esc_html, "\xf4\x90\x80\x80", R R R R);
    assert_esc(tg_esc_html, "a\xe2\x82<b>", "a" R R "&lt;b&gt;");
    assert_esc(tg_esc_xml, "\xff\"", R "&quot;");
    assert_esc(tg_esc_md, "\xe2\x82|", R R "\\|");
    assert_esc(tg_esc_gh_message, "\xe2\x82\n::", R R "%0A::");
}

/*
 * Markdown by the rules of tg_esc_md: | \ ` * [ ] get a backslash, <
 * becomes &lt;, > and & stay, tab/newline/CR become a space, other
 * controls U+FFFD.
 */
static void test_markdown_cell(void **state)
{
    (void)state;
    assert_esc(tg_esc_md, "a|b", "a\\|b");
    assert_esc(tg_esc_md, "[x](javascript:y)", "\\[x\\](javascript:y)");
    assert_esc(tg_esc_md, "**bold** `code` \\", "\\*\\*bold\\*\\* \\`code\\` \\\\");
    assert_esc(tg_esc_md, "<img src=x onerror=y>", "&lt;img src=x onerror=y>");
    assert_esc(tg_esc_md, "a & b > c", "a & b > c");
    assert_esc(tg_esc_md, "one\ntwo\r\nthree\tfour", "one two  three four");
    assert_esc(tg_esc_md, "x\x1b[1my", "x" R "\\[1my"); /* [ escaped too */
}

/*
 * A code span is fenced with one backtick more than the longest run
 * inside, padded with a space when the text starts or ends with a
 * backtick (CommonMark strips one such space); | is still escaped
 * because GFM splits table cells before it sees code spans.
 */
static void test_markdown_code_span(void **state)
{
    (void)state;
    assert_esc(tg_esc_md_code, "score >= 10", "`score >= 10`");
    assert_esc(tg_esc_md_code, "a `b` c", "``a `b` c``");
    assert_esc(tg_esc_md_code, "``x", "``` ``x ```");
    assert_esc(tg_esc_md_code, "a|b\nc", "`a\\|b c`");
    assert_esc(tg_esc_md_code, "", "``");
}

/*
 * Terminal: \n \t \r spelled out, other C0 and DEL as \xHH, C1 as
 * \u00HH, invalid bytes as \xHH; printable text, é and emoji kept.
 */
static void test_terminal(void **state)
{
    (void)state;
    assert_esc(tg_esc_term, "\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07");
    assert_esc(tg_esc_term, "a\nb\tc\rd\x7f", "a\\nb\\tc\\rd\\x7f");
    assert_esc(tg_esc_term, "csi \xc2\x9b" "2J", "csi \\u009b2J");
    assert_esc(tg_esc_term, "caf\xc3\xa9 \xff\xc3", "caf\xc3\xa9 \\xff\\xc3");
    char small[8];
    /* "\x1b" becomes the 4 characters \x1b; 7 of "ab\x1bcdef" fit. */
    assert_string_equal(tg_esc_term_buf("ab\x1b" "cdef", small, sizeof small),
                        "ab\\x1bc");
}

/* For any byte string: no control byte (C0 other than none, DEL) and
 * no C1 or invalid sequence survives into terminal or HTML output. */
static int output_is_clean(const unsigned char *p, int allow_tab_nl)
{
    while (*p) {
        unsigned c = *p;
        if (c < 0x20 && !(allow_tab_nl && (c == '\t' || c == '\n')))
            return 0;
        if (c == 0x7f)
            return 0;
        if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return 0; /* a C1 control */
        int n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c >= 0x80 && (c < 0xc2 || c > 0xf4))
            return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void test_random_bytes_never_leak_controls(void **state)
{
    (void)state;
    srand(12);
    unsigned char in[64];
    for (int round = 0; round < 2000; round++) {
        int n = rand() % 63;
        for (int i = 0; i < n; i++) {
            int b = rand() % 256;
            in[i] = (unsigned char)(b ? b : 'x');
        }
        in[n] = '\0';
        char *t = esc(tg_esc_term, (const char *)in);
        char *h = esc(tg_esc_html, (const char *)in);
        char *c = esc(tg_esc_sql_comment, (const char *)in);
        assert_true(output_is_clean((unsigned char *)t, 0));
        assert_true(output_is_clean((unsigned char *)h, 1));
        assert_true(output_is_clean((unsigned char *)c, 0));
        assert_null(strstr(c, "*/"));
        assert_null(strchr(h, '<'));
        free(t);
        free(h);
        free(c);
    }
}

/* A comment body can neither end the line nor a block comment. */
static void test_sql_comment(void **state)
{
    (void)state;
    assert_esc(tg_esc_sql_comment, "x\nDROP TABLE t; --", "x\\x0aDROP TABLE t; --");
    assert_esc(tg_esc_sql_comment, "a*/b/*c", "a* /b/ *c");
    assert_esc(tg_esc_sql_comment, "\xc2\x85", "\\xc2\\x85"); /* C1 NEL */
}

/* SQLite evaluates the standard literal back to the original bytes. */
static void test_sqlite_reads_the_standard_literal(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "it's", "''", "'; DROP TABLE leads; --", "back\\slash",
        "new\nline\ttab\rcr", "caf\xc3\xa9 \xe2\x82\xac", "\"dq\"", "",
    };
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char *lit = esc(sql_standard, texts[i]);
        char *sql = sqlite3_mprintf("SELECT %s", lit);
        sqlite3_stmt *st;
        const char *tail = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, &tail),
                         SQLITE_OK);
        assert_string_equal(tail, ""); /* nothing left over: one literal */
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), texts[i]);
        sqlite3_finalize(st);
        sqlite3_free(sql);
        free(lit);
    }
    sqlite3_close(db);
}

/*
 * BigQuery (backslash escapes) and PostgreSQL: worked out from each
 * dialect's literal syntax.
 *   BigQuery  it's       -> 'it\'s'
 *             a\b<LF>    -> 'a\\b\n'
 *             ESC        -> '\x1b'
 *   Postgres  it's       -> 'it''s'      (no backslash or control: plain)
 *             a\b        -> E'a\\b'      (E-string: independent of
 *                                          standard_conforming_strings)
 *             it's<TAB>  -> E'it\'s\t'
 */
static void test_backslash_and_postgres_literals(void **state)
{
    (void)state;
    assert_esc(sql_backslash, "it's", "'it\\'s'");
    assert_esc(sql_backslash, "a\\b\n", "'a\\\\b\\n'");
    assert_esc(sql_backslash, "\x1b", "'\\x1b'");
    assert_esc(sql_postgres, "it's", "'it''s'");
    assert_esc(sql_postgres, "a\\b", "E'a\\\\b'");
    assert_esc(sql_postgres, "it's\t", "E'it\\'s\\t'");
}

/*
 * GitHub workflow commands: % CR LF percent-encoded everywhere, : and ,
 * also in properties, so "::" inside a message cannot start a command
 * on a new line, and a property cannot end early.
 */
static void test_github_commands(void **state)
{
    (void)state;
    assert_esc(tg_esc_gh_message, "50%\r\n::error::x", "50%25%0D%0A::error::x");
    assert_esc(tg_esc_gh_property, "a:b,c%", "a%3Ab%2Cc%25");
    assert_esc(tg_esc_gh_message, "t\tx\x1b", "t\tx" R);
}

/* File-path names: 1-64 of A-Z a-z 0-9 . _ -, not starting with . or -,
 * no "..". */
static void test_path_names(void **state)
{
    (void)state;
    assert_true(tg_path_name_ok("v3.2"));
    assert_true(tg_path_name_ok("model_A-1"));
    char longest[65];
    memset(longest, 'a', 64);
    longest[64] = '\0';
    assert_true(tg_path_name_ok(longest));
    char too_long[66];
    memset(too_long, 'a', 65);
    too_long[65] = '\0';
    assert_false(tg_path_name_ok(too_long));
    assert_false(tg_path_name_ok(""));
    assert_false(tg_path_name_ok(NULL));
    assert_false(tg_path_name_ok(".hidden"));
    assert_false(tg_path_name_ok("-rf"));
    assert_false(tg_path_name_ok("a..b"));
    assert_false(tg_path_name_ok("a/b"));
    assert_false(tg_path_name_ok("a\\b"));
    assert_false(tg_path_name_ok("caf\xc3\xa9"));
    assert_false(tg_path_name_ok("a b"));
    assert_false(tg_path_name_ok("a\nb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_reads_back_as_the_text),
        cmocka_unit_test(test_xml_reads_back_as_the_text),
        cmocka_unit_test(test_invalid_utf8_in_markup),
        cmocka_unit_test(test_markdown_cell),
        cmocka_unit_test(test_markdown_code_span),
        cmocka_unit_test(test_terminal),
        cmocka_unit_test(test_random_bytes_never_leak_controls),
        cmocka_unit_test(test_sql_comment),
        cmocka_unit_test(test_sqlite_reads_the_standard_literal),
        cmocka_unit_test(test_backslash_and_postgres_literals),
        cmocka_unit_test(test_github_commands),
        cmocka_unit_test(test_path_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
