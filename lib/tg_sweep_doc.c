/*
 * The sweep's messages (each names the sweep file, the variant and the
 * key) and the rule set document its edits work on: tiers by name, a
 * tier's `when` as text and back, kept as lines when the base used
 * lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"
#include "tg_sweep_internal.h"

int tg_sweep_verr(tg_error *err, const tg_sweep *s, const char *variant,
                  const char *key, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = s->path && *s->path ? s->path : "--vary";
    if (variant && key)
        return tg_error_set(err, TG_EINVAL, file, 0, 0,
                            "variant '%s': key '%s': %s", variant, key, msg);
    if (variant)
        return tg_error_set(err, TG_EINVAL, file, 0, 0, "variant '%s': %s",
                            variant, msg);
    if (key)
        return tg_error_set(err, TG_EINVAL, file, 0, 0, "key '%s': %s", key,
                            msg);
    return tg_error_set(err, TG_EINVAL, file, 0, 0, "%s", msg);
}

/* ---- the document -------------------------------------------------------- */

cJSON *tg_sweep_tiers(cJSON *doc)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "tiers");
    return cJSON_IsArray(t) ? t : NULL;
}

/* The tier object called name, its index in *idx. */
cJSON *tg_sweep_find_tier(cJSON *doc, const char *name, int *idx)
{
    cJSON *arr = tg_sweep_tiers(doc), *it;
    int i = 0;
    cJSON_ArrayForEach (it, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
            if (idx)
                *idx = i;
            return it;
        }
        i++;
    }
    return NULL;
}

/* A tier's `when` as one text (lines joined by '\n'); NULL if absent. */
char *tg_sweep_when_text(const cJSON *tier)
{
    char *t = NULL;
    if (tg_json_get_text(tier, "when", 1, "", "", &t, NULL) != TG_OK)
        return NULL;
    return t;
}

/* Store text as the tier's `when`, as lines when the base used lines. */
int tg_sweep_set_when(cJSON *tier, const char *text)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(tier, "when");
    cJSON *v;
    if (cJSON_IsArray(old)) {
        v = cJSON_CreateArray();
        if (v && tg_sweep_add_lines(v, text) != TG_OK) {
            cJSON_Delete(v);
            return TG_ENOMEM;
        }
    } else {
        v = cJSON_CreateString(text);
    }
    if (!v)
        return TG_ENOMEM;
    if (cJSON_GetObjectItemCaseSensitive(tier, "when"))
        cJSON_ReplaceItemInObjectCaseSensitive(tier, "when", v);
    else
        cJSON_AddItemToObject(tier, "when", v);
    return TG_OK;
}

const char *tg_sweep_str_key(const cJSON *e, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int tg_sweep_add_lines(cJSON *arr, const char *text)
{
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        cJSON *s = line ? cJSON_CreateString(line) : NULL;
        free(line);
        if (!s)
            return TG_ENOMEM;
        cJSON_AddItemToArray(arr, s);
        if (!nl)
            return TG_OK;
        p = nl + 1;
    }
}
