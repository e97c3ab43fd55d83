/* fuzz_envelope.h — shared by the fuzz targets of sketch deserialization: the input copied to a
 * buffer of its own exact size (so AddressSanitizer sees any read past it), with the envelope's
 * payload length and CRC-32C repaired when asked. Random mutations almost never keep a valid
 * CRC-32C: without the repair a fuzzer would only ever explore the checksum check. */
#ifndef DRIFTD_FUZZ_ENVELOPE_H
#define DRIFTD_FUZZ_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h" /* internal: the CRC and the envelope's layout */

/* A malloc'd copy of data[0, len) (the caller frees it), its envelope repaired when `repair` is
 * set and it is long enough to hold one; NULL when out of memory. */
static inline uint8_t *fuzz_envelope_copy(const uint8_t *data, size_t len, int repair) {
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, data, len);
    if (repair && len >= DD_WIRE_HEADER_BYTES + DD_WIRE_TRAILER_BYTES) {
        const size_t payload = len - DD_WIRE_HEADER_BYTES - DD_WIRE_TRAILER_BYTES;
        for (int i = 0; i < 4; i++)
            copy[8 + i] = (uint8_t)(payload >> (8 * i));
        const uint32_t crc = dd_wire_crc32c(0, copy, len - DD_WIRE_TRAILER_BYTES);
        for (int i = 0; i < 4; i++)
            copy[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    return copy;
}

#endif /* DRIFTD_FUZZ_ENVELOPE_H */
