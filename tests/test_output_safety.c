/*
 * Where output goes: a FIFO and a character device (made inside the
 * test's temporary folder, never the machine's own /dev/null) are
 * written in place and stay what they are; "-" is standard output for
 * every output option; a symbolic link keeps being a link and its
 * target is replaced; a replaced file keeps its permissions; a folder or
 * a link to nothing is refused with exit 2.
 */
#define _DEFAULT_SOURCE /* mknod, usleep */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <sqlite3.h>

#include "testutil.h"

#define GATE "gate --rules registry/tiers/v3.2.json --policy " \
             "registry/gates/v3.2.json "

static const char *data_file(void)
{
    static char path[1024];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tt_path("data.csv"));
        tt_run_result r = tt_run("synth --rows 3000 -o '%s'", path);
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
    }
    return path;
}

/* Every command option that names an output file, as "ARGS %s". */
static const char *const OUTPUTS[] = {
    "preview --rules registry/tiers/v3.2.json --data '%s' -o '%s'",
    GATE "--data '%s' -o '%s'",
    GATE "--data '%s' --json '%s'",
    GATE "--data '%s' --markdown '%s'",
    GATE "--data '%s' --junit '%s'",
    GATE "--data '%s' --html '%s'",
    "score --rules registry/tiers/v3.2.json --data '%s' -o '%s'",
    "calibrate --rules registry/tiers/v3.2.json --data '%s' -o '%s'",
    "check-schema --rules registry/tiers/v3.2.json --data '%s' -o '%s'",
    "compare --from registry/tiers/v3.1.json --to registry/tiers/v3.2.json "
    "--data '%s' -o '%s'",
};
#define NOUTPUTS (sizeof OUTPUTS / sizeof *OUTPUTS)

static int exit_of(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_output_fifo_is_written_in_place(void **state)
{
    (void)state;
    /* tt_path's buffers are reused: keep copies. */
    char fifo[1024], got[1024];
    snprintf(fifo, sizeof fifo, "%s", tt_path("out.fifo"));
    snprintf(got, sizeof got, "%s", tt_path("fifo.got"));
    for (size_t i = 0; i < NOUTPUTS; i++) {
        unlink(fifo);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        char args[4096], cmd[8192];
        snprintf(args, sizeof args, OUTPUTS[i], data_file(), fifo);
        /* The reader gives up after a while: a tool that replaced the
         * FIFO with a file would leave it waiting forever. */
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && (timeout 60 cat '%s' > '%s' &) && "
                 "'%s' %s >/dev/null 2>&1; rc=$?; sleep 0.2; exit $rc",
                 TG_SOURCE_DIR, fifo, got, TIERGATE_BIN, args);
        int rc = exit_of(system(cmd));
        if (rc > 1)
            fail_msg("exit %d: %s", rc, args);
        struct stat st;
        assert_int_equal(lstat(fifo, &st), 0);
        if (!S_ISFIFO(st.st_mode))
            fail_msg("the FIFO became another kind of file: %s", args);
        /* The reader got everything (it ends when the writer closes). */
        for (int tries = 0; tries < 100; tries++) {
            size_t n = 0;
            char *text = tt_read(got, &n);
            int done = text && n > 0;
            free(text);
            if (done)
                break;
            usleep(100000);
        }
        size_t n = 0;
        char *text = tt_read(got, &n);
        if (!text || n == 0)
            fail_msg("nothing came through the FIFO: %s", args);
        free(text);
        unlink(got);
    }
}

