/*
 * The scan: feature exports to tallies, with threads. Large plain files
 * are cut into line-aligned ranges scanned by one thread each; a range is
 * trusted only if an even number of quote bytes precedes it (it starts
 * outside any quoted field), else the file is scanned again in one piece.
 * Several files (a sharded export) go one file per thread. Beside the
 * parsing, a thread of its own computes the input's fingerprint. Each
 * source is tallied by tg_source_tally (tg_scan_fast.c); the other files
 * of the scan are listed in tg_scan_internal.h.
 */
#include "tg_scan_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_scan_dates.h"
#include "tg_util.h"

#define TG_SCAN_MIN_RANGE (16u << 20)  /* smaller files are not split */

typedef struct {
    tg_source src;
    tg_tally tally;
    int skip;
    int rc;
    tg_error err, first_skip;
    uint64_t quotes;
} tg_range_job;

static void *range_worker(void *arg)
{
    tg_range_job *j = arg;
    j->rc = tg_source_tally(&j->src, &j->tally, j->skip, &j->first_skip,
                            &j->err);
    j->quotes = tg_csv_quotes(j->src.csv);
    return NULL;
}

/* Offset just past the first '\n' at or after off (or end). */
static uint64_t next_line_start(int fd, uint64_t off, uint64_t end)
{
    char buf[4096];
    while (off < end) {
        ssize_t r = pread(fd, buf, sizeof buf, (off_t)off);
        if (r <= 0)
            return end;
        char *nl = memchr(buf, '\n', (size_t)r);
        if (nl)
            return off + (uint64_t)(nl - buf) + 1;
        off += (uint64_t)r;
    }
    return end;
}

static uint64_t count_quotes(int fd, uint64_t off, uint64_t end)
{
    char buf[4096];
    uint64_t q = 0;
    while (off < end) {
        size_t want = end - off < sizeof buf ? (size_t)(end - off) : sizeof buf;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            q += buf[i] == '"';
        off += (uint64_t)r;
    }
    return q;
}

/*
 * Scan one plain file with n threads over line-aligned ranges. Returns
 * 1 when the ranges were trusted and merged into t, 0 when the file
 * must be scanned in one piece instead, <0 on error.
 */
