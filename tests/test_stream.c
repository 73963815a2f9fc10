/*
 * Byte sources: both inflaters (ISA-L when built with it, and zlib) must
 * return exactly the bytes that were compressed, for single and
 * multi-member files, stored and compressed blocks, any read size; and
 * both must reject truncation at every position, corruption and
 * trailing garbage. The oracle is the uncompressed input itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testutil.h"

/* gzip members of data[0..len) cut into pieces of `piece` bytes, each
 * compressed at level (0 = stored blocks). Returns a malloc'd buffer. */
static unsigned char *gzip_members(const unsigned char *data, size_t len,
                                   size_t piece, int level, size_t *out_len)
{
    size_t cap = len + len / 8 + 1024 * (len / piece + 2), n = 0;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    size_t off = 0;
    do {
        size_t k = len - off < piece ? len - off : piece;
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 31, 8,
                                      Z_DEFAULT_STRATEGY),
                         Z_OK);
        z.next_in = (unsigned char *)data + off;
        z.avail_in = (uInt)k;
        z.next_out = out + n;
        z.avail_out = (uInt)(cap - n);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        n = cap - z.avail_out;
        deflateEnd(&z);
        off += k;
    } while (off < len);
    *out_len = n;
    return out;
}

static const char *write_bytes(const char *name, const unsigned char *b,
                               size_t n)
{
    const char *p = tt_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    return p;
}

/* Every way of reading: both inflaters, each in the reader's thread and
 * pipelined on a thread of its own. */
static const struct {
    tg_inflater which;
    int pipelined;
} modes[] = {{TG_INFLATE_BEST, 0}, {TG_INFLATE_ZLIB, 0}, {TG_INFLATE_BEST, 1},
             {TG_INFLATE_ZLIB, 1}};
#define NMODES 4

/* Read the whole source with reads of `chunk` bytes; returns rc. */
static int read_all(const char *path, int mode, size_t chunk,
                    unsigned char **out, size_t *out_len, tg_error *err)
{
    tg_stream *s = NULL;
    int rc = tg_stream_open(&s, path, modes[mode].which, modes[mode].pipelined,
                            err);
    if (rc)
        return rc;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    for (;;) {
        if (cap - n < chunk) {
            cap = 2 * cap + chunk;
            b = realloc(b, cap);
        }
        ssize_t got = tg_stream_read(s, b + n, chunk, err);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    tg_stream_close(s);
    *out = b;
    *out_len = n;
    return rc;
}

static unsigned char *sample(size_t len)
{
    /* CSV-like text with repeats (long matches) and noise (literals). */
    unsigned char *d = malloc(len);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        d[i] = (i % 97 < 60) ? (unsigned char)("lead,2025-07-04,12,60,-3,"[i % 25])
                             : (unsigned char)('0' + x % 10);
    }
    return d;
}


static void test_stream_round_trip(void **state)
{
    (void)state;
    size_t len = 3u << 20;
    unsigned char *data = sample(len);
    const struct {
        size_t piece;
        int level;
    } shapes[] = {{len, 6}, {len, 1}, {len, 0}, {100000, 9}, {4096, 6},
                  {1, 6} /* a member per byte for the first bytes */};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t use = shapes[s].piece == 1 ? 5000 : len, gzn;
        unsigned char *gz =
            gzip_members(data, use, shapes[s].piece, shapes[s].level, &gzn);
        const char *p = write_bytes("rt.gz", gz, gzn);
        const size_t chunks[] = {1, 7, 65536, 1u << 20};
        for (size_t w = 0; w < NMODES; w++)
            for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
                if (chunks[c] < 64 && use > 200000)
                    continue; /* byte-sized reads of megabytes: slow */
                unsigned char *got;
                size_t n;
                tg_error err;
                tg_error_clear(&err);
                int rc = read_all(p, (int)w, chunks[c], &got, &n, &err);
                if (rc)
                    fail_msg("shape %zu inflater %zu chunk %zu: %s", s, w,
                             chunks[c], err.msg);
                assert_int_equal(n, use);
                assert_memory_equal(got, data, use);
                free(got);
            }
        free(gz);
    }
    free(data);
}

