/*
 * The separator mask of the general CSV reader (internal to
 * libtiergate): one bit per byte of a 64-byte block that is ',', '"',
 * '\n' or '\r', so each field costs a count-trailing-zeros instead of a
 * byte loop. The scan's fast path has its own listers (tg_scan_simd.c).
 */
#ifndef TG_CSV_MASK_H
#define TG_CSV_MASK_H

#include <stdint.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bit k set when s[k] is ',', '"', '\n' or '\r'. Reads 64 bytes at s:
 * callers keep that many readable (the CSV buffer's slack). */
static inline uint64_t tg_csv_sep_mask(const char *s)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), cm = _mm_set1_epi8(','),
                  nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
        __m128i x = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, cm)),
            _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(x) << (16 * k);
    }
    return m;
#else
    uint64_t m = 0;
    for (int k = 0; k < 64; k++)
        m |= (uint64_t)(s[k] == ',' || s[k] == '"' || s[k] == '\n' ||
                        s[k] == '\r') << k;
    return m;
#endif
}

#endif
