/*
 * The body of one separator lister (see tg_scan_simd.h), included once
 * per instruction set by tg_scan_simd.c with these defined:
 *   TG_LISTER      the function's name
 *   TG_TARGET      its target attribute (empty for the baseline)
 *   TG_CLASSIFY    (s, &sep, &nl, &special): one 64-byte block's masks
 *   TG_POPCOUNT    bits set in a uint64_t
 *   TG_FLATTEN     (o, off, sep, end): write off + k for each set bit
 *                  k of sep at o, in order, end being o + their count;
 *                  it may write up to TG_SEP_LIST_SLACK entries from
 *                  end on (16 a store for AVX-512, 8 a round else)
 * and undefines them again, ready for the next.
 * Written once so that the implementations differ only in how a block
 * is classified; each is compiled for its own instruction set, so the
 * bit loops use that set's instructions (TZCNT, BLSR, POPCNT).
 */
TG_TARGET static size_t TG_LISTER(const char *s, size_t n, uint32_t base,
                                  uint32_t *out, uint32_t *newlines,
                                  int *special)
{
    uint32_t *o = out, nls = 0;
    *special = 0;
    for (size_t at = 0; at < n; at += 64) {
        uint64_t sep, nl, sp, keep = ~(uint64_t)0;
        TG_CLASSIFY(s + at, &sep, &nl, &sp);
        if (n - at < 64)
            keep = ((uint64_t)1 << (n - at)) - 1;
        sp &= keep;
        if (sp)
            keep &= (sp & (0 - sp)) - 1; /* only the bytes before it */
        sep &= keep;
        nls += (uint32_t)TG_POPCOUNT(nl & keep);
        uint32_t *end = o + TG_POPCOUNT(sep);
        TG_FLATTEN(o, base + (uint32_t)at + 1, sep, end);
        o = end;
        if (sp) {
            *special = 1;
            break;
        }
    }
    *newlines = nls;
    return (size_t)(o - out);
}

#undef TG_LISTER
#undef TG_TARGET
#undef TG_CLASSIFY
#undef TG_POPCOUNT
#undef TG_FLATTEN
