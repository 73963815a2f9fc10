/*
 * Shared helpers: whole-file reads with a size cap, SHA-256 through
 * libcrypto, text positions and ISO dates.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "tg_util.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
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
        rc = tg_error_oom(err, path);
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

/* The permissions a new file gets: 0666 less the process's umask. */
static mode_t new_file_mode(void)
{
    mode_t m = umask(0);
    umask(m);
    return 0666 & ~m;
}

int tg_atomic_open(tg_atomic_file *a, const char *path, tg_error *err)
{
    memset(a, 0, sizeof *a);
    struct stat st;
    char *resolved = NULL;
    const char *target = path;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* The link stays a link: what it points to is what gets
         * replaced. A link to nothing is refused rather than guessed. */
        if (!(resolved = realpath(path, NULL)))
            return tg_error_set(err, errno == ENOENT ? TG_EINVAL : TG_EIO,
                                path, 0, 0,
                                "a symbolic link to %s: give the path of the "
                                "file itself",
                                errno == ENOENT ? "a missing file"
                                                : strerror(errno));
        target = resolved;
    }
    int exists = stat(target, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        free(resolved);
        return tg_error_set(err, TG_EINVAL, path, 0, 0,
                            "is a folder, not a file");
    }
    a->path = resolved ? resolved : strdup(path);
    if (!a->path)
        return tg_error_oom(err, path);
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device, a FIFO: written in place. Renaming over it would
         * put a regular file where the device node was. */
        int fd = open(a->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
            int rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                                  strerror(errno));
            if (fd >= 0)
                close(fd);
            tg_atomic_abort(a);
            return rc;
        }
        a->direct = 1;
        return TG_OK;
    }
    size_t n = strlen(a->path) + 40;
    if (!(a->tmp = malloc(n))) {
        tg_atomic_abort(a);
        return tg_error_oom(err, path);
    }
    /* Beside the target, so that rename() is atomic; the writer's pid
     * in the name lets a later run tell a dead run's leftover from a
     * live run's file (tg_remove_stale_temps). */
    snprintf(a->tmp, n, "%s.tmp.%ld.XXXXXX", a->path, (long)getpid());
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
    /* A replaced file keeps its permissions (and, when we may, its
     * owner); a new one gets what open() would have given it. */
    if (exists) {
        fchmod(fd, st.st_mode & 07777);
        if (st.st_uid != geteuid() || st.st_gid != getegid())
            if (fchown(fd, st.st_uid, st.st_gid) != 0)
                fchmod(fd, st.st_mode & 0777); /* no set-id bits then */
    } else {
        fchmod(fd, new_file_mode());
    }
    if (!(a->f = fdopen(fd, "w"))) {
        close(fd);
        tg_atomic_abort(a);
        return tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                            strerror(errno));
    }
    return TG_OK;
}

int tg_atomic_finish(tg_atomic_file *a, tg_error *err)
{
    if (!a->f)
        return TG_OK;
    int rc = TG_OK;
    /* fsync is for files; a FIFO or a terminal does not support it. */
    if (fflush(a->f) != 0 || ferror(a->f) ||
        (!a->direct && fsync(fileno(a->f)) != 0))
        rc = tg_error_set(err, TG_EIO, a->path, 0, 0, "cannot write: %s",
                          strerror(errno));
    if (fclose(a->f) != 0 && rc == TG_OK)
        rc = tg_error_set(err, TG_EIO, a->path, 0, 0, "cannot write: %s",
                          strerror(errno));
    a->f = NULL;
    return rc;
}

