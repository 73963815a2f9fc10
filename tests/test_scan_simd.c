/*
 * The scan's fast path against the general reader. The fast path lists
 * separators with one of several implementations (AVX-512, AVX2, SSE2,
 * a portable loop) and hands any record that is not plain to the general
 * reader; "none" takes no fast path, so every record goes through the
 * general reader: that is the reference. Every implementation, on 1 to
 * 3 threads, must give the reference's counts, dates, skips and
 * messages, bit for bit, on an export mixing plain rows with every kind
 * of record the fast path hands off, records longer than its chunk,
 * and records cut by the reader's window. The fast path's inline
 * parsers of dates, splits and integers are held to the general
 * reader's on every date and on hostile text.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tg_scan_dates.h"
#include "tg_scan_number.h"

static const char *const listers[] = {"none", "portable", "sse2", "avx2", "avx512"};
enum { NLISTERS = sizeof listers / sizeof *listers };

typedef struct {
    int rc;
    tg_tally t;
    tg_error err, skip;
} scan_result;

static void scan_with(scan_result *out, const tg_rules *r, const char *path,
                      const char *lister, int threads, int on_bad_row)
{
    assert_int_equal(tg_scan_simd_select(lister), 0);
    assert_string_equal(tg_scan_simd_name(), lister);
    memset(out, 0, sizeof *out);
    assert_tg_ok(tg_tally_init(&out->t, r, &out->err));
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = &path;
    o.npaths = 1;
    o.threads = threads;
    o.min_range = 4096; /* split even small files into ranges */
    o.on_bad_row = on_bad_row;
    /* tt_src's strings are reused after a while: this one is kept. */
    static char date_config[1024];
    if (!date_config[0])
        snprintf(date_config, sizeof date_config, "%s",
                 tt_src("registry/date_config.json"));
    o.date_config = date_config;
    tg_error_clear(&out->skip);
    tg_error_clear(&out->err);
    out->rc = tg_scan(&out->t, r, &o, &out->skip, &out->err);
    tg_scan_simd_select("auto");
}

static void assert_same_error(const tg_error *a, const tg_error *b)
{
    if (a->code != b->code || strcmp(a->msg, b->msg) != 0) {
        char x[2048], y[2048];
        fail_msg("errors differ:\n%s\n%s", tg_error_format(a, x, sizeof x),
                 tg_error_format(b, y, sizeof y));
    }
    assert_int_equal(a->code, b->code);
    assert_string_equal(a->file, b->file);
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->column, b->column);
    assert_string_equal(a->msg, b->msg);
}

static void assert_same_result(const scan_result *a, const scan_result *b)
{
    assert_int_equal(a->rc, b->rc);
    if (a->rc != TG_OK) { /* err says nothing after a scan that passed */
        assert_same_error(&a->err, &b->err);
        return;
    }
    assert_same_error(&a->skip, &b->skip);
    const tg_tally *x = &a->t, *y = &b->t;
    assert_int_equal(x->rows, y->rows);
    assert_int_equal(x->skipped, y->skipped);
    assert_memory_equal(x->skipped_by, y->skipped_by, sizeof x->skipped_by);
    assert_memory_equal(x->cells, y->cells,
                        sizeof *x->cells * (size_t)(TG_NSPLITS * x->ntiers));
    assert_memory_equal(x->first_date, y->first_date, sizeof x->first_date);
    assert_memory_equal(x->last_date, y->last_date, sizeof x->last_date);
    assert_int_equal(x->nother, y->nother);
    assert_memory_equal(x->other, y->other, sizeof x->other);
    assert_int_equal(x->other_more, y->other_more);
    assert_memory_equal(x->out_of_range, y->out_of_range,
                        sizeof *x->out_of_range * (size_t)x->nfeatures);
}

/* Append to a growing buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} text_buf;

static void put(text_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void puts_(text_buf *b, const char *s) { put(b, s, strlen(s)); }

/*
 * An export of n rows: mostly plain, with odd ones every few rows when
 * odd is set. Seeded: the same bytes on every run.
 */
