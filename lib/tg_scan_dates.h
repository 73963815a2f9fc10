/*
 * Dates and splits for the scan (internal to libtiergate): which split a
 * row belongs to, from its split column or else from its contacted_date
 * and the date windows of a date config. Inline: the fast path runs them
 * on every plain row. Loading the config is in tg_scan_dates.c.
 */
#ifndef TG_SCAN_DATES_H
#define TG_SCAN_DATES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "tg_scan.h"
#include "tg_util.h"

/* The split a split column's value names (TRAIN, TEST, any case). */
static inline int tg_split_of_name(const char *f, size_t len)
{
    if (len == 5 && memcmp(f, "TRAIN", 5) == 0)
        return TG_SPLIT_TRAIN;
    if (len == 4 && memcmp(f, "TEST", 4) == 0)
        return TG_SPLIT_TEST;
    if (len == 5 && strncasecmp(f, "TRAIN", 5) == 0)
        return TG_SPLIT_TRAIN;
    if (len == 4 && strncasecmp(f, "TEST", 4) == 0)
        return TG_SPLIT_TEST;
    return TG_SPLIT_OTHER;
}

/* yyyymmdd of an ISO date; the common exact form inline, the rest
 * (timestamps, invalid dates) through tg_parse_date. */
static inline int tg_date_of(const char *f, size_t len)
{
    if (len == 10 && f[4] == '-' && f[7] == '-') {
        unsigned y = (unsigned)(f[0] - '0') * 1000 + (unsigned)(f[1] - '0') * 100 +
                     (unsigned)(f[2] - '0') * 10 + (unsigned)(f[3] - '0');
        unsigned m = (unsigned)(f[5] - '0') * 10 + (unsigned)(f[6] - '0');
        unsigned d = (unsigned)(f[8] - '0') * 10 + (unsigned)(f[9] - '0');
        unsigned bad = 0;
        for (int k = 0; k < 10; k++)
            bad |= (k != 4 && k != 7) & ((unsigned)(f[k] - '0') > 9);
        if (!bad && m >= 1 && m <= 12 && d >= 1 && d <= 28 && y >= 1000)
            return (int)(y * 10000 + m * 100 + d);
    }
    return tg_parse_date(f, len);
}

/* tg_split_of_name for a field followed by at least 8 readable bytes
 * (the CSV buffer's slack: the fast path). The exact upper-case words are compared as integers without a branch
 * between them: which of the two comes next is a coin toss. */
static inline int tg_split_of_name_padded(const char *f, size_t len)
{
    uint64_t w;
    memcpy(&w, f, 8);
    int train = (len == 5) & ((w & 0xFFFFFFFFFFULL) == 0x4E49415254ULL);
    int test = (len == 4) & ((w & 0xFFFFFFFFULL) == 0x54534554ULL);
    if (train | test)
        return test ? TG_SPLIT_TEST : TG_SPLIT_TRAIN;
    if (len == 5 && strncasecmp(f, "TRAIN", 5) == 0)
        return TG_SPLIT_TRAIN;
    if (len == 4 && strncasecmp(f, "TEST", 4) == 0)
        return TG_SPLIT_TEST;
    return TG_SPLIT_OTHER;
}

/* tg_date_of for a field followed by at least 8 readable bytes (the
 * fast path): the exact form inline, the rest (timestamps, invalid
 * dates) through tg_parse_date, whose rules these are (tests/test_scan_simd.c compares the two on every date). The
 * eight bytes "YYYY-MM-" are checked at once, as in tg_swar_digits. */
static inline int tg_date_of_padded(const char *f, size_t len)
{
    static const unsigned char mdays[13] = {0,  31, 29, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    const uint64_t dashes = 0xFF0000FF00000000ULL;
    uint64_t x;
    memcpy(&x, f, 8);
    if (len == 10 && (x & dashes) == 0x2D00002D00000000ULL) {
        uint64_t g = (x & ~dashes) | 0x3000003000000000ULL;
        unsigned d0 = (unsigned)(unsigned char)f[8] - '0';
        unsigned d1 = (unsigned)(unsigned char)f[9] - '0';
        if ((g & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL &&
            ((g + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ==
                0x3030303030303030ULL &&
            d0 <= 9 && d1 <= 9) {
            g -= 0x3030303030303030ULL;
            unsigned y = (unsigned)(g & 0xFF) * 1000 +
                         (unsigned)(g >> 8 & 0xFF) * 100 +
                         (unsigned)(g >> 16 & 0xFF) * 10 +
                         (unsigned)(g >> 24 & 0xFF);
            unsigned m = (unsigned)(g >> 40 & 0xFF) * 10 +
                         (unsigned)(g >> 48 & 0xFF);
            unsigned d = d0 * 10 + d1;
            if (m - 1 < 12 && d - 1 < mdays[m] && y >= 1000 &&
                (d != 29 || m != 2 || (y % 4 == 0 && y % 100 != 0) ||
                 y % 400 == 0))
                return (int)(y * 10000 + m * 100 + d);
            return 0;
        }
    }
    return tg_parse_date(f, len);
}

/* The split of a row without a split column: TRAIN or TEST when its date
 * (yyyymmdd, 0 when NULL) lies in that window, else OTHER. */
static inline int tg_split_of_date(const tg_date_config *dc, int date)
{
    return date >= dc->train_start && date <= dc->train_end ? TG_SPLIT_TRAIN
         : date >= dc->test_start && date <= dc->test_end    ? TG_SPLIT_TEST
                                                             : TG_SPLIT_OTHER;
}

/* The date config of o (none without o->date_config: *have = 0). */
int tg_scan_load_dates(const tg_scan_options *o, tg_date_config *d, int *have,
                       tg_error *err);

#endif
