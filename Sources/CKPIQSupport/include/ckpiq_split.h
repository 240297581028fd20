#ifndef CKPIQ_SPLIT_H
#define CKPIQ_SPLIT_H

// The CSV loader's fast path for the common row: plain fields, no quotes (CSVPartitionParser).

#include <stdbool.h>
#include <stdint.h>

/// Where one field of a row is: in the file, or (for a quoted field with "" escapes) in the
/// row batch's scratch buffer after unescaping. Swift calls it `FieldRef`.
typedef struct kpiq_field {
    long offset;
    int32_t length;
    bool quoted;
    bool inScratch;
} kpiq_field;

/// Splits rows of plain fields, starting at `start`, the way the general tokenizer would:
/// rows that start before `stop`, at most `max_rows` of them, each with exactly `columns`
/// fields separated by `delimiter` and ended by "\n" or "\r\n". Field k of row r is written to
/// `fields[k * stride + r]`, the row's start to `row_starts[r]`.
///
/// It stops, leaving the row to the general tokenizer, at the first row that has a quote, a
/// carriage return not before a newline, a blank line, a different number of fields, or an
/// end inside the file's last partial 64-byte block (nothing past `end` is ever read).
/// Returns the rows split; `*next` is where the first row not split starts.
long kpiq_split_plain_rows(
    const uint8_t *base, long start, long stop, long end, uint8_t delimiter, uint8_t quote,
    long columns, kpiq_field *fields, long stride, long *row_starts, long max_rows, long *next);

#endif
