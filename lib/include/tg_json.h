/*
 * cJSON helpers for documents tiergate reads (rule sets, policies,
 * registries, results): parse with line and column on syntax errors,
 * and typed field access whose errors name the file and the key path.
 */
#ifndef TG_JSON_H
#define TG_JSON_H

#include <cjson/cJSON.h>

#include "tg_error.h"

/** Parse text; a syntax error names path, line and column. */
int tg_json_parse(cJSON **out, const char *text, const char *path,
                  tg_error *err);

/** Read and parse a JSON file (at most 64 MiB). */
int tg_json_load(cJSON **out, const char *path, tg_error *err);

/*
 * Typed getters. key is looked up in obj; keypath is how obj is named
 * in messages ("tiers[2]"). A missing key is an error only when
 * required; then *out keeps its value and 0 is returned.
 */
int tg_json_get_string(const cJSON *obj, const char *key, int required,
                       const char *file, const char *keypath,
                       const char **out, tg_error *err);
int tg_json_get_number(const cJSON *obj, const char *key, int required,
                       const char *file, const char *keypath, double *out,
                       tg_error *err);
/** A string, or an array of strings joined with newlines (malloc'd). */
int tg_json_get_text(const cJSON *obj, const char *key, int required,
                     const char *file, const char *keypath, char **out,
                     tg_error *err);

/**
 * Serialize item and write it to path atomically (temporary file in the
 * same folder, fsync, rename), with a trailing newline.
 */
/* Reading a document that tiergate wrote itself (a gate, sweep or monitor
 * result): a missing or mistyped key reads as "" or NAN, which the
 * writers show as "n/a", rather than as an error. */
/** The string at key k of o, "" when absent or not a string. */
const char *tg_json_str(const cJSON *o, const char *k);
/** The number at key k of o, NAN when absent, not a number or infinite. */
double tg_json_num(const cJSON *o, const char *k);

int tg_json_write_atomic(const cJSON *item, const char *path, tg_error *err);

/**
 * The layout version of every JSON document tiergate prints (see
 * docs/formats.md and schemas/). It changes only when a key is removed
 * or changes meaning; new keys may appear without a change.
 */
#define TG_FORMAT_VERSION 1

/** Put "format_version": TG_FORMAT_VERSION first in the object doc;
 * returns doc. */
cJSON *tg_json_stamp(cJSON *doc);

/** Write bytes to path atomically (temporary file, fsync, rename). */
int tg_write_atomic(const char *path, const void *data, size_t len,
                    tg_error *err);

#endif