static char *export_text(int n, int odd, unsigned seed)
{
    text_buf b = {0};
    puts_(&b, "lead_id,advisor_crd,contacted_date,current_firm_tenure_months,"
              "industry_tenure_months,firm_net_change_12mo,"
              "firm_rep_count_at_contact,num_prior_firms,is_wirehouse,target,"
              "split\n");
    char line[512], id[64];
    for (int i = 0; i < n; i++) {
        int ten = (int)(rand_r(&seed) % 70), ind = (int)(rand_r(&seed) % 400);
        int ch = (int)(rand_r(&seed) % 40) - 20;
        int reps = 1 + (int)(rand_r(&seed) % 20000);
        int prior = (int)(rand_r(&seed) % 6), wh = (int)(rand_r(&seed) % 2);
        int tgt = (int)(rand_r(&seed) % 3) - 1;
        static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
        int month = 1 + (int)(rand_r(&seed) % 12);
        int day = 1 + (int)(rand_r(&seed) % (unsigned)mdays[month - 1]);
        int year = 2024 + (int)(rand_r(&seed) % 2);
        char tgs[4] = "", pv[16] = "";
        if (tgt >= 0)
            snprintf(tgs, sizeof tgs, "%d", tgt);
        if (rand_r(&seed) % 10)
            snprintf(pv, sizeof pv, "%d", prior);
        /* Ids of every length, so records straddle chunk edges at every
         * offset. */
        int idlen = 1 + (int)(rand_r(&seed) % 40);
        for (int k = 0; k < idlen; k++)
            id[k] = (char)('a' + (i + k) % 26);
        id[idlen] = '\0';
        const char *split = rand_r(&seed) % 3 ? "TRAIN" : "TEST";
        const char *eol = "\n";
        int kind = odd ? (int)(rand_r(&seed) % 60) : 99;
        char date[32];
        snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
        switch (kind) {
        case 0: /* quoted, with a comma and a newline inside */
            snprintf(id, sizeof id, "\"q,%d\n\"\"x\"\"\"", i);
            break;
        case 1: eol = "\r\n"; break;
        case 2: puts_(&b, "\n"); break;
        case 3: snprintf(pv, sizeof pv, "abc"); break;           /* bad value */
        case 4: snprintf(pv, sizeof pv, "-5"); break;            /* out of range */
        case 5: snprintf(tgs, sizeof tgs, "2"); break;           /* bad target */
        case 6: snprintf(date, sizeof date, "2025-13-01"); break;/* bad date */
        case 7: split = "HOLDOUT"; break;                        /* other split */
        case 8: split = "train"; break;
        case 9: snprintf(pv, sizeof pv, "2.0"); break;           /* a decimal */
        case 10: split = ""; break;                              /* from the date */
        case 11: snprintf(date, sizeof date, "2025-03-04T10:00:00"); break;
        case 12: snprintf(pv, sizeof pv, "123456789"); break;    /* 9 digits */
        case 18: /* a comma inside quotes and no advisor_crd: a plain
                    record to anything that ignored the quotes */
            snprintf(id, sizeof id, "\"x,%d\"", i);
            break;
        default: break;
        }
        if (kind == 13) { /* a record far longer than a chunk */
            puts_(&b, "\"");
            for (int k = 0; k < 600; k++)
                puts_(&b, "long,text ");
            puts_(&b, "\"");
        } else if (kind == 14) { /* a long unquoted id */
            for (int k = 0; k < 700; k++)
                puts_(&b, "longtext");
        } else {
            puts_(&b, id);
        }
        snprintf(line, sizeof line, ",%d,%s,%d,%d,%d,%d,%s,%s,%s,%s", 1000 + i,
                 date, ten, ind, ch, reps, pv, wh ? "true" : "false", tgs, split);
        if (kind == 18)
            memmove(line, strchr(line + 1, ','), strlen(strchr(line + 1, ',')) + 1);
        puts_(&b, line);
        if (kind == 15)
            puts_(&b, ",extra");                             /* a field too many */
        if (kind == 16) {                                    /* a field too few */
            char *comma = strrchr(b.p, ',');
            b.n = (size_t)(comma - b.p);
            b.p[b.n] = '\0';
        }
        if (kind == 17) /* many fields too many, past a chunk's worth */
            for (int k = 0; k < 900; k++)
                puts_(&b, ",,,,,");
        puts_(&b, eol);
    }
    return b.p;
}

