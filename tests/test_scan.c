/*
 * The scan: header binding by name and alias, NULLs, booleans, splits
 * from the column or the date windows, bad rows (error or skip) with
 * their positions, shards and gzip, and the parallel and fast paths
 * giving exactly what the plain path gives.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static int tier(const tg_rules *r, const char *name)
{
    int t = tg_rules_tier_index(r, name);
    if (t < 0)
        fail_msg("no tier %s", name);
    return t;
}

static void assert_same_tally(const tg_tally *a, const tg_tally *b)
{
    assert_int_equal(a->ntiers, b->ntiers);
    for (int i = 0; i < TG_NSPLITS * a->ntiers; i++) {
        if (a->cells[i].leads != b->cells[i].leads ||
            a->cells[i].labeled != b->cells[i].labeled ||
            a->cells[i].conversions != b->cells[i].conversions)
            fail_msg("cell %d differs: %llu/%llu/%llu vs %llu/%llu/%llu", i,
                     (unsigned long long)a->cells[i].leads,
                     (unsigned long long)a->cells[i].labeled,
                     (unsigned long long)a->cells[i].conversions,
                     (unsigned long long)b->cells[i].leads,
                     (unsigned long long)b->cells[i].labeled,
                     (unsigned long long)b->cells[i].conversions);
    }
    for (int s = 0; s < TG_NSPLITS; s++) {
        assert_int_equal(a->first_date[s], b->first_date[s]);
        assert_int_equal(a->last_date[s], b->last_date[s]);
    }
    assert_int_equal(a->rows, b->rows);
}

static void test_scan_aliases_order_nulls_booleans(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_tally t;
    const char *p = tt_src("tests/fixtures/aliases.csv");
    tt_scan(&t, r, &p, 1, 1);
    tg_count c = tg_tally_cell(&t, TG_SPLIT_TRAIN, tier(r, "TIER_1A_PRIME_MOVER_SMALL"));
    assert_int_equal(c.leads, 2);
    assert_int_equal(c.labeled, 2);
    assert_int_equal(c.conversions, 1);
    c = tg_tally_cell(&t, TG_SPLIT_TEST, tier(r, "TIER_2A_PROVEN_MOVER"));
    assert_int_equal(c.leads, 1);
    assert_int_equal(c.labeled, 0);
    c = tg_tally_cell(&t, TG_SPLIT_TEST, tier(r, "TIER_4_HEAVY_BLEEDER"));
    assert_int_equal(c.conversions, 1);
    c = tg_tally_cell(&t, TG_SPLIT_TRAIN, tier(r, "STANDARD"));
    assert_int_equal(c.leads, 1);
    assert_int_equal(t.rows, 5);
    assert_int_equal(t.first_date[TG_SPLIT_TRAIN], 20240301);
    assert_int_equal(t.last_date[TG_SPLIT_TEST], 20250802);
    tg_tally_release(&t);
    tg_rules_free(r);
}

static int scan_expect_error(const char *path, tg_bad_row mode, tg_tally *t,
                             tg_error *err, tg_error *skip)
{
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    assert_tg_ok(tg_tally_init(t, r, NULL));
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &path;
    o.npaths = 1;
    o.on_bad_row = mode;
    o.threads = 1;
    tg_error_clear(err);
    int rc = tg_scan(t, r, &o, skip, err);
    tg_rules_free(r);
    return rc;
}

static const char *HDR =
    "lead_id,current_firm_tenure_months,industry_tenure_months,"
    "firm_net_change_12mo,firm_rep_count_at_contact,num_prior_firms,"
    "is_wirehouse,target,split\n";

static void test_scan_bad_value_is_located(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s1,24,100,-3,5,0,false,1,TRAIN\n"
                                "2,24,n/a,-3,5,0,false,0,TRAIN\n"
                                "3,24,100,-3,5,0,false,2,TRAIN\n"
                                "4,24,100,-3,5,0,false,0,TRAIN\n", HDR);
    const char *p = tt_write("badval.csv", text);
    tg_tally t;
    tg_error err, skip;
    assert_int_equal(scan_expect_error(p, TG_BAD_ROW_ERROR, &t, &err, &skip),
                     TG_EINVAL);
    assert_string_equal(err.msg, "bad value 'n/a' in column "
                                 "'industry_tenure_months': expected a number");
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 6);
    assert_string_equal(err.file, p);
    tg_tally_release(&t);

    assert_int_equal(scan_expect_error(p, TG_BAD_ROW_SKIP, &t, &err, &skip),
                     TG_OK);
    assert_int_equal(t.skipped, 2); /* n/a, and target 2 */
    assert_int_equal(t.rows, 4);
    assert_int_equal(tg_tally_total(&t, TG_SPLIT_ALL).leads, 2);
    assert_int_equal(skip.line, 3);
    tg_tally_release(&t);
}