static void test_stream_plain_and_empty(void **state)
{
    (void)state;
    const char *p = write_bytes("plain.csv", (const unsigned char *)"a,b\n1,2\n", 8);
    unsigned char *got;
    size_t n;
    tg_error err;
    tg_error_clear(&err);
    for (size_t w = 0; w < NMODES; w++) {
        assert_int_equal(read_all(p, (int)w, 3, &got, &n, &err), 0);
        assert_int_equal(n, 8);
        assert_memory_equal(got, "a,b\n1,2\n", 8);
        free(got);
    }
    p = write_bytes("empty.csv", (const unsigned char *)"", 0);
    assert_int_equal(read_all(p, 0, 100, &got, &n, &err), 0);
    assert_int_equal(n, 0);
    free(got);
    p = write_bytes("one.csv", (const unsigned char *)"\x1f", 1);
    assert_int_equal(read_all(p, 0, 100, &got, &n, &err), 0);
    assert_int_equal(n, 1);
    free(got);
    /* An empty gzip member is valid and holds nothing. */
    size_t gzn;
    unsigned char *gz = gzip_members((const unsigned char *)"", 0, 1, 6, &gzn);
    p = write_bytes("empty.gz", gz, gzn);
    for (size_t w = 0; w < NMODES; w++) {
        assert_int_equal(read_all(p, (int)w, 100, &got, &n, &err), 0);
        assert_int_equal(n, 0);
        free(got);
    }
    free(gz);
    assert_int_equal(read_all(tt_path("no-such-file"), 0, 10,
                              &got, &n, &err),
                     TG_EINVAL);
    assert_int_equal(read_all(tt_tmpdir(), 0, 10, &got, &n, &err),
                     TG_EINVAL); /* a directory is bad input, not I/O */
    free(got);
}

static void test_stream_damage(void **state)
{
    (void)state;
    size_t len = 20000, gzn;
    unsigned char *data = sample(len);
    unsigned char *gz = gzip_members(data, len, 7000, 6, &gzn);
    unsigned char *got;
    size_t n;
    tg_error err;
    /* Cut at every position: never a silent success with fewer bytes,
     * except a cut exactly between two members, which leaves a complete
     * (shorter) gzip file that no reader could tell from a whole one. */
    size_t boundary_cuts[NMODES] = {0};
    for (size_t cut = 2; cut < gzn; cut++) { /* 1 byte is a plain file */
        const char *p = write_bytes("cut.gz", gz, cut);
        for (size_t w = 0; w < NMODES; w++) {
            tg_error_clear(&err);
            int rc = read_all(p, (int)w, 4096, &got, &n, &err);
            int boundary = rc == 0 && n % 7000 == 0 && n > 0 && n < len &&
                           memcmp(got, data, n) == 0;
            free(got);
            if (boundary) {
                boundary_cuts[w]++;
                continue;
            }
            if (rc != TG_EINVAL)
                fail_msg("cut at %zu of %zu (mode %zu): rc %d, %zu bytes",
                         cut, gzn, w, rc, n);
            assert_non_null(strstr(err.file, "cut.gz"));
        }
    }
    /* 20,000 bytes in members of 7,000: two boundaries, seen by both. */
    for (size_t w = 0; w < NMODES; w++)
        assert_int_equal(boundary_cuts[w], 2);
    /* Trailing garbage, and trailing zero padding, after the last member. */
    const char *tails[] = {"garbage", "\0\0\0\0", "\x1f"};
    const size_t tail_len[] = {7, 4, 1};
    for (size_t t = 0; t < 3; t++) {
        unsigned char *b = malloc(gzn + tail_len[t]);
        memcpy(b, gz, gzn);
        memcpy(b + gzn, tails[t], tail_len[t]);
        const char *p = write_bytes("tail.gz", b, gzn + tail_len[t]);
        for (size_t w = 0; w < NMODES; w++) {
            tg_error_clear(&err);
            assert_int_equal(read_all(p, (int)w, 4096, &got, &n, &err),
                             TG_EINVAL);
            free(got);
        }
        free(b);
    }
    /* A flipped bit in the data or the CRC is caught. */
    for (size_t pos = 20; pos < gzn; pos += gzn / 7) {
        unsigned char *b = malloc(gzn);
        memcpy(b, gz, gzn);
        b[pos] ^= 0x10;
        const char *p = write_bytes("flip.gz", b, gzn);
        for (size_t w = 0; w < NMODES; w++) {
            tg_error_clear(&err);
            int rc = read_all(p, (int)w, 4096, &got, &n, &err);
            int same = rc == 0 && n == len && memcmp(got, data, len) == 0;
            free(got);
            if (rc != TG_EINVAL && !same)
                fail_msg("flip at %zu (mode %zu): rc %d", pos, w, rc);
            assert_int_equal(rc, TG_EINVAL);
        }
        free(b);
    }
    free(gz);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_round_trip),
        cmocka_unit_test(test_stream_plain_and_empty),
        cmocka_unit_test(test_stream_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
