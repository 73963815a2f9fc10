/*
 * JSON documents in and out: cJSON for the tree, positions for syntax
 * errors, key paths for type errors, atomic replacement for writes.
 */
#include "tg_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_util.h"

int tg_json_parse(cJSON **out, const char *text, const char *path,
                  tg_error *err)
{
    const char *end = NULL;
    *out = cJSON_ParseWithOpts(text, &end, 1);
    if (*out)
        return TG_OK;
    size_t off = end ? (size_t)(end - text) : 0;
    long line, col;
    tg_text_position(text, off, &line, &col);
    tg_error_set(err, TG_EINVAL, path, line, col, "invalid JSON");
    size_t ls = off - (size_t)(col - 1), le = off;
    while (text[le] && text[le] != '\n')
        le++;
    tg_error_context(err, text + ls, le - ls, col - 1);
    return TG_EINVAL;
}

int tg_json_load(cJSON **out, const char *path, tg_error *err)
{
    char *text = NULL;
    *out = NULL;
    int rc = tg_read_file(&text, NULL, path, TG_MAX_JSON_BYTES, err);
    if (rc)
        return rc;
    rc = tg_json_parse(out, text, path, err);
    free(text);
    return rc;
}

static int key_error(tg_error *err, const char *file, const char *keypath,
                     const char *key, const char *what)
{
    return tg_error_set(err, TG_EINVAL, file, 0, 0, "key '%s%s%s': %s",
                        keypath && *keypath ? keypath : "",
                        keypath && *keypath ? "." : "", key, what);
}

int tg_json_get_string(const cJSON *obj, const char *key, int required,
                       const char *file, const char *keypath,
                       const char **out, tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return required ? key_error(err, file, keypath, key, "missing")
                        : TG_OK;
    if (!cJSON_IsString(v))
        return key_error(err, file, keypath, key, "expected a string");
    *out = v->valuestring;
    return TG_OK;
}

int tg_json_get_number(const cJSON *obj, const char *key, int required,
                       const char *file, const char *keypath, double *out,
                       tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return required ? key_error(err, file, keypath, key, "missing")
                        : TG_OK;
    if (!cJSON_IsNumber(v))
        return key_error(err, file, keypath, key, "expected a number");
    *out = v->valuedouble;
    return TG_OK;
}

int tg_json_get_text(const cJSON *obj, const char *key, int required,
                     const char *file, const char *keypath, char **out,
                     tg_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return required ? key_error(err, file, keypath, key, "missing")
                        : TG_OK;
    if (cJSON_IsString(v)) {
        *out = strdup(v->valuestring);
    } else if (cJSON_IsArray(v)) {
        size_t n = 1;
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it))
                return key_error(err, file, keypath, key,
                                 "expected a string or an array of strings");
            n += strlen(it->valuestring) + 1;
        }
        if ((*out = malloc(n)) != NULL) {
            char *w = *out;
            cJSON_ArrayForEach(it, v)
            {
                size_t l = strlen(it->valuestring);
                if (w != *out)
                    *w++ = '\n';
                memcpy(w, it->valuestring, l);
                w += l;
            }
            *w = '\0';
        }
    } else {
        return key_error(err, file, keypath, key,
                         "expected a string or an array of strings");
    }
    if (!*out)
        return tg_error_oom(err, file);
    return TG_OK;
}

int tg_write_atomic(const char *path, const void *data, size_t len,
                    tg_error *err)
{
    tg_atomic_file a;
    int rc = tg_atomic_open(&a, path, err);
    if (rc)
        return rc;
    if (len && fwrite(data, 1, len, a.f) != len) {
        rc = tg_error_set(err, TG_EIO, path, 0, 0, "cannot write: %s",
                          strerror(errno));
        tg_atomic_abort(&a);
        return rc;
    }
    return tg_atomic_commit(&a, err);
}

cJSON *tg_json_stamp(cJSON *doc)
{
    if (!cJSON_IsObject(doc) ||
        cJSON_GetObjectItemCaseSensitive(doc, "format_version"))
        return doc;
    /* Added, then moved to the front, where a reader looks first. */
    cJSON *v = cJSON_AddNumberToObject(doc, "format_version",
                                       TG_FORMAT_VERSION);
    if (v && cJSON_DetachItemViaPointer(doc, v))
        cJSON_InsertItemInArray(doc, 0, v);
    return doc;
}

int tg_json_write_atomic(const cJSON *item, const char *path, tg_error *err)
{
    char *text = cJSON_Print(item);
    if (!text)
        return tg_error_oom(err, path);
    size_t n = strlen(text);
    char *withnl = realloc(text, n + 2);
    if (!withnl) {
        free(text);
        return tg_error_oom(err, path);
    }
    withnl[n] = '\n';
    withnl[n + 1] = '\0';
    int rc = tg_write_atomic(path, withnl, n + 1, err);
    free(withnl);
    return rc;
}
