/*
 * Byte sources: plain files and gzip streams. See tg_stream.h.
 *
 * The gzip loop is the same for both inflaters: run the inflater over
 * the input buffer; when a member ends, the next two bytes must start
 * another member (multi-member files are how shards are concatenated)
 * or the input must end there. Anything else is trailing garbage, an
 * error, as is input that ends inside a member (truncation).
 */
#include "tg_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef TG_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define TG_STREAM_IN (1u << 20) /* compressed bytes read per refill */
/* Bytes kept before the read position when the input buffer is
 * compacted: ISA-L reads input 8 bytes at a time into its bit buffer, so
 * at the end of a member up to 8 bytes it took belong to the next one
 * and must be handed back (see isal_step). */
#define TG_STREAM_KEEP 16
#define TG_STREAM_MAX_STEP (1u << 30) /* inflaters count in 32 bits */

enum { KIND_UNKNOWN, KIND_PLAIN, KIND_GZIP };

/* The pipeline: the inflating thread fills blocks of a small ring that
 * the reader empties. Memory stays fixed (TG_PIPE_BLOCKS blocks). */
#define TG_PIPE_BLOCKS 4
#define TG_PIPE_BLOCK (1u << 20)

typedef struct {
    unsigned char *data;
    size_t len, pos;
    int rc;     /* < 0: the error after the bytes of this block */
    int last;   /* no block after this one */
    tg_error err;
} tg_pipe_block;

typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t filled, emptied;
    tg_pipe_block ring[TG_PIPE_BLOCKS];
    int head, count, stop, started;
} tg_pipe;

struct tg_stream {
    char *name;
    int fd, own_fd;
    int kind;
    tg_inflater which;
    unsigned char *in;
    size_t in_len, in_pos; /* valid bytes, next unread byte */
    uint64_t in_base;      /* stream offset of in[0] */
    int in_eof;
    int member_done, finished;
    int pipelined;
    tg_pipe *pipe;
    z_stream z;
    int z_ready;
#ifdef TG_HAVE_ISAL
    struct inflate_state *isal;
#endif
};

const char *tg_stream_inflater_name(void)
{
#ifdef TG_HAVE_ISAL
    return "ISA-L igzip";
#else
    static char name[32];
    if (!name[0]) {
        strcpy(name, "zlib ");
        strncat(name, zlibVersion(), sizeof name - 6);
    }
    return name;
#endif
}

int tg_stream_open(tg_stream **out, const char *path, tg_inflater which,
                   int pipelined, tg_error *err)
{
    *out = NULL;
    tg_stream *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(path)) ||
        !(s->in = malloc(TG_STREAM_IN + TG_STREAM_KEEP))) {
        if (s)
            free(s->name);
        free(s);
        return tg_error_oom(err, path);
    }
    s->which = which;
    s->pipelined = pipelined;
    if (strcmp(path, "-") == 0) {
        s->fd = 0;
    } else {
        do
            s->fd = open(path, O_RDONLY | O_CLOEXEC);
        while (s->fd < 0 && errno == EINTR);
        if (s->fd < 0) {
            int e = errno;
            tg_stream_close(s);
            return tg_error_set(err, e == ENOENT || e == ENOTDIR ? TG_EINVAL
                                                                 : TG_EIO,
                                path, 0, 0, "cannot open: %s", strerror(e));
        }
        s->own_fd = 1;
    }
    *out = s;
    return TG_OK;
}

static void pipe_stop(tg_pipe *p);

void tg_stream_close(tg_stream *s)
{
    if (!s)
        return;
    if (s->pipe)
        pipe_stop(s->pipe);
    if (s->own_fd)
        close(s->fd);
    if (s->z_ready)
        inflateEnd(&s->z);
#ifdef TG_HAVE_ISAL
    free(s->isal);
#endif
    free(s->in);
    free(s->name);
    free(s);
}

int tg_stream_is_gzip(const tg_stream *s)
{
    return s->kind == KIND_GZIP;
}

static ssize_t read_fd(tg_stream *s, void *buf, size_t n, tg_error *err)
{
    ssize_t r;
    do
        r = read(s->fd, buf, n);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        /* A directory opens but cannot be read: bad input, not I/O. */
        int e = errno;
        return tg_error_set(err, e == EISDIR ? TG_EINVAL : TG_EIO, s->name, 0,
                            0, "cannot read: %s", strerror(e));
    }
    return r;
}

/* Read more compressed input, keeping TG_STREAM_KEEP bytes before the
 * read position. Returns 1 if bytes arrived, 0 at the end, < 0 on error. */
static int fill(tg_stream *s, tg_error *err)
{
    if (s->in_eof)
        return 0;
    size_t keep = s->in_pos < TG_STREAM_KEEP ? s->in_pos : TG_STREAM_KEEP;
    size_t drop = s->in_pos - keep;
    if (drop) {
        memmove(s->in, s->in + drop, s->in_len - drop);
        s->in_len -= drop;
        s->in_pos -= drop;
        s->in_base += drop;
    }
    size_t room = TG_STREAM_IN + TG_STREAM_KEEP - s->in_len;
    ssize_t r = read_fd(s, s->in + s->in_len, room, err);
    if (r < 0)
        return (int)r;
    if (r == 0) {
        s->in_eof = 1;
        return 0;
    }
    s->in_len += (size_t)r;
    return 1;
}