static int scan_ranges(tg_tally *t, const tg_rules *rules,
                       const tg_date_config *dates, const char *path,
                       int fd, uint64_t size, int n, int skip,
                       tg_progress_state *prog, tg_error *first_skip,
                       tg_error *err)
{
    tg_range_job *jobs = calloc((size_t)n, sizeof *jobs);
    pthread_t th[TG_SCAN_MAX_THREADS];
    int started[TG_SCAN_MAX_THREADS] = {0};
    uint64_t bound[TG_SCAN_MAX_THREADS + 1];
    int rc = TG_OK, trusted = 1;
    if (!jobs)
        return tg_error_oom(err, path);

    /* The header: read with a range reader over the whole file. */
    tg_csv *head = NULL;
    tg_source hs;
    memset(&hs, 0, sizeof hs);
    if ((rc = tg_csv_open_range(&head, path, fd, 0, size, 1, err)))
        goto done;
    hs.csv = head;
    if ((rc = tg_source_open_header(&hs, rules, dates, err)))
        goto done_head;
    /* The body starts at the line after the header; find it by reading
     * the header's line count (a quoted header may span lines). */
    long body_line = tg_csv_lines(head);
    uint64_t body = 0;
    for (long l = 1; l < body_line; l++)
        body = next_line_start(fd, body, size);
    bound[0] = body;
    for (int k = 1; k < n; k++)
        bound[k] = next_line_start(fd, body + (size - body) * (uint64_t)k / (uint64_t)n,
                                   size);
    bound[n] = size;
    for (int k = 1; k <= n; k++)
        if (bound[k] < bound[k - 1])
            bound[k] = bound[k - 1];

    for (int k = 0; k < n; k++) {
        tg_range_job *j = &jobs[k];
        j->skip = skip;
        tg_error_clear(&j->err);
        tg_error_clear(&j->first_skip);
        if ((rc = tg_tally_init(&j->tally, rules, err)))
            goto join;
        /* Lines are numbered from 1 per range; fixed up on error. */
        if ((rc = tg_csv_open_range(&j->src.csv, path, fd, bound[k],
                                    bound[k + 1], 1, err)) ||
            (rc = tg_source_setup(&j->src, rules, dates, &hs.schema, err)))
            goto join;
        j->src.progress = prog;
        if (pthread_create(&th[k], NULL, range_worker, j) != 0) {
            rc = tg_error_set(err, TG_EINTERNAL, path, 0, 0,
                              "cannot start a scan thread");
            goto join;
        }
        started[k] = 1;
    }
join:
    for (int k = 0; k < n; k++)
        if (started[k])
            pthread_join(th[k], NULL);
    if (rc == TG_OK) {
        /* Trust range k only if the bytes before it hold an even number
         * of quotes: otherwise its first line was inside a quoted field. */
        uint64_t q = count_quotes(fd, 0, body);
        for (int k = 0; k < n && trusted; k++) {
            if (q % 2 != 0)
                trusted = 0;
            q += jobs[k].quotes;
        }
        long lines_before = body_line - 1;
        for (int k = 0; k < n && trusted; k++) {
            tg_range_job *j = &jobs[k];
            if (j->rc < 0) {
                *err = j->err;
                if (err->line > 0)
                    err->line += lines_before;
                rc = j->rc;
                break;
            }
            if (j->tally.skipped && first_skip && !first_skip->msg[0]) {
                *first_skip = j->first_skip;
                if (first_skip->line > 0)
                    first_skip->line += lines_before;
            }
            lines_before += tg_csv_lines(j->src.csv) - 1;
            tg_tally_merge(t, &j->tally);
        }
    }
    for (int k = 0; k < n; k++) {
        tg_source_close(&jobs[k].src);
        tg_tally_release(&jobs[k].tally);
    }
done_head:
    tg_source_close(&hs);
done:
    free(jobs);
    if (rc < 0)
        return rc;
    return trusted ? 1 : 0;
}

static int scan_file(tg_tally *t, const tg_rules *rules,
                     const tg_date_config *dates, const char *path,
                     int threads, uint64_t min_range, int skip,
                     tg_progress_state *prog, tg_error *first_skip,
                     tg_error *err)
{
    /* Split a large plain regular file; stream anything else. */
    if (strcmp(path, "-") != 0 && threads > 1) {
        int fd = open(path, O_RDONLY);
        struct stat st;
        unsigned char magic[2] = {0, 0};
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size >= 2 * min_range &&
            pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
            uint64_t size = (uint64_t)st.st_size;
            int n = threads;
            if ((uint64_t)n > size / min_range)
                n = (int)(size / min_range);
            tg_tally part;
            int rc = tg_tally_init(&part, rules, err);
            if (rc == TG_OK) {
                rc = scan_ranges(&part, rules, dates, path, fd, size, n, skip,
                                 prog, first_skip, err);
                if (rc == 1)
                    tg_tally_merge(t, &part);
                tg_tally_release(&part);
            }
            close(fd);
            if (rc != 0)
                return rc < 0 ? rc : TG_OK;
        } else if (fd >= 0) {
            close(fd);
        }
    }
    tg_source s;
    memset(&s, 0, sizeof s);
    /* With a core to spare, a gzip file inflates on one and parses on
     * the other. */
    int rc = threads > 1 ? tg_csv_open_pipelined(&s.csv, path, err)
                         : tg_csv_open(&s.csv, path, err);
    if (rc == TG_OK)
        rc = tg_source_open_header(&s, rules, dates, err);
    s.progress = prog;
    if (rc == TG_OK)
        rc = tg_source_tally(&s, t, skip, first_skip, err);
    tg_source_close(&s);
    return rc;
}