static void test_output_device_stays_a_device(void **state)
{
    (void)state;
    /* A null device of our own, in the temporary folder. */
    char dev[1024];
    snprintf(dev, sizeof dev, "%s", tt_path("null.dev"));
    unlink(dev);
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        print_message("mknod needs root; skipped\n");
        skip();
    }
    for (size_t i = 0; i < NOUTPUTS; i++) {
        tt_run_result r = tt_run(OUTPUTS[i], data_file(), dev);
        if (r.status > 1)
            fail_msg("exit %d: %s\n%s", r.status, OUTPUTS[i], r.err);
        tt_run_free(&r);
        struct stat st;
        assert_int_equal(lstat(dev, &st), 0);
        if (!S_ISCHR(st.st_mode))
            fail_msg("the device node was replaced: %s", OUTPUTS[i]);
        assert_int_equal(major(st.st_rdev), 1);
        assert_int_equal(minor(st.st_rdev), 3);
    }
    /* synth too (its own writer, gzip included). */
    tt_run_result r = tt_run("synth --rows 10 -o '%s'", dev);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    struct stat st;
    assert_int_equal(lstat(dev, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    unlink(dev);
}

static void test_output_dash_is_standard_output(void **state)
{
    (void)state;
    char dir[1024], cmd[4096];
    snprintf(dir, sizeof dir, "%s", tt_path("dash"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && cp -r '%s/registry' "
             "'%s/'", dir, dir, TG_SOURCE_DIR, dir);
    assert_int_equal(system(cmd), 0);
    static const struct {
        const char *opt, *expect;
    } cases[] = {
        {"--json -", "\"gates\""},
        {"--markdown -", "| Gate |"},
        {"--junit -", "<testsuites"},
        {"--html -", "<!DOCTYPE html>"},
        {"-o -", "overall:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tt_run_result r = tt_run_in(dir, GATE "--data '%s' %s", data_file(),
                                    cases[i].opt);
        if (r.status > 1)
            fail_msg("%s: exit %d\n%s", cases[i].opt, r.status, r.err);
        if (!strstr(r.out, cases[i].expect))
            fail_msg("%s: standard output lacks %s", cases[i].opt,
                     cases[i].expect);
        tt_run_free(&r);
        char dash[1100];
        snprintf(dash, sizeof dash, "%s/-", dir);
        if (access(dash, F_OK) == 0)
            fail_msg("%s wrote a file named '-'", cases[i].opt);
    }
}

static void test_output_symlink_target_replaced_mode_kept(void **state)
{
    (void)state;
    char target[1024], link[1024];
    snprintf(target, sizeof target, "%s", tt_path("target.txt"));
    snprintf(link, sizeof link, "%s", tt_path("link.txt"));
    unlink(target);
    unlink(link);
    tt_write("target.txt", "old\n");
    assert_int_equal(chmod(target, 0640), 0);
    assert_int_equal(symlink("target.txt", link), 0);
    for (size_t i = 0; i < NOUTPUTS; i++) {
        tt_run_result r = tt_run(OUTPUTS[i], data_file(), link);
        if (r.status > 1)
            fail_msg("exit %d: %s\n%s", r.status, OUTPUTS[i], r.err);
        tt_run_free(&r);
        struct stat st;
        assert_int_equal(lstat(link, &st), 0);
        if (!S_ISLNK(st.st_mode))
            fail_msg("the link was replaced by a file: %s", OUTPUTS[i]);
        assert_int_equal(stat(target, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        if ((st.st_mode & 07777) != 0640)
            fail_msg("mode %o after %s", st.st_mode & 07777, OUTPUTS[i]);
        char *text = tt_read(target, NULL);
        assert_non_null(text);
        assert_string_not_equal(text, "old\n");
        free(text);
        assert_int_equal(chmod(target, 0640), 0);
        tt_write("target.txt", "old\n");
    }
    /* A plain file keeps its mode too (0600: a private report). */
    char priv[1024];
    snprintf(priv, sizeof priv, "%s", tt_write("private.md", "old\n"));
    assert_int_equal(chmod(priv, 0600), 0);
    tt_run_result r = tt_run(GATE "--data '%s' --markdown '%s'", data_file(),
                             priv);
    assert_true(r.status <= 1);
    tt_run_free(&r);
    struct stat st;
    assert_int_equal(stat(priv, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_output_folder_and_dangling_link_refused(void **state)
{
    (void)state;
    char dangling[1024], dir[1024];
    snprintf(dangling, sizeof dangling, "%s", tt_path("dangling.txt"));
    snprintf(dir, sizeof dir, "%s", tt_path("adir"));
    unlink(dangling);
    assert_int_equal(symlink("nowhere/missing.txt", dangling), 0);
    mkdir(dir, 0755);
    const char *paths[] = {dangling, dir};
    for (int k = 0; k < 2; k++) {
        tt_run_result r = tt_run(GATE "--data '%s' --json '%s'", data_file(),
                                 paths[k]);
        if (r.status != 2)
            fail_msg("%s: exit %d, not 2\n%s", paths[k], r.status, r.err);
        assert_non_null(strstr(r.err, paths[k]));
        tt_run_free(&r);
    }
    struct stat st;
    assert_int_equal(lstat(dangling, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

/* ---- the escapes themselves ------------------------------------------- */

static char *escaped(void (*fn)(FILE *, const char *), const char *in)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fn(m, in);
    fclose(m);
    return buf;
}

static void assert_escape(void (*fn)(FILE *, const char *), const char *in,
                          const char *want)
{
    char *got = escaped(fn, in);
    if (strcmp(got, want) != 0)
        fail_msg("escaping '%s': got '%s', want '%s'", in, got, want);
    free(got);
}

static void test_escape_cases(void **state)
{
    (void)state;
    /* Invalid UTF-8 (a lone continuation, an overlong '<', a surrogate,
     * a truncated sequence) never passes through. */
    assert_escape(tg_esc_html, "a\x80" "b\xc0\xbc\xed\xa0\x80\xe2\x82",
                  "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_escape(tg_esc_html, "<a href='x'>\"&\"</a>\x1b\xc2\x9b\t\n\r",
                  "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
                  "\xef\xbf\xbd\xef\xbf\xbd\t\n&#13;");
    assert_escape(tg_esc_xml, "a\tb\nc\x01\xef\xbf\xbe<",
                  "a&#9;b&#10;c\xef\xbf\xbd\xef\xbf\xbd&lt;");
    assert_escape(tg_esc_md, "a|b\nc<d>`e`*[x](y)\\",
                  "a\\|b c&lt;d>\\`e\\`\\*\\[x\\](y)\\\\");
    assert_escape(tg_esc_md_code, "a`b``c", "```a`b``c```");
    assert_escape(tg_esc_md_code, "`x", "`` `x ``");
    assert_escape(tg_esc_term, "ok \x1b[31m\xc2\x9b\x80\n\t\x7f é",
                  "ok \\x1b[31m\\u009b\\x80\\n\\t\\x7f é");
    assert_escape(tg_esc_sql_comment, "a\nb*/c/*\xc2\x85",
                  "a\\x0ab* /c/ *\\xc2\\x85");
    /* Names that may become paths. */
    static const char *ok[] = {"v3.2", "v3.2-updated-20251222", "V_3", "a"};
    static const char *bad[] = {"", "..", "../x", "a/b", ".x", "-x", "a..b",
                                "a b", "a\nb", "a\\b",
                                "0123456789012345678901234567890123456789"
                                "01234567890123456789012345"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_true(tg_path_name_ok(ok[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (tg_path_name_ok(bad[i]))
            fail_msg("'%s' accepted as a path name", bad[i]);
}

/* Random strings as SQLite literals read back as themselves (SQLite is
 * the oracle), and random bytes as XML text and attributes make a
 * document xmllint accepts. */
static void test_escape_random_against_engines(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    char xml_path[1024];
    snprintf(xml_path, sizeof xml_path, "%s", tt_path("random.xml"));
    FILE *x = fopen(xml_path, "wb");
    assert_non_null(x);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>", x);
    unsigned seed = 12345;
    static const char pool[] = "'\"\\`;-*/\n\r\t<>&|aZ0 ";
    for (int i = 0; i < 2000; i++) {
        char in[40];
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 38;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = (seed >> 16) & 0xff;
            /* Mostly the characters that matter, some raw bytes too. */
            in[k] = v < 200 ? pool[v % (sizeof pool - 1)] : (char)(v | 1);
        }
        in[n] = '\0';
        /* SQLite: the literal's value is the input. */
        char *lit = NULL, *sql = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&lit, &len);
        tg_esc_sql_string(m, in, TG_SQL_LITERAL_STANDARD);
        fclose(m);
        m = open_memstream(&sql, &len);
        fprintf(m, "SELECT %s", lit);
        fclose(m);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const unsigned char *got = sqlite3_column_text(st, 0);
        if (strcmp((const char *)got, in) != 0)
            fail_msg("SQLite read %s back as '%s'", lit, got);
        sqlite3_finalize(st);
        free(lit);
        free(sql);
        /* XML: as an attribute and as text. */
        fputs("<e a=\"", x);
        tg_esc_xml(x, in);
        fputs("\">", x);
        tg_esc_xml(x, in);
        fputs("</e>\n", x);
    }
    fputs("</r>\n", x);
    fclose(x);
    sqlite3_close(db);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", xml_path);
    assert_int_equal(system(cmd), 0);
}

/* ---- renderers: text from input stays text ----------------------------- */

#define HOSTILE "--rules tests/fixtures/hostile/hostile_rules.json --policy " \
                "tests/fixtures/hostile/hostile_policy.json "

/* The element names of an HTML document, as one sorted, unique list. */
static void tag_set(const char *html, char out[][24], int *n)
{
    *n = 0;
    for (const char *p = html; (p = strchr(p, '<')); p++) {
        const char *q = p + 1 + (p[1] == '/');
        size_t len = 0;
        while (len < 23 && ((q[len] >= 'a' && q[len] <= 'z') ||
                            (q[len] >= 'A' && q[len] <= 'Z') ||
                            (q[len] >= '0' && q[len] <= '9') || q[len] == '!'))
            len++;
        char name[24];
        snprintf(name, sizeof name, "%.*s", (int)len, q);
        int seen = 0;
        for (int k = 0; k < *n; k++)
            seen |= strcmp(out[k], name) == 0;
        if (!seen && *n < 64)
            snprintf(out[(*n)++], 24, "%s", name);
    }
}

/* Every class="..." value of an HTML document. */
static void class_set(const char *html, char out[][48], int *n)
{
    *n = 0;
    for (const char *p = html; (p = strstr(p, "class=\"")); p++) {
        const char *q = p + 7, *e = strchr(q, '"');
        if (!e)
            break;
        char v[48];
        snprintf(v, sizeof v, "%.*s", (int)(e - q), q);
        int seen = 0;
        for (int k = 0; k < *n; k++)
            seen |= strcmp(out[k], v) == 0;
        if (!seen && *n < 64)
            snprintf(out[(*n)++], 48, "%s", v);
    }
}

/* No byte below 0x20 but newline (and tab where allowed), no DEL. */
static void assert_no_controls(const char *what, const char *text, size_t len,
                               int tabs)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && !(tabs && c == '\t')) || c == 0x7f)
            fail_msg("%s: control byte 0x%02x at offset %zu", what, c, i);
    }
}

static char *slurp(const char *path, size_t *len)
{
    char *t = tt_read(path, len);
    if (!t)
        fail_msg("cannot read %s", path);
    return t;
}

/* HTML of the hostile run against HTML of the shipped rules and policy
 * on the same data: no element or class the shipped one lacks, and the
 * hostile text present only escaped. */
static void check_html(const char *what, const char *hostile,
                       const char *normal, const char *escaped_text)
{
    char ht[64][24], nt[64][24], hc[64][48], nc[64][48];
    int nh, nn, nhc, nnc;
    tag_set(hostile, ht, &nh);
    tag_set(normal, nt, &nn);
    for (int i = 0; i < nh; i++) {
        int known = 0;
        for (int k = 0; k < nn; k++)
            known |= strcmp(ht[i], nt[k]) == 0;
        if (!known)
            fail_msg("%s: an element <%s> the report never writes", what,
                     ht[i]);
    }
    class_set(hostile, hc, &nhc);
    class_set(normal, nc, &nnc);
    for (int i = 0; i < nhc; i++) {
        int known = 0;
        for (int k = 0; k < nnc; k++)
            known |= strcmp(hc[i], nc[k]) == 0;
        if (!known)
            fail_msg("%s: a class \"%s\" the report never writes", what,
                     hc[i]);
    }
    if (!strstr(hostile, escaped_text))
        fail_msg("%s: the hostile text is not there, escaped (%s)", what,
                 escaped_text);
    /* <title> holds text only. */
    const char *t = strstr(hostile, "<title>"), *e = strstr(hostile, "</title>");
    assert_non_null(t);
    assert_non_null(e);
    for (const char *p = t + 7; p < e; p++)
        if (*p == '<')
            fail_msg("%s: markup inside <title>", what);
    assert_no_controls(what, hostile, strlen(hostile), 1);
}

/* Every table row of a Markdown document has as many cells as its
 * header: no pipe or newline from the input split or ended a row. */
static void check_markdown(const char *what, const char *md, int want_rows)
{
    int rows = 0, cells = -1;
    const char *line = md;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len && line[0] == '|') {
            int c = 0;
            for (size_t i = 0; i < len; i++)
                if (line[i] == '\\')
                    i++; /* an escaped character, a pipe included */
                else if (line[i] == '|')
                    c++;
            if (cells < 0 || (len > 1 && line[1] == '-'))
                cells = c;
            else if (c != cells)
                fail_msg("%s: a row with %d pipes under a header with %d:\n"
                         "%.*s", what, c, cells, (int)len, line);
            rows++;
        } else if (len) {
            cells = -1; /* the next table has its own header */
        }
        if (!end)
            break;
        line = end + 1;
    }
    if (want_rows >= 0 && rows != want_rows)
        fail_msg("%s: %d table lines, expected %d", what, rows, want_rows);
    /* Raw HTML outside code spans (inside one, '<' is shown as is). */
    for (const char *p = md; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '`') {
            size_t k = strspn(p, "`");
            const char *q = p + k, *close = NULL;
            while ((q = strchr(q, '`'))) {
                size_t run = strspn(q, "`");
                if (run == k) {
                    close = q;
                    break;
                }
                q += run;
            }
            if (close) {
                p = close + k - 1;
                continue;
            }
            p += k - 1;
            continue;
        }
        /* The gate summary's own fold (hostile text cannot make these:
         * its '<' is written &lt;), exactly as the writer spells it. */
        if (strncmp(p, "<details><summary>All ", 22) == 0 &&
            strstr(p, "</summary>\n") && (p = strstr(p, "</summary>\n") + 10))
            continue;
        if (strncmp(p, "</details>\n", 11) == 0 && p > md && p[-1] == '\n') {
            p += 10;
            continue;
        }
        if (strncmp(p, "<!-- tiergate-log ", 18) == 0) {
            p = strchr(p, '\n'); /* the log's own marker, checked apart */
            if (!p)
                break;
            continue;
        }
        if (*p == '<' &&
            ((p[1] >= 'a' && p[1] <= 'z') || p[1] == '/' || p[1] == '!'))
            fail_msg("%s: raw HTML: %.20s", what, p);
    }
    assert_no_controls(what, md, strlen(md), 0);
}

static void test_render_hostile_text_stays_text(void **state)
{
    (void)state;
    char json[1024], html[1024], md[1024], junit[1024], normal[1024];
    snprintf(json, sizeof json, "%s", tt_path("hostile.json"));
    snprintf(html, sizeof html, "%s", tt_path("hostile.html"));
    snprintf(md, sizeof md, "%s", tt_path("hostile.md"));
    snprintf(junit, sizeof junit, "%s", tt_path("hostile.xml"));
    snprintf(normal, sizeof normal, "%s", tt_path("normal.html"));
    tt_run_result r = tt_run(GATE "--data '%s' --html '%s'", data_file(),
                             normal);
    assert_true(r.status <= 1);
    tt_run_free(&r);
    r = tt_run("gate " HOSTILE "--data '%s' --json '%s' --html '%s' "
               "--markdown '%s' --junit '%s'",
               data_file(), json, html, md, junit);
    if (r.status > 1)
        fail_msg("exit %d\n%s", r.status, r.err);
    char *text = strdup(r.out);
    tt_run_free(&r);
    char *jtext = slurp(json, NULL);
    cJSON *doc = cJSON_Parse(jtext);
    free(jtext);
    assert_non_null(doc);
    int outcomes = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "gates"));
    /* The reliability section's two tables: a row per blocking gate and
     * tier, and a row per tier and split with blocking gates. */
    const cJSON *rel = cJSON_GetObjectItem(doc, "reliability"), *tier;
    int rel_rows = cJSON_GetArraySize(cJSON_GetObjectItem(rel, "gates")) + 4;
    cJSON_ArrayForEach(tier, cJSON_GetObjectItem(rel, "tiers"))
    {
        static const char *sp[2] = {"TRAIN", "TEST"};
        for (int k = 0; k < 2; k++)
            rel_rows += cJSON_GetObjectItem(cJSON_GetObjectItem(tier, sp[k]),
                                            "blocking_gates")
                            ->valuedouble > 0;
    }
    cJSON_Delete(doc);

    char *n = slurp(normal, NULL), *h = slurp(html, NULL);
    check_html("gate --html", h, n, "&lt;script&gt;alert(1)&lt;/script&gt;");
    free(h);
    char *m = slurp(md, NULL);
    check_markdown("gate --markdown", m, outcomes + 2 + rel_rows);
    free(m);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", junit);
    assert_int_equal(system(cmd), 0);
    /* The terminal table: control characters shown, never sent. */
    assert_no_controls("gate text", text, strlen(text), 0);
    assert_non_null(strstr(text, "\\x1b"));
    free(text);

    /* The same result loaded by `report`. */
    r = tt_run("report --from '%s' --format html", json);
    assert_int_equal(r.status, 0);
    check_html("report --format html", r.out, n,
               "&lt;script&gt;alert(1)&lt;/script&gt;");
    tt_run_free(&r);
    r = tt_run("report --from '%s' --format markdown", json);
    assert_int_equal(r.status, 0);
    check_markdown("report --format markdown", r.out, -1);
    tt_run_free(&r);
    free(n);

    /* Preview and compare in every form. */
    static const char *forms[] = {"text", "markdown", "csv", "json"};
    for (int i = 0; i < 4; i++) {
        r = tt_run("preview --rules tests/fixtures/hostile/hostile_rules.json "
                   "--data '%s' --format %s", data_file(), forms[i]);
        assert_int_equal(r.status, 0);
        assert_no_controls("preview", r.out, strlen(r.out), i == 3);
        if (i == 1)
            check_markdown("preview --format markdown", r.out, -1);
        tt_run_free(&r);
    }
    /* The monitor's writers share the same escapes: the fitted text,
     * the --wide text and Markdown. */
    char mjunit[1024];
    snprintf(mjunit, sizeof mjunit, "%s", tt_path("monitor.xml"));
    for (int i = 0; i < 3; i++) {
        r = tt_run("monitor --rules tests/fixtures/hostile/hostile_rules.json "
                   "--policy registry/monitors/v3.2.json --data '%s' "
                   "--format %s%s --junit '%s'", data_file(),
                   forms[i == 2 ? 0 : i], i == 2 ? " --wide" : "", mjunit);
        if (r.status > 1)
            fail_msg("monitor: exit %d\n%s", r.status, r.err);
        assert_no_controls("monitor", r.out, strlen(r.out), 0);
        if (i == 1)
            check_markdown("monitor --format markdown", r.out, -1);
        tt_run_free(&r);
        snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", mjunit);
        assert_int_equal(system(cmd), 0);
    }
    /* The monitor page, from the hostile rule set's monitor JSON, against
     * the page of the shipped rule set. */
    char mjson[1024], mnormal[1024];
    snprintf(mjson, sizeof mjson, "%s", tt_path("monitor.json"));
    snprintf(mnormal, sizeof mnormal, "%s", tt_path("monitor_normal.json"));
    static const char *mrules[2] = {"tests/fixtures/hostile/hostile_rules.json",
                                    "registry/tiers/v3.2.json"};
    char *mhtml[2];
    for (int i = 0; i < 2; i++) {
        r = tt_run("monitor --rules %s --policy registry/monitors/v3.2.json "
                   "--data '%s' --json '%s'", mrules[i], data_file(),
                   i ? mnormal : mjson);
        if (r.status > 1)
            fail_msg("monitor --json: exit %d\n%s", r.status, r.err);
        tt_run_free(&r);
        r = tt_run("report --monitor '%s'", i ? mnormal : mjson);
        if (r.status != 0)
            fail_msg("report --monitor: exit %d\n%s", r.status, r.err);
        mhtml[i] = strdup(r.out);
        tt_run_free(&r);
    }
    check_html("report --monitor", mhtml[0], mhtml[1],
               "DROP TABLE important; -- &#39; &quot; ` */ &lt;x&gt;");
    free(mhtml[0]);
    free(mhtml[1]);

    for (int i = 0; i < 2; i++) {
        r = tt_run("compare --from registry/tiers/v3.1.json --to "
                   "tests/fixtures/hostile/hostile_rules.json --data '%s' "
                   "--format %s", data_file(), forms[i]);
        assert_int_equal(r.status, 0);
        assert_no_controls("compare", r.out, strlen(r.out), 0);
        if (i == 1)
            check_markdown("compare --format markdown", r.out, -1);
        tt_run_free(&r);
    }
}

/*
 * A gate result is checked in full before report, registry or log use
 * it: each tampered copy is exit 2 naming the key, and nothing is
 * rendered from it.
 */
static void test_render_tampered_result_refused(void **state)
{
    (void)state;
    char json[1024];
    snprintf(json, sizeof json, "%s", tt_path("good.json"));
    tt_run_result r = tt_run(GATE "--data '%s' --json '%s'", data_file(), json);
    assert_true(r.status <= 1);
    tt_run_free(&r);
    char *good = slurp(json, NULL);
    static const struct {
        const char *from, *to, *key;
    } cases[] = {
        {"\"status\":\t\"pass\"", "\"status\":\t\"pass\\\" onmouseover=\\\"x\"",
         "].status'"},
        {"\"severity\":\t\"block\"", "\"severity\":\t\"<script>\"",
         "gates[0].severity"},
        {"\"status\":\t\"", "\"status\":\t\"x", "status"},
        {"\"rows\":\t", "\"rows\":\t-", "provenance.rows"},
        {"\"leads\":\t", "\"leads\":\t1e999 + ", "leads"},
        {"\"ci_level\":\t0.95", "\"ci_level\":\t95", "ci_level"},
        {"\"pass\":\t", "\"pass\":\t0.5 + ", "summary.pass"},
        {"\"conversion_rate\":\t", "\"conversion_rate\":\t7 + ", "conversion_rate"},
        {"\"ci_method\":\t\"wilson\"", "\"ci_method\":\t\"<b>\"", "ci_method"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *at = strstr(good, cases[i].from);
        if (!at)
            fail_msg("the result has no %s", cases[i].from);
        size_t n = strlen(good) + strlen(cases[i].to) + 1;
        char *bad = malloc(n);
        snprintf(bad, n, "%.*s%s%s", (int)(at - good), good, cases[i].to,
                 at + strlen(cases[i].from));
        /* "1e999 + 3" is not JSON: make it 1e999 (infinite), "7 + 0.1"
         * 7, "0.5 + 3" 0.5: drop the " + " and what follows up to ','. */
        char *plus;
        while ((plus = strstr(bad, " + "))) {
            char *comma = strpbrk(plus, ",\n}");
            memmove(plus, comma, strlen(comma) + 1);
        }
        const char *p = tt_write("tampered.json", bad);
        free(bad);
        static const char *cmds[] = {
            "report --from '%s'",
            "registry update --rules registry/tiers/v3.2.json --result '%s' "
            "--dry-run",
            "log append --rules registry/tiers/v3.2.json --result '%s' "
            "--log /nonexistent/log.md"};
        for (int c = 0; c < 3; c++) {
            r = tt_run(cmds[c], p);
            if (r.status != 2 || !strstr(r.err, cases[i].key))
                fail_msg("%s with %s: exit %d\n%s", cmds[c], cases[i].to,
                         r.status, r.err);
            assert_string_equal(r.out, "");
            tt_run_free(&r);
        }
    }
    free(good);
}

/* An error or a warning quoting a data row with an ESC in it shows the
 * ESC escaped on stderr. */
static void test_messages_escape_data(void **state)
{
    (void)state;
    const char *csv = tt_write(
        "esc.csv",
        "lead_id,advisor_crd,contacted_date,current_firm_tenure_months,"
        "industry_tenure_months,firm_net_change_12mo,"
        "firm_rep_count_at_contact,num_prior_firms,is_wirehouse,target,split\n"
        "L1,1,2025-03-04,34,357,2,45,0,false,0,TRAIN\n"
        "L2,2,2025-03-04,3\x1b]0;pwned\x07\x1b[2J,357,2,45,0,false,0,TRAIN\n");
    static const char *modes[] = {"", "--on-bad-row skip"};
    for (int m = 0; m < 2; m++) {
        tt_run_result r = tt_run("preview --rules registry/tiers/v3.2.json "
                                 "--data '%s' %s", csv, modes[m]);
        assert_int_equal(r.status, m ? 0 : 2);
        assert_non_null(strstr(r.err, "\\x1b"));
        assert_no_controls("stderr", r.err, strlen(r.err), 0);
        tt_run_free(&r);
    }
}

/* ---- release: names that become paths -------------------------------- */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* A repository (git, no commit needed) with what release reads; the
 * rule set's model_version replaced by version (JSON-escaped by the
 * caller). */
static const char *release_repo(const char *name, const char *version)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s/repo", tt_tmpdir(), name);
    sh("rm -rf '%s/..' && mkdir -p '%s/registry/tiers' '%s/registry/gates' "
       "'%s/data' && cp '%s/registry/gates/v3.2.json' '%s/registry/gates/' && "
       "cp '%s/registry/model_registry_v3.json' '%s/registry/' && "
       "printf '# Execution log\\n' > '%s/EXECUTION_LOG.md' && "
       "cp '%s' '%s/data/leads.csv'",
       dir, dir, dir, dir, TG_SOURCE_DIR, dir, TG_SOURCE_DIR, dir, dir,
       data_file(), dir);
    /* The version as JSON text, in place of "v3.2". */
    char *rules = tt_read(tt_src("registry/tiers/v3.2.json"), NULL);
    assert_non_null(rules);
    char *at = strstr(rules, "\"model_version\": \"v3.2\"");
    assert_non_null(at);
    char path[1200];
    snprintf(path, sizeof path, "%s/registry/tiers/v3.2.json", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "%.*s\"model_version\": \"%s\"%s", (int)(at - rules), rules,
            version, at + strlen("\"model_version\": \"v3.2\""));
    fclose(f);
    free(rules);
    git_repository *repo = NULL;
    git_libgit2_init();
    assert_int_equal(git_repository_init(&repo, dir, 0), 0);
    git_repository_free(repo);
    return dir;
}

#define RELEASE "release --rules registry/tiers/v3.2.json --policy " \
                "registry/gates/v3.2.json --data data/leads.csv "

/* Nothing of a refused release is written: no report, same registry. */
static void assert_nothing_written(const char *dir)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/reports", dir);
    struct stat st;
    if (stat(p, &st) == 0) {
        snprintf(p, sizeof p, "find '%s/reports' -type f | grep -q .", dir);
        if (system(p) == 0)
            fail_msg("a refused release wrote under reports/");
    }
    snprintf(p, sizeof p, "%s/registry/tier_statistics.json", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "cmp -s '%s/registry/model_registry_v3.json' "
             "'%s/registry/model_registry_v3.json'", dir, TG_SOURCE_DIR);
    assert_int_equal(system(p), 0);
}

