/*
 * Progress reports of a scan: row and byte counters that every thread
 * adds to, and the caller's function called at most every quarter
 * second (see tg_progress_state in tg_scan_internal.h).
 */
#include "tg_scan_internal.h"

#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_call(tg_progress_state *ps, int done)
{
    tg_scan_progress p;
    p.rows = atomic_load(&ps->rows);
    p.bytes = atomic_load(&ps->bytes);
    p.total_bytes = ps->total;
    p.seconds = now_seconds() - ps->start;
    p.done = done;
    ps->fn(ps->ctx, &p);
    ps->reported = 1;
}

int tg_progress_start(tg_progress_state *ps, tg_scan_progress_fn fn,
                      void *ctx, uint64_t total)
{
    if (pthread_mutex_init(&ps->lock, NULL) != 0)
        return -1;
    ps->fn = fn;
    ps->ctx = ctx;
    atomic_init(&ps->rows, 0);
    atomic_init(&ps->bytes, 0);
    ps->total = total;
    ps->start = ps->last = now_seconds();
    ps->reported = 0;
    return 0;
}

void tg_progress_add(tg_progress_state *ps, uint64_t rows, uint64_t bytes)
{
    if (!ps)
        return;
    atomic_fetch_add(&ps->rows, rows);
    atomic_fetch_add(&ps->bytes, bytes);
    if (pthread_mutex_trylock(&ps->lock) != 0)
        return;
    double t = now_seconds();
    if (t - ps->last >= 0.25) {
        ps->last = t;
        progress_call(ps, 0);
    }
    pthread_mutex_unlock(&ps->lock);
}

void tg_progress_end(tg_progress_state *ps)
{
    if (ps->reported)
        progress_call(ps, 1);
    pthread_mutex_destroy(&ps->lock);
}
