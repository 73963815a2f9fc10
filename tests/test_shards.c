/*
 * Sharded exports scanned in parallel (one file per thread) give exactly
 * the tally of the one-file scan of the same rows and of a sequential
 * scan, whatever the thread count; the error and the first skipped row
 * reported are those of the first bad file, as a sequential scan says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define NSHARDS 7

static const char *shard_paths[NSHARDS];

/* Cut the 5,000-row sample into shards (gzip and plain alternately),
 * each with the header; bad_line > 0 puts a bad value on that data row
 * of the shards in bad_mask. */
static void make_shards(unsigned bad_mask, int bad_line)
{
    size_t len;
    char *all = tt_read(tt_src("tests/fixtures/synthetic_sample.csv"), &len);
    assert_non_null(all);
    char *body = strchr(all, '\n') + 1;
    size_t hlen = (size_t)(body - all);
    size_t rows = 0;
    for (char *q = body; (q = strchr(q, '\n')); q++)
        rows++;
    char *p = body;
    for (int s = 0; s < NSHARDS; s++) {
        size_t take = rows / NSHARDS + (s < (int)(rows % NSHARDS));
        char *buf = malloc(len + 64), *w = buf;
        memcpy(w, all, hlen);
        w += hlen;
        for (size_t r = 0; r < take; r++) {
            char *e = strchr(p, '\n') + 1;
            if ((bad_mask >> s & 1) && (int)r + 1 == bad_line) {
                /* the tenure field becomes text */
                w += sprintf(w, "%.*s", (int)(e - p), p);
                char *c = w - (e - p);
                for (int k = 0; k < 3; k++)
                    c = strchr(c, ',') + 1;
                memcpy(c, "xx", 2);
            } else {
                memcpy(w, p, (size_t)(e - p));
                w += e - p;
            }
            p = e;
        }
        char name[32];
        snprintf(name, sizeof name, "shard-%d.csv%s", s, s % 2 ? "" : ".gz");
        if (s % 2 == 0) {
            shard_paths[s] = tt_write_gz(name, buf, (size_t)(w - buf));
        } else {
            *w = '\0';
            shard_paths[s] = tt_write(name, buf);
        }
        free(buf);
    }
    free(all);
}

static void assert_same_tally(const tg_tally *a, const tg_tally *b)
{
    assert_int_equal(a->ntiers, b->ntiers);
    assert_memory_equal(a->cells, b->cells,
                        (size_t)a->ntiers * TG_NSPLITS * sizeof *a->cells);
    assert_memory_equal(a->first_date, b->first_date, sizeof a->first_date);
    assert_memory_equal(a->last_date, b->last_date, sizeof a->last_date);
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->skipped, b->skipped);
}

static void test_shards_equal_one_file(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    make_shards(0, 0);
    const char *whole[] = {tt_src("tests/fixtures/synthetic_sample.csv")};
    tg_tally one;
    tt_scan(&one, r, whole, 1, 1);
    assert_int_equal(one.rows, 5000);
    const int threads[] = {1, 2, 3, 8};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        tg_tally t;
        tt_scan(&t, r, shard_paths, NSHARDS, threads[k]);
        assert_same_tally(&t, &one);
        tg_tally_release(&t);
    }
    tg_tally_release(&one);
    tg_rules_free(r);
}

static int scan_rc(const tg_rules *r, int threads, int skip, tg_tally *t,
                   tg_error *first_skip, tg_error *err)
{
    tg_error_clear(err);
    assert_int_equal(tg_tally_init(t, r, err), TG_OK);
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = shard_paths;
    o.npaths = NSHARDS;
    o.threads = threads;
    o.on_bad_row = skip ? TG_BAD_ROW_SKIP : TG_BAD_ROW_ERROR;
    o.date_config = tt_src("registry/date_config.json");
    return tg_scan(t, r, &o, first_skip, err);
}

static void test_shards_first_error_wins(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    /* Shards 2 and 5 are bad (rows 40 and 40): every thread count names
     * shard 2, line 41 (the header is line 1). */
    make_shards(1u << 2 | 1u << 5, 40);
    for (int threads = 1; threads <= 4; threads++) {
        tg_tally t;
        tg_error err, skip;
        int rc = scan_rc(r, threads, 0, &t, &skip, &err);
        assert_int_equal(rc, TG_EINVAL);
        assert_non_null(strstr(err.file, "shard-2.csv.gz"));
        assert_int_equal(err.line, 41);
        tg_tally_release(&t);

        /* Skipping: both rows skipped, the first one reported. */
        rc = scan_rc(r, threads, 1, &t, &skip, &err);
        assert_int_equal(rc, TG_OK);
        assert_int_equal(t.skipped, 2);
        assert_int_equal(t.rows, 5000);
        assert_non_null(strstr(skip.file, "shard-2.csv.gz"));
        assert_int_equal(skip.line, 41);
        tg_tally_release(&t);
    }
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_equal_one_file),
        cmocka_unit_test(test_shards_first_error_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