/* Every lister on every thread count against the general reader. */
static void check_all(const tg_rules *r, const char *written, int on_bad_row)
{
    char path[1024]; /* tt_write's strings are reused after a while */
    snprintf(path, sizeof path, "%s", written);
    scan_result ref, got;
    scan_with(&ref, r, path, "none", 1, on_bad_row);
    int compared = 0;
    for (int l = 0; l < NLISTERS; l++) {
        if (tg_scan_simd_select(listers[l]) != 0)
            continue; /* this processor lacks it */
        tg_scan_simd_select("auto");
        for (int threads = 1; threads <= 3; threads++) {
            scan_with(&got, r, path, listers[l], threads, on_bad_row);
            assert_same_result(&ref, &got);
            tg_tally_release(&got.t);
            compared++;
        }
    }
    assert_true(compared >= 9); /* none, portable and sse2 run anywhere */
    tg_tally_release(&ref.t);
}

/*
 * Write an export of rows rows (odd ones among them when odd is set),
 * check every lister against the general reader on it, and leave the
 * general reader's own result in ref for the test's assertions.
 */
static void check_export(int rows, int odd, unsigned seed, int on_bad_row,
                         scan_result *ref)
{
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    char *text = export_text(rows, odd, seed);
    char path[1024];
    snprintf(path, sizeof path, "%s", tt_write("export.csv", text));
    check_all(r, path, on_bad_row);
    scan_with(ref, r, path, "none", 1, on_bad_row);
    free(text);
    tg_rules_free(r);
}

static void test_listers_agree_on_plain_rows(void **state)
{
    (void)state;
    scan_result ref;
    check_export(40000, 0, 11, TG_BAD_ROW_ERROR, &ref);
    /* The reference itself is not empty: every row counted. */
    assert_tg_ok(ref.rc);
    assert_int_equal(ref.t.rows, 40000);
    tg_tally_release(&ref.t);
}

static void test_listers_agree_on_odd_rows_skipped(void **state)
{
    (void)state;
    scan_result ref;
    check_export(30000, 1, 5, TG_BAD_ROW_SKIP, &ref);
    assert_int_equal(ref.rc, TG_OK);
    assert_true(ref.t.skipped > 1000); /* the odd rows were there */
    assert_true(ref.t.rows - ref.t.skipped > 25000);
    tg_tally_release(&ref.t);
}

static void test_listers_agree_on_the_first_error(void **state)
{
    (void)state;
    scan_result ref;
    check_export(30000, 1, 9, TG_BAD_ROW_ERROR, &ref);
    assert_int_equal(ref.rc, TG_EINVAL);
    assert_true(ref.err.line > 1);
    tg_tally_release(&ref.t);
}

/* The last record without its newline, and a file of one record. */
static void test_listers_agree_at_the_end_of_input(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    char *text = export_text(3000, 0, 3);
    size_t n = strlen(text);
    text[n - 1] = '\0';
    check_all(r, tt_write("no_newline.csv", text), TG_BAD_ROW_ERROR);
    char *nl = strchr(text, '\n');
    nl = strchr(nl + 1, '\n');
    nl[1] = '\0';
    check_all(r, tt_write("one.csv", text), TG_BAD_ROW_ERROR);
    free(text);
    tg_rules_free(r);
}

static void test_select_refuses_unknown_names(void **state)
{
    (void)state;
    assert_int_equal(tg_scan_simd_select("avx9"), -1);
    assert_int_equal(tg_scan_simd_select(""), -1);
    assert_int_equal(tg_scan_simd_select("auto"), 0);
    const char *best = tg_scan_simd_name();
    assert_true(strcmp(best, "avx512") == 0 || strcmp(best, "avx2") == 0 ||
                strcmp(best, "sse2") == 0 ||
                strcmp(best, "portable") == 0);
    assert_int_equal(tg_scan_simd_select("none"), 0);
    assert_string_equal(tg_scan_simd_name(), "none");
    assert_int_equal(tg_scan_simd_select(NULL), 0);
    assert_string_equal(tg_scan_simd_name(), best);
}

