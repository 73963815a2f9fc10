/*
 * tg_util: SHA-256 against the FIPS 180-2 test vectors and against the
 * sha256sum program, calendar dates against the C library's own
 * calendar (timegm/gmtime), text positions counted by hand, path checks
 * against folders and symbolic links made in the test, and atomic
 * replacement (abort leaves the old file, commit the whole new one).
 */
#define _DEFAULT_SOURCE /* timegm, strptime */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* FIPS 180-2, appendix B (B.1, B.2, B.3) and the empty message. */
static void test_sha256_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    tg_sha256_buffer("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
    tg_sha256_buffer("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
    const char *two_blocks =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    tg_sha256_buffer(two_blocks, strlen(two_blocks), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
                             "a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a', fed in uneven pieces through the streaming API. */
    tg_sha256 s;
    assert_int_equal(tg_sha256_init(&s), TG_OK);
    char as[997];
    memset(as, 'a', sizeof as);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof as ? left : sizeof as;
        tg_sha256_update(&s, as, n);
        left -= n;
    }
    tg_sha256_hex(&s, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
                             "f1809a48a497200e046d39ccc7112cd0");
}

/* A file with every byte value (NULs included) hashed by tg_sha256_file
 * and by coreutils' sha256sum. */
static void test_sha256_file_matches_sha256sum(void **state)
{
    (void)state;
    const char *path = tt_path("bytes.bin");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int rep = 0; rep < 5000; rep++)
        for (int b = 0; b < 256; b++)
            fputc((b * 7 + rep) & 0xff, f);
    fclose(f);
    char hex[65];
    assert_tg_ok(tg_sha256_file(path, hex, NULL));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char want[65] = {0};
    assert_int_equal(fscanf(p, "%64s", want), 1);
    assert_int_equal(pclose(p), 0);
    assert_string_equal(hex, want);
    /* A missing file is bad input, not an I/O failure. */
    assert_int_equal(tg_sha256_file(tt_path("no-such-file"), hex, NULL),
                     TG_EINVAL);
}

/*
 * Every day from 1899-12-25 to 2101-01-05, as gmtime writes it, parses
 * to its yyyymmdd and formats back; every day the C calendar does not
 * have (timegm normalises it into another date) is refused.
 */
static void test_dates_follow_the_calendar(void **state)
{
    (void)state;
    for (int y = 1899; y <= 2101; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 0; d <= 32; d++) {
                struct tm tm = {0};
                tm.tm_year = y - 1900;
                tm.tm_mon = m - 1;
                tm.tm_mday = d;
                tm.tm_hour = 12;
                time_t t = timegm(&tm);
                struct tm back;
                gmtime_r(&t, &back);
                int real = back.tm_year == y - 1900 && back.tm_mon == m - 1 &&
                           back.tm_mday == d;
                char s[16];
                snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
                int v = tg_parse_date(s, strlen(s));
                if (real) {
                    assert_int_equal(v, y * 10000 + m * 100 + d);
                    char out[11];
                    assert_string_equal(tg_format_date(v, out), s);
                } else if (v != 0) {
                    fail_msg("%s is not a date but parsed as %d", s, v);
                }
            }
}

/* What may follow the date, and what is not a date at all. */
static void test_timestamps_and_non_dates(void **state)
{
    (void)state;
    static const char *const dates[] = {
        "2025-01-02T10:00", "2025-01-02 10:00:00 UTC", "2025-01-02T10:00:00Z",
        "2025-01-02T10:00:00.250+02:00",
    };
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
        assert_int_equal(tg_parse_date(dates[i], strlen(dates[i])), 20250102);
    static const char *const not_dates[] = {
        "2025-1-02", "2025/01/02", "25-01-02xx", "2025-01-0x", "2025-01-02x",
        "2025-01-02T", "2025-01-02T1000", "0999-01-01", "2025-00-10",
        "2025-13-01", "2025-01-00", "+025-01-02", "2025-01-",
    };
    for (size_t i = 0; i < sizeof not_dates / sizeof *not_dates; i++)
        if (tg_parse_date(not_dates[i], strlen(not_dates[i])) != 0)
            fail_msg("\"%s\" parsed as a date", not_dates[i]);
    /* Only the first len bytes count. */
    assert_int_equal(tg_parse_date("2025-01-02 and more", 10), 20250102);
    char out[11] = "x";
    assert_string_equal(tg_format_date(0, out), "");
}

/* tg_now_iso against time(): same instant to within a few seconds. */
static void test_now_iso(void **state)
{
    (void)state;
    time_t before = time(NULL);
    char buf[32];
    tg_now_iso(buf);
    time_t after = time(NULL);
    assert_int_equal(strlen(buf), 20);
    struct tm tm = {0};
    assert_non_null(strptime(buf, "%Y-%m-%dT%H:%M:%SZ", &tm));
    time_t t = timegm(&tm);
    assert_true(t >= before && t <= after);
}

/* "ab\ncd\n\nef": offsets counted by hand. */
static void test_text_position(void **state)
{
    (void)state;
    const char *text = "ab\ncd\n\nef";
    static const struct { size_t off; long line, col; } want[] = {
        {0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2},
        {6, 3, 1}, {7, 4, 1}, {8, 4, 2}, {9, 4, 3},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        long l, c;
        tg_text_position(text, want[i].off, &l, &c);
        assert_int_equal(l, want[i].line);
        assert_int_equal(c, want[i].col);
    }
}