static void test_release_version_cannot_leave_reports(void **state)
{
    (void)state;
    static const char *bad[] = {
        "../../../escaped", "../outside", "v3.2/../../outside", "a/b",
        ".hidden", "..", "-rf", "v3.2\\nx", "v3.2 beta", "v3.2<script>",
        ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[32];
        snprintf(name, sizeof name, "badversion%zu", i);
        const char *dir = release_repo(name, bad[i]);
        for (int dry = 0; dry < 2; dry++) {
            tt_run_result r = tt_run_in(dir, RELEASE "%s",
                                        dry ? "--dry-run" : "");
            if (r.status != 2)
                fail_msg("model_version '%s'%s: exit %d, not 2\n%s", bad[i],
                         dry ? " (dry run)" : "", r.status, r.err);
            assert_non_null(strstr(r.err, "model_version"));
            tt_run_free(&r);
        }
        assert_nothing_written(dir);
        /* Nothing landed beside the repository either. */
        char p[1200];
        snprintf(p, sizeof p, "%s/../outside", dir);
        assert_int_not_equal(access(p, F_OK), 0);
        assert_int_not_equal(access(tt_path("escaped"), F_OK), 0);
    }
    /* A good one still works: reports/<version>/ inside the repository. */
    const char *dir = release_repo("goodversion", "v3.2-rc_1");
    tt_run_result r = tt_run_in(dir, RELEASE);
    if (r.status > 1)
        fail_msg("exit %d\n%s", r.status, r.err);
    tt_run_free(&r);
    /* reports/<version>/<run id>/gate.json: the run's own folder. */
    char p[1200];
    snprintf(p, sizeof p, "test -n \"$(find '%s/reports/v3.2-rc_1' -mindepth 2 "
             "-maxdepth 2 -name gate.json)\"", dir);
    assert_int_equal(system(p), 0);
}

