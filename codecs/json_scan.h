/* json_scan.h — private to codecs/ (json.c, json_walk.c): the bounded JSON scanning primitives
 * the plan decoder and the walker share, as static functions so the hot ones inline into both.
 *
 * Each takes the cursor and a position inside the input and returns the position after what it
 * scanned, or NULL after recording the error and where it was found. Every read is checked
 * against the cursor's end or a tighter limit. */
#ifndef DRIFTD_CODECS_JSON_SCAN_H
#define DRIFTD_CODECS_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "json_int.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static inline int options_valid(const dd_json_options_t *o) {
    return o->record_bytes_max > 0 && o->string_bytes_max > 0 && o->number_bytes_max > 0 &&
           o->number_bytes_max <= JSON_NUMBER_BYTES_CAP && o->depth_max >= 1 &&
           o->depth_max <= JSON_DEPTH_CAP;
}

typedef struct cursor {
    const uint8_t *start, *end;
    const dd_json_options_t *opt;
    dd_codec_err_t err;
    const uint8_t *err_at;
} cursor_t;

static inline const uint8_t *fail(cursor_t *c, dd_codec_err_t err, const uint8_t *at) {
    c->err = err;
    c->err_at = at;
    return NULL;
}

static inline const uint8_t *truncated(cursor_t *c) {
    return fail(c, DD_CODEC_ERR_TRUNCATED, c->end);
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end) {
    while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* A read stopped at `lim`: the input ended there, or (when lim < end) the item is longer than its
 * limit, reported at the item's first byte. */
static inline const uint8_t *out_of_bounds(cursor_t *c, const uint8_t *lim, const uint8_t *item) {
    if (lim >= c->end)
        return truncated(c);
    return fail(c, DD_CODEC_ERR_LENGTH_TOO_LARGE, item);
}

static inline int hex_value(uint8_t ch) {
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (uint8_t)(ch | 0x20);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Four hex digits at q; *cp gets their value. */
static inline const uint8_t *scan_hex4(cursor_t *c, const uint8_t *q, const uint8_t *lim,
                                       const uint8_t *open, unsigned *cp) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (q + i >= lim)
            return out_of_bounds(c, lim, open);
        const int h = hex_value(q[i]);
        if (h < 0)
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q + i);
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return q + 4;
}

/* An escape at q (a backslash) inside the string opened at `open`. A \u escape of a surrogate
 * must be a high one followed by a \u escape of a low one: anything else cannot become UTF-8. */
static inline const uint8_t *scan_escape(cursor_t *c, const uint8_t *q, const uint8_t *lim,
                                         const uint8_t *open) {
    if (q + 1 >= lim)
        return out_of_bounds(c, lim, open);
    switch (q[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return q + 2;
    case 'u':
        break;
    default:
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q + 1);
    }
    unsigned hi, lo;
    const uint8_t *r = scan_hex4(c, q + 2, lim, open, &hi);
    if (r == NULL)
        return NULL;
    if (hi < 0xD800 || hi > 0xDFFF)
        return r;
    if (hi >= 0xDC00)
        return fail(c, DD_CODEC_ERR_INVALID_UTF8, q); /* a low surrogate alone */
    if (r >= lim)
        return out_of_bounds(c, lim, open);
    if (r[0] != '\\')
        return fail(c, DD_CODEC_ERR_INVALID_UTF8, q);
    if (r + 1 >= lim)
        return out_of_bounds(c, lim, open);
    if (r[1] != 'u')
        return fail(c, DD_CODEC_ERR_INVALID_UTF8, q);
    r = scan_hex4(c, r + 2, lim, open, &lo);
    if (r == NULL)
        return NULL;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return fail(c, DD_CODEC_ERR_INVALID_UTF8, q);
    return r;
}

/* A multi-byte UTF-8 sequence at q (first byte ≥ 0x80): no overlong forms, no surrogates,
 * nothing above U+10FFFF (RFC 3629). */
static inline const uint8_t *scan_utf8(cursor_t *c, const uint8_t *q, const uint8_t *lim,
                                       const uint8_t *open) {
    const uint8_t b0 = q[0];
    uint8_t lo = 0x80, hi = 0xBF;
    int n;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 2;
        if (b0 == 0xE0)
            lo = 0xA0;
        else if (b0 == 0xED)
            hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 3;
        if (b0 == 0xF0)
            lo = 0x90;
        else if (b0 == 0xF4)
            hi = 0x8F;
    } else {
        return fail(c, DD_CODEC_ERR_INVALID_UTF8, q);
    }
    for (int i = 1; i <= n; i++) {
        if (q + i >= lim)
            return out_of_bounds(c, lim, open);
        if (q[i] < lo || q[i] > hi)
            return fail(c, DD_CODEC_ERR_INVALID_UTF8, q);
        lo = 0x80;
        hi = 0xBF;
    }
    return q + n + 1;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Bytes of v that need a closer look inside a string: '"', '\\', controls and non-ASCII. The
 * lowest flagged byte is always a true one (borrows only spill upwards). */