/* The field at f (n bytes) followed by 8 readable bytes of junk, as
 * the CSV buffer's slack may hold. */
static const char *padded(char *buf, const char *f, size_t n)
{
    memcpy(buf, f, n);
    memcpy(buf + n, "9-,\"x\n01", 8);
    return buf;
}

/* Every calendar day of years 0999-2100 and 9999, and near-misses of
 * each kind, against tg_parse_date (the general reader's). */
static void test_fast_dates_match_the_general_parser(void **state)
{
    (void)state;
    char text[32], buf[64];
    long checked = 0;
    for (int y = 999; y <= 10000; y++) {
        if (y > 2100 && y < 9999)
            continue;
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                int n = snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                assert_int_equal(tg_date_of_padded(padded(buf, text, (size_t)n),
                                                   (size_t)n),
                                 tg_parse_date(text, (size_t)n));
                checked++;
            }
    }
    assert_true(checked > 500000);
    static const char *const odd[] = {
        "2025-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2025-04-31",
        "2025/03/04", "2025-03-4", "2025-3-04", "2025-03-04 10:00:00",
        "2025-03-04T10:00", "2025-03-04T25:00", "20250304", "2025-0a-04",
        "2025-03-0:", "2025-03-0/", "\x32" "025-03-04", "202\xb5" "-03-04",
        "2025-03-04x", "", "2", "-0001-01-01", "0000-01-01", ":::::::::::",
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        size_t n = strlen(odd[i]);
        assert_int_equal(tg_date_of_padded(padded(buf, odd[i], n), n),
                         tg_parse_date(odd[i], n));
    }
}

static void test_fast_split_names_match_the_general_parser(void **state)
{
    (void)state;
    static const char *const names[] = {
        "TRAIN", "TEST", "train", "Test", "TRAINS", "TES", "TRAI", "TESTX",
        "", "VALIDATION", "TR\0IN", "TEST ", " TEST", "TRAIN\r",
    };
    char buf[64];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n = strlen(names[i]);
        assert_int_equal(tg_split_of_name_padded(padded(buf, names[i], n), n),
                         tg_split_of_name(names[i], n));
    }
}

/* The fast integer parser takes what tg_feature_value reads as a whole
 * number of at most 8 digits, and hands everything else back (-1). */
static void test_fast_integers_match_the_general_parser(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0", "7", "-7", "12345678", "-12345678", "123456789", "00000001",
        "-0", "--1", "+1", "1.0", "1e3", " 1", "1 ", "0x10", "true", "false",
        "TRUE", "1a", "a1", "-", "9/", ":0", "99999999",
    };
    char buf[64];
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t n = strlen(texts[i]);
        int64_t v = 0;
        double d;
        int w = tg_fast_int(padded(buf, texts[i], n), n, &v);
        if (w < 0)
            continue; /* handed to the general reader: always safe */
        /* Both read the field where the reader keeps it: with the CSV
         * buffer's slack after it (tg_parse_number reads 8 bytes). */
        if (w == 1) {
            assert_int_equal(tg_parse_bool(padded(buf, texts[i], n), n, &d), 0);
        } else {
            assert_int_equal(tg_parse_number(padded(buf, texts[i], n), n, &d), 0);
        }
        assert_true(d == (double)v);
    }
    /* And every value -99999999..99999999 in steps that reach every
     * digit count. */
    for (int64_t x = -99999999; x <= 99999999; x += 9973) {
        char t[32];
        int n = snprintf(t, sizeof t, "%lld", (long long)x);
        int64_t v = 0;
        assert_int_equal(tg_fast_int(padded(buf, t, (size_t)n), (size_t)n, &v), 0);
        assert_int_equal(v, x);
    }
}

/* A rule set from its JSON text. */
static tg_rules *rules_of(const char *json)
{
    tg_rules *r = NULL;
    assert_tg_ok(tg_rules_parse(&r, json, strlen(json), "r.json", NULL));
    return r;
}

/* check_all in both bad-row modes. */
static void check_both_modes(const tg_rules *r, const char *written)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", written);
    check_all(r, path, TG_BAD_ROW_ERROR);
    check_all(r, path, TG_BAD_ROW_SKIP);
}

