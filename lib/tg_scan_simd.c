/*
 * Separator listers of the scan's fast path, four ways: AVX-512, AVX2,
 * SSE2 and a portable loop, chosen once at run time. The choice only changes
 * speed: every implementation lists the same offsets (tests/test_scan_simd.c
 * scans the same files with each and compares the tallies).
 */
#include "tg_scan_simd.h"

#include <stdatomic.h>
#include <string.h>

#include "tg_scan.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define TG_HAVE_X86_SIMD 1
#include <immintrin.h>
#endif

#define TG_INLINE static inline __attribute__((always_inline))

/* Bits set in x without a POPCNT instruction (which x86-64 only has
 * from the AVX2 era on). */
TG_INLINE unsigned popcount_swar(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/*
 * Write off + k for each set bit k of sep at o, in order, up to end.
 * Eight per round whatever the count (out keeps room past its end), so
 * the loop branches once per eight rather than once per separator.
 * ORing in bit 63 keeps the count of trailing zeros defined once sep
 * runs out; those entries lie past the end and are overwritten.
 */
TG_INLINE void flatten_bits(uint32_t *o, uint32_t off, uint64_t sep,
                            const uint32_t *end)
{
    while (o < end) {
        for (int k = 0; k < 8; k++) {
            o[k] = off + (uint32_t)__builtin_ctzll(sep | (uint64_t)1 << 63);
            sep &= sep - 1;
        }
        o += 8;
    }
}

/* The reference: one byte at a time. */
TG_INLINE void classify_portable(const char *s, uint64_t *sep, uint64_t *nl,
                                 uint64_t *special)
{
    uint64_t a = 0, b = 0, c = 0;
    for (int k = 0; k < 64; k++) {
        uint64_t bit = (uint64_t)1 << k;
        char ch = s[k];
        if (ch == '\n')
            b |= bit;
        if (ch == ',' || ch == '\n')
            a |= bit;
        if (ch == '"' || ch == '\r')
            c |= bit;
    }
    *sep = a;
    *nl = b;
    *special = c;
}

#define TG_LISTER list_portable
#define TG_TARGET
#define TG_CLASSIFY classify_portable
#define TG_POPCOUNT popcount_swar
#define TG_FLATTEN flatten_bits
#include "tg_scan_simd_body.h"

#ifdef TG_HAVE_X86_SIMD
/* SSE2 is part of x86-64 itself: always there. */
TG_INLINE void classify_sse2(const char *s, uint64_t *sep, uint64_t *nl,
                             uint64_t *special)
{
    const __m128i cm = _mm_set1_epi8(','), nlc = _mm_set1_epi8('\n'),
                  q = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r');
    uint64_t a = 0, b = 0, c = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
        __m128i n = _mm_cmpeq_epi8(v, nlc);
        __m128i x = _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, cr));
        a |= (uint64_t)(uint16_t)_mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, cm), n)) << (16 * k);
        b |= (uint64_t)(uint16_t)_mm_movemask_epi8(n) << (16 * k);
        c |= (uint64_t)(uint16_t)_mm_movemask_epi8(x) << (16 * k);
    }
    *sep = a;
    *nl = b;
    *special = c;
}

#define TG_LISTER list_sse2
#define TG_TARGET
#define TG_CLASSIFY classify_sse2
#define TG_POPCOUNT popcount_swar
#define TG_FLATTEN flatten_bits
#include "tg_scan_simd_body.h"

/* Two 32-byte halves; the masks of each are 32 bits. */
__attribute__((target("avx2,bmi,popcnt")))
TG_INLINE void classify_avx2(const char *s, uint64_t *sep, uint64_t *nl,
                             uint64_t *special)
{
    const __m256i cm = _mm256_set1_epi8(','), nlc = _mm256_set1_epi8('\n'),
                  q = _mm256_set1_epi8('"'), cr = _mm256_set1_epi8('\r');
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)s);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
    __m256i nlo = _mm256_cmpeq_epi8(lo, nlc), nhi = _mm256_cmpeq_epi8(hi, nlc);
    __m256i clo = _mm256_or_si256(_mm256_cmpeq_epi8(lo, cm), nlo);
    __m256i chi = _mm256_or_si256(_mm256_cmpeq_epi8(hi, cm), nhi);
    __m256i xlo = _mm256_or_si256(_mm256_cmpeq_epi8(lo, q), _mm256_cmpeq_epi8(lo, cr));
    __m256i xhi = _mm256_or_si256(_mm256_cmpeq_epi8(hi, q), _mm256_cmpeq_epi8(hi, cr));
    *sep = (uint64_t)(uint32_t)_mm256_movemask_epi8(clo) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(chi) << 32;
    *nl = (uint64_t)(uint32_t)_mm256_movemask_epi8(nlo) |
          (uint64_t)(uint32_t)_mm256_movemask_epi8(nhi) << 32;
    *special = (uint64_t)(uint32_t)_mm256_movemask_epi8(xlo) |
               (uint64_t)(uint32_t)_mm256_movemask_epi8(xhi) << 32;
}

