/*
 * Streaming CSV reader for the files BigQuery exports: RFC 4180 quoting
 * (doubled quotes, newlines inside quotes), LF or CRLF, an optional
 * UTF-8 byte order mark, gzip-compressed or plain. Memory is bounded by
 * the longest record, never by the number of rows.
 */
#ifndef TG_CSV_H
#define TG_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "tg_error.h"

typedef struct tg_csv tg_csv;

/**
 * Open path ("-" is standard input) for reading; gzip is detected from
 * the content, not the name. The caller frees *out with tg_csv_free.
 */
int tg_csv_open(tg_csv **out, const char *path, tg_error *err);

/**
 * As tg_csv_open, but a gzip file is inflated on a thread of its own
 * while the caller parses (two cores for one file; see tg_stream.h).
 */
int tg_csv_open_pipelined(tg_csv **out, const char *path, tg_error *err);

/**
 * Read records from bytes [start, end) of the plain (not compressed)
 * file open on fd, which stays the caller's. Used to scan parts of one
 * file in parallel: start must be the beginning of a line. name is used
 * in messages; first_line is the line number at start. A UTF-8 byte
 * order mark at offset 0 is skipped, as tg_csv_open skips it.
 */
int tg_csv_open_range(tg_csv **out, const char *name, int fd, uint64_t start,
                      uint64_t end, long first_line, tg_error *err);

/** Number of '"' bytes read so far (range readers only). */
uint64_t tg_csv_quotes(const tg_csv *csv);

/** Release the reader; NULL is accepted. */
void tg_csv_free(tg_csv *csv);

/**
 * Advance to the next record. Blank lines are skipped. Returns 1 when a
 * record is available, 0 at the end of the input, a negative TG_E* code
 * on malformed or unreadable input (err names file, line, column).
 * Field pointers of the previous record become invalid.
 */
int tg_csv_next(tg_csv *csv, tg_error *err);

/** Number of fields of the current record. */
size_t tg_csv_nfields(const tg_csv *csv);

/*
 * The inside of a record, for the scan's hot loop: field i of the
 * current record is buf[spans[i].off], spans[i].len bytes long, unless
 * spans[i].escaped (then call tg_csv_field, which unescapes it).
 */
typedef struct {
    size_t off;
    size_t len;
    int escaped;
} tg_csv_span;

typedef struct {
    const char *buf;
    const tg_csv_span *spans;
    size_t nfields;
} tg_csv_record;

/** The current record's buffer and spans, valid until the next read. */
tg_csv_record tg_csv_current(const tg_csv *csv);

/*
 * Raw access for a specialised scanner that recognises simple records
 * itself and hands anything else back to tg_csv_next: it reads the
 * unconsumed bytes, reports how many whole records (bytes and lines) it
 * took, and asks for more input when a record runs past the window.
 * At least 64 readable bytes follow the window's end.
 */
/** The unconsumed bytes: *data and *len (0 when nothing is buffered). */
void tg_csv_window(const tg_csv *csv, const char **data, size_t *len);
/** Mark bytes (holding lines line ends) of the window as consumed. */
void tg_csv_consume(tg_csv *csv, size_t bytes, long lines);
/** Read more input after the window: 1 if some came, 0 at the end. */
int tg_csv_more(tg_csv *csv, tg_error *err);

/**
 * Field i of the current record, unquoted, not NUL-terminated; *len
 * receives its length. An empty field (NULL in BigQuery's exports) has
 * length 0. Returns NULL when i is out of range.
 */
const char *tg_csv_field(tg_csv *csv, size_t i, size_t *len);

/** Where field i starts: 1-based line and byte column. */
void tg_csv_field_position(const tg_csv *csv, size_t i, long *line,
                           long *column);

/** Line number on which the current record starts. */
long tg_csv_record_line(const tg_csv *csv);

/** Line number after the last record read (lines consumed so far). */
long tg_csv_lines(const tg_csv *csv);

/** Name the reader reports in messages. */
const char *tg_csv_name(const tg_csv *csv);

/** Copy the text of the current record's line holding field i (for carets). */
void tg_csv_error_context(const tg_csv *csv, size_t i, tg_error *err);

#endif
