#include "ckpiq_timestamp_run.h"

// Event exports are in time order: ten million timestamps at scale 10 on 730 dates, so all
// but one row in thousands is on the date of the row before. Same checks and arithmetic as
// SecondTimestampParser (its date parsing stays in Swift, reached at each new date).

/// The seconds since midnight of "HH:MM:SS" at `p` (8 bytes, read as one word), or -1 when
/// it is not two digits, a colon, two digits, a colon, two digits, in range. SWAR, as
/// kpiq_parse_eight_digits: a byte is a digit when neither `b - '0'` nor `b + 0x46` sets its
/// high bit, and the lowest invalid byte always shows.
static inline int64_t time_of_day(const uint8_t *p) {
    uint64_t w = kpiq_load64(p);
    const uint64_t digits = 0x8080008080008080ull;  // the high bits of bytes 0, 1, 3, 4, 6 and 7
    if ((w & 0x0000FF0000FF0000ull) != 0x00003A00003A0000ull) return -1;
    if (((w - 0x3030303030303030ull) | (w + 0x4646464646464646ull)) & digits) return -1;
    // Byte i becomes 10 * digit i + digit i + 1: the hours in byte 0, minutes in 3, seconds in 6.
    uint64_t t = w & 0x0F0F0F0F0F0F0F0Full;
    uint64_t pairs = t * 10 + (t >> 8);
    int64_t hh = (int64_t)(pairs & 0xFF), mi = (int64_t)((pairs >> 24) & 0xFF), ss = (int64_t)((pairs >> 48) & 0xFF);
    if (hh >= 24 || mi >= 60 || ss >= 60) return -1;
    return hh * 3600 + mi * 60 + ss;
}

long kpiq_parse_timestamp_run(
    const kpiq_field *fields, long first, long count, kpiq_field_source source, kpiq_known_date date, bool in_seconds,
    int64_t *values, bool *nulls, uint64_t *validity, long validity_row, long *null_count, kpiq_run_range *range) {
    long empty = 0;
    kpiq_run_range seen = {0, INT64_MAX, INT64_MIN, 0};
    long r = first;
    for (; r < count; r++) {
        kpiq_field f = fields[r];
        long k = r - first;
        if (f.length == 0) {
            values[k] = 0;
            nulls[k] = true;
            empty++;
            continue;
        }
        if (f.length != 19) break;
        const uint8_t *p = f.inScratch ? source.scratch + f.offset : source.base + f.offset;
        uint16_t tail;
        memcpy(&tail, p + 8, 2);
        if (kpiq_load64(p) != date.word || tail != date.tail) break;
        uint8_t separator = p[10];
        if (separator != 'T' && separator != ' ' && separator != 't') break;
        int64_t time = time_of_day(p + 11);
        if (time < 0) break;
        int64_t seconds = date.days * 86400 + time;
        values[k] = in_seconds ? seconds : seconds * 1000000;
        nulls[k] = false;
        kpiq_run_range_add(&seen, values[k]);
        long row = validity_row + k;
        validity[row >> 6] |= 1ull << (row & 63);
    }
    *null_count = empty;
    *range = seen;
    return r;
}
