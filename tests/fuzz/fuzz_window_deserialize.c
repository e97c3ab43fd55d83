/* fuzz_window_deserialize.c — libFuzzer target: window deserialization on arbitrary bytes.
 *
 * Byte 0, bit 1 asks to repair the outer envelope's length and CRC-32C first, so mutations of
 * the window header (pane count, pane length, newest pane, slot indices) reach the structural
 * checks instead of stopping at the checksum; nested sketch sets keep their own CRCs (their
 * payloads have fuzz_sketch_deserialize). The rest is the input. Deserialization must never
 * crash, read out of bounds or leak; an accepted window must serialize back to exactly the bytes
 * read (the form is canonical) and answer every query: rows, start/end, merge of the live panes,
 * and further panes opening and expiring. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "fuzz_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    /* As a reader of untrusted files would: a few bytes may declare sketches of hundreds of
     * MiB (dd_sketch_decode_budget_set); past the budget they are TOO_LARGE, not allocated. */
    dd_sketch_decode_budget_set((uint64_t)64 << 20);
    const size_t len = size - 1;
    uint8_t *copy = fuzz_envelope_copy(data + 1, len, data[0] & 2);
    if (copy == NULL)
        return 0;
    dd_window_t *w;
    if (dd_window_deserialize(copy, len, &w) == DD_SKETCH_OK) {
        const size_t need = dd_window_serialized_size(w);
        uint8_t *out = malloc(need);
        size_t written = 0;
        if (out == NULL || dd_window_serialize(w, out, need, &written) != DD_SKETCH_OK ||
            written != need || written > len || memcmp(out, copy, written) != 0)
            abort();
        free(out);
        const int64_t end = dd_window_end_ms(w), start = dd_window_start_ms(w);
        if (end - start != (end == 0 && start == 0 ? 0 : dd_window_pane_ms(w) * dd_window_n_panes(w)))
            abort();
        (void)dd_window_rows(w);
        (void)dd_window_live_panes(w);
        dd_sketch_set_t *merged;
        if (dd_window_new_set(w, &merged) != DD_SKETCH_OK)
            abort();
        if (dd_window_merge_live(w, merged) == DD_SKETCH_ERR_INCOMPATIBLE)
            abort(); /* validated panes share specs; only count overflows may refuse */
        /* Open panes around the end, including ones that expire the whole window. */
        const int64_t probes[4] = {end - 1, end, end + dd_window_pane_ms(w) * 3,
                                   end + dd_window_pane_ms(w) * (int64_t)(dd_window_n_panes(w) + 2)};
        for (int i = 0; i < 4; i++) {
            dd_sketch_set_t *p = dd_window_pane_for(w, probes[i]);
            if (p != NULL)
                dd_sketch_set_add_rows(p, 1);
        }
        (void)dd_window_rows(w);
        dd_sketch_set_destroy(merged);
        dd_window_destroy(w);
    }
    free(copy);
    return 0;
}
