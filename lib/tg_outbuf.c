/*
 * One large buffer in front of an output, and the value texts appended
 * to it (see tg_outbuf.h). The texts are byte for byte what the stdio
 * writers they replace printed: the fast paths (integers, tenths) give
 * exactly tg_fmt_number's text and fall back to it everywhere else.
 */
#include "tg_outbuf.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int tg_outbuf_init(tg_outbuf *o, FILE *f, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->cap = cap ? cap : 1;
    if (!(o->buf = malloc(o->cap))) {
        o->cap = 0;
        o->err = ENOMEM;
        return -1;
    }
    return 0;
}

void tg_outbuf_free(tg_outbuf *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

/* The buffer to the file, without fflush. */
static int drain(tg_outbuf *o)
{
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? errno : EIO;
    o->len = 0;
    return o->err ? -1 : 0;
}

int tg_outbuf_flush(tg_outbuf *o)
{
    if (!o->f)
        return o->err ? -1 : 0;
    drain(o);
    if (!o->err && fflush(o->f) != 0)
        o->err = errno ? errno : EIO;
    return o->err ? -1 : 0;
}

/* A memory buffer at least need bytes large. */
static int grow(tg_outbuf *o, size_t need)
{
    size_t cap = o->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            o->err = ENOMEM;
            return -1;
        }
        cap *= 2;
    }
    char *b = realloc(o->buf, cap);
    if (!b) {
        o->err = ENOMEM;
        return -1;
    }
    o->buf = b;
    o->cap = cap;
    return 0;
}

char *tg_outbuf_reserve(tg_outbuf *o, size_t n)
{
    if (n <= o->cap - o->len)
        return o->buf + o->len;
    if (o->err)
        return NULL;
    if (o->f) {
        drain(o);
        return !o->err && n <= o->cap ? o->buf : NULL;
    }
    if (n > SIZE_MAX - o->len || grow(o, o->len + n))
        return NULL;
    return o->buf + o->len;
}

void tg_outbuf_put_slow(tg_outbuf *o, const void *s, size_t n)
{
    if (o->err)
        return;
    char *p = tg_outbuf_reserve(o, n);
    if (p) {
        memcpy(p, s, n);
        o->len += n;
        return;
    }
    /* Larger than the whole buffer (a huge field): straight through,
     * after what is buffered. */
    if (o->f && !o->err && drain(o) == 0 && fwrite(s, 1, n, o->f) != n)
        o->err = errno ? errno : EIO;
}

/* Which bytes make a CSV field need quotes; which a JSON string must
 * escape. */
static int csv_special(unsigned char c)
{
    return c == ',' || c == '"' || c == '\n' || c == '\r';
}

static int json_special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Quoted: each run up to and including a quote, then the quote again. */
static void csv_quoted(tg_outbuf *o, const char *s, size_t n)
{
    tg_outbuf_putc(o, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            tg_outbuf_put(o, s + from, i + 1 - from);
            tg_outbuf_putc(o, '"');
            from = i + 1;
        }
    tg_outbuf_put(o, s + from, n - from);
    tg_outbuf_putc(o, '"');
}

void tg_outbuf_csv_text(tg_outbuf *o, const char *s, size_t n)
{
    /* Most fields are short and need no quotes: copied while looked at,
     * in one pass, and the copy is kept unless a byte needed quotes. */
    if (n <= o->cap - o->len) {
        char *p = o->buf + o->len;
        unsigned special = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            p[i] = (char)c;
            special |= csv_special(c);
        }
        if (!special) {
            o->len += n;
            return;
        }
        csv_quoted(o, s, n);
        return;
    }
    size_t i = 0;
    while (i < n && !csv_special((unsigned char)s[i]))
        i++;
    if (i == n)
        tg_outbuf_put(o, s, n);
    else
        csv_quoted(o, s, n);
}

void tg_outbuf_json_text(tg_outbuf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tg_outbuf_putc(o, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!json_special(c))
            continue;
        tg_outbuf_put(o, s + from, i - from);
        from = i + 1;
        char e[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
        size_t len = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default: e[1] = 'u'; len = 6;
        }
        tg_outbuf_put(o, e, len);
    }
    tg_outbuf_put(o, s + from, n - from);
    tg_outbuf_putc(o, '"');
}

/* An integer below 1e15 in magnitude, as "%.0f" prints it ("-0" for
 * negative zero). */
static void put_integer(tg_outbuf *o, double v)
{
    char digits[24], *p = digits + sizeof digits;
    int64_t i = (int64_t)v;
    uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (signbit(v))
        *--p = '-';
    tg_outbuf_put(o, p, (size_t)(digits + sizeof digits - p));
}

void tg_outbuf_number(tg_outbuf *o, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        put_integer(o, v);
        return;
    }
    char buf[32];
    tg_fmt_number(v, buf);
    tg_outbuf_put(o, buf, strlen(buf));
}

int tg_outbuf_years(tg_outbuf *o, double v, int d)
{
    /* The same operations as ROUND(v / 12.0, d): round(x * m) / m. */
    double m = d ? 10.0 : 1.0;
    double k = round(v / 12.0 * m), r = k / m;
    if (!isfinite(r))
        return -1;
    if (r == floor(r) || fabs(k) >= 1e15) {
        tg_outbuf_number(o, r);
        return 0;
    }
    /* k / 10 with k an integer not divisible by 10: the shortest text
     * that reads back is k's digits with a point before the last one
     * (what tg_fmt_number finds at one decimal). */
    char digits[24], *p = digits + sizeof digits;
    uint64_t u = (uint64_t)fabs(k);
    *--p = (char)('0' + u % 10);
    *--p = '.';
    u /= 10;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (k < 0)
        *--p = '-';
    tg_outbuf_put(o, p, (size_t)(digits + sizeof digits - p));
    return 0;
}

char *tg_fmt_number(double v, char buf[32])
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    /* Plain decimals, never exponents: "60", "0.15", "-10". */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, 32, "%.0f", v);
        return buf;
    }
    for (int d = 1; d <= 17 && fabs(v) < 1e15; d++) {
        snprintf(buf, 32, "%.*f", d, v);
        if (strtod(buf, NULL) == v)
            return buf;
    }
    snprintf(buf, 32, "%.17g", v);
    return buf;
}