static size_t avail(const tg_stream *s)
{
    return s->in_len - s->in_pos;
}

/* ----- the two inflaters: one step each over the input buffer ----- */

static int member_start(tg_stream *s, tg_error *err)
{
#ifdef TG_HAVE_ISAL
    if (s->which == TG_INFLATE_BEST) {
        if (!s->isal && !(s->isal = malloc(sizeof *s->isal)))
            return tg_error_oom(err, s->name);
        isal_inflate_init(s->isal);
        s->isal->crc_flag = ISAL_GZIP; /* parse header, check CRC + length */
        return TG_OK;
    }
#endif
    if (!s->z_ready) {
        memset(&s->z, 0, sizeof s->z);
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) /* gzip wrapper only */
            return tg_error_oom(err, s->name);
        s->z_ready = 1;
    } else if (inflateReset(&s->z) != Z_OK) {
        return tg_error_set(err, TG_EINTERNAL, s->name, 0, 0,
                            "cannot reset zlib");
    }
    return TG_OK;
}

/*
 * Inflate what the input buffer holds into out; *end is set when the
 * current member (including its trailer) is complete. Returns the bytes
 * written or a negative code.
 */
static ssize_t inflate_step(tg_stream *s, unsigned char *out, size_t n,
                            int *end, tg_error *err)
{
    uint64_t at = s->in_base + s->in_pos;
    if (n > TG_STREAM_MAX_STEP)
        n = TG_STREAM_MAX_STEP;
    size_t in_n = avail(s);
    *end = 0;
#ifdef TG_HAVE_ISAL
    if (s->which == TG_INFLATE_BEST) {
        struct inflate_state *st = s->isal;
        st->next_in = s->in + s->in_pos;
        st->avail_in = (uint32_t)in_n;
        st->next_out = out;
        st->avail_out = (uint32_t)n;
        int ret = isal_inflate(st);
        s->in_pos += in_n - st->avail_in;
        if (ret < 0) {
            const char *why =
                ret == ISAL_INCORRECT_CHECKSUM ? "CRC-32 mismatch"
                : ret == ISAL_INVALID_WRAPPER  ? "bad gzip header"
                : ret == ISAL_UNSUPPORTED_METHOD
                    ? "unsupported compression method"
                    : "invalid compressed data";
            return tg_error_set(err, TG_EINVAL, s->name, 0, 0,
                                "corrupt gzip data near compressed byte "
                                "%llu: %s",
                                (unsigned long long)at, why);
        }
        if (st->block_state == ISAL_BLOCK_FINISH) {
            /* Hand back whole bytes ISA-L read past the member's end. */
            size_t back = st->read_in_length / 8;
            s->in_pos -= back;
            *end = 1;
        }
        return (ssize_t)(n - st->avail_out);
    }
#endif
    s->z.next_in = s->in + s->in_pos;
    s->z.avail_in = (uInt)in_n;
    s->z.next_out = out;
    s->z.avail_out = (uInt)n;
    int ret = inflate(&s->z, Z_NO_FLUSH);
    s->in_pos += in_n - s->z.avail_in;
    if (ret == Z_STREAM_END)
        *end = 1;
    else if (ret == Z_MEM_ERROR)
        return tg_error_oom(err, s->name);
    else if (ret != Z_OK && ret != Z_BUF_ERROR)
        return tg_error_set(err, TG_EINVAL, s->name, 0, 0,
                            "corrupt gzip data near compressed byte %llu: %s",
                            (unsigned long long)at,
                            s->z.msg ? s->z.msg : "invalid compressed data");
    return (ssize_t)(n - s->z.avail_out);
}

static int is_gzip_magic(const unsigned char *p)
{
    return p[0] == 0x1f && p[1] == 0x8b;
}

static ssize_t read_gzip(tg_stream *s, unsigned char *out, size_t n,
                         tg_error *err)
{
    for (;;) {
        if (s->finished)
            return 0;
        if (s->member_done) {
            int r = 1;
            while (avail(s) < 2 && r > 0)
                r = fill(s, err);
            if (r < 0)
                return r;
            if (avail(s) == 0) {
                s->finished = 1;
                return 0;
            }
            if (avail(s) < 2 || !is_gzip_magic(s->in + s->in_pos))
                return tg_error_set(
                    err, TG_EINVAL, s->name, 0, 0,
                    "unexpected bytes after the gzip data at compressed byte "
                    "%llu (a damaged or appended file?)",
                    (unsigned long long)(s->in_base + s->in_pos));
            if ((r = member_start(s, err)))
                return r;
            s->member_done = 0;
        }
        if (avail(s) == 0) {
            int r = fill(s, err);
            if (r < 0)
                return r;
            if (r == 0)
                return tg_error_set(err, TG_EINVAL, s->name, 0, 0,
                                    "truncated gzip data: the input ends "
                                    "inside a member (compressed byte %llu)",
                                    (unsigned long long)(s->in_base +
                                                         s->in_pos));
        }
        size_t before = s->in_pos;
        int end = 0;
        ssize_t got = inflate_step(s, out, n, &end, err);
        if (got < 0)
            return got;
        if (end)
            s->member_done = 1;
        if (got > 0)
            return got;
        if (!end && s->in_pos == before) {
            /* No progress on what is buffered: the inflater needs more
             * input than there is (a member cut inside its trailer). */
            int r = fill(s, err);
            if (r < 0)
                return r;
            if (r == 0)
                return tg_error_set(err, TG_EINVAL, s->name, 0, 0,
                                    "truncated gzip data (compressed byte "
                                    "%llu)",
                                    (unsigned long long)(s->in_base +
                                                         s->in_pos));
        }
    }
}

