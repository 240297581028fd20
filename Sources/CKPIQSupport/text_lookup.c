#include "ckpiq_text_lookup.h"

// The CSV loader spends most of a text column's time here: five of the benchmark's events
// columns are sources, devices and countries, ten million values each, nearly all of them
// already in the column's dictionary. In Swift the loop reloaded the batch's and the
// builder's fields after every store to the codes; here everything stays in registers.

/// Per length 0...15, the masks of a key's two words: a table lookup instead of shifts and
/// compares (value lengths vary at random from row to row, so no branch either).
static const uint64_t first_word_mask[16] = {
    0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull,
    ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull};
static const uint64_t second_word_mask[16] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0xFFull, 0xFFFFull, 0xFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFull, 0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull};

/// The probe key of a string of 1...15 bytes when 16 bytes can be read from `p`: two loads
/// and masks (StringInterner.keyOverreading).
static inline void key_overreading(const uint8_t *p, long n, uint64_t *k0, uint64_t *k1) {
    *k0 = kpiq_load64(p) & first_word_mask[n];
    *k1 = (kpiq_load64(p + 8) & second_word_mask[n]) | (uint64_t)(n + 1) << 56;
}

/// The same key read byte by byte (StringInterner.inlineKey), near the end of a buffer.
static inline void key_bytewise(const uint8_t *p, long n, uint64_t *k0, uint64_t *k1) {
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = kpiq_load64(p);
        for (long i = 8; i < n; i++) b |= (uint64_t)p[i] << (8 * (i - 8));
    } else {
        for (long i = 0; i < n; i++) a |= (uint64_t)p[i] << (8 * i);
    }
    *k0 = a;
    *k1 = b | (uint64_t)(n + 1) << 56;
}

/// The code of a string of more than 15 bytes, or -1 when the dictionary does not have it.
/// Out of line: the short strings' loop then keeps its values in registers.
static __attribute__((noinline)) long long_code(const uint8_t *p, long n, kpiq_text_lookup lookup) {
    uint64_t hash = kpiq_byte_hash(p, n);
    long slot = (long)hash & lookup.mask;
    for (;;) {
        const kpiq_slot *entry = lookup.table + slot;
        if (entry->code == 0) return -1;
        if (entry->key0 == hash && entry->key1 == KPIQ_LONG_MARKER) {
            long c = (long)entry->code - 1, lower = lookup.offsets[c];
            if (lookup.offsets[c + 1] - lower == n && kpiq_bytes_equal(lookup.bytes + lower, p, n)) return c;
        }
        slot = (slot + 1) & lookup.mask;
    }
}

/// The loop of kpiq_append_known_texts, compiled once per code width: with `wide` a constant,
/// the loop has a register more and a branch less per value.
static inline __attribute__((always_inline)) long append_known_texts(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_text_lookup lookup,
    void *codes, const bool wide, long code_index, uint64_t *validity, long validity_row, long *nulls) {
    uint8_t *codes8 = (uint8_t *)codes + code_index;
    uint16_t *codes16 = (uint16_t *)codes + code_index;
    long empty = 0;
    // Validity bits gather in a register and go to memory once per word.
    uint64_t bits = 0;
    long r = first;
    for (; r < count; r++) {
        kpiq_field f = fields[r];
        long k = r - first;
        uint32_t code = 0;
        if (f.length == 0) {
            empty++;
        } else {
            const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
            long n = f.length;
            long found;
            if (n <= 15) {
                uint64_t k0, k1;
                bool overread = f.inScratch ? f.offset + 16 <= source.scratch_capacity : f.offset + 16 <= source.end;
                if (__builtin_expect(overread, 1)) key_overreading(p, n, &k0, &k1); else key_bytewise(p, n, &k0, &k1);
                long slot = (long)kpiq_hash_inline(k0, k1) & lookup.mask;
                for (;;) {
                    const kpiq_slot *entry = lookup.table + slot;
                    if (entry->code == 0) goto done;  // not in the dictionary: the caller adds it
                    if (entry->key0 == k0 && entry->key1 == k1) break;
                    slot = (slot + 1) & lookup.mask;
                }
                found = (long)lookup.table[slot].code - 1;
            } else {
                found = long_code(p, n, lookup);
                if (found < 0) goto done;
            }
            code = (uint32_t)found;
            bits |= 1ull << ((validity_row + k) & 63);
        }
        if (wide) codes16[k] = (uint16_t)code; else codes8[k] = (uint8_t)code;
        if (((validity_row + k) & 63) == 63) {
            validity[(validity_row + k) >> 6] |= bits;
            bits = 0;
        }
    }
done:
    // The bits of the last, partial word (none when the run ended on a word's end).
    if (bits) validity[(validity_row + (r - first)) >> 6] |= bits;
    *nulls = empty;
    return r;
}

long kpiq_append_known_texts(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_text_lookup lookup,
    void *codes, bool wide, long code_index, uint64_t *validity, long validity_row, long *nulls) {
    if (wide) return append_known_texts(fields, first, count, source, lookup, codes, true, code_index, validity, validity_row, nulls);
    return append_known_texts(fields, first, count, source, lookup, codes, false, code_index, validity, validity_row, nulls);
}

// Ten million visitor ids at scale 10: each row keeps its key until the dictionary is built.
long kpiq_append_deferred_keys(
    const kpiq_field *fields, long first, long count, kpiq_field_source source,
    kpiq_key *keys, uint16_t *hash_tops, uint64_t *validity, long validity_row, long *nulls) {
    long empty = 0;
    long r = first;
    for (; r < count; r++) {
        kpiq_field f = fields[r];
        long k = r - first;
        long n = f.length;
        uint64_t k0 = 0, k1 = 0, hash = 0;
        if (n == 0) {
            empty++;
        } else {
            bool overread = f.inScratch ? f.offset + 16 <= source.scratch_capacity : f.offset + 16 <= source.end;
            if (n > 15 || !overread) break;
            const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
            key_overreading(p, n, &k0, &k1);
            // Not ASCII: the caller validates the UTF-8 (DeferredTextValues.isASCII).
            if ((k0 | (k1 & 0x00FFFFFFFFFFFFFFull)) & 0x8080808080808080ull) break;
            hash = kpiq_hash_inline(k0, k1);
            long row = validity_row + k;
            validity[row >> 6] |= 1ull << (row & 63);
        }
        keys[k] = (kpiq_key){k0, k1};
        hash_tops[k] = (uint16_t)(hash >> 48);
    }
    *nulls = empty;
    return r;
}
