#include "ckpiq_crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif

// The reflected Castagnoli polynomial.
#define CRC32C_POLY 0x82F63B78u

// table[k][b]: the CRC of byte b followed by k zero bytes (slicing-by-8).
static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void make_table(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++) {
        for (int k = 1; k < 8; k++) table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xFF];
    }
}

static uint32_t crc32c_table(uint32_t crc, const uint8_t *p, size_t n) {
    pthread_once(&table_once, make_table);
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        word ^= crc;  // little-endian: the CRC covers the first four bytes
        crc = table[7][word & 0xFF] ^ table[6][(word >> 8) & 0xFF] ^ table[5][(word >> 16) & 0xFF] ^
              table[4][(word >> 24) & 0xFF] ^ table[3][(word >> 32) & 0xFF] ^ table[2][(word >> 40) & 0xFF] ^
              table[1][(word >> 48) & 0xFF] ^ table[0][word >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
    return crc;
}

// The CPU's own CRC32C instructions, where there are: SSE4.2 on x86-64 (checked when called),
// the CRC extension on ARMv8 (known when compiled). Both take 8 bytes a step.
#if defined(__x86_64__)
#define CRC32C_HARDWARE 1
#define CRC32C_HARDWARE_TARGET __attribute__((target("sse4.2")))
static int crc32c_hardware_available(void) { return __builtin_cpu_supports("sse4.2"); }
CRC32C_HARDWARE_TARGET static inline uint32_t crc32c_hardware_word(uint32_t crc, uint64_t word) {
    return (uint32_t)_mm_crc32_u64(crc, word);
}
CRC32C_HARDWARE_TARGET static inline uint32_t crc32c_hardware_byte(uint32_t crc, uint8_t byte) { return _mm_crc32_u8(crc, byte); }
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#define CRC32C_HARDWARE 1
#define CRC32C_HARDWARE_TARGET
static int crc32c_hardware_available(void) { return 1; }
static inline uint32_t crc32c_hardware_word(uint32_t crc, uint64_t word) { return __crc32cd(crc, word); }
static inline uint32_t crc32c_hardware_byte(uint32_t crc, uint8_t byte) { return __crc32cb(crc, byte); }
#endif

#if defined(CRC32C_HARDWARE)
CRC32C_HARDWARE_TARGET static uint32_t crc32c_hardware(uint32_t crc, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = crc32c_hardware_word(crc, word);
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc32c_hardware_byte(crc, *p++);
    return crc;
}
#endif

uint32_t kpiq_crc32c(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = data;
    crc = ~crc;
#if defined(CRC32C_HARDWARE)
    if (crc32c_hardware_available()) return ~crc32c_hardware(crc, p, n);
#endif
    return ~crc32c_table(crc, p, n);
}
