/*
 * Helpers shared by the tests: temporary files, running the tiergate
 * binary, asserting library calls succeed with their message shown.
 */
#ifndef TG_TESTUTIL_H
#define TG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tiergate.h"

/* Fail with the library's message when a call does not return TG_OK
 * (the last failure the library recorded on this thread). */
#define assert_tg_ok(expr)                                                   \
    do {                                                                     \
        int rc_ = (expr);                                                    \
        if (rc_ != TG_OK) {                                                  \
            char msg_[2048];                                                 \
            fail_msg("%s returned %d: %s", #expr, rc_,                       \
                     tg_error_format(tg_error_last(), msg_, sizeof msg_));   \
        }                                                                    \
    } while (0)

/** A fresh temporary directory for this test process (cached). */
const char *tt_tmpdir(void);
/** Path of name inside the temporary directory (static buffer ring). */
const char *tt_path(const char *name);
/** Write text to the file name in the temp dir; returns its path. */
const char *tt_write(const char *name, const char *text);
/** Write len bytes gzip-compressed; returns the path. */
const char *tt_write_gz(const char *name, const char *data, size_t len);
/** Read a whole file (caller frees); NULL when it cannot be read. */
char *tt_read(const char *path, size_t *len);

typedef struct {
    int status;      /* exit code, or -1 */
    char *out;       /* stdout, NUL-terminated */
    char *err;       /* stderr */
} tt_run_result;

/**
 * Run "tiergate" with the arguments of the printf-formatted shell
 * command line fmt (run by /bin/sh in the source directory).
 */
tt_run_result tt_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tt_run_free(tt_run_result *r);
/** As tt_run, in directory dir instead of the source directory. */
tt_run_result tt_run_in(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Load a rule set of the repository (path relative to the source dir). */
tg_rules *tt_rules(const char *relpath);

/** Scan files into a fresh tally with rules; asserts success. */
void tt_scan(tg_tally *t, const tg_rules *r, const char **paths, int n,
             int threads);

/** Source-relative path (static buffer ring). */
const char *tt_src(const char *relpath);

#endif
