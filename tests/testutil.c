/*
 * Test helpers: temp files, subprocesses, repository paths.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

static void remove_tmpdir(void)
{
    /* TG_KEEP_TMP=1 keeps the files of a failing test for a look. */
    if (tmpdir[0] && !getenv("TG_KEEP_TMP")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmpdir);
    }
}

const char *tt_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/tiergate-test-XXXXXX",
                 base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

static char *ring(void)
{
    static char bufs[16][1024];
    static int k;
    return bufs[k++ % 16];
}

const char *tt_path(const char *name)
{
    char *b = ring();
    snprintf(b, 1024, "%s/%s", tt_tmpdir(), name);
    return b;
}

const char *tt_src(const char *relpath)
{
    char *b = ring();
    snprintf(b, 1024, "%s/%s", TG_SOURCE_DIR, relpath);
    return b;
}

const char *tt_write(const char *name, const char *text)
{
    const char *p = tt_path(name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f))
        fail_msg("cannot write %s", p);
    return p;
}

const char *tt_write_gz(const char *name, const char *data, size_t len)
{
    const char *p = tt_path(name);
    gzFile z = gzopen(p, "wb");
    if (!z || gzwrite(z, data, (unsigned)len) != (int)len || gzclose(z) != Z_OK)
        fail_msg("cannot write %s", p);
    return p;
}

char *tt_read(const char *path, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    tg_error err;
    if (tg_read_file(&buf, &n, path, 1u << 30, &err) != TG_OK)
        return NULL;
    if (len)
        *len = n;
    return buf;
}

static tt_run_result run_args(const char *dir, const char *args);

tt_run_result tt_run(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_args(TG_SOURCE_DIR, args);
}

tt_run_result tt_run_in(const char *dir, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_args(dir, args);
}

static tt_run_result run_args(const char *dir, const char *args)
{
    tt_run_result r = {-1, NULL, NULL};
    char cmd[9000];
    const char *outp = tt_path("run.out"), *errp = tt_path("run.err");
    /* TG_TEST_BIN runs the end-to-end tests against another build (for
     * example an older one, to see a regression test fail there). */
    const char *bin = getenv("TG_TEST_BIN");
    snprintf(cmd, sizeof cmd, "cd '%s' && %s %s >'%s' 2>'%s'", dir,
             bin && *bin ? bin : TIERGATE_BIN, args, outp, errp);
    int st = system(cmd);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = tt_read(outp, NULL);
    r.err = tt_read(errp, NULL);
    if (!r.out)
        r.out = strdup("");
    if (!r.err)
        r.err = strdup("");
    return r;
}

void tt_run_free(tt_run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

tg_rules *tt_rules(const char *relpath)
{
    tg_rules *r = NULL;
    tg_error err;
    tg_error_clear(&err);
    if (tg_rules_load(&r, tt_src(relpath), &err) != TG_OK) {
        char buf[2048];
        fail_msg("%s", tg_error_format(&err, buf, sizeof buf));
    }
    return r;
}

void tt_scan(tg_tally *t, const tg_rules *r, const char **paths, int n,
             int threads)
{
    tg_error err, skip;
    tg_error_clear(&err);
    if (tg_tally_init(t, r, &err) != TG_OK)
        fail_msg("tally init");
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = paths;
    o.npaths = n;
    o.threads = threads;
    o.date_config = tt_src("registry/date_config.json");
    if (tg_scan(t, r, &o, &skip, &err) != TG_OK) {
        char buf[2048];
        fail_msg("scan: %s", tg_error_format(&err, buf, sizeof buf));
    }
}
