/*
 * A byte source for the CSV reader: a plain file, standard input, or a
 * gzip stream (one or several members, as sharded BigQuery exports and
 * `cat a.gz b.gz` produce), decompressed as it is read. gzip is detected
 * from the first two bytes, never from the file name.
 *
 * Decompression uses ISA-L's igzip when tiergate was built with it (about
 * twice as fast as zlib on exports; see README) and zlib otherwise. Both
 * check every member's CRC-32 and length, and both treat bytes after the
 * last member that do not start another member as an error, so a damaged
 * or truncated export is never read as a shorter one.
 */
#ifndef TG_STREAM_H
#define TG_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tg_error.h"

typedef struct tg_stream tg_stream;

/** Inflaters a source can use. */
typedef enum {
    TG_INFLATE_BEST = 0, /* ISA-L when built with it, else zlib */
    TG_INFLATE_ZLIB,     /* always zlib (tests compare the two) */
} tg_inflater;

/**
 * Open path ("-" is standard input). err names the file on failure; a
 * missing file is TG_EINVAL (bad input), other open failures TG_EIO.
 * With pipelined set, a gzip stream is inflated by a thread of its own
 * a few blocks ahead of the reader, so that decompression and parsing
 * run on two cores; the bytes returned are the same either way.
 */
int tg_stream_open(tg_stream **out, const char *path, tg_inflater which,
                   int pipelined, tg_error *err);

/**
 * Read up to n bytes into buf: returns the number read (> 0), 0 at the
 * end of the input, or a negative TG_E* code (err names the file and,
 * for corrupt gzip, the compressed byte offset).
 */
ssize_t tg_stream_read(tg_stream *s, void *buf, size_t n, tg_error *err);

/** Whether the source is gzip-compressed (known after the first read). */
int tg_stream_is_gzip(const tg_stream *s);

/** Close; NULL is accepted. */
void tg_stream_close(tg_stream *s);

/** Name of the inflater TG_INFLATE_BEST uses ("ISA-L igzip 2.30.0" or "zlib 1.2.13"). */
const char *tg_stream_inflater_name(void);

#endif
