/*
 * Dates and splits for the scan (internal to libtiergate): which split a
 * row belongs to, from its split column or else from its contacted_date
 * and the date windows of a date config. Inline: the fast path runs them
 * on every plain row. Loading the config is in tg_scan_dates.c.
 */
#ifndef TG_SCAN_DATES_H
#define TG_SCAN_DATES_H

#include <stddef.h>
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
