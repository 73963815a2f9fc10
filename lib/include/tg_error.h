/*
 * Error reporting shared by every module: a caller-owned record filled
 * by the first failure, with the file, line and column it concerns, so
 * that the tool can print "file:line:col: message" and a caret.
 */
#ifndef TG_ERROR_H
#define TG_ERROR_H

#include <stddef.h>

/** Return codes: 0 is success, failures are negative. */
enum {
    TG_OK = 0,
    TG_EINVAL = -1,   /* bad input: data, rules, policy, usage */
    TG_EIO = -2,      /* a file could not be read or written */
    TG_ENOMEM = -3,   /* out of memory or over a size cap */
    TG_EINTERNAL = -4 /* a bug or a numerical failure */
};

typedef struct tg_error {
    int code;
    char file[512];    /* file (or "file#key") concerned, "" if none */
    long line;         /* 1-based, 0 if unknown */
    long column;       /* 1-based, 0 if unknown */
    char msg[512];
    char context[256]; /* the offending source line, "" if none */
    long caret;        /* 0-based offset in context, -1 for none */
} tg_error;

/**
 * Record a failure in err (which may be NULL) and return code, so that
 * callers can write `return tg_error_set(err, TG_EINVAL, ...)`.
 */
int tg_error_set(tg_error *err, int code, const char *file, long line,
                 long column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/**
 * Out of memory (or over a size cap) while working on file (NULL when no
 * file is concerned): records it and returns TG_ENOMEM, so that an
 * allocation is checked in one line: `if (!p) return tg_error_oom(err,
 * path);`.
 */
int tg_error_oom(tg_error *err, const char *file);

/** The same, at line (1-based) of file: where a row or line was being read. */
int tg_error_oom_at(tg_error *err, const char *file, long line);

/** Attach the source line and caret position shown under the message. */
void tg_error_context(tg_error *err, const char *text, size_t len, long caret);

/**
 * The last failure recorded on the calling thread (code 0 when none),
 * whether or not its caller passed a record: for diagnostics, such as a
 * test showing why a call failed.
 */
const tg_error *tg_error_last(void);

/** Reset err to "no error". */
void tg_error_clear(tg_error *err);

/**
 * Format err as "file:line:col: msg" followed, when there is context,
 * by the source line and a caret line. Returns buf.
 */
char *tg_error_format(const tg_error *err, char *buf, size_t size);

/** Map a TG_E* code to the process exit code (2 or 3; README, Exit codes). */
int tg_error_exit_code(int code);

#endif