/*
 * Several files (a sharded export): one file per thread, each into its
 * own tally, merged in file order. The result, the error reported (that
 * of the first failing file) and the first skipped row are those of a
 * scan of the files one after the other: files are handed out in order
 * and none is started after a failure, so every file before a failing
 * one has been scanned.
 */
typedef struct {
    const tg_rules *rules;
    const tg_date_config *dates;
    const char *const *paths;
    int npaths, skip;
    uint64_t min_range;
    tg_progress_state *progress;
    pthread_mutex_t lock;
    int next, failed;
    tg_tally *tallies;
    int *rcs, *done;
    tg_error *errs, *skips;
} tg_shard_pool;

static void *shard_worker(void *arg)
{
    tg_shard_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int i = p->failed || p->next >= p->npaths ? -1 : p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i < 0)
            return NULL;
        tg_error_clear(&p->errs[i]);
        tg_error_clear(&p->skips[i]);
        int rc = tg_tally_init(&p->tallies[i], p->rules, &p->errs[i]);
        if (rc == TG_OK)
            rc = scan_file(&p->tallies[i], p->rules, p->dates, p->paths[i], 1,
                           p->min_range, p->skip, p->progress, &p->skips[i],
                           &p->errs[i]);
        pthread_mutex_lock(&p->lock);
        p->rcs[i] = rc;
        p->done[i] = 1;
        if (rc != TG_OK)
            p->failed = 1;
        pthread_mutex_unlock(&p->lock);
    }
}

static int scan_shards(tg_tally *t, const tg_rules *rules,
                       const tg_date_config *dates, const char *const *paths,
                       int npaths, int threads, uint64_t min_range, int skip,
                       tg_progress_state *prog, tg_error *first_skip,
                       tg_error *err)
{
    tg_shard_pool p;
    memset(&p, 0, sizeof p);
    p.progress = prog;
    p.rules = rules;
    p.dates = dates;
    p.paths = paths;
    p.npaths = npaths;
    p.skip = skip;
    p.min_range = min_range;
    size_t n = (size_t)npaths;
    p.tallies = calloc(n, sizeof *p.tallies);
    p.rcs = calloc(n, sizeof *p.rcs);
    p.done = calloc(n, sizeof *p.done);
    p.errs = calloc(n, sizeof *p.errs);
    p.skips = calloc(n, sizeof *p.skips);
    pthread_t th[TG_SCAN_MAX_THREADS];
    int nth = 0, rc = TG_OK;
    if (!p.tallies || !p.rcs || !p.done || !p.errs || !p.skips ||
        pthread_mutex_init(&p.lock, NULL) != 0) {
        rc = tg_error_oom(err, NULL);
        goto out;
    }
    if (threads > npaths)
        threads = npaths;
    for (; nth < threads; nth++)
        if (pthread_create(&th[nth], NULL, shard_worker, &p) != 0)
            break;
    if (nth == 0) /* no thread could start: scan here */
        shard_worker(&p);
    for (int k = 0; k < nth; k++)
        pthread_join(th[k], NULL);
    for (int i = 0; i < npaths; i++) {
        if (!p.done[i])
            break; /* never started: a file before it failed */
        if (p.rcs[i] != TG_OK) {
            *err = p.errs[i];
            rc = p.rcs[i];
            break;
        }
        if (first_skip && !first_skip->msg[0] && p.skips[i].msg[0])
            *first_skip = p.skips[i];
        tg_tally_merge(t, &p.tallies[i]);
    }
    pthread_mutex_destroy(&p.lock);
out:
    for (int i = 0; p.tallies && p.done && i < npaths; i++)
        if (p.done[i])
            tg_tally_release(&p.tallies[i]);
    free(p.tallies);
    free(p.rcs);
    free(p.done);
    free(p.errs);
    free(p.skips);
    return rc;
}

