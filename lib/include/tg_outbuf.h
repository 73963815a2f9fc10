/*
 * Output written from one large buffer: bytes are appended with memcpy
 * and go out one write per full buffer, so that writing millions of rows
 * costs what copying them costs, not one stdio call per field. Also the
 * value texts every writer of rows needs, appended to such a buffer:
 * CSV fields (quoted when they must be), JSON strings and numbers.
 */
#ifndef TG_OUTBUF_H
#define TG_OUTBUF_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * A buffer in front of a FILE (whose own stdio buffer is then mostly
 * bypassed: fwrite of a whole buffer goes straight to write(2)), or, with
 * no FILE, a buffer that grows in memory. A failed write or allocation
 * is remembered (err, an errno value) and nothing more is written: the
 * caller checks once, at the end.
 */
typedef struct {
    char *buf;
    size_t len, cap;
    FILE *f;  /* where full buffers go; NULL: grow in memory */
    int err;  /* errno of the first failure, or 0 */
} tg_outbuf;

/** The usual size of an output's buffer: 1 MiB. */
#define TG_OUTBUF_SIZE ((size_t)1 << 20)

/** A buffer of cap bytes in front of f (or growing, when f is NULL).
 * Returns 0, or -1 when out of memory. */
int tg_outbuf_init(tg_outbuf *o, FILE *f, size_t cap);
void tg_outbuf_free(tg_outbuf *o);
/** What is buffered, to the file (and fflush of the file); 0 or -1. */
int tg_outbuf_flush(tg_outbuf *o);
/** Room for n more bytes at buf + len, flushing or growing first; NULL
 * when the buffer cannot hold n bytes (then append in pieces). */
char *tg_outbuf_reserve(tg_outbuf *o, size_t n);

void tg_outbuf_put_slow(tg_outbuf *o, const void *s, size_t n);

static inline void tg_outbuf_put(tg_outbuf *o, const void *s, size_t n)
{
    if (n <= o->cap - o->len) {
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    } else {
        tg_outbuf_put_slow(o, s, n);
    }
}

static inline void tg_outbuf_putc(tg_outbuf *o, char c)
{
    if (o->len < o->cap)
        o->buf[o->len++] = c;
    else
        tg_outbuf_put_slow(o, &c, 1);
}

/** A CSV field: as is, or quoted (quotes doubled) when it holds a comma,
 * a quote, a CR or an LF. */
void tg_outbuf_csv_text(tg_outbuf *o, const char *s, size_t n);
/** A JSON string: quoted, with ", \, and control bytes escaped; other
 * bytes (UTF-8 included) as they are. */
void tg_outbuf_json_text(tg_outbuf *o, const char *s, size_t n);
/** tg_fmt_number's text of a finite v (integers without a call to
 * snprintf). */
void tg_outbuf_number(tg_outbuf *o, double v);
/** The text of round(v / 12 * 10^d) / 10^d (d is 0 or 1: months to
 * years, rounded half away from zero as BigQuery's ROUND does), as
 * tg_fmt_number writes it. Returns -1, writing nothing, when that is not
 * a finite number (v NaN: a NULL). */
int tg_outbuf_years(tg_outbuf *o, double v, int d);

/** Shortest decimal text that reads back as v ("0.15", "3.5"); no
 * exponent below 1e15; "" for NaN or an infinity. */
char *tg_fmt_number(double v, char buf[32]);

#endif