/* The reference (no fast path) on path: its rc and rows skipped. */
static void reference(const tg_rules *r, const char *path, int on_bad_row,
                      int *rc, uint64_t *skipped)
{
    scan_result ref;
    scan_with(&ref, r, path, "none", 1, on_bad_row);
    *rc = ref.rc;
    *skipped = ref.t.skipped;
    tg_tally_release(&ref.t);
}

/*
 * A boolean is 0, 1, true or false as written: "00", "-0" or "01" are
 * whole numbers of value 0 or 1 but not booleans, and the general reader
 * refuses them. The fast path once read them as numbers in 0..1.
 */
static void test_fast_path_takes_booleans_only_as_written(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    static const char *const odd[] = {"00", "-0", "01", "-00", "000", "+1",
                                      "0000000", "00000001", "TRUE", "1"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "current_firm_tenure_months,industry_tenure_months,"
                 "firm_net_change_12mo,firm_rep_count_at_contact,"
                 "num_prior_firms,is_wirehouse,target,split\n"
                 "20,100,-5,5,1,0,1,TRAIN\n"
                 "20,100,-5,5,1,%s,1,TRAIN\n"
                 "20,100,-5,5,1,1,0,TEST\n", odd[i]);
        const char *path = tt_write("bool.csv", text);
        check_both_modes(r, path);
        int rc;
        uint64_t skipped;
        reference(r, path, TG_BAD_ROW_SKIP, &rc, &skipped);
        assert_int_equal(rc, TG_OK);
        /* The oracle: tg_parse_bool, the rule of the documented forms. */
        double d;
        int is_bool = tg_parse_bool(odd[i], strlen(odd[i]), &d) == 0;
        assert_int_equal(skipped, is_bool ? 0 : 1);
    }
    tg_rules_free(r);
}

/*
 * Declared ranges the fast path must hold exactly as the general reader
 * does: a range holding no whole number, bounds beyond any 64-bit
 * integer, and booleans with a narrower range than 0..1. Each file has
 * values inside, at and outside the bounds.
 */
static void test_fast_path_holds_every_declared_range(void **state)
{
    (void)state;
    static const char *const features[] = {
        "{\"name\": \"x\", \"min\": 0.5, \"max\": 0.7}",
        "{\"name\": \"x\", \"min\": 2.5, \"max\": 2.5}",
        "{\"name\": \"x\", \"min\": 1e300}",
        "{\"name\": \"x\", \"max\": -1e300}",
        "{\"name\": \"x\", \"min\": 1e300, \"max\": 2e300}",
        "{\"name\": \"x\", \"min\": -2e300, \"max\": -1e300}",
        "{\"name\": \"x\", \"min\": 1e19}",
        "{\"name\": \"x\", \"max\": -1e19}",
        "{\"name\": \"x\", \"min\": -99999999, \"max\": 99999999}",
        "{\"name\": \"x\", \"min\": -99999998.5, \"max\": 99999998.5}",
        "{\"name\": \"x\", \"type\": \"boolean\", \"min\": 1}",
        "{\"name\": \"x\", \"type\": \"boolean\", \"max\": 0}",
        "{\"name\": \"x\", \"type\": \"boolean\", \"min\": 0.5, \"max\": 0.7}",
        "{\"name\": \"x\", \"type\": \"boolean\", \"min\": -5, \"max\": 5}",
    };
    const char *csv = "x,target,split\n"
                      "1,1,TRAIN\n0,0,TRAIN\n2,1,TEST\n3,0,TEST\n-1,0,TRAIN\n"
                      "true,1,TRAIN\nfalse,0,TEST\n,1,TRAIN\n"
                      "99999999,1,TRAIN\n-99999999,0,TEST\n"
                      "99999998,1,TRAIN\n-99999998,0,TEST\n";
    char path[1024];
    snprintf(path, sizeof path, "%s", tt_write("range.csv", csv));
    for (size_t i = 0; i < sizeof features / sizeof *features; i++) {
        /* wide: a cut far from the others, so that the cuts span more
         * than the fast path's lookup array (it searches them instead). */
        for (int variant = 0; variant < 4; variant++) {
            int warn = variant & 1, wide = variant >> 1;
            char json[2048], feature[512];
            snprintf(feature, sizeof feature, "%s", features[i]);
            if (warn) /* out of range counted rather than refused */
                snprintf(feature + strlen(feature) - 1,
                         sizeof feature - strlen(feature) + 1,
                         ", \"out_of_range\": \"warn\"}");
            snprintf(json, sizeof json,
                     "{\"model_id\": \"m\", \"model_version\": \"v1\","
                     " \"features\": [%s], \"tiers\": ["
                     "  {\"name\": \"TIER_1A\", \"when\": \"x = 1\","
                     "   \"priority_rank\": 1},"
                     "  {\"name\": \"TIER_2A\", \"when\": \"x > 2\","
                     "   \"priority_rank\": 2}%s],"
                     " \"default_tier\": {\"name\": \"STANDARD\","
                     "   \"priority_rank\": 99}}", feature,
                     wide ? ", {\"name\": \"TIER_3\", \"when\": "
                            "\"x < -99999998 OR x = 99999999\","
                            " \"priority_rank\": 3}"
                          : "");
            tg_rules *r = rules_of(json);
            check_both_modes(r, path);
            tg_rules_free(r);
        }
    }
}

