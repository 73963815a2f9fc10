/*
 * CSV reader. The hot loop scans unquoted fields with a byte-class
 * table and quoted ones with memchr; fields are recorded as offsets into
 * one buffer and unescaped only when asked for, so the common case (no
 * quotes at all) copies nothing.
 */
#include "tg_csv.h"

#include "tg_csv_mask.h"
#include "tg_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TG_CSV_CHUNK (256u << 10)        /* bytes asked of the source per read */
#define TG_CSV_MAX_RECORD (256u << 20)   /* cap on one record's size */
#define TG_CSV_SLACK 64                  /* readable bytes past the data */


struct tg_csv {
    char *name;
    tg_stream *src;     /* NULL for a range reader */
    int fd;             /* range reader: file, next offset, end */
    uint64_t roff, rend;
    uint64_t quotes;    /* '"' bytes seen by a range reader */
    char *buf;
    size_t cap, len;    /* allocated, valid bytes */
    size_t pos;         /* start of the next record */
    int eof;            /* no more bytes will arrive */
    long line;          /* line of buf[pos] */
    size_t rec;         /* start of the current record */
    long rec_line;
    tg_csv_span *f;
    size_t nf, fcap;
};


static int csv_alloc(tg_csv **out, const char *name, tg_error *err)
{
    tg_csv *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name))) {
        free(c);
        return tg_error_oom(err, name);
    }
    c->fcap = 32;
    c->f = malloc(c->fcap * sizeof *c->f);
    if (!c->f) {
        free(c->name);
        free(c);
        return tg_error_oom(err, name);
    }
    c->line = 1;
    *out = c;
    return TG_OK;
}

static int csv_fill(tg_csv *c, tg_error *err)
{
    if (c->eof)
        return 0;
    /* Keep the unfinished record, drop what was consumed. */
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->rec = c->rec >= c->pos ? c->rec - c->pos : 0;
        c->pos = 0;
    }
    if (c->cap - c->len < TG_CSV_CHUNK / 2) {
        size_t ncap = c->cap * 2;
        if (ncap > TG_CSV_MAX_RECORD + TG_CSV_CHUNK)
            return tg_error_set(err, TG_ENOMEM, c->name, c->line, 0,
                                "record longer than %u MiB",
                                TG_CSV_MAX_RECORD >> 20);
        char *nb = realloc(c->buf, ncap + TG_CSV_SLACK);
        if (!nb)
            return tg_error_oom_at(err, c->name, c->line);
        memset(nb + c->cap, 0, ncap + TG_CSV_SLACK - c->cap);
        c->buf = nb;
        c->cap = ncap;
    }
    size_t want = c->cap - c->len;
    if (want > TG_CSV_CHUNK)
        want = TG_CSV_CHUNK;
    if (!c->src) {
        if (want > c->rend - c->roff)
            want = (size_t)(c->rend - c->roff);
        ssize_t r;
        do
            r = pread(c->fd, c->buf + c->len, want, (off_t)c->roff);
        while (r < 0 && errno == EINTR);
        if (r < 0)
            return tg_error_set(err, TG_EIO, c->name, c->line, 0,
                                "cannot read: %s", strerror(errno));
        /* Count quotes so the caller can check that the range started
         * outside a quoted field (an even count before it). */
        for (const char *q = c->buf + c->len, *e = q + r;
             (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++)
            c->quotes++;
        c->roff += (uint64_t)r;
        if (r == 0)
            c->eof = 1;
        c->len += (size_t)r;
        return 1;
    }
    ssize_t got = tg_stream_read(c->src, c->buf + c->len, want, err);
    if (got < 0)
        return (int)got;
    if (got == 0)
        c->eof = 1;
    c->len += (size_t)got;
    return 1;
}

static int csv_open(tg_csv **out, const char *path, int pipelined,
                    tg_error *err)
{
    tg_csv *c = NULL;
    int rc = csv_alloc(&c, path, err);
    if (rc)
        return rc;
    if ((rc = tg_stream_open(&c->src, path, TG_INFLATE_BEST, pipelined,
                             err))) {
        tg_csv_free(c);
        return rc;
    }
    c->cap = TG_CSV_CHUNK * 2;
    c->buf = calloc(1, c->cap + TG_CSV_SLACK);
    if (!c->buf) {
        tg_csv_free(c);
        return tg_error_oom(err, path);
    }
    if ((rc = csv_fill(c, err)) < 0) {
        tg_csv_free(c);
        return rc;
    }
    if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
    *out = c;
    return TG_OK;
}

int tg_csv_open(tg_csv **out, const char *path, tg_error *err)
{
    return csv_open(out, path, 0, err);
}

int tg_csv_open_pipelined(tg_csv **out, const char *path, tg_error *err)
{
    return csv_open(out, path, 1, err);
}