/* ---- the fingerprint ------------------------------------------------------ */

/*
 * The SHA-256 of the input files' bytes, in order (what sha256sum prints
 * for one file, or for their concatenation), computed by a thread of its
 * own while the scan parses. The parsers cannot feed the hash: the ranges
 * of one file are parsed at the same time, out of file order, and hashing
 * them in order would mean holding whole ranges in memory. So this thread
 * reads the files once more, front to back, a block at a time: from the
 * page cache that costs a copy, and the hashing (the expensive part) runs
 * beside the parsing instead of after it. Memory is one block.
 *
 * Only regular files are fingerprinted: standard input and pipes (a
 * process substitution) cannot be read twice, and a second reader would
 * take bytes from the scan. With one of those the fingerprint is "" (not
 * known) rather than that of the other files passing for the whole input.
 */
#define TG_FINGERPRINT_BLOCK (1u << 20)

struct tg_fingerprint {
    const char *const *paths;
    int npaths;
    pthread_t thread;
    int started;                 /* the thread runs; finish joins it */
    _Atomic int stop;            /* set by cancel: stop between blocks */
    int rc;
    tg_error err;
    char hex[65];
};

static int fingerprint_regular(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode);
}

static void fingerprint_compute(tg_fingerprint *fp)
{
    tg_sha256 h;
    char *buf = NULL;
    fp->rc = TG_OK;
    fp->hex[0] = '\0';
    for (int i = 0; i < fp->npaths; i++)
        if (!fingerprint_regular(fp->paths[i]))
            return;
    if (tg_sha256_init(&h) || !(buf = malloc(TG_FINGERPRINT_BLOCK))) {
        tg_sha256_hex(&h, fp->hex);
        fp->hex[0] = '\0';
        fp->rc = tg_error_oom(&fp->err, NULL);
        free(buf);
        return;
    }
    for (int i = 0; i < fp->npaths && fp->rc == TG_OK; i++) {
        /* O_NONBLOCK: a path replaced by a pipe since the check above
         * must not block the open; fstat then refuses it. */
        int fd = open(fp->paths[i], O_RDONLY | O_NONBLOCK);
        struct stat st;
        if (fd < 0) {
            fp->rc = tg_error_set(&fp->err, errno == ENOENT ? TG_EINVAL : TG_EIO,
                                  fp->paths[i], 0, 0, "cannot open: %s",
                                  strerror(errno));
            break;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            tg_sha256_hex(&h, fp->hex);
            fp->hex[0] = '\0';
            free(buf);
            return;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        for (;;) {
            if (atomic_load(&fp->stop)) {
                fp->rc = TG_EINTERNAL; /* cancelled: never read */
                break;
            }
            ssize_t n = read(fd, buf, TG_FINGERPRINT_BLOCK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                fp->rc = tg_error_set(&fp->err, TG_EIO, fp->paths[i], 0, 0,
                                      "cannot read: %s", strerror(errno));
                break;
            }
            if (n == 0)
                break;
            tg_sha256_update(&h, buf, (size_t)n);
        }
        close(fd);
    }
    free(buf);
    tg_sha256_hex(&h, fp->hex);
    if (fp->rc != TG_OK)
        fp->hex[0] = '\0';
}

static void *fingerprint_thread(void *arg)
{
    fingerprint_compute(arg);
    return NULL;
}

int tg_fingerprint_start(tg_fingerprint **out, const char *const *paths,
                         int npaths, int background, tg_error *err)
{
    tg_fingerprint *fp = calloc(1, sizeof *fp);
    *out = NULL;
    if (!fp)
        return tg_error_oom(err, NULL);
    fp->paths = paths;
    fp->npaths = npaths;
    atomic_init(&fp->stop, 0);
    tg_error_clear(&fp->err);
    /* No thread to spare (or none can start): finish computes it. */
    fp->started = background &&
                  pthread_create(&fp->thread, NULL, fingerprint_thread, fp) == 0;
    *out = fp;
    return TG_OK;
}

int tg_fingerprint_finish(tg_fingerprint *fp, char hex[65], tg_error *err)
{
    if (fp->started)
        pthread_join(fp->thread, NULL);
    else
        fingerprint_compute(fp);
    int rc = fp->rc;
    memcpy(hex, fp->hex, 65);
    if (rc != TG_OK && err)
        *err = fp->err;
    free(fp);
    return rc;
}

void tg_fingerprint_cancel(tg_fingerprint *fp)
{
    if (!fp)
        return;
    if (fp->started) {
        atomic_store(&fp->stop, 1);
        pthread_join(fp->thread, NULL);
    }
    free(fp);
}

int tg_scan_fingerprint(tg_tally *t, const tg_scan_options *opts,
                        tg_error *err)
{
    tg_fingerprint *fp;
    int rc = tg_fingerprint_start(&fp, opts->paths, opts->npaths, 0, err);
    return rc ? rc : tg_fingerprint_finish(fp, t->input_sha256, err);
}

/* The bytes a scan will parse, when every file is a plain regular file;
 * 0 when one is standard input or gzip (its parsed size is unknown). */
static uint64_t total_plain_bytes(const tg_scan_options *o)
{
    uint64_t total = 0;
    for (int i = 0; i < o->npaths; i++) {
        struct stat st;
        unsigned char magic[2] = {0, 0};
        if (strcmp(o->paths[i], "-") == 0)
            return 0;
        int fd = open(o->paths[i], O_RDONLY);
        if (fd < 0)
            return 0;
        int plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                    !(pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
                      magic[1] == 0x8b);
        close(fd);
        if (!plain)
            return 0;
        total += (uint64_t)st.st_size;
    }
    return total;
}

int tg_scan(tg_tally *t, const tg_rules *rules, const tg_scan_options *opts,
            tg_error *first_skip, tg_error *err)
{
    tg_date_config dates;
    int have_dates = 0;
    if (opts->npaths < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no data file given");
    int rc = tg_scan_check_inputs(opts, err);
    if (rc == TG_OK)
        rc = tg_scan_load_dates(opts, &dates, &have_dates, err);
    if (rc)
        return rc;
    int threads = opts->threads;
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    if (threads > TG_SCAN_MAX_THREADS)
        threads = TG_SCAN_MAX_THREADS;
    if (first_skip)
        tg_error_clear(first_skip);
    /* With more than one thread allowed, the fingerprint is hashed beside
     * the parsing; with one, after it (as a second read). */
    tg_fingerprint *fp = NULL;
    if (opts->fingerprint &&
        (rc = tg_fingerprint_start(&fp, opts->paths, opts->npaths,
                                   threads > 1, err)))
        return rc;
    uint64_t min_range = opts->min_range ? opts->min_range : TG_SCAN_MIN_RANGE;
    int skip = opts->on_bad_row == TG_BAD_ROW_SKIP;
    const tg_date_config *dp = have_dates ? &dates : NULL;
    tg_progress_state ps, *prog = NULL;
    if (opts->progress &&
        tg_progress_start(&ps, opts->progress, opts->progress_ctx,
                          total_plain_bytes(opts)) == 0)
        prog = &ps;
    if (opts->npaths > 1 && threads > 1)
        rc = scan_shards(t, rules, dp, opts->paths, opts->npaths, threads,
                         min_range, skip, prog, first_skip, err);
    else
        for (int i = 0; i < opts->npaths && rc == TG_OK; i++)
            rc = scan_file(t, rules, dp, opts->paths[i], threads, min_range,
                           skip, prog, first_skip, err);
    if (prog)
        tg_progress_end(prog);
    if (fp && rc == TG_OK)
        rc = tg_fingerprint_finish(fp, t->input_sha256, err);
    else
        tg_fingerprint_cancel(fp);
    return rc;
}