static void test_scan_short_row_and_missing_column(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s1,24,100,-3\n", HDR);
    tg_tally t;
    tg_error err, skip;
    assert_int_equal(scan_expect_error(tt_write("short.csv", text),
                                       TG_BAD_ROW_ERROR, &t, &err, &skip),
                     TG_EINVAL);
    assert_string_equal(err.msg, "fewer fields than the 9 of the header "
                                 "(found 4)");
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 12); /* just past "1,24,100,-3" */
    tg_tally_release(&t);

    assert_int_equal(scan_expect_error(
                         tt_write("miss.csv", "lead_id,current_firm_tenure_"
                                              "months,industry_tenure_months,"
                                              "firm_net_change_12mo,"
                                              "firm_rep_count,is_wirehouse,"
                                              "target,split\n"),
                         TG_BAD_ROW_ERROR, &t, &err, &skip),
                     TG_EINVAL);
    const char *want = "missing column 'num_prior_firms' (tried "
                       "'num_prior_firms', 'pit_num_prior_firms', "
                       "'prior_firm_count'); the header has 8 columns: "
                       "'lead_id', ";
    assert_true(strncmp(err.msg, want, strlen(want)) == 0);
    tg_tally_release(&t);

    assert_int_equal(scan_expect_error(tt_write("empty.csv", ""),
                                       TG_BAD_ROW_ERROR, &t, &err, &skip),
                     TG_EINVAL);
    assert_string_equal(err.msg, "empty file: expected a header row");
    tg_tally_release(&t);
}

static void test_scan_split_from_dates(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    const char *p = tt_write("nosplit.csv",
                             "contacted_date,current_firm_tenure_months,"
                             "industry_tenure_months,firm_net_change_12mo,"
                             "firm_rep_count_at_contact,num_prior_firms,"
                             "is_wirehouse,target\n"
                             "2024-02-01,1,1,1,1,1,0,1\n"
                             "2025-07-03 23:59:59 UTC,1,1,1,1,1,0,0\n"
                             "2025-07-04,1,1,1,1,1,0,1\n"
                             "2023-01-01,1,1,1,1,1,0,1\n"
                             ",1,1,1,1,1,0,1\n");
    tg_tally t;
    tt_scan(&t, r, &p, 1, 1);
    assert_int_equal(tg_tally_total(&t, TG_SPLIT_TRAIN).leads, 2);
    assert_int_equal(tg_tally_total(&t, TG_SPLIT_TEST).leads, 1);
    assert_int_equal(tg_tally_total(&t, TG_SPLIT_OTHER).leads, 2);
    assert_int_equal(t.last_date[TG_SPLIT_TRAIN], 20250703);
    tg_tally_release(&t);
    tg_rules_free(r);
}