/* ----- the pipeline ----- */

static void *pipe_main(void *arg)
{
    tg_stream *s = arg;
    tg_pipe *p = s->pipe;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == TG_PIPE_BLOCKS && !p->stop)
            pthread_cond_wait(&p->emptied, &p->mu);
        int slot = (p->head + p->count) % TG_PIPE_BLOCKS, stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        /* Only this thread touches the inflater and the slot being
         * filled; the lock guards the ring's head and count. */
        tg_pipe_block *b = &p->ring[slot];
        b->len = b->pos = 0;
        b->rc = 0;
        b->last = 0;
        tg_error_clear(&b->err);
        while (b->len < TG_PIPE_BLOCK) {
            ssize_t got = read_gzip(s, b->data + b->len, TG_PIPE_BLOCK - b->len,
                                    &b->err);
            if (got <= 0) {
                b->rc = (int)got;
                b->last = 1;
                break;
            }
            b->len += (size_t)got;
        }
        pthread_mutex_lock(&p->mu);
        p->count++;
        pthread_cond_signal(&p->filled);
        pthread_mutex_unlock(&p->mu);
        if (b->last)
            return NULL;
    }
}

static int pipe_start(tg_stream *s, tg_error *err)
{
    tg_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return tg_error_oom(err, s->name);
    for (int k = 0; k < TG_PIPE_BLOCKS; k++)
        if (!(p->ring[k].data = malloc(TG_PIPE_BLOCK))) {
            s->pipe = p;
            return tg_error_oom(err, s->name);
        }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->emptied, NULL);
    s->pipe = p;
    if (pthread_create(&p->thread, NULL, pipe_main, s) != 0) {
        /* No thread: inflate in the reader's thread instead. */
        s->pipelined = 0;
        return TG_OK;
    }
    p->started = 1;
    return TG_OK;
}

static void pipe_stop(tg_pipe *p)
{
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->emptied);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->filled);
        pthread_cond_destroy(&p->emptied);
    }
    for (int k = 0; k < TG_PIPE_BLOCKS; k++)
        free(p->ring[k].data);
    free(p);
}

static ssize_t pipe_read(tg_stream *s, unsigned char *out, size_t n,
                         tg_error *err)
{
    tg_pipe *p = s->pipe;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == 0)
            pthread_cond_wait(&p->filled, &p->mu);
        tg_pipe_block *b = &p->ring[p->head];
        pthread_mutex_unlock(&p->mu);
        if (b->pos < b->len) {
            size_t k = b->len - b->pos < n ? b->len - b->pos : n;
            memcpy(out, b->data + b->pos, k);
            b->pos += k;
            return (ssize_t)k;
        }
        if (b->last) {
            if (b->rc < 0)
                *err = b->err;
            return b->rc; /* stays at the end: every later read repeats */
        }
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % TG_PIPE_BLOCKS;
        p->count--;
        pthread_cond_signal(&p->emptied);
        pthread_mutex_unlock(&p->mu);
    }
}

ssize_t tg_stream_read(tg_stream *s, void *buf, size_t n, tg_error *err)
{
    if (n == 0)
        return 0;
    if (s->kind == KIND_UNKNOWN) {
        int r = 1;
        while (avail(s) < 2 && r > 0)
            r = fill(s, err);
        if (r < 0)
            return r;
        if (avail(s) >= 2 && is_gzip_magic(s->in)) {
            s->kind = KIND_GZIP;
            if ((r = member_start(s, err)))
                return r;
            if (s->pipelined && (r = pipe_start(s, err)))
                return r;
        } else {
            s->kind = KIND_PLAIN;
        }
    }
    if (s->kind == KIND_GZIP)
        return s->pipelined ? pipe_read(s, buf, n, err)
                            : read_gzip(s, buf, n, err);
    /* Plain: what the sniffing read first, then straight from the file. */
    if (avail(s)) {
        size_t k = avail(s) < n ? avail(s) : n;
        memcpy(buf, s->in + s->in_pos, k);
        s->in_pos += k;
        return (ssize_t)k;
    }
    return read_fd(s, buf, n, err);
}
