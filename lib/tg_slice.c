/*
 * Slicing expressions: parsing COLUMN, COLUMN:E1,E2,... and COLUMN:month,
 * the bin labels, and the slice key of one raw field. The tallies per
 * key are lib/tg_slicing.c; the sliced scan lib/tg_slice_scan.c.
 */
#include "tg_slice.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_score.h"
#include "tg_util.h"

static int ident_ok(const char *s, size_t n)
{
    if (n == 0 || n > TG_SLICE_MAX_NAME)
        return 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static int parse_edges(tg_slice_spec *s, const char *p, tg_error *err)
{
    s->edges = malloc(TG_SLICE_MAX_EDGES * sizeof *s->edges);
    if (!s->edges)
        return tg_error_oom(err, NULL);
    const char *q = p;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(q, &end);
        if (end == q || errno || !isfinite(v) || (*end && *end != ','))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': bin edges must be numbers "
                                "separated by commas",
                                s->expr);
        if (s->nedges == TG_SLICE_MAX_EDGES)
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': at most %d bin edges", s->expr,
                                TG_SLICE_MAX_EDGES);
        if (s->nedges && !(v > s->edges[s->nedges - 1]))
            return tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                                "--slice '%s': bin edges must increase",
                                s->expr);
        s->edges[s->nedges++] = v;
        if (!*end)
            return TG_OK;
        q = end + 1;
    }
}

int tg_slice_parse(tg_slice_spec *s, const char *expr, const tg_rules *rules,
                   tg_error *err)
{
    memset(s, 0, sizeof *s);
    s->feature = -1;
    if (!(s->expr = strdup(expr)))
        return tg_error_oom(err, NULL);
    const char *colon = strchr(expr, ':');
    size_t n = colon ? (size_t)(colon - expr) : strlen(expr);
    int rc = TG_OK;
    if (!ident_ok(expr, n)) {
        rc = tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                          "--slice '%.60s': the column must be a name of "
                          "letters, digits and '_' (at most %d bytes), "
                          "optionally followed by ':month' or ':E1,E2,...'",
                          expr, TG_SLICE_MAX_NAME);
        goto fail;
    }
    if (!(s->column = strndup(expr, n))) {
        rc = tg_error_oom(err, NULL);
        goto fail;
    }
    if (colon) {
        if (strcmp(colon + 1, "month") == 0)
            s->kind = TG_SLICE_MONTH;
        else if ((s->kind = TG_SLICE_BINS),
                 (rc = parse_edges(s, colon + 1, err)))
            goto fail;
    }
    if (s->kind == TG_SLICE_BINS) {
        /* The labels once, not per row. */
        if (!(s->labels =
                  malloc((size_t)(s->nedges + 1) * sizeof *s->labels))) {
            rc = tg_error_oom(err, NULL);
            goto fail;
        }
        for (int i = 0; i <= s->nedges; i++)
            tg_slice_bin_label(s, i, s->labels[i]);
    }
    if (rules) {
        s->feature = tg_rules_feature_index(rules, s->column, n);
        if (s->feature >= 0)
            s->is_boolean = rules->features[s->feature].is_boolean;
    }
    if (s->is_boolean && s->kind != TG_SLICE_VALUE) {
        rc = tg_error_set(err, TG_EINVAL, NULL, 0, 0,
                          "--slice '%s': '%s' is a boolean feature: slice it "
                          "by value",
                          expr, s->column);
        goto fail;
    }
    return TG_OK;
fail:
    tg_slice_spec_release(s);
    return rc;
}

void tg_slice_spec_release(tg_slice_spec *s)
{
    if (!s)
        return;
    free(s->expr);
    free(s->column);
    free(s->edges);
    free(s->labels);
    memset(s, 0, sizeof *s);
    s->feature = -1;
}

const char *tg_slice_bin_label(const tg_slice_spec *s, int i, char *buf)
{
    char a[32], b[32];
    if (i == 0)
        snprintf(buf, 64, "< %s", tg_fmt_number(s->edges[0], a));
    else if (i == s->nedges)
        snprintf(buf, 64, ">= %s", tg_fmt_number(s->edges[i - 1], a));
    else
        snprintf(buf, 64, "[%s, %s)", tg_fmt_number(s->edges[i - 1], a),
                 tg_fmt_number(s->edges[i], b));
    return buf;
}

const char *tg_slice_summary_column(const tg_slice_spec *s, char *buf, size_t n)
{
    snprintf(buf, n, "slice_%s%s", s->column,
             s->kind == TG_SLICE_BINS    ? "_bin"
             : s->kind == TG_SLICE_MONTH ? "_month"
                                         : "");
    return buf;
}

/* Trim the blanks an export may leave around a value. */
static void trim(const char **f, size_t *len)
{
    while (*len && isspace((unsigned char)**f))
        (*f)++, (*len)--;
    while (*len && isspace((unsigned char)(*f)[*len - 1]))
        (*len)--;
}

int tg_slice_key(const tg_slice_spec *s, const char *f, size_t len, char *buf)
{
    trim(&f, &len);
    if (len == 0)
        return 0;
    if (len > TG_SLICE_MAX_KEY)
        return -1;
    if (s->kind == TG_SLICE_MONTH) {
        /* A valid date starts YYYY-MM-DD (tg_parse_date reads those ten
         * bytes), so its month is its first seven. */
        if (!tg_parse_date(f, len))
            return -1;
        memcpy(buf, f, 7);
        buf[7] = '\0';
        return 1;
    }
    char tmp[TG_SLICE_MAX_KEY + 1];
    memcpy(tmp, f, len);
    tmp[len] = '\0';
    if (s->is_boolean) {
        /* Exports write booleans as true/false or 1/0: one key each. */
        if ((len == 1 && tmp[0] == '1') ||
            (len == 4 && !strcasecmp(tmp, "true")))
            strcpy(buf, "true");
        else if ((len == 1 && tmp[0] == '0') ||
                 (len == 5 && !strcasecmp(tmp, "false")))
            strcpy(buf, "false");
        else
            return -1;
        return 1;
    }
    if (s->kind == TG_SLICE_VALUE) {
        /* Keys reach terminals, Markdown, XML and HTML: no control
         * bytes (each writer escapes the rest). */
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)tmp[i] < 0x20 || tmp[i] == 0x7f)
                return -1;
        memcpy(buf, tmp, len + 1);
        return 1;
    }
    char *end;
    double v = strtod(tmp, &end);
    if (*end || end == tmp || isnan(v))
        return -1;
    int i = 0;
    while (i < s->nedges && v >= s->edges[i])
        i++;
    memcpy(buf, s->labels[i], strlen(s->labels[i]) + 1);
    return 1;
}

int tg_slice_spec_copy(tg_slice_spec *d, const tg_slice_spec *s)
{
    *d = *s;
    d->expr = strdup(s->expr);
    d->column = strdup(s->column);
    d->edges = NULL;
    d->labels = NULL;
    if (s->nedges) {
        d->edges = malloc((size_t)s->nedges * sizeof *d->edges);
        d->labels = malloc((size_t)(s->nedges + 1) * sizeof *d->labels);
        if (d->edges && d->labels) {
            memcpy(d->edges, s->edges, (size_t)s->nedges * sizeof *d->edges);
            memcpy(d->labels, s->labels,
                   (size_t)(s->nedges + 1) * sizeof *d->labels);
        }
    }
    if (!d->expr || !d->column || (s->nedges && (!d->edges || !d->labels))) {
        tg_slice_spec_release(d);
        return TG_ENOMEM;
    }
    return TG_OK;
}