/*
 * A feature whose column is also the target, the split or the
 * contacted_date (by its name or an alias): the general reader reads
 * the column both ways (a date or a split name is no number). The fast
 * path once read it only in its other role.
 */
static void test_fast_path_leaves_shared_columns_to_the_reader(void **state)
{
    (void)state;
    static const struct {
        const char *feature, *when, *csv;
        int bad; /* rows the reference refuses */
    } cases[] = {
        {"{\"name\": \"target\"}", "target = 1",
         "target,split\n1,TRAIN\n0,TRAIN\n1,TEST\n,TEST\n", 0},
        {"{\"name\": \"x\", \"aliases\": [\"target\"]}", "x = 1",
         "target,split\n1,TRAIN\n0,TRAIN\n1,TEST\n,TEST\n", 0},
        {"{\"name\": \"x\", \"aliases\": [\"split\"]}", "x = 1",
         "split,target\nTRAIN,1\nTEST,0\n", 2},
        {"{\"name\": \"contacted_date\"}", "contacted_date = 1",
         "contacted_date,target,split\n2025-03-04,1,TRAIN\n,0,TEST\n", 1},
        {"{\"name\": \"x\", \"aliases\": [\"contacted_date\"]}", "x = 1",
         "contacted_date,target\n2025-03-04,1\n2024-05-06,0\n", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 "{\"model_id\": \"m\", \"model_version\": \"v1\","
                 " \"features\": [%s], \"tiers\": ["
                 "  {\"name\": \"TIER_1A\", \"when\": \"%s\","
                 "   \"priority_rank\": 1}],"
                 " \"default_tier\": {\"name\": \"STANDARD\","
                 "   \"priority_rank\": 99}}", cases[i].feature, cases[i].when);
        tg_rules *r = rules_of(json);
        const char *path = tt_write("shared.csv", cases[i].csv);
        check_both_modes(r, path);
        int rc;
        uint64_t skipped;
        reference(r, path, TG_BAD_ROW_SKIP, &rc, &skipped);
        assert_int_equal(rc, TG_OK);
        assert_int_equal(skipped, cases[i].bad);
        tg_rules_free(r);
    }
}

/*
 * A feature with more than 127 distinct values in its conditions has
 * more than 255 regions: the fast path's lookup array once kept them in
 * a byte, so x = 150 read as region 44 (the region of x = 22) and took
 * TIER_1A's place. Every value 0..259 here, each in its own region.
 */