static inline uint64_t string_specials(uint64_t v) {
    const uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
    return ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((v - ONES * 0x20) & ~v) | v;
}

/* A string whose opening quote is at p. Returns the byte after the closing quote; *escaped says
 * whether the content holds escapes. The content (raw bytes) may be at most string_bytes_max. */
__attribute__((noinline)) static const uint8_t *
scan_string_careful(cursor_t *c, const uint8_t *p, int *escaped) {
    const uint8_t *q = p + 1;
    const size_t room = (size_t)(c->end - q);
    const uint8_t *lim =
        room > c->opt->string_bytes_max ? q + c->opt->string_bytes_max + 1 : c->end;
    int esc = 0;
    for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (lim - q >= 8) {
            uint64_t v;
            memcpy(&v, q, 8);
            const uint64_t s = string_specials(v) & HIGHS;
            if (s != 0) {
                q += __builtin_ctzll(s) >> 3;
                break;
            }
            q += 8;
        }
#endif
        if (q >= lim)
            return out_of_bounds(c, lim, p);
        const uint8_t ch = *q;
        if (ch == '"') {
            *escaped = esc;
            return q + 1;
        }
        if (ch == '\\') {
            esc = 1;
            q = scan_escape(c, q, lim, p);
        } else if (ch >= 0x80) {
            q = scan_utf8(c, q, lim, p);
        } else if (ch < 0x20) {
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q);
        } else {
            q++;
        }
        if (q == NULL)
            return NULL;
    }
}

/* scan_string_careful's result, with a fast path for the common case: plain ASCII content of at
 * most 7 bytes (most member names and category values), closed within one 8-byte load. */
static inline const uint8_t *scan_string(cursor_t *c, const uint8_t *p, int *escaped) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (c->end - p > 8) {
        const uint64_t s = string_specials(load64(p + 1)) & HIGHS;
        if (s != 0) {
            const unsigned n = (unsigned)__builtin_ctzll(s) >> 3;
            if (p[1 + n] == '"' && n <= c->opt->string_bytes_max) {
                *escaped = 0;
                return p + 2 + n;
            }
        }
    }
#endif
    return scan_string_careful(c, p, escaped);
}

/* One escape at s (validated): its UTF-8 bytes into out (up to 4); returns the byte after it. */
static inline const uint8_t *unescape_one(const uint8_t *s, uint8_t *out, size_t *n) {
    unsigned cp;
    switch (s[1]) {
    case 'b':
        out[0] = '\b';
        break;
    case 'f':
        out[0] = '\f';
        break;
    case 'n':
        out[0] = '\n';
        break;
    case 'r':
        out[0] = '\r';
        break;
    case 't':
        out[0] = '\t';
        break;
    case 'u':
        cp = 0;
        for (int i = 2; i < 6; i++)
            cp = cp << 4 | (unsigned)hex_value(s[i]);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo = 0;
            for (int i = 8; i < 12; i++)
                lo = lo << 4 | (unsigned)hex_value(s[i]);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            s += 6;
        }
        if (cp < 0x80) {
            out[0] = (uint8_t)cp;
            *n = 1;
        } else if (cp < 0x800) {
            out[0] = (uint8_t)(0xC0 | cp >> 6);
            out[1] = (uint8_t)(0x80 | (cp & 0x3F));
            *n = 2;
        } else if (cp < 0x10000) {
            out[0] = (uint8_t)(0xE0 | cp >> 12);
            out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
            out[2] = (uint8_t)(0x80 | (cp & 0x3F));
            *n = 3;
        } else {
            out[0] = (uint8_t)(0xF0 | cp >> 18);
            out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
            out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
            out[3] = (uint8_t)(0x80 | (cp & 0x3F));
            *n = 4;
        }
        return s + 6;
    default: /* '"', '\\', '/' */
        out[0] = s[1];
        break;
    }
    *n = 1;
    return s + 2;
}

/* dd_codec_hash of the unescaped bytes of a validated string, without a buffer as long as the
 * string: chunks go through XXH3's streaming form, which gives the same hash as one call. */
static inline uint64_t hash_escaped(const uint8_t *s, const uint8_t *e) {
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    uint8_t buf[256];
    size_t n = 0;
    while (s < e) {
        if (n > sizeof(buf) - 4) {
            XXH3_64bits_update(&state, buf, n);
            n = 0;
        }
        if (*s != '\\') {
            buf[n++] = *s++;
            continue;
        }
        size_t k;
        s = unescape_one(s, buf + n, &k);
        n += k;
    }
    XXH3_64bits_update(&state, buf, n);
    return XXH3_64bits_digest(&state);
}

