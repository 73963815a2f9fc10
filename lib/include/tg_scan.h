/*
 * Reading feature exports: binding a header to the rule set's features
 * (by name or alias, any case, any order), parsing each row with SQL's
 * NULL and boolean conventions, assigning its tier and split, and
 * tallying. Memory does not depend on the number of rows.
 */
#ifndef TG_SCAN_H
#define TG_SCAN_H

/* Scan threads at most: past this, more threads only contend for the
 * memory bus and the reader (the command line refuses more). */
#define TG_SCAN_MAX_THREADS 16

#include <stdint.h>

#include "tg_csv.h"
#include "tg_error.h"
#include "tg_rules.h"
#include "tg_tally.h"

/** Which columns of a header hold what the rules need. */
typedef struct {
    int ncols;
    char **header;         /* the header's names (owned copies) */
    int *feature_col;      /* per feature, -1 when absent */
    int target_col;        /* -1 when absent */
    int split_col;         /* -1 when absent */
    int date_col;          /* contacted_date, -1 when absent */
    int lead_id_col;       /* -1 when absent */
} tg_schema;

/**
 * Bind the header record that csv holds now. Fails only on a duplicate
 * column; missing columns are left at -1 for the caller to judge.
 */
int tg_schema_bind(tg_schema *s, const tg_rules *rules, tg_csv *csv,
                   tg_error *err);
void tg_schema_release(tg_schema *s);

/** Bind a header given as names (for a second rule set on the same file). */
int tg_schema_bind_names(tg_schema *s, const tg_rules *rules,
                         char *const *names, int ncols, tg_error *err);

/**
 * Parse the features of rules from the current record of csv, bound by
 * sc, into values (NAN for NULL or unbound). A bad value is TG_EINVAL
 * with its position.
 */
int tg_parse_features(const tg_rules *rules, const tg_schema *sc,
                      tg_csv *csv, double *values, tg_error *err);

/** Train/test date windows from registry/date_config.json. */
typedef struct {
    int train_start, train_end, test_start, test_end; /* yyyymmdd */
} tg_date_config;

int tg_date_config_load(tg_date_config *out, const char *path, tg_error *err);

typedef enum { TG_BAD_ROW_ERROR = 0, TG_BAD_ROW_SKIP = 1 } tg_bad_row;

/**
 * How far a scan has come, for a progress display. bytes counts the CSV
 * text parsed on the fast path (simple records); total_bytes is the size
 * of the plain files, 0 when unknown (standard input, gzip), in which
 * case no share or ETA can be given.
 */
typedef struct {
    uint64_t rows;        /* rows read so far */
    uint64_t bytes;       /* bytes of CSV text parsed so far */
    uint64_t total_bytes; /* bytes to parse in all, 0 when unknown */
    double seconds;       /* since the scan started */
    int done;             /* the last call: the scan has ended */
} tg_scan_progress;

/**
 * Called about four times a second during a scan, from whichever scan
 * thread, never two at a time; and once more with done = 1 at the end
 * of a scan that reported at least once. It must not call back into
 * the scan.
 */
typedef void (*tg_scan_progress_fn)(void *ctx, const tg_scan_progress *p);

typedef struct {
    const char *const *paths;   /* one or more files ("-" = stdin) */
    int npaths;
    const char *date_config;    /* used when a file has no split column */
    tg_bad_row on_bad_row;
    int threads;                /* 0: as many as useful, up to 2 per file;
                                   at most TG_SCAN_MAX_THREADS */
    int fingerprint;            /* compute the SHA-256 of the input bytes
                                   (beside the scan when threads > 1) */
    uint64_t min_range;         /* bytes per thread below which a file is
                                   not split; 0 = 16 MiB (tests lower it) */
    tg_scan_progress_fn progress; /* NULL: no progress reports */
    void *progress_ctx;
} tg_scan_options;

#define TG_SCAN_OPTIONS_INIT                                                   \
    {NULL, 0, NULL, TG_BAD_ROW_ERROR, 0, 0, 0, NULL, NULL}

/** One parsed row, as the row reader hands it out. */
typedef struct {
    double *values;      /* per feature, NAN for NULL or unbound */
    int target;          /* 0, 1, or -1 for NULL */
    int split;           /* TG_SPLIT_TRAIN, _TEST or _OTHER */
    int date;            /* yyyymmdd, 0 when NULL or absent */
    int tier;            /* assigned tier */
    const char *split_value; /* the split column's bytes (NULL without one) */
    size_t split_len;
} tg_row;

typedef struct tg_reader tg_reader;

