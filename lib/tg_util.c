/*
 * Shared helpers: whole-file reads with a size cap, SHA-256 through
 * libcrypto, text positions and ISO dates.
 */
#include "tg_util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

int tg_read_file(char **out, size_t *len, const char *path, size_t max_bytes,
                 tg_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tg_error_set(err, errno == ENOENT ? TG_EINVAL : TG_EIO, path,
                            0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    int rc = TG_OK;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= max_bytes) {
                rc = tg_error_set(err, TG_EINVAL, path, 0, 0,
                                  "file larger than %zu bytes", max_bytes);
                break;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf)
        rc = tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
    else if (rc == TG_OK && ferror(f))
        rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot read: %s",
                          strerror(errno));
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return TG_OK;
}

int tg_sha256_init(tg_sha256 *s)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        s->ctx = NULL;
        return TG_ENOMEM;
    }
    s->ctx = ctx;
    return TG_OK;
}

void tg_sha256_update(tg_sha256 *s, const void *data, size_t len)
{
    if (s->ctx)
        EVP_DigestUpdate(s->ctx, data, len);
}

void tg_sha256_hex(tg_sha256 *s, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    hex[0] = '\0';
    if (!s->ctx)
        return;
    if (EVP_DigestFinal_ex(s->ctx, md, &n) == 1)
        for (unsigned i = 0; i < n && i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
}

void tg_sha256_buffer(const void *data, size_t len, char hex[65])
{
    tg_sha256 s;
    tg_sha256_init(&s);
    tg_sha256_update(&s, data, len);
    tg_sha256_hex(&s, hex);
}

void tg_text_position(const char *text, size_t offset, long *line,
                      long *column)
{
    long l = 1;
    size_t ls = 0;
    for (size_t i = 0; i < offset && text[i]; i++)
        if (text[i] == '\n') {
            l++;
            ls = i + 1;
        }
    *line = l;
    *column = (long)(offset - ls) + 1;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/*
 * What may follow a date: 'T' or ' ', HH:MM, optionally :SS and a
 * fraction, then optionally 'Z', " UTC" or an offset +HH:MM / -HH:MM.
 */
static int valid_time(const char *s, size_t n)
{
    size_t i = 1;
    if (s[0] != 'T' && s[0] != ' ')
        return 0;
    if (n < 6 || s[3] != ':')
        return 0;
    int hh = digits(s + 1, 2), mm = digits(s + 4, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
        return 0;
    i = 6;
    if (i < n && s[i] == ':') {
        int ss = i + 3 <= n ? digits(s + i + 1, 2) : -1;
        if (ss < 0 || ss > 60) /* 60: a leap second */
            return 0;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t k = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == k)
                return 0;
        }
    }
    if (i == n)
        return 1;
    if (n - i == 1 && s[i] == 'Z')
        return 1;
    if (n - i == 4 && memcmp(s + i, " UTC", 4) == 0)
        return 1;
    if (n - i == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        return oh >= 0 && oh <= 14 && om >= 0 && om <= 59;
    }
    return 0;
}

int tg_parse_date(const char *s, size_t len)
{
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    /* A timestamp ("2025-01-02 10:00:00 UTC", "2025-01-02T10:00") keeps
     * its date once its time is valid; anything else is not a date. */
    if (len > 10 && !valid_time(s + 10, len - 10))
        return 0;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return 0;
    return y * 10000 + m * 100 + d;
}

char *tg_format_date(int v, char buf[11])
{
    if (v <= 0) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, 11, "%04d-%02d-%02d", (v / 10000) % 10000, (v / 100) % 100,
             v % 100);
    return buf;
}

int tg_atomic_open(tg_atomic_file *a, const char *path, tg_error *err)
{
    memset(a, 0, sizeof *a);
    size_t n = strlen(path) + 16;
    a->path = strdup(path);
    a->tmp = malloc(n);
    if (!a->path || !a->tmp) {
        tg_atomic_abort(a);
        return tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
    }
    /* Beside the target, so that rename() is atomic. */
    snprintf(a->tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        int rc = tg_error_set(err, TG_EIO, path, 0, 0,
                              "cannot create a temporary file: %s",
                              strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        tg_atomic_abort(a);
        return rc;
    }
    fchmod(fd, 0644);
    if (!(a->f = fdopen(fd, "w"))) {
        close(fd);
        tg_atomic_abort(a);
        return tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                            strerror(errno));
    }
    return TG_OK;
}

int tg_atomic_commit(tg_atomic_file *a, tg_error *err)
{
    int rc = TG_OK;
    if (fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0)
        rc = tg_error_set(err, TG_EIO, a->path, 0, 0, "cannot write: %s",
                          strerror(errno));
    if (fclose(a->f) != 0 && rc == TG_OK)
        rc = tg_error_set(err, TG_EIO, a->path, 0, 0, "cannot write: %s",
                          strerror(errno));
    a->f = NULL;
    if (rc == TG_OK && getenv("TIERGATE_TEST_CRASH_BEFORE_RENAME"))
        _exit(99); /* test hook: a process killed between write and rename */
    if (rc == TG_OK && rename(a->tmp, a->path) != 0)
        rc = tg_error_set(err, TG_EIO, a->path, 0, 0, "cannot replace: %s",
                          strerror(errno));
    if (rc == TG_OK) {
        /* Make the rename itself durable. */
        char *dir = strdup(a->path);
        int dfd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
        free(a->tmp);
        a->tmp = NULL;
    }
    tg_atomic_abort(a);
    return rc;
}

void tg_atomic_abort(tg_atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    memset(a, 0, sizeof *a);
}

int tg_sha256_file(const char *path, char hex[65], tg_error *err)
{
    tg_sha256 h;
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return tg_error_set(err, errno == ENOENT ? TG_EINVAL : TG_EIO, path,
                            0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(1u << 20);
    if (!buf || tg_sha256_init(&h) != TG_OK) {
        free(buf);
        fclose(f);
        return tg_error_set(err, TG_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t n;
    while ((n = fread(buf, 1, 1u << 20, f)) > 0)
        tg_sha256_update(&h, buf, n);
    int rc = ferror(f) ? tg_error_set(err, TG_EIO, path, 0, 0,
                                      "cannot read: %s", strerror(errno))
                       : TG_OK;
    tg_sha256_hex(&h, hex);
    free(buf);
    fclose(f);
    return rc;
}

char *tg_now_iso(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
