/* wire.h — internal to sketches/: the portable binary form shared by every sketch.
 *
 * Envelope (all integers little-endian, doubles as IEEE-754 binary64 bit patterns):
 *   offset 0  magic "DDSK" (4 bytes)
 *          4  format version, u16 (DD_WIRE_VERSION)
 *          6  sketch type, u16 (dd_wire_type_t)
 *          8  payload length in bytes, u32 (≤ DD_WIRE_PAYLOAD_MAX)
 *         12  payload
 *   12+len    CRC-32C (Castagnoli) of bytes [0, 12+len), u32
 * docs/sketch-format.md documents each sketch's payload.
 *
 * Writers never overrun: past `cap` they keep counting so the caller learns the size needed.
 * Readers never overrun: a read past `end` returns 0 and sets `failed`; check it once at the end. */
#ifndef DRIFTD_SKETCHES_WIRE_H
#define DRIFTD_SKETCHES_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "sketches.h"

#define DD_WIRE_VERSION 1u
#define DD_WIRE_HEADER_BYTES 12u
#define DD_WIRE_TRAILER_BYTES 4u
#define DD_WIRE_PAYLOAD_MAX (64u << 20) /* 64 MiB: far above any sketch, far below harm */

typedef enum dd_wire_type {
    DD_WIRE_MOMENTS = 1,
    DD_WIRE_HISTOGRAM = 2,
    DD_WIRE_KLL = 3,
    DD_WIRE_HLL = 4,
    DD_WIRE_FREQUENT = 5,
    DD_WIRE_JOINT = 6, /* joint numeric summary (dd_joint_t) */
    DD_WIRE_SKETCH_SET = 16,
    DD_WIRE_WINDOW = 17, /* a ring of panes: each pane a nested DD_WIRE_SKETCH_SET envelope */
} dd_wire_type_t;

/* Takes `bytes` from this thread's decode budget (dd_sketch_decode_budget_set): 1 when there
 * is no budget or it covers them, else 0 (the caller fails with TOO_LARGE, allocating nothing). */
int dd_sketch_decode_budget_take(uint64_t bytes);
/* The largest in-memory size of each sketch with these parameters (dd_sketch_set_memory_bound). */
uint64_t dd_kll_memory_bound(uint32_t k);
uint64_t dd_hll_memory_bound(uint32_t p);
uint64_t dd_frequent_memory_bound(uint32_t capacity);

/* A window holds up to DD_WINDOW_PANES_MAX sketch sets, each up to DD_WIRE_PAYLOAD_MAX: its
 * envelope alone may carry up to 1 GiB (still a u32 length). */
#define DD_WIRE_WINDOW_PAYLOAD_MAX (1u << 30)

typedef struct dd_wire_writer {
    uint8_t *buf; /* may be NULL with cap 0 to only measure */
    size_t cap;
    size_t len; /* bytes written, or that would have been */
} dd_wire_writer_t;

typedef struct dd_wire_reader {
    const uint8_t *pos;
    const uint8_t *end;
    int failed; /* set by any read past end */
} dd_wire_reader_t;

uint32_t dd_wire_crc32c(uint32_t crc, const uint8_t *data, size_t n);

void dd_wire_put_u8(dd_wire_writer_t *w, uint8_t v);
void dd_wire_put_u16(dd_wire_writer_t *w, uint16_t v);
void dd_wire_put_u32(dd_wire_writer_t *w, uint32_t v);
void dd_wire_put_u64(dd_wire_writer_t *w, uint64_t v);
void dd_wire_put_f64(dd_wire_writer_t *w, double v);

uint8_t dd_wire_get_u8(dd_wire_reader_t *r);
uint16_t dd_wire_get_u16(dd_wire_reader_t *r);
uint32_t dd_wire_get_u32(dd_wire_reader_t *r);
uint64_t dd_wire_get_u64(dd_wire_reader_t *r);
double dd_wire_get_f64(dd_wire_reader_t *r);
/* Bytes left to read; a count read from the input must be checked against this (times the item
 * size) before anything is allocated for it. */
size_t dd_wire_remaining(const dd_wire_reader_t *r);

/* Starts an envelope at w->len; returns the position to pass to dd_wire_end. */
size_t dd_wire_begin(dd_wire_writer_t *w, dd_wire_type_t type);
/* Patches the payload length, appends the CRC. Returns DD_SKETCH_OK, or BUFFER_TOO_SMALL when
 * w->cap < w->len (w->len then says how many bytes were needed), or TOO_LARGE. */
dd_sketch_err_t dd_wire_end(dd_wire_writer_t *w, size_t begin);
/* The same with an explicit payload limit (DD_WIRE_WINDOW_PAYLOAD_MAX for windows). */
dd_sketch_err_t dd_wire_end_max(dd_wire_writer_t *w, size_t begin, size_t payload_max);

/* Checks an envelope at the start of [buf, buf+len): magic, version, type, length (at most
 * DD_WIRE_PAYLOAD_MAX, DD_WIRE_WINDOW_PAYLOAD_MAX for type DD_WIRE_WINDOW), CRC. On
 * success *payload reads exactly the payload and *consumed is the envelope's total size. */
dd_sketch_err_t dd_wire_open(const uint8_t *buf, size_t len, dd_wire_type_t type,
                             dd_wire_reader_t *payload, size_t *consumed);

#endif /* DRIFTD_SKETCHES_WIRE_H */
