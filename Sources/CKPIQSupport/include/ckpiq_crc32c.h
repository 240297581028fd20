#ifndef CKPIQ_CRC32C_H
#define CKPIQ_CRC32C_H

// CRC-32C (Castagnoli), the checksum of saved session files (SessionFile/*.swift).

#include <stddef.h>
#include <stdint.h>

/// The CRC-32C of `n` bytes at `data`, continuing from `crc` (0 to start): the same value as
/// iSCSI, ext4 and SSE4.2's `crc32` instruction, which it uses when the CPU has it (several GB/s
/// per core, so checking a saved session costs a fraction of copying it). Other CPUs take a
/// table-driven path eight bytes at a time.
uint32_t kpiq_crc32c(uint32_t crc, const void *data, size_t n);

#endif
