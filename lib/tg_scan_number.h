/*
 * Number parsing for the scan (internal to libtiergate): feature values,
 * booleans and targets from the text of a field, the way BigQuery and
 * similar exports write them. The two parsers of the fast path are
 * inline here (they run on every field of every plain row); the general
 * ones live in tg_scan_number.c.
 */
#ifndef TG_SCAN_NUMBER_H
#define TG_SCAN_NUMBER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tg_rules.h"

/*
 * Up to 8 ASCII digits to their value without a loop or a branch per
 * digit (the SWAR method of simdjson's parse_eight_digits_unrolled).
 * Reads 8 bytes at s: the CSV buffer keeps readable slack past its data.
 * Returns -1 when a byte is not a digit.
 */
static inline int64_t tg_swar_digits(const char *s, size_t n)
{
    uint64_t x;
    memcpy(&x, s, 8);
    if (n < 8)
        x = (x << (8 * (8 - n))) | (0x3030303030303030ULL >> (8 * n));
    if ((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
        ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) !=
            0x3030303030303030ULL)
        return -1;
    x -= 0x3030303030303030ULL;
    x = (x * 10) + (x >> 8);
    x = (((x & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((x >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
        32;
    return (int64_t)(uint32_t)x;
}

/* A signed integer of at most 8 digits (0), or true/false (1); -1 not. */
static inline int tg_fast_int(const char *f, size_t len, int64_t *out)
{
    int neg = 0;
    if (f[0] >= 'a') {
        if (len == 4 && memcmp(f, "true", 4) == 0) {
            *out = 1;
            return 1;
        }
        if (len == 5 && memcmp(f, "false", 5) == 0) {
            *out = 0;
            return 1;
        }
        return -1;
    }
    /* The sign without a branch: signed columns mix both at random. */
    neg = len && f[0] == '-';
    f += neg;
    len -= (size_t)neg;
    if (len - 1 >= 8) /* 0 or more than 8 digits */
        return -1;
    int64_t v = tg_swar_digits(f, len);
    if (v < 0)
        return -1;
    *out = (v ^ -(int64_t)neg) + neg;
    return 0;
}

/* A number the way BigQuery exports one (empty is NULL, NAN): 0 ok, -1
 * not a number, -2 a number a double cannot hold. Like tg_swar_digits it
 * may read 8 bytes at s: s is a field in the CSV buffer, with its slack
 * after it. */
int tg_parse_number(const char *s, size_t n, double *out);

/* A boolean the way exports write one: 0, 1, true or false (any case);
 * empty is NULL (NAN). 0 ok, -1 not a boolean. */
int tg_parse_bool(const char *s, size_t n, double *out);

/*
 * A feature's value: a number (or a boolean for a boolean feature)
 * inside its declared range. 0 ok, 1 outside the range (*out holds the
 * value), <0 not a value (*why says what was expected).
 */
int tg_feature_value(const tg_feature *ft, const char *f, size_t len,
                     double *out, const char **why);

#endif