int tg_atomic_commit(tg_atomic_file *a, tg_error *err)
{
    int rc = tg_atomic_finish(a, err);
    if (a->direct) {
        tg_atomic_abort(a);
        return rc;
    }
    if (rc == TG_OK)
        tg_step("before-rename", a->path);
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

/* Whether s holds ".." as a whole path component. */
static int has_dotdot_component(const char *s)
{
    for (const char *q = s; (q = strstr(q, "..")) != NULL; q += 2)
        if ((q == s || q[-1] == '/') && (q[2] == '\0' || q[2] == '/'))
            return 1;
    return 0;
}

int tg_path_within(const char *path, const char *root, int *inside,
                   tg_error *err)
{
    *inside = 0;
    char *r = realpath(root, NULL);
    if (!r)
        return tg_error_set(err, TG_EIO, root, 0, 0, "cannot resolve: %s",
                            strerror(errno));
    /* Walk up to the deepest part that exists; what is below it will be
     * created as plain folders, so it cannot lead anywhere else. */
    char *p = strdup(path), *resolved = NULL;
    if (!p) {
        free(r);
        return tg_error_oom(err, path);
    }
    for (;;) {
        if ((resolved = realpath(p, NULL)) || errno != ENOENT)
            break;
        char *slash = strrchr(p, '/');
        if (!slash) {
            resolved = realpath(".", NULL);
            break;
        }
        if (slash == p) {
            resolved = strdup("/");
            break;
        }
        *slash = '\0';
    }
    /* A ".." below the deepest existing part climbs back up once the
     * missing folders are made ("root/new/../../x" is beside root), so
     * such a path is not taken to stay inside. */
    if (resolved && !has_dotdot_component(path + strlen(p))) {
        size_t n = strlen(r);
        *inside = strncmp(resolved, r, n) == 0 &&
                  (resolved[n] == '\0' || resolved[n] == '/' ||
                   (n == 1 && r[0] == '/'));
    }
    int rc = resolved ? TG_OK
                      : tg_error_set(err, TG_EIO, path, 0, 0,
                                     "cannot resolve: %s", strerror(errno));
    free(resolved);
    free(p);
    free(r);
    return rc;
}

int tg_sha256_file(const char *path, char hex[65], tg_error *err)
{
    tg_sha256 h;
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return tg_error_set(err, errno == ENOENT ? TG_EINVAL : TG_EIO, path,
                            0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(TG_IO_BLOCK);
    if (!buf || tg_sha256_init(&h) != TG_OK) {
        free(buf);
        fclose(f);
        return tg_error_oom(err, path);
    }
    size_t n;
    while ((n = fread(buf, 1, TG_IO_BLOCK, f)) > 0)
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

/* ---- named steps ------------------------------------------------------- */

static tg_step_hook step_hook;

void tg_set_step_hook(tg_step_hook hook)
{
    step_hook = hook;
}

void tg_step(const char *step, const char *detail)
{
    if (step_hook)
        step_hook(step, detail ? detail : "");
}

/* ---- leftovers of dead runs -------------------------------------------- */

/* "<anything>.tmp.<pid>.XXXXXX" or ".staging.<pid>.XXXXXX": the pid. */
static long temp_owner(const char *name)
{
    const char *p = strstr(name, ".tmp.");
    size_t skip = 5;
    if (!p) {
        p = strncmp(name, ".staging.", 9) == 0 ? name : NULL;
        skip = 9;
    }
    if (!p)
        return -1;
    p += skip;
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '.' || strlen(end + 1) != 6 || pid <= 0)
        return -1;
    return pid;
}

static int pid_alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Remove a directory of regular files (a staging folder). */
static void remove_flat_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[8192];
        if ((size_t)snprintf(p, sizeof p, "%s/%s", path, e->d_name) < sizeof p)
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

int tg_remove_stale_temps(const char *dir, int *removed)
{
    DIR *d = opendir(dir && *dir ? dir : ".");
    if (!d)
        return TG_OK; /* nothing there yet */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_owner(e->d_name);
        if (pid < 0 || pid_alive(pid))
            continue;
        char p[TG_PATH_JOIN_MAX];
        struct stat st;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir && *dir ? dir : ".",
                             e->d_name) >= sizeof p ||
            lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            remove_flat_dir(p);
        else if (S_ISREG(st.st_mode))
            unlink(p);
        else
            continue;
        if (removed)
            (*removed)++;
    }
    closedir(d);
    return TG_OK;
}

int tg_remove_stale_temps_of(const char *path)
{
    char dir[TG_PATH_JOIN_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    tg_dirname(path, dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        return TG_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        /* Only "<base>.tmp.<pid>.XXXXXX": what tg_atomic_open names. */
        if (strncmp(e->d_name, base, blen) != 0 ||
            strncmp(e->d_name + blen, ".tmp.", 5) != 0)
            continue;
        long pid = temp_owner(e->d_name + blen);
        if (pid < 0 || pid_alive(pid))
            continue;
        char p[TG_PATH_JOIN_MAX];
        struct stat st;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) <
                sizeof p &&
            lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            unlink(p);
    }
    closedir(d);
    return TG_OK;
}

char *tg_dirname(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == path)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - path), path);
    return buf;
}

int tg_mkdirs(const char *path, tg_error *err)
{
    char buf[TG_PATH_MAX];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                            "a folder path of %zu bytes is too long",
                            strlen(path));
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return tg_error_set(err, TG_EIO, buf, 0, 0,
                                    "cannot create the folder: %s",
                                    strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return tg_error_set(err, TG_EIO, buf, 0, 0,
                            "cannot create the folder: %s", strerror(errno));
    return TG_OK;
}
