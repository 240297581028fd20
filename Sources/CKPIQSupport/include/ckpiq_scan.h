#ifndef CKPIQ_SCAN_H
#define CKPIQ_SCAN_H

// The one byte-scanning primitive Swift cannot spell: compare 64 bytes at once and gather the
// results into a bit mask (SSE2 `pmovmskb`). Used by the CSV tokenizer (StructuralScanner.swift)
// and the plain-row splitter (split.c).

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i is set when block[i] equals a, b, c or d. All 64 bytes at `block` must be readable.
static inline uint64_t kpiq_match_mask64_4(const uint8_t *block, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
    const __m128i vc = _mm_set1_epi8((char)c), vd = _mm_set1_epi8((char)d);
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(block + 16 * k));
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vd)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * k);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t x = block[i];
        mask |= (uint64_t)(x == a || x == b || x == c || x == d) << i;
    }
    return mask;
#endif
}

/// Bit i is set when block[i] equals a, b or c. All 64 bytes at `block` must be readable.
static inline uint64_t kpiq_match_mask64(const uint8_t *block, uint8_t a, uint8_t b, uint8_t c) {
    return kpiq_match_mask64_4(block, a, b, c, c);
}

/// out[k] = kpiq_match_mask64(p + 64 * k, a, b, c) for k < blocks: one call for several
/// blocks (inlined, the broadcast constants are set once).
static inline void kpiq_match_masks(const uint8_t *p, int blocks, uint8_t a, uint8_t b, uint8_t c, uint64_t *out) {
    for (int block = 0; block < blocks; block++) out[block] = kpiq_match_mask64(p + 64 * block, a, b, c);
}

#endif
