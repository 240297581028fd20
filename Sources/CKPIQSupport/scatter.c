#include "ckpiq_scatter.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Ten million visitor ids at scale 10 are copied into 4,096 bucket regions of a 160 MB array.
// A plain store per key touches a line (and on small pages a TLB entry) of a different region
// almost every row; here each bucket's keys wait in a 64-byte line that stays in cache, and a
// full line goes out in one non-temporal store, which also skips reading the line first.

/// Writes the keys of `line` (positions `first_position`...) whose positions are in [from, to).
static inline void write_each(kpiq_scatter s, const kpiq_key *line, long first_position, long from, long to) {
    for (long p = from; p < to; p++) s.entries[p] = line[p - first_position];
}

static inline void write_line(kpiq_key *target, const kpiq_key *line) {
#if defined(__SSE2__)
    const __m128i *source = (const __m128i *)line;
    __m128i *out = (__m128i *)target;
    _mm_stream_si128(out, _mm_load_si128(source));
    _mm_stream_si128(out + 1, _mm_load_si128(source + 1));
    _mm_stream_si128(out + 2, _mm_load_si128(source + 2));
    _mm_stream_si128(out + 3, _mm_load_si128(source + 3));
#else
    memcpy(target, line, 64);
#endif
}

void kpiq_scatter_keys(
    kpiq_scatter s, const kpiq_key *keys, const uint16_t *hash_tops, long rows,
    const uint64_t *validity, long validity_row, unsigned top_shift) {
    for (long row = 0; row < rows; row++) {
        if (validity) {
            long bit = validity_row + row;
            if (!(validity[bit >> 6] >> (bit & 63) & 1)) continue;
        }
        long bucket = hash_tops[row] >> top_shift;
        long position = s.cursor[bucket]++;
        kpiq_key *line = s.lines + 4 * bucket;
        line[position & 3] = keys[row];
        if ((position & 3) == 3) {
            long first = position - 3;
            if (first >= s.owned_from[bucket]) {
                write_line(s.entries + first, line);
            } else {
                write_each(s, line, first, s.owned_from[bucket], position + 1);
            }
        }
    }
}

void kpiq_scatter_finish(kpiq_scatter s, long buckets) {
    for (long bucket = 0; bucket < buckets; bucket++) {
        long end = s.cursor[bucket];
        long first = end & ~3L;
        long from = first > s.owned_from[bucket] ? first : s.owned_from[bucket];
        write_each(s, s.lines + 4 * bucket, first, from, end);
    }
#if defined(__SSE2__)
    // Non-temporal stores are weakly ordered: make them visible before the task reports done.
    _mm_sfence();
#endif
}
