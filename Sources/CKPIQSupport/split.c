#include "ckpiq_split.h"
#include "ckpiq_scan.h"

// The loop itself is in split_rows.inc, compiled here once per way of finding the structural
// bytes of a 64-byte block (the delimiter, "\n", "\r" and the quote).

/// Four SSE2 compares per 16 bytes: any CPU, any four bytes.
typedef struct byte_classes {
    uint8_t delimiter, quote;
} byte_classes;

static inline uint64_t compare_mask(const uint8_t *block, byte_classes classes) {
    return kpiq_match_mask64_4(block, classes.delimiter, '\n', '\r', classes.quote);
}

#define SPLIT_NAME split_comparing
#define SPLIT_ATTRIBUTES
#define SPLIT_CLASSES byte_classes
#define SPLIT_MASK compare_mask
#define SPLIT_NEXT_BLOCK next_block_comparing
#include "split_rows.inc"
#undef SPLIT_NAME
#undef SPLIT_ATTRIBUTES
#undef SPLIT_CLASSES
#undef SPLIT_MASK
#undef SPLIT_NEXT_BLOCK

#if defined(__x86_64__)
#include <cpuid.h>
#include <tmmintrin.h>

/// One SSSE3 shuffle and one compare per 16 bytes: `table[b & 15]` is the structural byte
/// with b's low four bits, so a byte is structural when it equals its table entry (bytes of
/// 0x80 and above shuffle to 0, and match nothing).
__attribute__((target("ssse3"))) static inline uint64_t shuffle_mask(const uint8_t *block, __m128i table) {
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(block + 16 * k));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_shuffle_epi8(table, v), v)) << (16 * k);
    }
    return mask;
}

#define SPLIT_NAME split_shuffling
#define SPLIT_ATTRIBUTES __attribute__((target("ssse3")))
#define SPLIT_CLASSES __m128i
#define SPLIT_MASK shuffle_mask
#define SPLIT_NEXT_BLOCK next_block_shuffling
#include "split_rows.inc"

static bool cpu_has_ssse3(void) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3);
}

/// The shuffle table for these four bytes, or false when two of them share their low four
/// bits or one is not ASCII (a ':' delimiter shares 0xA with "\n", for one).
static bool shuffle_table(uint8_t delimiter, uint8_t quote, uint8_t table[16]) {
    const uint8_t bytes[4] = {delimiter, quote, '\n', '\r'};
    // 0xFF matches no byte: an ASCII byte is below it, and a higher one shuffles to 0.
    for (int i = 0; i < 16; i++) table[i] = 0xFF;
    for (int k = 0; k < 4; k++) {
        uint8_t b = bytes[k];
        if (b >= 0x80 || table[b & 15] != 0xFF) return false;
        table[b & 15] = b;
    }
    return true;
}
#endif

long kpiq_split_plain_rows(
    const uint8_t *base, long start, long stop, long end, uint8_t delimiter, uint8_t quote,
    long columns, kpiq_field *fields, long stride, long *row_starts, long max_rows, long *next) {
#if defined(__x86_64__)
    // Asked once: CPUID is slow, and in a virtual machine it traps to the host. Threads that
    // race here store the same answer.
    static int known = -1;
    int ssse3 = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (ssse3 < 0) {
        ssse3 = cpu_has_ssse3();
        __atomic_store_n(&known, ssse3, __ATOMIC_RELAXED);
    }
    uint8_t table[16];
    if (ssse3 && shuffle_table(delimiter, quote, table)) {
        __m128i classes = _mm_loadu_si128((const __m128i *)table);
        return split_shuffling(base, start, stop, end, delimiter, classes, columns, fields, stride, row_starts, max_rows, next);
    }
#endif
    byte_classes classes = {delimiter, quote};
    return split_comparing(base, start, stop, end, delimiter, classes, columns, fields, stride, row_starts, max_rows, next);
}