static void test_fast_path_with_hundreds_of_cuts(void **state)
{
    (void)state;
    text_buf json = {0}, csv = {0};
    char v[32];
    puts_(&json, "{\"model_id\": \"m\", \"model_version\": \"v1\","
                 " \"features\": [\"x\"], \"tiers\": ["
                 "  {\"name\": \"TIER_1A\", \"priority_rank\": 1, \"when\": \"x IN (");
    for (int i = 1; i <= 100; i++) {
        snprintf(v, sizeof v, "%s%d", i > 1 ? ", " : "", i);
        puts_(&json, v);
    }
    puts_(&json, ")\"}, {\"name\": \"TIER_2A\", \"priority_rank\": 2,"
                 " \"when\": \"x IN (");
    for (int i = 101; i <= 200; i++) {
        snprintf(v, sizeof v, "%s%d", i > 101 ? ", " : "", i);
        puts_(&json, v);
    }
    puts_(&json, ")\"}], \"default_tier\": {\"name\": \"STANDARD\","
                 " \"priority_rank\": 99}}");
    puts_(&csv, "x,target,split\n");
    for (int i = 0; i < 260; i++) {
        snprintf(v, sizeof v, "%d,%d,TRAIN\n", i, i % 2);
        puts_(&csv, v);
    }
    tg_rules *r = rules_of(json.p);
    char path[1024];
    snprintf(path, sizeof path, "%s", tt_write("cuts.csv", csv.p));
    check_both_modes(r, path);
    /* The oracle: 100 values in each IN list, 60 in neither. */
    scan_result ref;
    scan_with(&ref, r, path, "none", 1, TG_BAD_ROW_ERROR);
    assert_int_equal(ref.rc, TG_OK);
    const tg_count *train = &ref.t.cells[TG_SPLIT_TRAIN * ref.t.ntiers];
    assert_int_equal(train[0].leads, 100);
    assert_int_equal(train[1].leads, 100);
    assert_int_equal(train[2].leads, 60);
    tg_tally_release(&ref.t);
    tg_rules_free(r);
    free(json.p);
    free(csv.p);
}

/*
 * A byte order mark before the header, on a file large enough to be
 * split into ranges: the header read for the ranges once kept the mark
 * in the first column's name, so a feature named there was "missing"
 * on 2 or 3 threads and found on one.
 */
static void test_byte_order_mark_on_every_thread_count(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    text_buf b = {0};
    puts_(&b, "\xEF\xBB\xBF" "current_firm_tenure_months,industry_tenure_months,"
              "firm_net_change_12mo,firm_rep_count_at_contact,"
              "num_prior_firms,is_wirehouse,target,split\n");
    unsigned seed = 17;
    for (int i = 0; i < 3000; i++) {
        char line[128];
        snprintf(line, sizeof line, "%d,%d,%d,%d,%d,%s,%d,%s\n",
                 (int)(rand_r(&seed) % 70), (int)(rand_r(&seed) % 400),
                 (int)(rand_r(&seed) % 40) - 20, 1 + (int)(rand_r(&seed) % 200),
                 (int)(rand_r(&seed) % 6), rand_r(&seed) % 2 ? "true" : "0",
                 (int)(rand_r(&seed) % 2), rand_r(&seed) % 3 ? "TRAIN" : "TEST");
        puts_(&b, line);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s", tt_write("bom.csv", b.p));
    check_both_modes(r, path);
    scan_result ref;
    scan_with(&ref, r, path, "none", 1, TG_BAD_ROW_ERROR);
    assert_tg_ok(ref.rc);
    assert_int_equal(ref.t.rows, 3000);
    tg_tally_release(&ref.t);
    free(b.p);
    tg_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listers_agree_on_plain_rows),
        cmocka_unit_test(test_listers_agree_on_odd_rows_skipped),
        cmocka_unit_test(test_listers_agree_on_the_first_error),
        cmocka_unit_test(test_listers_agree_at_the_end_of_input),
        cmocka_unit_test(test_select_refuses_unknown_names),
        cmocka_unit_test(test_fast_dates_match_the_general_parser),
        cmocka_unit_test(test_fast_split_names_match_the_general_parser),
        cmocka_unit_test(test_fast_integers_match_the_general_parser),
        cmocka_unit_test(test_fast_path_takes_booleans_only_as_written),
        cmocka_unit_test(test_fast_path_holds_every_declared_range),
        cmocka_unit_test(test_fast_path_leaves_shared_columns_to_the_reader),
        cmocka_unit_test(test_fast_path_with_hundreds_of_cuts),
        cmocka_unit_test(test_byte_order_mark_on_every_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