#define TG_LISTER list_avx2
#define TG_TARGET __attribute__((target("avx2,bmi,popcnt")))
#define TG_CLASSIFY classify_avx2
#define TG_POPCOUNT __builtin_popcountll
#define TG_FLATTEN flatten_bits
#include "tg_scan_simd_body.h"

/* AVX-512: one 64-byte load, and the offsets written by compressing a
 * vector of sixteen consecutive ones under each 16-bit slice of the
 * mask (VPCOMPRESSD), instead of one bit at a time. */
#define TG_AVX512 "avx512f,avx512bw,bmi,popcnt"

__attribute__((target(TG_AVX512)))
TG_INLINE void classify_avx512(const char *s, uint64_t *sep, uint64_t *nl,
                               uint64_t *special)
{
    __m512i v = _mm512_loadu_si512((const void *)s);
    uint64_t n = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
    *nl = n;
    *sep = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(',')) | n;
    *special = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')) |
               _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\r'));
}

__attribute__((target(TG_AVX512)))
TG_INLINE void flatten_avx512(uint32_t *o, uint32_t off, uint64_t sep,
                              const uint32_t *end)
{
    const __m512i step = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6,
                                          5, 4, 3, 2, 1, 0);
    (void)end;
    for (int k = 0; k < 4; k++) {
        __mmask16 m = (__mmask16)(sep >> (16 * k));
        __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)(off + 16u * (unsigned)k)),
                                       step);
        _mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi32(m, idx));
        o += __builtin_popcount(m);
    }
}

#define TG_LISTER list_avx512
#define TG_TARGET __attribute__((target(TG_AVX512)))
#define TG_CLASSIFY classify_avx512
#define TG_POPCOUNT __builtin_popcountll
#define TG_FLATTEN flatten_avx512
#include "tg_scan_simd_body.h"
#endif

typedef struct {
    const char *name;
    tg_sep_list_fn fn;
} lister;

static const lister listers[] = {
#ifdef TG_HAVE_X86_SIMD
    {"avx512", list_avx512},
    {"avx2", list_avx2},
    {"sse2", list_sse2},
#endif
    {"portable", list_portable},
    {"none", NULL}, /* no fast path: every record through the general
                       reader, the reference for the fast path itself */
};
enum { NLISTERS = sizeof listers / sizeof listers[0] };

static int runs_here(const lister *l)
{
#ifdef TG_HAVE_X86_SIMD
    if (l->fn == list_avx512)
        return __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
    if (l->fn == list_avx2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("popcnt");
#endif
    (void)l;
    return 1;
}

/* -1 until the first scan picks the fastest; then an index. Set before
 * scanning threads start, read by them. */
static atomic_int chosen = -1;

static int fastest(void)
{
    for (int i = 0; i < NLISTERS - 1; i++)
        if (runs_here(&listers[i]))
            return i;
    return NLISTERS - 2;
}

tg_sep_list_fn tg_scan_sep_lister(void)
{
    int i = atomic_load(&chosen);
    if (i < 0) {
        i = fastest();
        atomic_store(&chosen, i);
    }
    return listers[i].fn;
}

const char *tg_scan_simd_name(void)
{
    int i = atomic_load(&chosen);
    return listers[i < 0 ? fastest() : i].name;
}

int tg_scan_simd_select(const char *name)
{
    if (!name || strcmp(name, "auto") == 0) {
        atomic_store(&chosen, fastest());
        return 0;
    }
    for (int i = 0; i < NLISTERS; i++)
        if (strcmp(listers[i].name, name) == 0) {
            if (!runs_here(&listers[i]))
                return -1;
            atomic_store(&chosen, i);
            return 0;
        }
    return -1;
}
