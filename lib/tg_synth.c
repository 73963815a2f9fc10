/*
 * Synthetic leads. Features are drawn from simple mixtures, with the
 * correlations that make the brief's tiers non-empty (small firms bleed
 * more often, industry tenure covers firm tenure). A lead converts with
 * the highest rate among the signals it carries, else a base rate: this
 * reproduces the brief's signal rates (1-3 years tenure 15.8%, short
 * tenure at a bleeding firm 14.4%,
 * 1-10 reps 14.6%, 3+ prior firms 10.5%, net change -10..-1 11%, below
 * -10 10.2%, under 1 year 3.9%) without stacking signals into
 * implausible rates. TEST converts 4.16/3.66 times as often as TRAIN.
 */
#define _GNU_SOURCE /* fopencookie */
#include "tg_synth.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

/* Rates per signal, tuned so that the realized marginals match. */
#define R_TENURE_1_3Y 0.149
#define R_SHORT_BLEED 0.138  /* tenure 1-4 years at a bleeding firm */
#define R_SMALL_FIRM 0.122
#define R_PRIOR_3 0.096
#define R_MODERATE_BLEED 0.082
#define R_HEAVY_BLEED 0.092
#define R_UNDER_1Y 0.029
#define R_BASE 0.0075
/* Weaker neighbours of the tiers' signals, so that looser thresholds
 * (firm size <= 100, tenure 1-4 years, 2+ prior firms) add leads that
 * convert between a tier's rate and the baseline, as the brief expects
 * when it suggests loosening: 1-3 years at a small bleeding firm is
 * worth more than 1-3 years anywhere, two prior firms less than three. */
#define R_PRIOR_2 0.045
/* Small firms (<= 50 reps): share bleeding 1-10 reps, share of advisors
 * who joined 1-3 and 3-4 years ago. */
#define SMALL_BLEED 0.33
#define SMALL_RECENT 0.30
#define SMALL_MID 0.10
/* Firms of 51-100 reps: between small and large on each share. */
#define MIDSIZE_BLEED 0.14
#define MIDSIZE_RECENT 0.12
#define MIDSIZE_MID 0.06
#define TEST_FACTOR (4.16 / 3.66)
#define NULL_RATE 0.02
#define UNLABELED_RATE 0.015