static void test_release_links_cannot_leave_reports(void **state)
{
    (void)state;
    /* reports/v3.2 committed as a link out of the repository. */
    const char *dir = release_repo("linkedversion", "v3.2");
    sh("mkdir -p '%s/../escape' '%s/reports' && ln -s ../../escape "
       "'%s/reports/v3.2'", dir, dir, dir);
    tt_run_result r = tt_run_in(dir, RELEASE);
    if (r.status != 2)
        fail_msg("exit %d, not 2\n%s", r.status, r.err);
    assert_non_null(strstr(r.err, "outside"));
    tt_run_free(&r);
    char p[1200];
    snprintf(p, sizeof p, "%s/../escape/gate.json", dir);
    assert_int_not_equal(access(p, F_OK), 0);

    /* reports/ itself a link out of the repository. */
    dir = release_repo("linkedreports", "v3.2");
    sh("mkdir -p '%s/../escape' && ln -s ../escape '%s/reports'", dir, dir);
    r = tt_run_in(dir, RELEASE);
    if (r.status != 2)
        fail_msg("exit %d, not 2\n%s", r.status, r.err);
    tt_run_free(&r);
    snprintf(p, sizeof p, "find '%s/../escape' -type f | grep -q .", dir);
    assert_int_not_equal(system(p), 0);

    /* --reports outside the repository. */
    dir = release_repo("reportsoption", "v3.2");
    r = tt_run_in(dir, RELEASE "--reports ../elsewhere");
    if (r.status != 2)
        fail_msg("exit %d, not 2\n%s", r.status, r.err);
    tt_run_free(&r);
    snprintf(p, sizeof p, "%s/../elsewhere", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    assert_nothing_written(dir);
}

static void test_release_outside_git_writes_nothing(void **state)
{
    (void)state;
    const char *dir = release_repo("nogit", "v3.2");
    sh("rm -rf '%s/.git'", dir);
    tt_run_result r = tt_run_in(dir, RELEASE);
    if (r.status != 2)
        fail_msg("exit %d, not 2\n%s", r.status, r.err);
    assert_non_null(strstr(r.err, "not inside a git repository"));
    tt_run_free(&r);
    assert_nothing_written(dir);
    char *log = tt_read(tt_path("nogit/repo/EXECUTION_LOG.md"), NULL);
    assert_string_equal(log, "# Execution log\n");
    free(log);
    assert_int_not_equal(access(tt_path("nogit/repo/EXECUTION_LOG.md.tiergate.lock"),
                                F_OK), 0);
}

/* The execution log with hostile texts: one entry, still verifiable, its
 * tables whole, its marker one comment, `log list` free of controls. */
static void test_log_hostile_text_stays_text(void **state)
{
    (void)state;
    const char *dir = release_repo("hostilelog", "v3.2");
    sh("cp '%s/tests/fixtures/hostile/hostile_rules.json' "
       "'%s/tests/fixtures/hostile/hostile_policy.json' '%s/data/'",
       TG_SOURCE_DIR, TG_SOURCE_DIR, dir);
    tt_run_result r = tt_run_in(dir, "gate --rules data/hostile_rules.json "
                                     "--policy data/hostile_policy.json "
                                     "--data data/leads.csv --json "
                                     "data/gate.json");
    assert_true(r.status <= 1);
    tt_run_free(&r);
    /* A result whose model_version would also close the marker. */
    r = tt_run_in(dir, "log append --rules data/hostile_rules.json --result "
                       "data/gate.json");
    if (r.status != 0)
        fail_msg("exit %d\n%s", r.status, r.err);
    assert_no_controls("log append", r.out, strlen(r.out), 0);
    tt_run_free(&r);
    r = tt_run_in(dir, "log verify");
    if (r.status != 0)
        fail_msg("log verify: exit %d\n%s", r.status, r.err);
    assert_non_null(strstr(r.out, "1 entries verified"));
    tt_run_free(&r);
    r = tt_run_in(dir, "log list");
    assert_int_equal(r.status, 0);
    assert_no_controls("log list", r.out, strlen(r.out), 0);
    tt_run_free(&r);
    char p[1200];
    snprintf(p, sizeof p, "%s/EXECUTION_LOG.md", dir);
    char *log = slurp(p, NULL);
    check_markdown("EXECUTION_LOG.md", log, -1);
    /* One entry heading, one marker, closed once on its own line. */
    int headings = 0, markers = 0;
    for (const char *q = log; (q = strstr(q, "\n## ")); q++)
        headings++;
    for (const char *q = log; (q = strstr(q, "<!-- tiergate-log ")); q++) {
        markers++;
        const char *nl = strchr(q, '\n'), *close = strstr(q, "-->");
        assert_non_null(close);
        assert_true(close + 3 == nl);
    }
    assert_int_equal(headings, 1);
    assert_int_equal(markers, 1);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_fifo_is_written_in_place),
        cmocka_unit_test(test_output_device_stays_a_device),
        cmocka_unit_test(test_output_dash_is_standard_output),
        cmocka_unit_test(test_output_symlink_target_replaced_mode_kept),
        cmocka_unit_test(test_output_folder_and_dangling_link_refused),
        cmocka_unit_test(test_escape_cases),
        cmocka_unit_test(test_escape_random_against_engines),
        cmocka_unit_test(test_render_hostile_text_stays_text),
        cmocka_unit_test(test_render_tampered_result_refused),
        cmocka_unit_test(test_log_hostile_text_stays_text),
        cmocka_unit_test(test_messages_escape_data),
        cmocka_unit_test(test_release_version_cannot_leave_reports),
        cmocka_unit_test(test_release_links_cannot_leave_reports),
        cmocka_unit_test(test_release_outside_git_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