/* Write the boundary fixture in three shards, one of them gzipped. */
static void test_scan_shards_and_gzip_equal_one_file(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    size_t len;
    char *all = tt_read(tt_src("tests/fixtures/boundary.csv"), &len);
    char *hdr_end = strchr(all, '\n') + 1;
    size_t hl = (size_t)(hdr_end - all);
    char *cut1 = strchr(all + len / 3, '\n') + 1;
    char *cut2 = strchr(all + 2 * len / 3, '\n') + 1;
    char *s1 = malloc(len + 1), *s2 = malloc(len + 1), *s3 = malloc(len + 1);
    snprintf(s1, len, "%.*s", (int)(cut1 - all), all);
    snprintf(s2, len, "%.*s%.*s", (int)hl, all, (int)(cut2 - cut1), cut1);
    snprintf(s3, len, "%.*s%s", (int)hl, all, cut2);
    const char *paths[3] = {tt_write("leads-000.csv", s1),
                            tt_write_gz("leads-001.csv.gz", s2, strlen(s2)),
                            tt_write("leads-002.csv", s3)};
    const char *whole = tt_src("tests/fixtures/boundary.csv");
    tg_tally a, b;
    tt_scan(&a, r, &whole, 1, 1);
    tt_scan(&b, r, paths, 3, 1);
    assert_same_tally(&a, &b);
    assert_int_equal(a.rows, 13230);
    tg_tally_release(&a);
    tg_tally_release(&b);
    free(s1);
    free(s2);
    free(s3);
    free(all);
    tg_rules_free(r);
}

/* Same rows, written plainly and in every way the fast path hands off. */
static void test_scan_fast_path_matches_general_reader(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    size_t cap = 1 << 22;
    char *plain = malloc(cap), *odd = malloc(cap);
    size_t np = 0, no = 0;
    np += (size_t)sprintf(plain, "%s", HDR);
    no += (size_t)sprintf(odd, "%s", HDR);
    unsigned seed = 7;
    for (int i = 0; i < 20000; i++) {
        int ten = (int)(rand_r(&seed) % 60), ind = (int)(rand_r(&seed) % 300);
        int ch = (int)(rand_r(&seed) % 30) - 15, reps = 1 + (int)(rand_r(&seed) % 70);
        int prior = (int)(rand_r(&seed) % 5), wh = (int)(rand_r(&seed) % 2);
        int tgt = (int)(rand_r(&seed) % 3) - 1, sp = (int)(rand_r(&seed) % 2);
        int nul = (int)(rand_r(&seed) % 10);
        char tgs[4] = "";
        if (tgt >= 0)
            snprintf(tgs, sizeof tgs, "%d", tgt);
        const char *split = sp ? "TRAIN" : "TEST";
        char pv[16] = "";
        if (nul)
            snprintf(pv, sizeof pv, "%d", prior);
        np += (size_t)sprintf(plain + np, "%d,%d,%d,%d,%d,%s,%s,%s,%s\n", i,
                              ten, ind, ch, reps, pv, wh ? "true" : "false",
                              tgs, split);
        switch (i % 6) {
        case 0: /* quoted fields */
            no += (size_t)sprintf(odd + no, "\"%d\",\"%d\",%d,%d,%d,%s,%s,%s,"
                                            "\"%s\"\n", i, ten, ind, ch, reps,
                                  pv, wh ? "true" : "false", tgs, split);
            break;
        case 1: /* CRLF */
            no += (size_t)sprintf(odd + no, "%d,%d,%d,%d,%d,%s,%s,%s,%s\r\n", i,
                                  ten, ind, ch, reps, pv, wh ? "true" : "false",
                                  tgs, split);
            break;
        case 2: /* decimals and upper-case booleans */
            no += (size_t)sprintf(odd + no, "%d,%d.0,%d,%d,%d.00,%s,%s,%s,%s\n",
                                  i, ten, ind, ch, reps, pv, wh ? "TRUE" : "FALSE",
                                  tgs, split);
            break;
        case 3: /* a blank line before the row, lower-case split */
            no += (size_t)sprintf(odd + no, "\n%d,%d,%d,%d,%d,%s,%s,%s,%s\n", i,
                                  ten, ind, ch, reps, pv, wh ? "1" : "0", tgs,
                                  sp ? "train" : "test");
            break;
        default:
            no += (size_t)sprintf(odd + no, "%d,%d,%d,%d,%d,%s,%s,%s,%s\n", i,
                                  ten, ind, ch, reps, pv, wh ? "true" : "false",
                                  tgs, split);
        }
    }
    plain[np] = odd[no] = '\0';
    const char *pp = tt_write("plain.csv", plain), *po = tt_write("odd.csv", odd);
    tg_tally a, b;
    tt_scan(&a, r, &pp, 1, 1);
    tt_scan(&b, r, &po, 1, 1);
    assert_same_tally(&a, &b);
    assert_int_equal(a.rows, 20000);
    tg_tally_release(&a);
    tg_tally_release(&b);
    free(plain);
    free(odd);
    tg_rules_free(r);
}

