#include "ckpiq_split.h"
#include "ckpiq_scan.h"

/// Bit i is set when block[i] is the delimiter, a newline, a carriage return or a quote.
static inline uint64_t structural_mask(const uint8_t *block, uint8_t delimiter, uint8_t quote) {
    return kpiq_match_mask64_4(block, delimiter, '\n', '\r', quote);
}

/// Moves to the next whole block with a structural byte. False when none is left before `end`.
static inline bool next_block(const uint8_t *base, long end, uint8_t delimiter, uint8_t quote, long *block, uint64_t *mask) {
    while (*mask == 0) {
        *block += 64;
        if (*block + 64 > end) return false;
        *mask = structural_mask(base + *block, delimiter, quote);
    }
    return true;
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
            if (!next_block(base, end, delimiter, quote, &block, &mask)) goto done;
            long q = block + __builtin_ctzll(mask);
            mask &= mask - 1;
            uint8_t c = base[q];
            if (c == delimiter) {
                if (n + 1 >= columns || q - field_start > INT32_MAX) goto done;  // more fields than columns, or one too long to record
                slot[n * stride] = (kpiq_field){field_start, (int32_t)(q - field_start), false, false};
                n++;
                field_start = q + 1;
                continue;
            }
            long after = q + 1;
            if (c == '\r') {
                // Only "\r\n" ends a row here; its newline is the next structural byte.
                if (q + 1 >= end || base[q + 1] != '\n') goto done;
                if (!next_block(base, end, delimiter, quote, &block, &mask)) goto done;
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
