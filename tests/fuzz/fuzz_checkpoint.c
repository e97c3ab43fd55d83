/* fuzz_checkpoint.c — libFuzzer target: dd_ckpt_decode (the state file and snapshot reader) on
 * arbitrary bytes.
 *
 * Byte 0, bit 0 asks to re-seal the input first (write its length into the header and its XXH64
 * into the trailer), so mutations reach the structural checks behind the checksum; nested
 * sketches keep their own CRCs. The rest is the file. Decoding must never crash, read out of
 * bounds or leak, and must fail with a message that names the file and a byte offset; an
 * accepted file must encode back to exactly the same bytes (the form is canonical), and its
 * windows and references must answer queries and be takeable. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    /* As a reader of untrusted files would: a few bytes may declare sketches of hundreds of
     * MiB (dd_sketch_decode_budget_set); past the budget they are TOO_LARGE, not allocated. */
    dd_sketch_decode_budget_set((uint64_t)64 << 20);
    const size_t len = size - 1;
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, len);
    if ((data[0] & 1) && len >= 32 + 8) {
        for (int i = 0; i < 8; i++)
            copy[16 + i] = (uint8_t)((uint64_t)len >> (8 * i));
        const uint64_t h = XXH64(copy, len - 8, 0);
        for (int i = 0; i < 8; i++)
            copy[len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
    }
    dd_ckpt_t *ck = NULL;
    char err[512];
    err[0] = '\0';
    if (dd_ckpt_decode(copy, len, "fuzz", &ck, err, sizeof err) != 0) {
        if (ck != NULL || strncmp(err, "fuzz: offset ", 13) != 0)
            abort();
        free(copy);
        return 0;
    }
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (dd_ckpt_encode(c, &again, &again_len, err, sizeof err) != 0 || again_len != len ||
        memcmp(again, copy, len) != 0)
        abort();
    free(again);
    for (size_t i = 0; i < c->n_streams; i++) {
        (void)dd_window_rows(c->streams[i].window);
        dd_window_t *w = dd_ckpt_take_window(ck, i);
        if (w != NULL) {
            dd_sketch_set_t *set;
            if (dd_window_new_set(w, &set) != DD_SKETCH_OK)
                abort();
            (void)dd_window_merge_live(w, set);
            dd_sketch_set_destroy(set);
            dd_window_advance(w, dd_window_end_ms(w) + dd_window_pane_ms(w));
        }
        dd_window_destroy(w);
    }
    dd_ckpt_free(ck);
    free(copy);
    return 0;
}