uint64_t tg_synth_train_rows(uint64_t rows)
{
    return (rows * 30727 + 48472 / 2) / 48472;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static long uniform_int(gsl_rng *r, long lo, long hi)
{
    return lo + (long)gsl_rng_uniform_int(r, (unsigned long)(hi - lo + 1));
}

/* Small output buffer: fprintf per field would dominate 10M rows. */
typedef struct {
    FILE *f;
    char buf[1 << 16];
    size_t n;
    int failed;
} out_buf;

static void ob_flush(out_buf *o)
{
    if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
        o->failed = 1;
    o->n = 0;
}

static void ob_str(out_buf *o, const char *s, size_t len)
{
    if (o->n + len > sizeof o->buf)
        ob_flush(o);
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

static void ob_int(out_buf *o, long v)
{
    char tmp[24];
    int i = 24, neg = v < 0;
    unsigned long u = neg ? (unsigned long)(-v) : (unsigned long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        tmp[--i] = '-';
    ob_str(o, tmp + i, (size_t)(24 - i));
}

/* A feature value or, a few percent of the time, NULL (empty). */
static void ob_feature(out_buf *o, gsl_rng *r, long v)
{
    if (gsl_rng_uniform(r) >= NULL_RATE)
        ob_int(o, v);
    ob_str(o, ",", 1);
}

int tg_synth_write(FILE *out, const tg_synth_options *opts, tg_error *err)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    /* Draws added later (mid-size firms) come from a second stream, so
     * the leads they do not concern keep their values for a seed. */
    gsl_rng *side = gsl_rng_alloc(gsl_rng_mt19937);
    out_buf *ob = calloc(1, sizeof *ob);
    if (!r || !side || !ob) {
        gsl_rng_free(r);
        gsl_rng_free(side);
        free(ob);
        return tg_error_set(err, TG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    gsl_rng_set(r, opts->seed);
    gsl_rng_set(side, opts->seed ^ 0x5eedUL);
    ob->f = out;
#define o (*ob)
    static const char header[] =
        "lead_id,advisor_crd,contacted_date,current_firm_tenure_months,"
        "industry_tenure_months,firm_net_change_12mo,"
        "firm_rep_count_at_contact,num_prior_firms,is_wirehouse,target,"
        "split\n";
    ob_str(&o, header, sizeof header - 1);
    uint64_t ntrain = tg_synth_train_rows(opts->rows);
    long train0 = days_from_civil(2024, 2, 1), train1 = days_from_civil(2025, 7, 3);
    long test0 = days_from_civil(2025, 7, 4), test1 = days_from_civil(2025, 12, 31);

    for (uint64_t i = 0; i < opts->rows; i++) {
        int train = i < ntrain;
        int wh = gsl_rng_uniform(r) < 0.20;
        long reps, change, tenure, industry, prior;
        double u = gsl_rng_uniform(r);
        if (wh)
            reps = 2000 + (long)gsl_ran_exponential(r, 8000);
        else
            reps = u < 0.055 ? uniform_int(r, 1, 10)
                 : u < 0.19 ? uniform_int(r, 11, 50)
                 : u < 0.30 ? uniform_int(r, 51, 100)
                 : u < 0.62 ? uniform_int(r, 101, 500)
                            : uniform_int(r, 501, 5000);
        /* Small firms bleed more often, and more of their advisors
         * joined recently (breakaways): that is where Tier 1A lives. */
        int small = !wh && reps <= 50;
        int midsize = !wh && reps > 50 && reps <= 100;
        u = gsl_rng_uniform(r);
        if (small)
            change = u < SMALL_BLEED ? uniform_int(r, -10, -1)
                   : u < SMALL_BLEED + 0.005 ? uniform_int(r, -20, -11)
                   : u < 0.55 ? 0 : uniform_int(r, 1, 5);
        else
            change = u < 0.025 ? uniform_int(r, -10, -1)
                   : u < 0.037 ? uniform_int(r, -80, -11)
                   : u < 0.45 ? 0 : uniform_int(r, 1, 30);
        if (midsize) {
            /* From the side stream: the main stream keeps its place, so
             * every other lead is drawn as before. */
            double w = gsl_rng_uniform(side);
            change = w < MIDSIZE_BLEED ? uniform_int(side, -10, -1)
                   : w < MIDSIZE_BLEED + 0.01 ? uniform_int(side, -30, -11)
                   : w < 0.50 ? 0 : uniform_int(side, 1, 15);
        }
        u = gsl_rng_uniform(r);
        double recent = small ? SMALL_RECENT : midsize ? MIDSIZE_RECENT : 0.035;
        double mid = small ? SMALL_MID : midsize ? MIDSIZE_MID : 0.045;
        tenure = u < 0.20 ? uniform_int(r, 0, 11)
               : u < 0.20 + recent ? uniform_int(r, 12, 36)
               : u < 0.20 + recent + mid ? uniform_int(r, 37, 48)
                                         : uniform_int(r, 49, 360);
        u = gsl_rng_uniform(r);
        industry = u < 0.25 ? uniform_int(r, 0, 59)
                 : u < 0.70 ? uniform_int(r, 60, 180)
                 : u < 0.84 ? uniform_int(r, 181, 239)
                            : uniform_int(r, 240, 480);
        if (industry < tenure)
            industry = tenure;
        u = gsl_rng_uniform(r);
        prior = u < 0.35 ? 0 : u < 0.79 ? 1 : u < 0.97 ? 2 : uniform_int(r, 3, 7);

        double p = R_BASE;
#define SIGNAL(cond, rate)                                                    \
    if ((cond) && (rate) > p)                                                  \
    p = (rate)
        SIGNAL(tenure >= 12 && tenure <= 36, R_TENURE_1_3Y);
        SIGNAL(tenure >= 12 && tenure <= 48 && change < 0, R_SHORT_BLEED);
        SIGNAL(reps <= 10, R_SMALL_FIRM);
        SIGNAL(prior >= 3, R_PRIOR_3);
        SIGNAL(change >= -10 && change <= -1, R_MODERATE_BLEED);
        SIGNAL(change < -10, R_HEAVY_BLEED);
        SIGNAL(tenure < 12, R_UNDER_1Y);
        SIGNAL(prior == 2, R_PRIOR_2);
#undef SIGNAL
        if (!train)
            p *= TEST_FACTOR;
        int converted = gsl_rng_uniform(r) < p;
        int labeled = gsl_rng_uniform(r) >= UNLABELED_RATE;

        long day = train ? uniform_int(r, train0, train1) : uniform_int(r, test0, test1);
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d,", y, m, d);

        ob_str(&o, "00Q", 3);
        char id[32];
        snprintf(id, sizeof id, "%012llu,", (unsigned long long)(i + 1));
        ob_str(&o, id, 13);
        ob_int(&o, uniform_int(r, 1000000, 7999999));
        ob_str(&o, ",", 1);
        ob_str(&o, date, 11);
        ob_feature(&o, r, tenure);
        ob_feature(&o, r, industry);
        ob_feature(&o, r, change);
        ob_feature(&o, r, reps);
        ob_feature(&o, r, prior);
        if (gsl_rng_uniform(r) >= NULL_RATE / 2)
            ob_str(&o, wh ? "true" : "false", wh ? 4 : 5);
        ob_str(&o, ",", 1);
        if (labeled)
            ob_str(&o, converted ? "1" : "0", 1);
        ob_str(&o, train ? ",TRAIN\n" : ",TEST\n", train ? 7 : 6);
        if (o.failed)
            break;
    }
    ob_flush(&o);
    int failed = o.failed;
#undef o
    gsl_rng_free(r);
    gsl_rng_free(side);
    free(ob);
    if (failed || fflush(out) != 0 || ferror(out))
        return tg_error_set(err, TG_EIO, NULL, 0, 0, "cannot write the export");
    return TG_OK;
}

/* zlib behind a FILE, so the same writer serves plain and gzip output. */
static ssize_t gz_cookie_write(void *cookie, const char *buf, size_t size)
{
    int n = gzwrite((gzFile)cookie, buf, (unsigned)size);
    return n <= 0 && size > 0 ? -1 : n;
}

static int gz_cookie_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

int tg_synth_write_file(const char *path, int gz,
                        const tg_synth_options *opts, tg_error *err)
{
    size_t tl = strlen(path) + 16;
    char *tmp = malloc(tl);
    if (!tmp)
        return tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
    snprintf(tmp, tl, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot create: %s",
                              strerror(errno));
        free(tmp);
        return rc;
    }
    FILE *f = NULL;
    if (gz) {
        gzFile z = gzdopen(fd, "wb6");
        cookie_io_functions_t io = {NULL, gz_cookie_write, NULL,
                                    gz_cookie_close};
        f = z ? fopencookie(z, "w", io) : NULL;
        if (z && !f)
            gzclose(z);
        else if (!z)
            close(fd);
    } else {
        f = fdopen(fd, "w");
        if (!f)
            close(fd);
    }
    int rc = f ? tg_synth_write(f, opts, err)
               : tg_error_set(err, TG_EIO, path, 0, 0, "cannot write");
    if (f && fclose(f) != 0 && rc == TG_OK)
        rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                          strerror(errno));
    if (rc == TG_OK && chmod(tmp, 0644) != 0)
        rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot chmod: %s",
                          strerror(errno));
    if (rc == TG_OK && rename(tmp, path) != 0)
        rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot rename: %s",
                          strerror(errno));
    if (rc != TG_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}
