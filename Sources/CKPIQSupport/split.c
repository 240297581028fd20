#include "ckpiq_split.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i is set when block[i] is the delimiter, a newline, a carriage return or a quote.
static inline uint64_t structural_mask(const uint8_t *block, uint8_t delimiter, uint8_t quote) {
#if defined(__SSE2__)
    const __m128i vd = _mm_set1_epi8((char)delimiter), vq = _mm_set1_epi8((char)quote);
    const __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(block + 16 * k));
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vn)),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, vr), _mm_cmpeq_epi8(v, vq)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hits) << (16 * k);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t x = block[i];
        mask |= (uint64_t)(x == delimiter || x == '\n' || x == '\r' || x == quote) << i;
    }
    return mask;
#endif
}

long kpiq_split_plain_rows(
    const uint8_t *base, long start, long stop, long end, uint8_t delimiter, uint8_t quote,
    long columns, kpiq_field *fields, long stride, long *row_starts, long max_rows, long *next) {
    long rows = 0;
    long p = start;
    // Blocks are 64-byte aligned offsets from the file's start; only whole ones are read.
    long block = start & ~63L;
    uint64_t mask = 0;
    if (block + 64 <= end) mask = structural_mask(base + block, delimiter, quote) & (~0ULL << (start - block));
    else goto done;

    while (rows < max_rows && p < stop) {
        kpiq_field *slot = fields + rows;
        long field_start = p;
        long n = 0;  // fields of this row stored so far
        for (;;) {
            while (mask == 0) {
                block += 64;
                if (block + 64 > end) goto done;
                mask = structural_mask(base + block, delimiter, quote);
            }
            long q = block + __builtin_ctzll(mask);
            mask &= mask - 1;
            uint8_t c = base[q];
            if (c == delimiter) {
                if (n + 1 >= columns || q - field_start > INT32_MAX) goto done;  // more fields than columns
                slot[n * stride] = (kpiq_field){field_start, (int32_t)(q - field_start), false, false};
                n++;
                field_start = q + 1;
                continue;
            }
            long after = q + 1;
            if (c == '\r') {
                // Only "\r\n" ends a row here; its newline is the next structural byte.
                if (q + 1 >= end || base[q + 1] != '\n') goto done;
                while (mask == 0) {
                    block += 64;
                    if (block + 64 > end) goto done;
                    mask = structural_mask(base + block, delimiter, quote);
                }
                mask &= mask - 1;
                after = q + 2;
            } else if (c != '\n') {
                goto done;  // a quote
            }
            if (n + 1 != columns) goto done;
            if (q == p) goto done;  // a blank line, which the general tokenizer skips
            if (q - field_start > INT32_MAX) goto done;
            slot[n * stride] = (kpiq_field){field_start, (int32_t)(q - field_start), false, false};
            row_starts[rows] = p;
            rows++;
            p = after;
            break;
        }
    }
done:
    *next = p;
    return rows;
}