static inline uint64_t hash_bytes(const void *s, size_t len) {
    return XXH3_64bits(s, len);
}

/* ---- numbers ---- */

#ifndef __SIZEOF_INT128__
static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#endif

/* strtod on a copy (the input is not NUL-terminated); the literal is valid JSON, which strtod
 * reads whole. Overflow gives ±HUGE_VAL (±inf), which is what the text says. */
__attribute__((noinline)) static double number_slow(const uint8_t *p, size_t len) {
    char buf[JSON_NUMBER_BYTES_CAP + 1];
    memcpy(buf, p, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128_t;

#define POW10_MIN (-64)
#define POW10_MAX 64
/* 10^e as a 128-bit mantissa {high, low} with the top bit set, rounded down, for e in
 * [POW10_MIN, POW10_MAX]. Generated with exact integer arithmetic (Python):
 *   e >= 0: m = 10**e, shifted left (or right) to 128 bits
 *   e < 0:  m = 2**N // 10**-e with N = 128 + (10**-e).bit_length() + 1, shifted right to 128 bits
 * tests/unit/test_json.c compares conversions with strtod bit for bit, across the table's range. */
static const uint64_t pow10_128[POW10_MAX - POW10_MIN + 1][2] = {
    {0xA87FEA27A539E9A5ULL, 0x3F2398D747B36224ULL}, /* 1e-64 */
    {0xD29FE4B18E88640EULL, 0x8EEC7F0D19A03AADULL}, /* 1e-63 */
    {0x83A3EEEEF9153E89ULL, 0x1953CF68300424ACULL}, /* 1e-62 */
    {0xA48CEAAAB75A8E2BULL, 0x5FA8C3423C052DD7ULL}, /* 1e-61 */
    {0xCDB02555653131B6ULL, 0x3792F412CB06794DULL}, /* 1e-60 */
    {0x808E17555F3EBF11ULL, 0xE2BBD88BBEE40BD0ULL}, /* 1e-59 */
    {0xA0B19D2AB70E6ED6ULL, 0x5B6ACEAEAE9D0EC4ULL}, /* 1e-58 */
    {0xC8DE047564D20A8BULL, 0xF245825A5A445275ULL}, /* 1e-57 */
    {0xFB158592BE068D2EULL, 0xEED6E2F0F0D56712ULL}, /* 1e-56 */
    {0x9CED737BB6C4183DULL, 0x55464DD69685606BULL}, /* 1e-55 */
    {0xC428D05AA4751E4CULL, 0xAA97E14C3C26B886ULL}, /* 1e-54 */
    {0xF53304714D9265DFULL, 0xD53DD99F4B3066A8ULL}, /* 1e-53 */
    {0x993FE2C6D07B7FABULL, 0xE546A8038EFE4029ULL}, /* 1e-52 */
    {0xBF8FDB78849A5F96ULL, 0xDE98520472BDD033ULL}, /* 1e-51 */
    {0xEF73D256A5C0F77CULL, 0x963E66858F6D4440ULL}, /* 1e-50 */
    {0x95A8637627989AADULL, 0xDDE7001379A44AA8ULL}, /* 1e-49 */
    {0xBB127C53B17EC159ULL, 0x5560C018580D5D52ULL}, /* 1e-48 */
    {0xE9D71B689DDE71AFULL, 0xAAB8F01E6E10B4A6ULL}, /* 1e-47 */
    {0x9226712162AB070DULL, 0xCAB3961304CA70E8ULL}, /* 1e-46 */
    {0xB6B00D69BB55C8D1ULL, 0x3D607B97C5FD0D22ULL}, /* 1e-45 */
    {0xE45C10C42A2B3B05ULL, 0x8CB89A7DB77C506AULL}, /* 1e-44 */
    {0x8EB98A7A9A5B04E3ULL, 0x77F3608E92ADB242ULL}, /* 1e-43 */
    {0xB267ED1940F1C61CULL, 0x55F038B237591ED3ULL}, /* 1e-42 */
    {0xDF01E85F912E37A3ULL, 0x6B6C46DEC52F6688ULL}, /* 1e-41 */
    {0x8B61313BBABCE2C6ULL, 0x2323AC4B3B3DA015ULL}, /* 1e-40 */
    {0xAE397D8AA96C1B77ULL, 0xABEC975E0A0D081AULL}, /* 1e-39 */
    {0xD9C7DCED53C72255ULL, 0x96E7BD358C904A21ULL}, /* 1e-38 */
    {0x881CEA14545C7575ULL, 0x7E50D64177DA2E54ULL}, /* 1e-37 */
    {0xAA242499697392D2ULL, 0xDDE50BD1D5D0B9E9ULL}, /* 1e-36 */
    {0xD4AD2DBFC3D07787ULL, 0x955E4EC64B44E864ULL}, /* 1e-35 */
    {0x84EC3C97DA624AB4ULL, 0xBD5AF13BEF0B113EULL}, /* 1e-34 */
    {0xA6274BBDD0FADD61ULL, 0xECB1AD8AEACDD58EULL}, /* 1e-33 */
    {0xCFB11EAD453994BAULL, 0x67DE18EDA5814AF2ULL}, /* 1e-32 */
    {0x81CEB32C4B43FCF4ULL, 0x80EACF948770CED7ULL}, /* 1e-31 */
    {0xA2425FF75E14FC31ULL, 0xA1258379A94D028DULL}, /* 1e-30 */
    {0xCAD2F7F5359A3B3EULL, 0x096EE45813A04330ULL}, /* 1e-29 */
    {0xFD87B5F28300CA0DULL, 0x8BCA9D6E188853FCULL}, /* 1e-28 */
    {0x9E74D1B791E07E48ULL, 0x775EA264CF55347DULL}, /* 1e-27 */
    {0xC612062576589DDAULL, 0x95364AFE032A819DULL}, /* 1e-26 */
    {0xF79687AED3EEC551ULL, 0x3A83DDBD83F52204ULL}, /* 1e-25 */
    {0x9ABE14CD44753B52ULL, 0xC4926A9672793542ULL}, /* 1e-24 */
    {0xC16D9A0095928A27ULL, 0x75B7053C0F178293ULL}, /* 1e-23 */
    {0xF1C90080BAF72CB1ULL, 0x5324C68B12DD6338ULL}, /* 1e-22 */
    {0x971DA05074DA7BEEULL, 0xD3F6FC16EBCA5E03ULL}, /* 1e-21 */
    {0xBCE5086492111AEAULL, 0x88F4BB1CA6BCF584ULL}, /* 1e-20 */
    {0xEC1E4A7DB69561A5ULL, 0x2B31E9E3D06C32E5ULL}, /* 1e-19 */
    {0x9392EE8E921D5D07ULL, 0x3AFF322E62439FCFULL}, /* 1e-18 */
    {0xB877AA3236A4B449ULL, 0x09BEFEB9FAD487C2ULL}, /* 1e-17 */
    {0xE69594BEC44DE15BULL, 0x4C2EBE687989A9B3ULL}, /* 1e-16 */
    {0x901D7CF73AB0ACD9ULL, 0x0F9D37014BF60A10ULL}, /* 1e-15 */
    {0xB424DC35095CD80FULL, 0x538484C19EF38C94ULL}, /* 1e-14 */
    {0xE12E13424BB40E13ULL, 0x2865A5F206B06FB9ULL}, /* 1e-13 */
    {0x8CBCCC096F5088CBULL, 0xF93F87B7442E45D3ULL}, /* 1e-12 */
    {0xAFEBFF0BCB24AAFEULL, 0xF78F69A51539D748ULL}, /* 1e-11 */
    {0xDBE6FECEBDEDD5BEULL, 0xB573440E5A884D1BULL}, /* 1e-10 */
    {0x89705F4136B4A597ULL, 0x31680A88F8953030ULL}, /* 1e-9 */
    {0xABCC77118461CEFCULL, 0xFDC20D2B36BA7C3DULL}, /* 1e-8 */
    {0xD6BF94D5E57A42BCULL, 0x3D32907604691B4CULL}, /* 1e-7 */
    {0x8637BD05AF6C69B5ULL, 0xA63F9A49C2C1B10FULL}, /* 1e-6 */
    {0xA7C5AC471B478423ULL, 0x0FCF80DC33721D53ULL}, /* 1e-5 */
    {0xD1B71758E219652BULL, 0xD3C36113404EA4A8ULL}, /* 1e-4 */
    {0x83126E978D4FDF3BULL, 0x645A1CAC083126E9ULL}, /* 1e-3 */
    {0xA3D70A3D70A3D70AULL, 0x3D70A3D70A3D70A3ULL}, /* 1e-2 */
    {0xCCCCCCCCCCCCCCCCULL, 0xCCCCCCCCCCCCCCCCULL}, /* 1e-1 */
    {0x8000000000000000ULL, 0x0000000000000000ULL}, /* 1e0 */
    {0xA000000000000000ULL, 0x0000000000000000ULL}, /* 1e1 */
    {0xC800000000000000ULL, 0x0000000000000000ULL}, /* 1e2 */
    {0xFA00000000000000ULL, 0x0000000000000000ULL}, /* 1e3 */
    {0x9C40000000000000ULL, 0x0000000000000000ULL}, /* 1e4 */
    {0xC350000000000000ULL, 0x0000000000000000ULL}, /* 1e5 */
    {0xF424000000000000ULL, 0x0000000000000000ULL}, /* 1e6 */
    {0x9896800000000000ULL, 0x0000000000000000ULL}, /* 1e7 */
    {0xBEBC200000000000ULL, 0x0000000000000000ULL}, /* 1e8 */
    {0xEE6B280000000000ULL, 0x0000000000000000ULL}, /* 1e9 */
    {0x9502F90000000000ULL, 0x0000000000000000ULL}, /* 1e10 */
    {0xBA43B74000000000ULL, 0x0000000000000000ULL}, /* 1e11 */
    {0xE8D4A51000000000ULL, 0x0000000000000000ULL}, /* 1e12 */
    {0x9184E72A00000000ULL, 0x0000000000000000ULL}, /* 1e13 */
    {0xB5E620F480000000ULL, 0x0000000000000000ULL}, /* 1e14 */
    {0xE35FA931A0000000ULL, 0x0000000000000000ULL}, /* 1e15 */
    {0x8E1BC9BF04000000ULL, 0x0000000000000000ULL}, /* 1e16 */
    {0xB1A2BC2EC5000000ULL, 0x0000000000000000ULL}, /* 1e17 */
    {0xDE0B6B3A76400000ULL, 0x0000000000000000ULL}, /* 1e18 */
    {0x8AC7230489E80000ULL, 0x0000000000000000ULL}, /* 1e19 */
    {0xAD78EBC5AC620000ULL, 0x0000000000000000ULL}, /* 1e20 */
    {0xD8D726B7177A8000ULL, 0x0000000000000000ULL}, /* 1e21 */
    {0x878678326EAC9000ULL, 0x0000000000000000ULL}, /* 1e22 */
    {0xA968163F0A57B400ULL, 0x0000000000000000ULL}, /* 1e23 */
    {0xD3C21BCECCEDA100ULL, 0x0000000000000000ULL}, /* 1e24 */
    {0x84595161401484A0ULL, 0x0000000000000000ULL}, /* 1e25 */
    {0xA56FA5B99019A5C8ULL, 0x0000000000000000ULL}, /* 1e26 */
    {0xCECB8F27F4200F3AULL, 0x0000000000000000ULL}, /* 1e27 */
    {0x813F3978F8940984ULL, 0x4000000000000000ULL}, /* 1e28 */
    {0xA18F07D736B90BE5ULL, 0x5000000000000000ULL}, /* 1e29 */
    {0xC9F2C9CD04674EDEULL, 0xA400000000000000ULL}, /* 1e30 */
    {0xFC6F7C4045812296ULL, 0x4D00000000000000ULL}, /* 1e31 */
    {0x9DC5ADA82B70B59DULL, 0xF020000000000000ULL}, /* 1e32 */
    {0xC5371912364CE305ULL, 0x6C28000000000000ULL}, /* 1e33 */
    {0xF684DF56C3E01BC6ULL, 0xC732000000000000ULL}, /* 1e34 */
    {0x9A130B963A6C115CULL, 0x3C7F400000000000ULL}, /* 1e35 */
    {0xC097CE7BC90715B3ULL, 0x4B9F100000000000ULL}, /* 1e36 */
    {0xF0BDC21ABB48DB20ULL, 0x1E86D40000000000ULL}, /* 1e37 */
    {0x96769950B50D88F4ULL, 0x1314448000000000ULL}, /* 1e38 */
    {0xBC143FA4E250EB31ULL, 0x17D955A000000000ULL}, /* 1e39 */
    {0xEB194F8E1AE525FDULL, 0x5DCFAB0800000000ULL}, /* 1e40 */
    {0x92EFD1B8D0CF37BEULL, 0x5AA1CAE500000000ULL}, /* 1e41 */
    {0xB7ABC627050305ADULL, 0xF14A3D9E40000000ULL}, /* 1e42 */
    {0xE596B7B0C643C719ULL, 0x6D9CCD05D0000000ULL}, /* 1e43 */
    {0x8F7E32CE7BEA5C6FULL, 0xE4820023A2000000ULL}, /* 1e44 */
    {0xB35DBF821AE4F38BULL, 0xDDA2802C8A800000ULL}, /* 1e45 */
    {0xE0352F62A19E306EULL, 0xD50B2037AD200000ULL}, /* 1e46 */
    {0x8C213D9DA502DE45ULL, 0x4526F422CC340000ULL}, /* 1e47 */
    {0xAF298D050E4395D6ULL, 0x9670B12B7F410000ULL}, /* 1e48 */
    {0xDAF3F04651D47B4CULL, 0x3C0CDD765F114000ULL}, /* 1e49 */
    {0x88D8762BF324CD0FULL, 0xA5880A69FB6AC800ULL}, /* 1e50 */
    {0xAB0E93B6EFEE0053ULL, 0x8EEA0D047A457A00ULL}, /* 1e51 */
    {0xD5D238A4ABE98068ULL, 0x72A4904598D6D880ULL}, /* 1e52 */
    {0x85A36366EB71F041ULL, 0x47A6DA2B7F864750ULL}, /* 1e53 */
    {0xA70C3C40A64E6C51ULL, 0x999090B65F67D924ULL}, /* 1e54 */
    {0xD0CF4B50CFE20765ULL, 0xFFF4B4E3F741CF6DULL}, /* 1e55 */
    {0x82818F1281ED449FULL, 0xBFF8F10E7A8921A4ULL}, /* 1e56 */
    {0xA321F2D7226895C7ULL, 0xAFF72D52192B6A0DULL}, /* 1e57 */
    {0xCBEA6F8CEB02BB39ULL, 0x9BF4F8A69F764490ULL}, /* 1e58 */
    {0xFEE50B7025C36A08ULL, 0x02F236D04753D5B4ULL}, /* 1e59 */
    {0x9F4F2726179A2245ULL, 0x01D762422C946590ULL}, /* 1e60 */
    {0xC722F0EF9D80AAD6ULL, 0x424D3AD2B7B97EF5ULL}, /* 1e61 */
    {0xF8EBAD2B84E0D58BULL, 0xD2E0898765A7DEB2ULL}, /* 1e62 */
    {0x9B934C3B330C8577ULL, 0x63CC55F49F88EB2FULL}, /* 1e63 */
    {0xC2781F49FFCFA6D5ULL, 0x3CBF6B71C76B25FBULL}, /* 1e64 */
};

/* w·10^e10 correctly rounded, by the Eisel–Lemire algorithm (D. Lemire, "Number parsing at a
 * gigabyte per second", 2021; as in Go's strconv and in fast_float): one or two 64×64→128
 * multiplies by a truncated power of ten, and a refusal (−1) whenever the truncation could change
 * the rounding, the result is halfway, subnormal or out of range; the caller then uses strtod.
 * w ≠ 0 and fits 64 bits exactly (at most 19 digits). */
static inline int eisel_lemire(uint64_t w, int64_t e10, int neg, double *out) {
    if (e10 < POW10_MIN || e10 > POW10_MAX)
        return -1;
    const int clz = __builtin_clzll(w);
    w <<= clz;
    const int64_t scaled = 217706 * e10; /* floor(log2(10) * 2^16) * e10 */
    const int64_t log2_10e = scaled >= 0 ? scaled >> 16 : -((-scaled + 65535) >> 16);
    uint64_t exp2 = (uint64_t)(log2_10e + 64 + 1023) - (uint64_t)clz;
    const uint64_t *pow = pow10_128[e10 - POW10_MIN];
    const u128_t x = (u128_t)w * pow[0];
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if ((hi & 0x1FF) == 0x1FF && lo + w < w) {
        const u128_t y = (u128_t)w * pow[1];
        const uint64_t y_hi = (uint64_t)(y >> 64), y_lo = (uint64_t)y;
        uint64_t merged_hi = hi;
        const uint64_t merged_lo = lo + y_hi;
        if (merged_lo < lo)
            merged_hi++;
        if ((merged_hi & 0x1FF) == 0x1FF && merged_lo + 1 == 0 && y_lo + w < w)
            return -1;
        hi = merged_hi;
        lo = merged_lo;
    }
    const uint64_t msb = hi >> 63;
    uint64_t mantissa = hi >> (msb + 9);
    exp2 -= 1 ^ msb;
    if (lo == 0 && (hi & 0x1FF) == 0 && (mantissa & 3) == 1)
        return -1; /* halfway: strtod decides */
    mantissa += mantissa & 1;
    mantissa >>= 1;
    if (mantissa >> 53 > 0) {
        mantissa >>= 1;
        exp2++;
    }
    if (exp2 - 1 >= 0x7FF - 1)
        return -1; /* subnormal, zero or infinite */
    uint64_t bits = exp2 << 52 | (mantissa & 0x000FFFFFFFFFFFFFull);
    if (neg)
        bits |= (uint64_t)1 << 63;
    memcpy(out, &bits, sizeof(bits));
    return 0;
}
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_DIGITS 1
/* Their value: pairs, then quads, then the eight, by multiplies (as fast_float does). */
static inline uint32_t eight_digits_value(uint64_t v) {
    v -= 0x3030303030303030ull;
    v = v * 10 + (v >> 8);
    v = ((v & 0x000000FF000000FFull) * 0x000F424000000064ull +
         ((v >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull) >>
        32;
    return (uint32_t)v;
}
#endif

/* Digits from q: accumulated into *w (wrapping past 19 digits; the caller counts them). With
 * eight readable bytes, the run's length comes from the lowest non-digit byte of a load (digits
 * make no carries, so that byte is flagged exactly) and the last partial group is parsed in one
 * go, left-padded with '0's: no loop whose exit depends on the data. */
static inline const uint8_t *eat_digits(const uint8_t *q, const uint8_t *lim, uint64_t *w) {
    uint64_t v = *w;
#ifdef SWAR_DIGITS
    static const uint64_t scale[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    while (lim - q >= 8) {
        const uint64_t x = load64(q);
        const uint64_t other = ((x + 0x4646464646464646ull) | (x - 0x3030303030303030ull)) & HIGHS;
        if (other == 0) {
            v = v * 100000000 + eight_digits_value(x);
            q += 8;
            continue;
        }
        const unsigned n = (unsigned)__builtin_ctzll(other) >> 3; /* digits before it: 0..7 */
        if (n > 0) {
            const unsigned shift = 8 * (8 - n);
            v = v * scale[n] +
                eight_digits_value(x << shift | 0x3030303030303030ull >> (64 - shift));
            q += n;
        }
        *w = v;
        return q;
    }
#endif
    while (q < lim && (unsigned)(*q - '0') <= 9) {
        v = v * 10 + (unsigned)(*q - '0');
        q++;
    }
    *w = v;
    return q;
}

/* w (n_digits digits, exact when at most 19) · 10^e10 into *out; the literal p..q for strtod. */
static inline void number_value(const uint8_t *p, const uint8_t *q, uint64_t w, size_t n_digits,
                                int64_t e10, int neg, double *out) {
    if (n_digits > 19) {
        *out = number_slow(p, (size_t)(q - p));
    } else if (w == 0) {
        *out = neg ? -0.0 : 0.0;
#ifdef __SIZEOF_INT128__
    } else if (eisel_lemire(w, e10, neg, out) == 0) {
        return;
#else
    } else if (w <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        const double v = e10 < 0 ? (double)w / exact_pow10[-e10] : (double)w * exact_pow10[e10];
        *out = neg ? -v : v; /* Clinger: both operands exact, one rounding */
#endif
    } else {
        *out = number_slow(p, (size_t)(q - p));
    }
}

/* A number at p ('-' or a digit). Validates the grammar
 *   -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * and, when out is not NULL, converts it: the digits (integer and fraction) form w, exact when
 * there are at most 19 of them; more go to strtod. Reads stop at number_bytes_max + 1 bytes. */
__attribute__((noinline)) static const uint8_t *
scan_number_careful(cursor_t *c, const uint8_t *p, double *out) {
    const size_t room = (size_t)(c->end - p);
    const uint8_t *lim =
        room > c->opt->number_bytes_max ? p + c->opt->number_bytes_max + 1 : c->end;
    const uint8_t *q = p;
    int neg = 0;
    uint64_t w = 0;
    if (*q == '-') {
        neg = 1;
        if (++q >= lim)
            return out_of_bounds(c, lim, p);
    }
    const uint8_t *digits = q;
    if (*q == '0')
        q++;
    else if (*q >= '1' && *q <= '9')
        q = eat_digits(q, lim, &w);
    else
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q);
    size_t n_digits = (size_t)(q - digits), n_fraction = 0;
    if (q < lim && *q == '.') {
        if (++q >= lim)
            return out_of_bounds(c, lim, p);
        if (*q < '0' || *q > '9')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q);
        const uint8_t *fraction = q;
        q = eat_digits(q, lim, &w);
        n_fraction = (size_t)(q - fraction);
        n_digits += n_fraction;
    }
    int64_t e10 = 0;
    if (q < lim && (*q | 0x20) == 'e') {
        if (++q >= lim)
            return out_of_bounds(c, lim, p);
        int eneg = 0;
        if (*q == '+' || *q == '-') {
            eneg = *q == '-';
            if (++q >= lim)
                return out_of_bounds(c, lim, p);
        }
        if (*q < '0' || *q > '9')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, q);
        do {
            if (e10 < 100000000)
                e10 = e10 * 10 + (*q - '0');
            q++;
        } while (q < lim && *q >= '0' && *q <= '9');
        if (eneg)
            e10 = -e10;
    }
    if (q >= lim && lim < c->end)
        return fail(c, DD_CODEC_ERR_LENGTH_TOO_LARGE, p);
    if (out == NULL)
        return q;
    e10 -= (int64_t)n_fraction;
    number_value(p, q, w, n_digits, e10, neg, out);
    return q;
}

/* scan_number_careful's result, with a fast path for numbers without an exponent that end before
 * the input does and within number_bytes_max; anything else (and every error) is left to it. */
static inline const uint8_t *scan_number(cursor_t *c, const uint8_t *p, double *out) {
    const uint8_t *end = c->end;
    const int neg = *p == '-';
    const uint8_t *q = p + neg;
    uint64_t w = 0;
    if (q < end && *q >= '1' && *q <= '9')
        q = eat_digits(q, end, &w);
    else if (q < end && *q == '0')
        q++;
    else
        return scan_number_careful(c, p, out);
    size_t n_digits = (size_t)(q - p) - (size_t)neg, n_fraction = 0;
    if (q < end && *q == '.') {
        const uint8_t *fraction = ++q;
        q = eat_digits(q, end, &w);
        n_fraction = (size_t)(q - fraction);
        n_digits += n_fraction;
    }
    if (q >= end || (*q | 0x20) == 'e' || (n_fraction == 0 && q[-1] == '.') ||
        (size_t)(q - p) > c->opt->number_bytes_max)
        return scan_number_careful(c, p, out);
    if (out != NULL)
        number_value(p, q, w, n_digits, -(int64_t)n_fraction, neg, out);
    return q;
}

/* "true", "false" or "null" at p. */
static inline const uint8_t *scan_literal(cursor_t *c, const uint8_t *p, const char *word,
                                          size_t n) {
    if ((size_t)(c->end - p) >= n && memcmp(p, word, n) == 0)
        return p + n;
    for (size_t i = 0; i < n; i++) {
        if (p + i >= c->end)
            return truncated(c);
        if (p[i] != (uint8_t)word[i])
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p + i);
    }
    return p + n;
}

/* An object or array at p that nothing is read from, at nesting depth `depth`; iterative, with
 * one bit per open level (1 = object) so any nesting within depth_max costs no stack. */
static inline const uint8_t *skip_container(cursor_t *c, const uint8_t *p, unsigned depth) {
    uint64_t objects[JSON_DEPTH_CAP / 64];
    const uint8_t *end = c->end;
    unsigned level = 0; /* open containers of this skip */
    int in_object;
open:
    if (depth + level > c->opt->depth_max)
        return fail(c, DD_CODEC_ERR_TOO_DEEP, p);
    in_object = *p == '{';
    if (in_object)
        objects[level >> 6] |= (uint64_t)1 << (level & 63);
    else
        objects[level >> 6] &= ~((uint64_t)1 << (level & 63));
    level++;
    p = skip_ws(p + 1, end);
    if (p >= end)
        return truncated(c);
    if (*p == (in_object ? '}' : ']')) {
        p++;
        goto close;
    }
member:
    if (in_object) {
        int esc;
        if (*p != '"')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        if ((p = scan_string(c, p, &esc)) == NULL)
            return NULL;
        p = skip_ws(p, end);
        if (p >= end)
            return truncated(c);
        if (*p != ':')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        p = skip_ws(p + 1, end);
        if (p >= end)
            return truncated(c);
    }
    switch (*p) {
    case '{':
    case '[':
        goto open;
    case '"': {
        int esc;
        p = scan_string(c, p, &esc);
        break;
    }
    case 't':
        p = scan_literal(c, p, "true", 4);
        break;
    case 'f':
        p = scan_literal(c, p, "false", 5);
        break;
    case 'n':
        p = scan_literal(c, p, "null", 4);
        break;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            p = scan_number(c, p, NULL);
        else
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    }
    if (p == NULL)
        return NULL;
after:
    p = skip_ws(p, end);
    if (p >= end)
        return truncated(c);
    if (*p == ',') {
        p = skip_ws(p + 1, end);
        if (p >= end)
            return truncated(c);
        goto member;
    }
    if (*p != (in_object ? '}' : ']'))
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    p++;
close:
    if (--level == 0)
        return p;
    in_object = (int)(objects[(level - 1) >> 6] >> ((level - 1) & 63) & 1);
    goto after;
}

/* Any value at p (p < end) at nesting depth `depth`, validated and dropped. */
static inline const uint8_t *skip_value(cursor_t *c, const uint8_t *p, unsigned depth) {
    int esc;
    switch (*p) {
    case '{':
    case '[':
        return skip_container(c, p, depth);
    case '"':
        return scan_string(c, p, &esc);
    case 't':
        return scan_literal(c, p, "true", 4);
    case 'f':
        return scan_literal(c, p, "false", 5);
    case 'n':
        return scan_literal(c, p, "null", 4);
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            return scan_number(c, p, NULL);
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    }
}

/* The record's first byte: an object, something else that is JSON, or not JSON at all. */
static inline dd_codec_err_t check_root(cursor_t *c, const uint8_t *p) {
    if (p >= c->end) {
        truncated(c);
        return c->err;
    }
    if (*p == '{')
        return DD_CODEC_OK;
    if (strchr("[\"-0123456789tfn", *p) != NULL && *p != '\0')
        fail(c, DD_CODEC_ERR_NOT_OBJECT, p);
    else
        fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    return c->err;
}

#endif /* DRIFTD_CODECS_JSON_SCAN_H */