static int within(const char *path, const char *root)
{
    int inside = -1;
    assert_tg_ok(tg_path_within(path, root, &inside, NULL));
    return inside;
}

/*
 * A tree made here:  root/, root/sub/, root/out -> ../outside (a link
 * leading out), root/in -> sub (a link staying in), outside/, and
 * rootx/ (a sibling whose name starts with root's).
 */
static void test_path_within(void **state)
{
    (void)state;
    char root[512], sub[600], outside[512], rootx[512], link[600], cmd[4096];
    snprintf(root, sizeof root, "%s/pw/root", tt_tmpdir());
    snprintf(sub, sizeof sub, "%s/sub", root);
    snprintf(outside, sizeof outside, "%s/pw/outside", tt_tmpdir());
    snprintf(rootx, sizeof rootx, "%s/pw/rootx", tt_tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s/pw' && mkdir -p '%s' '%s' '%s' && "
             "ln -s ../outside '%s/out' && ln -s sub '%s/in'",
             tt_tmpdir(), sub, outside, rootx, root, root);
    assert_int_equal(system(cmd), 0);

    assert_int_equal(within(root, root), 1);
    assert_int_equal(within(sub, root), 1);
    snprintf(link, sizeof link, "%s/new/deeper/file.txt", root);
    assert_int_equal(within(link, root), 1);       /* not there yet */
    snprintf(link, sizeof link, "%s/in/x.json", root);
    assert_int_equal(within(link, root), 1);       /* link staying in */
    snprintf(link, sizeof link, "%s/out/x.json", root);
    assert_int_equal(within(link, root), 0);       /* link leading out */
    snprintf(link, sizeof link, "%s/sub/../../outside", root);
    assert_int_equal(within(link, root), 0);
    assert_int_equal(within(rootx, root), 0);      /* prefix is not inside */
    assert_int_equal(within(outside, root), 0);
    /* ".." below a folder that does not exist yet: creating "missing"
     * and then going up twice lands beside root, not in it. */
    snprintf(link, sizeof link, "%s/missing/../../outside/x", root);
    assert_int_equal(within(link, root), 0);
    snprintf(link, sizeof link, "%s/missing/../../rootx", root);
    assert_int_equal(within(link, root), 0);
    int inside;
    assert_int_equal(tg_path_within(sub, "/no/such/root", &inside, NULL),
                     TG_EIO);
}

static char *slurp(const char *path)
{
    size_t len;
    return tt_read(path, &len);
}

/* Abort leaves the old file as it was; commit replaces it whole and
 * keeps its permission bits; no temporary file is left either way. */
static void test_atomic_replace(void **state)
{
    (void)state;
    const char *path = tt_write("atomic.txt", "old contents\n");
    assert_int_equal(chmod(path, 0640), 0);

    tg_atomic_file a;
    assert_tg_ok(tg_atomic_open(&a, path, NULL));
    fputs("half of the new", a.f);
    char *now = slurp(path);
    assert_string_equal(now, "old contents\n"); /* not touched while open */
    free(now);
    tg_atomic_abort(&a);
    now = slurp(path);
    assert_string_equal(now, "old contents\n");
    free(now);

    assert_tg_ok(tg_atomic_open(&a, path, NULL));
    fputs("new contents\n", a.f);
    assert_tg_ok(tg_atomic_commit(&a, NULL));
    now = slurp(path);
    assert_string_equal(now, "new contents\n");
    free(now);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q 'atomic.txt.tmp'",
             tt_tmpdir());
    assert_int_not_equal(system(cmd), 0);
}

/* A link is followed and its target replaced, the link kept; a dangling
 * link and a folder are refused. */
static void test_atomic_links_and_folders(void **state)
{
    (void)state;
    const char *target = tt_write("atomic_target.txt", "t0");
    const char *link = tt_path("atomic_link.txt");
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    tg_atomic_file a;
    assert_tg_ok(tg_atomic_open(&a, link, NULL));
    fputs("t1", a.f);
    assert_tg_ok(tg_atomic_commit(&a, NULL));
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char *now = slurp(target);
    assert_string_equal(now, "t1");
    free(now);

    const char *dangling = tt_path("atomic_dangling");
    unlink(dangling);
    assert_int_equal(symlink(tt_path("nothing-here"), dangling), 0);
    assert_int_equal(tg_atomic_open(&a, dangling, NULL), TG_EINVAL);
    assert_int_equal(tg_atomic_open(&a, tt_tmpdir(), NULL), TG_EINVAL);
}

/* The folder part of a path, as POSIX dirname gives it. */
static void test_dirname(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(tg_dirname("a/b/c.txt", buf, sizeof buf), "a/b");
    assert_string_equal(tg_dirname("c.txt", buf, sizeof buf), ".");
    assert_string_equal(tg_dirname("/c.txt", buf, sizeof buf), "/");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_vectors),
        cmocka_unit_test(test_sha256_file_matches_sha256sum),
        cmocka_unit_test(test_dates_follow_the_calendar),
        cmocka_unit_test(test_timestamps_and_non_dates),
        cmocka_unit_test(test_now_iso),
        cmocka_unit_test(test_text_position),
        cmocka_unit_test(test_path_within),
        cmocka_unit_test(test_atomic_replace),
        cmocka_unit_test(test_atomic_links_and_folders),
        cmocka_unit_test(test_dirname),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