int tg_csv_open_range(tg_csv **out, const char *name, int fd, uint64_t start,
                      uint64_t end, long first_line, tg_error *err)
{
    tg_csv *c = NULL;
    int rc = csv_alloc(&c, name, err);
    if (rc)
        return rc;
    c->fd = fd;
    c->roff = start;
    c->rend = end;
    /* A byte order mark opens the file, not the first column's name:
     * skipped here as tg_csv_open skips it, or a file split into ranges
     * would bind its header differently from the same file read whole. */
    unsigned char bom[3];
    if (start == 0 && end >= 3 && pread(fd, bom, 3, 0) == 3 &&
        memcmp(bom, "\xEF\xBB\xBF", 3) == 0)
        c->roff = 3;
    c->line = first_line;
    c->cap = TG_CSV_CHUNK * 2;
    c->buf = calloc(1, c->cap + TG_CSV_SLACK);
    if (!c->buf) {
        tg_csv_free(c);
        return tg_error_oom(err, name);
    }
    *out = c;
    return TG_OK;
}

uint64_t tg_csv_quotes(const tg_csv *c)
{
    return c->quotes;
}

void tg_csv_free(tg_csv *c)
{
    if (!c)
        return;
    tg_stream_close(c->src);
    free(c->buf);
    free(c->f);
    free(c->name);
    free(c);
}