static void scan_threads(tg_tally *t, const tg_rules *r, const char *path,
                         int threads, tg_error *err)
{
    assert_tg_ok(tg_tally_init(t, r, NULL));
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &path;
    o.npaths = 1;
    o.threads = threads;
    o.min_range = 4096; /* split even small files */
    tg_error skip;
    tg_error_clear(err);
    int rc = tg_scan(t, r, &o, &skip, err);
    if (rc != TG_OK && threads > 0)
        return;
    assert_int_equal(rc, TG_OK);
}

static void test_scan_parallel_ranges_match_one_thread(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    FILE *f = fopen(tt_path("synth.csv"), "wb");
    tg_synth_options so = TG_SYNTH_OPTIONS_INIT;
    so.rows = 60000;
    assert_tg_ok(tg_synth_write(f, &so, NULL));
    fclose(f);
    tg_tally one, many;
    tg_error err;
    scan_threads(&one, r, tt_path("synth.csv"), 1, &err);
    for (int n = 2; n <= 5; n++) {
        scan_threads(&many, r, tt_path("synth.csv"), n, &err);
        assert_int_equal(err.code, 0);
        assert_same_tally(&one, &many);
        tg_tally_release(&many);
    }
    tg_tally_release(&one);
    tg_rules_free(r);
}

static void test_scan_parallel_quoted_newlines_across_ranges(void **state)
{
    (void)state;
    /* A quoted field full of newlines in the middle of the file: any
     * range that starts inside it must be rejected and the file read in
     * one piece, giving the same counts. */
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    size_t cap = 1 << 22, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text, "note,%s", HDR);
    for (int i = 0; i < 30000; i++) {
        if (i == 15000) {
            n += (size_t)sprintf(text + n, "\"");
            for (int k = 0; k < 20000; k++)
                n += (size_t)sprintf(text + n, "x,%d\n", k);
            n += (size_t)sprintf(text + n, "\",");
        } else {
            n += (size_t)sprintf(text + n, "n,");
        }
        n += (size_t)sprintf(text + n, "%d,%d,%d,%d,%d,%d,false,%d,TRAIN\n", i,
                             12 + i % 40, 60 + i % 200, -(i % 15), 1 + i % 60,
                             i % 4, i % 2);
    }
    text[n] = '\0';
    const char *p = tt_write("quoted-mid.csv", text);
    tg_tally one, two;
    tg_error err;
    scan_threads(&one, r, p, 1, &err);
    for (int k = 2; k <= 4; k++) {
        scan_threads(&two, r, p, k, &err);
        assert_same_tally(&one, &two);
        tg_tally_release(&two);
    }
    assert_int_equal(one.rows, 30000);
    tg_tally_release(&one);
    free(text);
    tg_rules_free(r);
}

static void test_scan_parallel_error_line_is_absolute(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    size_t cap = 1 << 22, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text, "%s", HDR);
    for (int i = 0; i < 40000; i++)
        n += (size_t)sprintf(text + n, "%d,%d,100,-3,5,0,false,%s,TRAIN\n", i,
                             i % 50, i == 35000 ? "yes" : "0");
    const char *p = tt_write("late-error.csv", text);
    tg_tally t;
    tg_error err;
    for (int k = 1; k <= 3; k++) {
        scan_threads(&t, r, p, k, &err);
        assert_int_equal(err.code, TG_EINVAL);
        assert_int_equal(err.line, 35002);
        assert_string_equal(err.msg, "bad value 'yes' in column 'target': "
                                     "expected 0, 1 or empty");
        tg_tally_release(&t);
    }
    free(text);
    tg_rules_free(r);
}


