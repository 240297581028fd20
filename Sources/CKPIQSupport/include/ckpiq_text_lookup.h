#ifndef CKPIQ_TEXT_LOOKUP_H
#define CKPIQ_TEXT_LOOKUP_H

// The hashes and the dictionary slot of StringInterner (Swift calls these; they are defined
// once, here), and the CSV loader's loop over text values already in a column's dictionary.

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ckpiq_split.h"

/// One slot of a StringInterner table. `key1`'s top byte is the inline length + 1 (1...16), or
/// KPIQ_LONG_MARKER for a string kept out of line (then `key0` is its full hash). `code` is
/// code + 1; 0 marks an empty slot. Swift calls it `StringInterner.Slot`.
typedef struct kpiq_slot {
    uint64_t key0;
    uint64_t key1;
    uint32_t code;
} kpiq_slot;

#define KPIQ_LONG_MARKER (0xFFull << 56)

/// A 64-bit finalizer (splitmix64's).
static inline uint64_t kpiq_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t kpiq_load64(const uint8_t *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

/// The hash of a byte string (ByteHash.hash): eight bytes at a time, the tail in one load
/// that overlaps the last whole word when the string has one.
static inline uint64_t kpiq_byte_hash(const uint8_t *p, long n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    long offset = 0;
    while (offset + 8 <= n) {
        h = (h ^ kpiq_load64(p + offset)) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        offset += 8;
    }
    if (offset < n && n >= 8) {
        h = (h ^ kpiq_load64(p + n - 8)) * 0xC4CEB9FE1A85EC53ull;
    } else if (offset < n) {
        uint64_t tail = 0;
        for (unsigned shift = 0; offset < n; offset++, shift += 8) tail |= (uint64_t)p[offset] << shift;
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53ull;
    }
    return kpiq_mix(h);
}

/// The hash of a string kept inline in its slot (StringInterner.hashInline).
static inline uint64_t kpiq_hash_inline(uint64_t k0, uint64_t k1) {
    uint64_t h = (k0 * 0x9E3779B97F4A7C15ull) ^ (k1 * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return h;
}

/// Byte equality (ByteHash.equal): word by word, the last word overlapping.
static inline bool kpiq_bytes_equal(const uint8_t *a, const uint8_t *b, long n) {
    if (n < 8) return memcmp(a, b, (size_t)n) == 0;
    long offset = 0;
    for (; offset + 8 < n; offset += 8) {
        if (kpiq_load64(a + offset) != kpiq_load64(b + offset)) return false;
    }
    return kpiq_load64(a + n - 8) == kpiq_load64(b + n - 8);
}

/// A column's dictionary as the loop reads it (StringInterner.Lookup).
typedef struct kpiq_text_lookup {
    const kpiq_slot *table;
    long mask;
    const uint8_t *bytes;
    const long *offsets;
} kpiq_text_lookup;

/// Where a row batch's fields point: the file, or the batch's scratch buffer (RowBatch).
typedef struct kpiq_field_source {
    const uint8_t *base;
    long end;
    const uint8_t *scratch;
    long scratch_capacity;
} kpiq_field_source;

/// The codes of the values of rows `first ..< count` of one column (`fields[r]` is row r's
/// field), while each is empty (a null) or already in `lookup`'s dictionary. Code k of the
/// run goes to `codes` (bytes, or 16-bit when `wide`) at index `code_index + k`; a value's row
/// sets bit `validity_row + k` of `validity`. Stops at the first value not in the dictionary.
/// Returns the first row not taken; `*nulls` counts the empty ones taken.
long kpiq_append_known_texts(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_text_lookup lookup,
    void *codes, bool wide, long code_index, uint64_t *validity, long validity_row, long *nulls);

/// A row's 16-byte interning key (DeferredTextValues.KeyWords): the string itself when it has
/// at most 15 bytes, with its length + 1 in the top byte of `key1`.
typedef struct kpiq_key {
    uint64_t key0;
    uint64_t key1;
} kpiq_key;

/// The interning keys of rows `first ..< count` of a column with many distinct strings, for
/// its dictionary to be built at the end (DeferredTextValues): while each value is empty (a
/// null: a zero key) or 1 to 15 ASCII bytes with 16 bytes readable from its start. Row k of
/// the run gets its key at `keys[k]` and the top 16 bits of its hash at
/// `hash_tops[k]`; a value's row sets bit `validity_row + k` of `validity`. Stops at the first
/// other value (longer, not ASCII, or near the end of its buffer), which the caller takes.
/// Returns the first row not taken; `*nulls` counts the empty ones taken.
long kpiq_append_deferred_keys(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    kpiq_key *keys, uint16_t *hash_tops, uint64_t *validity, long validity_row, long *nulls);

#endif