static long count_newlines(const char *s, size_t n)
{
    long k = 0;
    const char *e = s + n;
    while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

static int grow_fields(tg_csv *c, tg_error *err)
{
    {
        if (c->fcap >= 65536)
            return tg_error_set(err, TG_EINVAL, c->name, c->rec_line, 0,
                                "more than 65536 fields in a record");
        tg_csv_span *nf = realloc(c->f, 2 * c->fcap * sizeof *nf);
        if (!nf)
            return tg_error_oom_at(err, c->name, c->rec_line);
        c->f = nf;
        c->fcap *= 2;
    }
    return TG_OK;
}

static inline int push_field(tg_csv *c, size_t off, size_t len, int escaped,
                             tg_error *err)
{
    if (c->nf == c->fcap) {
        int rc = grow_fields(c, err);
        if (rc)
            return rc;
    }
    tg_csv_span *f = &c->f[c->nf++];
    f->off = off;
    f->len = len;
    f->escaped = escaped;
    return TG_OK;
}

/*
 * Finding the bytes that end unquoted fields, 64 at a time: a bit mask
 * of ',', '"', '\n' and '\r' per 64-byte block (tg_csv_sep_mask, shared
 * with the scan's fast path).
 */
typedef struct {
    const char *b;
    size_t base, end;  /* mask covers [base, base + 64) clipped to end */
    uint64_t mask;
} tg_scanner;

/* Offset of the first special byte at or after p, or end. */
static inline size_t scan_special(tg_scanner *sc, size_t p)
{
    for (;;) {
        if (p - sc->base < 64) {
            uint64_t m = sc->mask >> (p - sc->base);
            if (m)
                return p + (size_t)__builtin_ctzll(m);
            p = sc->base + 64;
        }
        if (p >= sc->end)
            return sc->end;
        sc->base = p;
        /* The buffer has TG_CSV_SLACK readable bytes past its data. */
        sc->mask = tg_csv_sep_mask(sc->b + p);
        if (sc->end - p < 64)
            sc->mask &= ((uint64_t)1 << (sc->end - p)) - 1;
    }
}

static int quote_error(tg_csv *c, size_t at, const char *what, tg_error *err)
{
    /* Report at the byte that broke the record. */
    size_t ls = at;
    while (ls > c->rec && c->buf[ls - 1] != '\n')
        ls--;
    long line = c->rec_line + count_newlines(c->buf + c->rec, at - c->rec);
    tg_error_set(err, TG_EINVAL, c->name, line, (long)(at - ls) + 1, "%s",
                 what);
    size_t le = ls;
    while (le < c->len && c->buf[le] != '\n' && le - ls < 200)
        le++;
    tg_error_context(err, c->buf + ls, le - ls, (long)(at - ls));
    return TG_EINVAL;
}

/*
 * Parse one record at c->pos. Returns 1 when done, 0 when the buffer
 * ends before the record does (more input needed), <0 on error.
 */
static int parse_record(tg_csv *c, tg_error *err)
{
    const char *b = c->buf;
    size_t p = c->pos, end = c->len;
    long newlines = 0;
    int rc;

    c->nf = 0;
    c->rec = p;
    c->rec_line = c->line;
    tg_scanner sc = {b, (size_t)-1 - 64, end, 0};
    for (;;) {
        if (p < end && b[p] == '"') {
            size_t s = p + 1, q = s;
            int escaped = 0;
            for (;;) {
                const char *hit = memchr(b + q, '"', end - q);
                if (!hit) {
                    if (!c->eof)
                        return 0;
                    return quote_error(c, p, "unterminated quoted field", err);
                }
                q = (size_t)(hit - b);
                if (q + 1 >= end && !c->eof)
                    return 0;
                if (q + 1 < end && b[q + 1] == '"') {
                    escaped = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            newlines += count_newlines(b + s, q - s);
            if ((rc = push_field(c, s, q - s, escaped, err)) < 0)
                return rc;
            p = q + 1;
            if (p >= end)
                break;
            if (b[p] == ',') {
                p++;
                continue;
            }
            if (b[p] == '\n' || b[p] == '\r')
                break;
            return quote_error(c, p, "unexpected character after a closing "
                                     "quote", err);
        } else {
            size_t s = p;
            p = scan_special(&sc, p);
            if (p >= end && !c->eof)
                return 0;
            if (p < end && b[p] == '"')
                return quote_error(c, p, "quote inside an unquoted field", err);
            if ((rc = push_field(c, s, p - s, 0, err)) < 0)
                return rc;
            if (p < end && b[p] == ',') {
                p++;
                continue;
            }
            break;
        }
    }
    /* p is at the line end or at the end of the input. */
    if (p < end) {
        if (b[p] == '\r') {
            if (p + 1 >= end && !c->eof)
                return 0;
            p++;
            if (p < end && b[p] == '\n')
                p++;
        } else {
            p++;
        }
        newlines++;
    }
    c->pos = p;
    c->line += newlines;
    return 1;
}

int tg_csv_next(tg_csv *c, tg_error *err)
{
    for (;;) {
        /* Skip blank lines between records. */
        while (c->pos < c->len &&
               (c->buf[c->pos] == '\n' || c->buf[c->pos] == '\r')) {
            if (c->buf[c->pos] == '\n')
                c->line++;
            else if (c->pos + 1 >= c->len || c->buf[c->pos + 1] != '\n')
                c->line++;
            c->pos++;
        }
        if (c->pos >= c->len) {
            if (c->eof)
                return 0;
            int rc = csv_fill(c, err);
            if (rc < 0)
                return rc;
            continue;
        }
        int rc = parse_record(c, err);
        if (rc != 0)
            return rc;
        if (c->eof)
            return tg_error_set(err, TG_EINTERNAL, c->name, c->line, 0,
                                "csv reader made no progress");
        if ((rc = csv_fill(c, err)) < 0)
            return rc;
    }
}

void tg_csv_window(const tg_csv *c, const char **data, size_t *len)
{
    *data = c->buf + c->pos;
    *len = c->len - c->pos;
}

void tg_csv_consume(tg_csv *c, size_t bytes, long lines)
{
    c->pos += bytes;
    c->line += lines;
}

int tg_csv_more(tg_csv *c, tg_error *err)
{
    size_t before = c->len - c->pos;
    int rc = csv_fill(c, err);
    if (rc < 0)
        return rc;
    return c->len - c->pos > before;
}

tg_csv_record tg_csv_current(const tg_csv *c)
{
    tg_csv_record r = {c->buf, c->f, c->nf};
    return r;
}

size_t tg_csv_nfields(const tg_csv *c)
{
    return c->nf;
}

const char *tg_csv_field(tg_csv *c, size_t i, size_t *len)
{
    if (i >= c->nf) {
        *len = 0;
        return NULL;
    }
    tg_csv_span *f = &c->f[i];
    if (f->escaped) {
        /* Collapse doubled quotes in place, once. */
        char *s = c->buf + f->off;
        size_t r = 0, w = 0;
        while (r < f->len) {
            s[w++] = s[r];
            r += (s[r] == '"') ? 2 : 1;
        }
        f->len = w;
        f->escaped = 0;
    }
    *len = f->len;
    return c->buf + f->off;
}

void tg_csv_field_position(const tg_csv *c, size_t i, long *line,
                           long *column)
{
    if (i >= c->nf) {
        *line = c->rec_line;
        *column = 0;
        return;
    }
    size_t at = c->f[i].off;
    /* A quoted field's column is that of its opening quote. */
    if (at > c->rec && c->buf[at - 1] == '"' &&
        (at - 1 == c->rec || c->buf[at - 2] == ','))
        at--;
    size_t ls = at;
    while (ls > c->rec && c->buf[ls - 1] != '\n')
        ls--;
    *line = c->rec_line + count_newlines(c->buf + c->rec, at - c->rec);
    *column = (long)(at - ls) + 1;
}

void tg_csv_error_context(const tg_csv *c, size_t i, tg_error *err)
{
    if (i >= c->nf || !err)
        return;
    long line, col;
    tg_csv_field_position(c, i, &line, &col);
    size_t ls = c->f[i].off;
    while (ls > c->rec && c->buf[ls - 1] != '\n')
        ls--;
    size_t le = ls;
    while (le < c->len && c->buf[le] != '\n' && c->buf[le] != '\r' &&
           le - ls < 200)
        le++;
    tg_error_context(err, c->buf + ls, le - ls, col - 1);
}

long tg_csv_record_line(const tg_csv *c)
{
    return c->rec_line;
}

long tg_csv_lines(const tg_csv *c)
{
    return c->line;
}

const char *tg_csv_name(const tg_csv *c)
{
    return c->name;
}