/* sha256sum (coreutils, not libcrypto) of the files' bytes, in order. */
static void sha256sum_of(const char *const *paths, int n, char hex[65])
{
    char cmd[4096];
    size_t off = (size_t)snprintf(cmd, sizeof cmd, "cat");
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(cmd + off, sizeof cmd - off, " '%s'", paths[i]);
    snprintf(cmd + off, sizeof cmd - off, " | sha256sum");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    hex[0] = '\0';
    if (fscanf(p, "%64s", hex) != 1)
        hex[0] = '\0';
    pclose(p);
    assert_int_equal(strlen(hex), 64);
}

/* A scan with the fingerprint, as gate asks for it. */
static void scan_fingerprint(tg_tally *t, const tg_rules *r,
                             const char *const *paths, int n, int threads)
{
    assert_tg_ok(tg_tally_init(t, r, NULL));
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = n;
    o.threads = threads;
    o.min_range = 4096; /* ranges even for small files */
    o.fingerprint = 1;
    o.date_config = tt_src("registry/date_config.json");
    tg_error err, skip;
    tg_error_clear(&err);
    if (tg_scan(t, r, &o, &skip, &err) != TG_OK) {
        char buf[2048];
        fail_msg("scan: %s", tg_error_format(&err, buf, sizeof buf));
    }
}

/*
 * The fingerprint is hashed beside the parsing: one file parsed in
 * ranges by several threads, one thread, shards (one of them gzip, whose
 * compressed bytes are what is hashed), and with threads left to the
 * machine: every time it is what sha256sum prints for the bytes, and the
 * counts are those of the scan without it. A pipe cannot be read twice:
 * no fingerprint, and the scan still sees every row.
 */
