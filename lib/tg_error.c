/*
 * Error records: filled by library code, formatted by the tools.
 */
#include "tg_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The last failure on this thread, also when the caller passed no record:
 * what a test prints when a call it expected to succeed did not. */
static _Thread_local tg_error last_error;

const tg_error *tg_error_last(void)
{
    return &last_error;
}

int tg_error_set(tg_error *err, int code, const char *file, long line,
                 long column, const char *fmt, ...)
{
    if (!err)
        err = &last_error;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    err->context[0] = '\0';
    err->caret = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (err != &last_error)
        last_error = *err;
    return code;
}

int tg_error_oom(tg_error *err, const char *file)
{
    return tg_error_oom_at(err, file, 0);
}

int tg_error_oom_at(tg_error *err, const char *file, long line)
{
    return tg_error_set(err, TG_ENOMEM, file, line, 0, "out of memory");
}

void tg_error_context(tg_error *err, const char *text, size_t len, long caret)
{
    if (!err)
        return;
    if (len >= sizeof err->context)
        len = sizeof err->context - 1;
    /* Keep one line only: the caret points into it. */
    size_t n = 0;
    while (n < len && text[n] != '\n' && text[n] != '\r')
        n++;
    /* Control bytes (binary input) would garble a terminal. */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        err->context[i] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
    }
    err->context[n] = '\0';
    err->caret = caret < 0 || (size_t)caret > n ? -1 : caret;
}

void tg_error_clear(tg_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->caret = -1;
}

/* Characters (UTF-8 sequences) in the first n bytes of s: a caret and a
 * column count what the reader sees, not bytes. */
static long utf8_chars(const char *s, long n)
{
    long k = 0;
    for (long i = 0; i < n && s[i]; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

char *tg_error_format(const tg_error *err, char *buf, size_t size)
{
    size_t off = 0;
    long caret = err->caret, column = err->column;
    if (caret > 0 && err->context[0]) {
        long chars = utf8_chars(err->context, caret);
        /* The column names the caret's position: shift it alike. */
        if (column == caret + 1)
            column = chars + 1;
        caret = chars;
    }
    if (size == 0)
        return buf;
    buf[0] = '\0';
#define TG_APPEND(...)                                                   \
    do {                                                                 \
        int w_ = snprintf(buf + off, size - off, __VA_ARGS__);           \
        if (w_ > 0)                                                      \
            off = off + (size_t)w_ >= size ? size - 1 : off + (size_t)w_; \
    } while (0)
    if (err->file[0]) {
        TG_APPEND("%s:", err->file);
        if (err->line > 0) {
            TG_APPEND("%ld:", err->line);
            if (column > 0)
                TG_APPEND("%ld:", column);
        }
        TG_APPEND(" ");
    }
    TG_APPEND("%s", err->msg);
    if (err->context[0]) {
        TG_APPEND("\n    %s", err->context);
        if (caret >= 0)
            TG_APPEND("\n    %*s^", (int)caret, "");
    }
#undef TG_APPEND
    return buf;
}

int tg_error_exit_code(int code)
{
    switch (code) {
    case TG_OK:
        return 0;
    case TG_EINVAL:
        return 2;
    default:
        return 3;
    }
}
