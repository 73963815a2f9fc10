/*
 * Separators for the scan's fast path (internal to libtiergate): where
 * each field of a stretch of plain CSV ends. The bytes are classified
 * 64 at a time into bit masks (',' or '\n' ends a field, '\n' a
 * record, '"' or '\r' the fast path cannot take: quoting and CRLF go
 * to the general reader) and the set bits listed as offsets.
 *
 * Four implementations give the same list: AVX-512 (F and BW), AVX2
 * (with BMI and POPCNT) and SSE2, chosen at run time from what the
 * processor has, and a portable byte loop, the reference the tests
 * hold the others to.
 */
#ifndef TG_SCAN_SIMD_H
#define TG_SCAN_SIMD_H

#include <stddef.h>
#include <stdint.h>

/* Extra entries a lister may write past the ones it returns. */
#define TG_SEP_LIST_SLACK 16

/*
 * List base + 1 + i for each byte s[i] of s[0..n) that is ',' or '\n',
 * in order, stopping at the first '"' or '\r' (then *special is set).
 * Returns the count; *newlines gets how many of them are '\n'. out
 * needs room for n + TG_SEP_LIST_SLACK entries. Reads whole 64-byte
 * blocks: callers keep up to 63 bytes past s + n readable (the CSV
 * buffer's slack); nothing past s + n is listed.
 */
typedef size_t (*tg_sep_list_fn)(const char *s, size_t n, uint32_t base,
                                 uint32_t *out, uint32_t *newlines,
                                 int *special);

/* The implementation in use (the fastest the processor runs, unless
 * tg_scan_simd_select chose another); NULL when "none" was chosen:
 * then the scan takes no fast path. */
tg_sep_list_fn tg_scan_sep_lister(void);

#endif
