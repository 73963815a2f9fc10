/*
 * Small shared helpers: whole-file reading, SHA-256, atomic writes.
 */
#ifndef TG_UTIL_H
#define TG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tg_error.h"

/*
 * Path buffers. TG_PATH_MAX is Linux's PATH_MAX, the longest path the
 * kernel accepts: room for any path given or resolved. TG_PATH_JOIN_MAX
 * adds room for what is appended to such a path (a separator, a file name
 * of up to NAME_MAX = 255 bytes, a temporary suffix). Code that builds a
 * path still checks snprintf for truncation: these are sizes, not limits
 * on input.
 */
#define TG_PATH_MAX 4096
#define TG_PATH_JOIN_MAX (TG_PATH_MAX + 304)

/*
 * Caps on whole-file reads. Inputs arrive in pull requests and exports
 * from anywhere, so a file is refused beyond a size no real one reaches
 * rather than read until memory runs out.
 */
/** Hand-written documents (rule sets, policies, sweeps): kilobytes. */
#define TG_MAX_DOC_BYTES (16u << 20)
/** Machine-written JSON (gate results, proposals): per-slice outcomes
 * can run to megabytes. */
#define TG_MAX_JSON_BYTES (64u << 20)
/** Bytes read at a time when hashing or copying a whole file. */
#define TG_IO_BLOCK (1u << 20)

/**
 * Read a whole file into a NUL-terminated buffer the caller frees.
 * Files over max_bytes are refused.
 */
int tg_read_file(char **out, size_t *len, const char *path, size_t max_bytes,
                 tg_error *err);

/** SHA-256 streaming state (OpenSSL's libcrypto underneath). */
typedef struct {
    void *ctx;
} tg_sha256;

int tg_sha256_init(tg_sha256 *s);
void tg_sha256_update(tg_sha256 *s, const void *data, size_t len);
/** Finish, release the state and write 64 hex digits and a NUL to hex. */
void tg_sha256_hex(tg_sha256 *s, char hex[65]);
/** SHA-256 of a file's bytes as hex. */
int tg_sha256_file(const char *path, char hex[65], tg_error *err);
/** SHA-256 of a buffer as hex. */
void tg_sha256_buffer(const void *data, size_t len, char hex[65]);

/*
 * A file written in place of another atomically: written to a temporary
 * file in the same folder, then fsynced and renamed over the target, so
 * readers see the old file or the complete new one, never a part.
 *
 * Only a regular file (or a new one) is replaced that way. A device or a
 * FIFO is opened and written in place (a rename would put a regular file
 * where the node was). A symbolic link is followed and its target
 * replaced, the link kept; a link to a missing file is refused
 * (TG_EINVAL), as is a folder. A replaced file keeps its permission bits
 * and, where the process may set them, its owner and group.
 */
typedef struct {
    FILE *f;        /* write here */
    char *tmp;      /* NULL when written in place */
    char *path;     /* the file replaced (a link's target) */
    int direct;     /* a device or FIFO, written in place */
} tg_atomic_file;

int tg_atomic_open(tg_atomic_file *a, const char *path, tg_error *err);
/** Flush, fsync, close and rename into place. */
int tg_atomic_commit(tg_atomic_file *a, tg_error *err);
/** The first half of tg_atomic_commit: flush, fsync and close, no
 * rename yet (several files are finished, then all renamed, so that an
 * error in any leaves every target untouched). On an error, call
 * tg_atomic_abort. */
int tg_atomic_finish(tg_atomic_file *a, tg_error *err);
/** Close and remove the temporary file; the target is untouched. */
void tg_atomic_abort(tg_atomic_file *a);

/*
 * Named steps. Long operations (a release, a journal, an atomic
 * replace) announce each step; a program may install one hook that is
 * called at each, which is how the crash tests stop a run at a chosen
 * point. The library itself never stops or prints.
 */
typedef void (*tg_step_hook)(const char *step, const char *detail);
void tg_set_step_hook(tg_step_hook hook);
void tg_step(const char *step, const char *detail);

/**
 * Remove what dead runs left in dir: temporary files of atomic writes
 * ("<name>.tmp.<pid>.XXXXXX") and staging folders (".staging.<pid>.
 * XXXXXX") whose process no longer exists. removed counts them.
 */
int tg_remove_stale_temps(const char *dir, int *removed);
/**
 * Remove only the temporary files of atomic writes of path
 * ("<path>.tmp.<pid>.XXXXXX", regular files) whose process no longer
 * exists: for a folder that is the user's, where other files of that
 * shape are not ours to remove.
 */
int tg_remove_stale_temps_of(const char *path);

/** The folder part of path ("." when none) into buf. */
char *tg_dirname(const char *path, char *buf, size_t n);
/** mkdir -p: path and the folders above it (mode 0755). */
int tg_mkdirs(const char *path, tg_error *err);

/**
 * Whether path (which need not exist yet) lies inside folder root, once
 * symbolic links are resolved: the deepest part of path that exists is
 * resolved and compared with root's resolved path. *inside is 1 when it
 * is root or below it. TG_EIO when root cannot be resolved.
 */
int tg_path_within(const char *path, const char *root, int *inside,
                   tg_error *err);

/** Line and column (1-based) of byte offset in text. */
void tg_text_position(const char *text, size_t offset, long *line,
                      long *column);

/** Parse "YYYY-MM-DD" (the first 10 bytes) to yyyymmdd; 0 if not a date. */
int tg_parse_date(const char *s, size_t len);

/** Now in UTC as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes). */
char *tg_now_iso(char buf[32]);

/** Format yyyymmdd as "YYYY-MM-DD" into buf (11 bytes). */
char *tg_format_date(int yyyymmdd, char buf[11]);

#endif