/** Open the files of opts as one table of rows. */
int tg_reader_open(tg_reader **out, const tg_rules *rules,
                   const tg_scan_options *opts, tg_error *err);
/**
 * Next row: 1 with *row filled (borrowed until the next call), 0 at the
 * end, <0 on error. Bad rows are skipped when the options say so.
 */
int tg_reader_next(tg_reader *rd, const tg_row **row, tg_error *err);
/** The CSV reader and schema of the current file (for raw fields). */
tg_csv *tg_reader_csv(tg_reader *rd);
const tg_schema *tg_reader_schema(const tg_reader *rd);
/** Which file (0-based) the last row came from. */
int tg_reader_file_index(const tg_reader *rd);
/** Rows skipped as bad so far, and the first such error. */
uint64_t tg_reader_skipped(const tg_reader *rd, tg_error *first);
/** Values kept outside feature's declared range ("out_of_range": "warn"). */
uint64_t tg_reader_out_of_range(const tg_reader *rd, int feature);
/** Rows skipped so far for one tg_skip_reason. */
uint64_t tg_reader_skipped_by(const tg_reader *rd, int reason);
void tg_reader_free(tg_reader *rd);

/**
 * Scan every file of opts into t (initialised with tg_tally_init for
 * the same rules). Rows skipped as bad are counted in t->skipped and
 * the first one's error is copied to first_skip (may be NULL).
 */
int tg_scan(tg_tally *t, const tg_rules *rules, const tg_scan_options *opts,
            tg_error *first_skip, tg_error *err);

/**
 * How the scan's fast path finds separators: "avx512", "avx2", "sse2"
 * or "portable" (the reference), or "none" for no fast path at all (every
 * record through the general reader). All give the same tallies and
 * messages; the fastest the processor runs is used unless select picks
 * another, for the tests and benchmarks that compare them. select
 * returns 0, or -1 when the name is unknown or this processor lacks it
 * ("auto" or NULL goes back to the fastest). Call it before a scan
 * starts, not during one.
 */
int tg_scan_simd_select(const char *name);
const char *tg_scan_simd_name(void);

/**
 * Set t->input_sha256 to the SHA-256 of the files' bytes, in order (""
 * when one is standard input or not a regular file, such as a pipe).
 */
int tg_scan_fingerprint(tg_tally *t, const tg_scan_options *opts,
                        tg_error *err);

/**
 * The same fingerprint computed beside other work: start reads and hashes
 * the files on a thread of its own when background is set (else finish
 * does it); paths must stay valid until finish or cancel. finish waits,
 * writes the digest ("" as above) and frees fp; cancel stops the thread
 * between blocks and frees fp (NULL is accepted). Memory: one block.
 */
typedef struct tg_fingerprint tg_fingerprint;
int tg_fingerprint_start(tg_fingerprint **out, const char *const *paths,
                         int npaths, int background, tg_error *err);
int tg_fingerprint_finish(tg_fingerprint *fp, char hex[65], tg_error *err);
void tg_fingerprint_cancel(tg_fingerprint *fp);

/** What `check-schema` reports: where each feature was found. */
typedef struct {
    char *column;          /* header name it was found as, NULL if missing */
    int used;              /* some tier reads it */
    uint64_t nulls;        /* empty cells */
} tg_schema_feature;

/* One kind of bad value (per reason and column), as the scan judges it. */
typedef struct {
    int reason;            /* tg_skip_reason */
    int column;            /* header column, -1 for the field count */
    char what[200];        /* e.g. "bad values in column 'is_wirehouse'" */
    uint64_t count;        /* rows with it (the first problem of a row) */
    tg_error first;        /* where it first occurs, with its message */
} tg_schema_problem;

typedef struct {
    int nfeatures;
    tg_schema_feature *features;
    uint64_t rows;
    int has_target, has_split, has_date;
    uint64_t target_nulls;
    int missing;           /* used features missing from some file */
    char *missing_file;    /* the first file that lacks one */
    tg_schema_problem *problems; /* rows preview would refuse */
    int nproblems;
    uint64_t bad_rows;     /* rows with at least one problem */
} tg_schema_report;

/**
 * Read the headers of the files and, when every feature the rules use
 * is there, count NULLs per column over all rows and validate every row
 * with the scan's own validator: each kind of bad value is counted with
 * its first file:line:column in out->problems. Errors that stop a scan
 * before any row (a directory, the same file twice, no split column and
 * no date config) are returned as errors.
 */
int tg_schema_check(tg_schema_report *out, const tg_rules *rules,
                    const char *const *paths, int npaths,
                    const char *date_config, tg_error *err);
void tg_schema_report_release(tg_schema_report *r);

#endif
