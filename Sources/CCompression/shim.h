// The page codecs Parquet files use: Snappy, gzip (zlib) and Zstandard, from the system's
// libraries (Debian: libsnappy-dev, zlib1g-dev, libzstd-dev).
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

// inflateInit2 is a macro (it passes the library version and struct size); Swift cannot
// call macros, so it is wrapped here. Window bits 15 + 32: a gzip or zlib header, detected.
static inline int kpiq_inflate_init(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
