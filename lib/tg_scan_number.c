/*
 * Number parsing of the scan: a field's text to a feature value (a
 * number or a boolean inside its declared range) with the message that
 * says what was expected; integers of up to eight digits without strtod.
 */
#include "tg_scan_number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "tg_scan.h"

int tg_parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (n == 0) {
        *out = NAN;
        return 0;
    }
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i < n && n - i <= 8) {
        int64_t v = tg_swar_digits(s + i, n - i);
        if (v >= 0) {
            *out = neg ? -(double)v : (double)v;
            return 0;
        }
    }
    char buf[64];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* strtod accepts hex, "inf" and "nan": a feature value is none. */
    for (size_t k = 0; k < n; k++)
        if (!strchr("0123456789+-.eE", buf[k]))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n)
        return -1;
    /* 1e400 overflows and 1e-400 underflows (to 0, or a subnormal that
     * has lost digits): neither reads back as what was written. */
    if (errno == ERANGE || !isfinite(v))
        return -2;
    *out = v;
    return 0;
}

int tg_parse_bool(const char *s, size_t n, double *out)
{
    if (n == 0) {
        *out = NAN;
        return 0;
    }
    if (n == 1 && (s[0] == '0' || s[0] == '1')) {
        *out = s[0] - '0';
        return 0;
    }
    if (n == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = 1;
        return 0;
    }
    if (n == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

int tg_feature_value(const tg_feature *ft, const char *f, size_t len,
                     double *out, const char **why)
{
    int rc = ft->is_boolean ? tg_parse_bool(f, len, out) : tg_parse_number(f, len, out);
    if (rc < 0) {
        *why = ft->is_boolean ? "a boolean (0, 1, true or false)"
             : rc == -2       ? "a number within the range of a double "
                                "(this one overflows or underflows)"
                              : "a number";
        return rc;
    }
    if (*out < ft->min || *out > ft->max) /* false for NULL and no bound */
        return 1;
    return 0;
}
int tg_parse_features(const tg_rules *r, const tg_schema *sc, tg_csv *csv,
                      double *values, tg_error *err)
{
    size_t n = tg_csv_nfields(csv);
    for (int f = 0; f < r->nfeatures; f++) {
        int col = sc->feature_col[f];
        values[f] = NAN;
        if (col < 0 || (size_t)col >= n)
            continue;
        size_t len;
        const char *v = tg_csv_field(csv, (size_t)col, &len), *why = NULL;
        const tg_feature *ft = &r->features[f];
        int rc = tg_feature_value(ft, v, len, &values[f], &why);
        if (rc < 0 || (rc > 0 && !ft->range_warn)) {
            long line, column;
            tg_csv_field_position(csv, (size_t)col, &line, &column);
            if (rc < 0)
                tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                             "bad value '%.*s' in column '%s': expected %s",
                             len > 40 ? 40 : (int)len, v, ft->name, why);
            else
                tg_error_set(err, TG_EINVAL, tg_csv_name(csv), line, column,
                             "value %g in column '%s' is outside its "
                             "declared range %g..%g", values[f], ft->name,
                             ft->min, ft->max);
            tg_csv_error_context(csv, (size_t)col, err);
            return TG_EINVAL;
        }
    }
    return TG_OK;
}
