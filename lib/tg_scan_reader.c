/*
 * The row reader: the files of one table, one after the other, as a
 * stream of validated rows (for the commands that need each row, not
 * only the tally), and the check that no file is given twice.
 */
#include "tg_scan_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tg_scan_dates.h"

struct tg_reader {
    const tg_rules *rules;
    tg_scan_options opts;
    tg_date_config dates;
    int have_dates;
    int next_path;
    tg_source src;
    int open;
    uint64_t skipped;
    uint64_t skipped_by[TG_SKIP_NREASONS];
    uint64_t *oor;               /* per feature, of the files closed */
    tg_error first_skip;
    tg_progress_state progress; /* used when opts.progress is set */
    uint64_t unreported;        /* rows not yet added to it */
};

int tg_scan_check_inputs(const tg_scan_options *o, tg_error *err)
{
    int stdin_seen = 0;
    struct stat *st = calloc((size_t)o->npaths, sizeof *st);
    if (!st)
        return tg_error_oom(err, NULL);
    int rc = TG_OK;
    for (int i = 0; i < o->npaths && rc == TG_OK; i++) {
        if (strcmp(o->paths[i], "-") == 0) {
            if (stdin_seen++)
                rc = tg_error_set(err, TG_EINVAL, o->paths[i], 0, 0,
                                  "standard input given twice as data");
            continue;
        }
        if (stat(o->paths[i], &st[i]) != 0)
            continue; /* reported when it is opened */
        for (int j = 0; j < i; j++)
            if (strcmp(o->paths[j], "-") != 0 && st[j].st_ino == st[i].st_ino &&
                st[j].st_dev == st[i].st_dev && st[i].st_ino != 0) {
                rc = tg_error_set(err, TG_EINVAL, o->paths[i], 0, 0,
                                  "the same file as '%s', given twice: its "
                                  "rows would be counted twice", o->paths[j]);
                break;
            }
    }
    free(st);
    return rc;
}
int tg_reader_open(tg_reader **out, const tg_rules *rules,
                   const tg_scan_options *opts, tg_error *err)
{
    *out = NULL;
    if (opts->npaths < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no data file given");
    tg_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return tg_error_oom(err, NULL);
    rd->rules = rules;
    rd->opts = *opts;
    tg_error_clear(&rd->first_skip);
    if (!(rd->oor = calloc((size_t)rules->nfeatures + 1, sizeof *rd->oor))) {
        free(rd);
        return tg_error_oom(err, NULL);
    }
    int rc = tg_scan_check_inputs(opts, err);
    if (rc == TG_OK)
        rc = tg_scan_load_dates(opts, &rd->dates, &rd->have_dates, err);
    if (rc) {
        free(rd->oor);
        free(rd);
        return rc;
    }
    /* Rows only: the row reader does not see the bytes it parses. */
    if (opts->progress &&
        tg_progress_start(&rd->progress, opts->progress, opts->progress_ctx,
                          0) != 0)
        rd->opts.progress = NULL;
    *out = rd;
    return TG_OK;
}

int tg_reader_next(tg_reader *rd, const tg_row **row, tg_error *err)
{
    for (;;) {
        if (!rd->open) {
            if (rd->next_path >= rd->opts.npaths)
                return 0;
            const char *p = rd->opts.paths[rd->next_path++];
            int rc = tg_csv_open(&rd->src.csv, p, err);
            if (rc == TG_OK)
                rc = tg_source_open_header(&rd->src, rd->rules,
                                           rd->have_dates ? &rd->dates : NULL,
                                           err);
            if (rc) {
                tg_source_close(&rd->src);
                return rc;
            }
            rd->open = 1;
        }
        int rc = tg_source_next(&rd->src,
                                rd->opts.on_bad_row == TG_BAD_ROW_SKIP,
                                &rd->skipped, rd->skipped_by, &rd->first_skip,
                                err);
        if (rc == 1) {
            *row = &rd->src.row;
            if (rd->opts.progress && ++rd->unreported == 4096) {
                tg_progress_add(&rd->progress, rd->unreported, 0);
                rd->unreported = 0;
            }
            return 1;
        }
        if (rc < 0)
            return rc;
        for (int f = 0; f < rd->rules->nfeatures; f++)
            rd->oor[f] += rd->src.oor[f];
        tg_source_close(&rd->src);
        rd->open = 0;
    }
}

tg_csv *tg_reader_csv(tg_reader *rd)
{
    return rd->src.csv;
}

const tg_schema *tg_reader_schema(const tg_reader *rd)
{
    return &rd->src.schema;
}

int tg_reader_file_index(const tg_reader *rd)
{
    return rd->next_path - 1;
}

uint64_t tg_reader_skipped(const tg_reader *rd, tg_error *first)
{
    if (first)
        *first = rd->first_skip;
    return rd->skipped;
}

uint64_t tg_reader_out_of_range(const tg_reader *rd, int feature)
{
    if (feature < 0 || feature >= rd->rules->nfeatures)
        return 0;
    return rd->oor[feature] +
           (rd->open && rd->src.oor ? rd->src.oor[feature] : 0);
}

uint64_t tg_reader_skipped_by(const tg_reader *rd, int reason)
{
    return reason >= 0 && reason < TG_SKIP_NREASONS ? rd->skipped_by[reason]
                                                    : 0;
}

void tg_reader_free(tg_reader *rd)
{
    if (!rd)
        return;
    tg_source_close(&rd->src);
    if (rd->opts.progress)
        tg_progress_end(&rd->progress);
    free(rd->oor);
    free(rd);
}