static void test_scan_fingerprint_is_sha256sum(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    const char *whole = tt_path("fp-whole.csv");
    FILE *f = fopen(whole, "wb");
    tg_synth_options so = TG_SYNTH_OPTIONS_INIT;
    so.rows = 80000; /* about 5 MB: several fingerprint blocks */
    assert_tg_ok(tg_synth_write(f, &so, NULL));
    fclose(f);
    char want[65];
    sha256sum_of(&whole, 1, want);
    tg_tally plain;
    tt_scan(&plain, r, &whole, 1, 1);
    for (int threads = 0; threads <= 3; threads++) {
        tg_tally t;
        scan_fingerprint(&t, r, &whole, 1, threads);
        assert_string_equal(t.input_sha256, want);
        assert_same_tally(&plain, &t);
        tg_tally_release(&t);
    }
    /* Three shards, the middle one gzip. */
    size_t len;
    char *all = tt_read(whole, &len);
    char *hdr_end = strchr(all, '\n') + 1;
    size_t hl = (size_t)(hdr_end - all);
    char *cut1 = strchr(all + len / 3, '\n') + 1;
    char *cut2 = strchr(all + 2 * len / 3, '\n') + 1;
    char *s2 = malloc(len + 1), *s3 = malloc(len + 1);
    snprintf(s2, len, "%.*s%.*s", (int)hl, all, (int)(cut2 - cut1), cut1);
    snprintf(s3, len, "%.*s%s", (int)hl, all, cut2);
    char *s1 = malloc(len + 1);
    snprintf(s1, len, "%.*s", (int)(cut1 - all), all);
    const char *shards[3] = {tt_write("fp-000.csv", s1),
                             tt_write_gz("fp-001.csv.gz", s2, strlen(s2)),
                             tt_write("fp-002.csv", s3)};
    sha256sum_of(shards, 3, want);
    for (int threads = 1; threads <= 2; threads++) {
        tg_tally t;
        scan_fingerprint(&t, r, shards, 3, threads);
        assert_string_equal(t.input_sha256, want);
        assert_same_tally(&plain, &t);
        tg_tally_release(&t);
    }
    /* The synchronous form gives the same digest. */
    {
        tg_tally t;
        assert_tg_ok(tg_tally_init(&t, r, NULL));
        tg_scan_options o = TG_SCAN_OPTIONS_INIT;
        o.paths = shards;
        o.npaths = 3;
        assert_tg_ok(tg_scan_fingerprint(&t, &o, NULL));
        assert_string_equal(t.input_sha256, want);
        tg_tally_release(&t);
    }
    /* A pipe, named as a shell's process substitution names one
     * (/dev/fd/N): the fingerprint's thread must not read it (it would
     * take rows from the scan), and there is no fingerprint. */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(pfd[1], all + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        _exit(off == len ? 0 : 1);
    }
    close(pfd[1]);
    char devfd[64];
    snprintf(devfd, sizeof devfd, "/dev/fd/%d", pfd[0]);
    tg_tally t;
    const char *pp = devfd;
    scan_fingerprint(&t, r, &pp, 1, 2);
    close(pfd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_string_equal(t.input_sha256, "");
    assert_same_tally(&plain, &t);
    tg_tally_release(&t);
    free(s1);
    free(s2);
    free(s3);
    free(all);
    tg_tally_release(&plain);
    tg_rules_free(r);
}

/*
 * One binder for a CSV header and for a header given as names: the same
 * columns for every feature (name, then aliases) and for target, split
 * and contacted_date; a name twice in a CSV header is refused where it
 * repeats.
 */
static void test_scan_one_binder_for_csv_and_names(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_csv *csv = NULL;
    tg_error err;
    tg_schema fromcsv, fromnames;
    assert_tg_ok(tg_csv_open(&csv, tt_src("tests/fixtures/aliases.csv"), &err));
    assert_int_equal(tg_csv_next(csv, &err), 1);
    assert_tg_ok(tg_schema_bind(&fromcsv, r, csv, &err));
    assert_tg_ok(tg_schema_bind_names(&fromnames, r, fromcsv.header,
                                      fromcsv.ncols, &err));
    /* The fixture's header: split,target,pit_num_prior_firms,extra_col,
     * is_wirehouse,pit_firm_rep_count,...,contacted_date (10 columns). */
    assert_int_equal(fromcsv.ncols, 10);
    assert_int_equal(fromcsv.split_col, 0);
    assert_int_equal(fromcsv.target_col, 1);
    assert_int_equal(fromcsv.date_col, 9);
    assert_int_equal(fromcsv.lead_id_col, -1);
    assert_int_equal(
        fromcsv.feature_col[tg_rules_feature_index(r, "num_prior_firms", 15)], 2);
    assert_int_equal(
        fromcsv.feature_col[tg_rules_feature_index(r, "is_wirehouse", 12)], 4);
    assert_int_equal(fromnames.ncols, fromcsv.ncols);
    assert_int_equal(fromnames.split_col, fromcsv.split_col);
    assert_int_equal(fromnames.target_col, fromcsv.target_col);
    assert_int_equal(fromnames.date_col, fromcsv.date_col);
    assert_int_equal(fromnames.lead_id_col, fromcsv.lead_id_col);
    for (int f = 0; f < r->nfeatures; f++)
        assert_int_equal(fromnames.feature_col[f], fromcsv.feature_col[f]);
    tg_schema_release(&fromnames);
    tg_schema_release(&fromcsv);
    tg_csv_free(csv);

    assert_tg_ok(
        tg_csv_open(&csv, tt_write("dup.csv", "split,Target,target\n"), &err));
    assert_int_equal(tg_csv_next(csv, &err), 1);
    assert_int_equal(tg_schema_bind(&fromcsv, r, csv, &err), TG_EINVAL);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 14);
    assert_non_null(strstr(err.msg, "column 'target' appears twice"));
    tg_csv_free(csv);
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_aliases_order_nulls_booleans),
        cmocka_unit_test(test_scan_bad_value_is_located),
        cmocka_unit_test(test_scan_short_row_and_missing_column),
        cmocka_unit_test(test_scan_split_from_dates),
        cmocka_unit_test(test_scan_shards_and_gzip_equal_one_file),
        cmocka_unit_test(test_scan_fast_path_matches_general_reader),
        cmocka_unit_test(test_scan_parallel_ranges_match_one_thread),
        cmocka_unit_test(test_scan_parallel_quoted_newlines_across_ranges),
        cmocka_unit_test(test_scan_parallel_error_line_is_absolute),
        cmocka_unit_test(test_scan_fingerprint_is_sha256sum),
        cmocka_unit_test(test_scan_one_binder_for_csv_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
