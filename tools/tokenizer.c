/* tokenizer.c — Hugging Face tokenizer.json for BPE models, encoding and decoding exactly as the
 * `tokenizers` package (0.23) does; tokenizer.h lists what a file may hold.
 *
 * The steps are tokenizers' own (tokenizer/mod.rs: encode_single_sequence, decode):
 *   1. added tokens are cut out of the raw text (added_vocabulary.rs, find_matches: leftmost
 *      longest, then single_word, lstrip, rstrip);
 *   2. each remaining piece is normalized on its own and searched for normalized added tokens;
 *   3. the pieces left are pre-tokenized into words (ByteLevel: GPT-2's regex, then bytes as
 *      characters; Metaspace: spaces as "▁", split before each; Split: a regex's matches, found
 *      by the small backtracking matcher below; Digits: Split at \p{N});
 *   4. each word goes through BPE (models/bpe/model.rs merge_word, word.rs merge_all: the pair
 *      of lowest merge rank first, the leftmost among equals);
 *   5. the post-processor's template adds its special tokens.
 * Decoding maps ids to token strings (added tokens first) and runs the decoder chain. Where
 * tokenizers panics on odd input (a Strip decoder cutting more than the token holds), this code
 * does what the input allows instead.
 *
 * The JSON is parsed into an array of nodes linked by index, its strings decoded in place in a
 * private copy of the file that the tokenizer keeps: every token string points into that copy.
 * The file is untrusted: the parser checks every byte (UTF-8 included), bounds its nesting, and
 * every field's type is checked before use, each failure a message naming the field.
 * The Unicode classes of the regexes, NFC's data and the case folding of (?i) come from
 * unicode_tables.inc (scripts/gen_unicode_tables.py). */
#define _POSIX_C_SOURCE 200809L

#include "tools/tokenizer.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/unicode_tables.inc"

#define MAX_JSON_BYTES ((size_t)1 << 30) /* the largest tokenizer.json read (real ones: < 20 MB) */
#define MAX_JSON_DEPTH 64                /* tokenizer.json nests about 6 deep */
#define MAX_ID ((int32_t)1 << 24)        /* ids are below this: id arrays stay bounded */

static void errf(char* err, size_t n, const char* fmt, ...)
{
    if (!err || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* A string that is not NUL-terminated: a token, a piece of text. */
typedef struct tstr {
    const char* s;
    size_t n;
} tstr;

/* `s` for a message: at most 40 bytes (whole characters), control bytes as \xNN, in `buf`. */
static const char* show(const char* s, size_t n, char buf[200])
{
    size_t w = 0, i = 0;
    while (i < n && i < 40) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            w += (size_t)snprintf(buf + w, 8, "\\x%02X", c);
            i++;
            continue;
        }
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + len > n) break;
        memcpy(buf + w, s + i, len);
        w += len;
        i += len;
    }
    if (i < n) memcpy(buf + w, "...", 3), w += 3;
    buf[w] = 0;
    return buf;
}

/* ---- UTF-8 and Unicode classes ------------------------------------------------------- */

/* At s[0..n), n > 0: the length of the valid UTF-8 character there, or 0 with *bad the length
 * of the invalid sequence (its maximal subpart: what Rust's from_utf8_lossy replaces by one
 * U+FFFD). Overlong forms, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_len(const unsigned char* s, size_t n, size_t* bad)
{
    const unsigned char b = s[0];
    *bad = 1;
    if (b < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b < 0xC2) return 0;
    if (b < 0xE0) {
        need = 2;
    } else if (b < 0xF0) {
        need = 3;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b < 0xF5) {
        need = 4;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < 2 || s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < need; k++) {
        if (k >= n || (s[k] & 0xC0) != 0x80) {
            *bad = k;
            return 0;
        }
    }
    return need;
}

/* The offset of the first byte of s[0..n) that does not start a valid character, or n. */
static size_t utf8_check(const char* s, size_t n)
{
    size_t i = 0, bad;
    while (i < n) {
        size_t l = utf8_len((const unsigned char*)s + i, n - i, &bad);
        if (!l) return i;
        i += l;
    }
    return n;
}

/* The code point of the valid character of `len` bytes at s. */
static uint32_t utf8_cp(const char* s, size_t len)
{
    const unsigned char* u = (const unsigned char*)s;
    switch (len) {
    case 1: return u[0];
    case 2: return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    case 3: return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    default: return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 | (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    }
}

/* The length of the character starting at s[0] of valid UTF-8. */
static size_t utf8_step(const char* s)
{
    const unsigned char c = (unsigned char)s[0];
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Writes code point cp (< 0x110000, no surrogate) as UTF-8; returns its length. */
static size_t utf8_put(uint32_t cp, char* out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The classes (UC_L, UC_N, UC_S, UC_W) of code point cp. */
static unsigned uc_class(uint32_t cp)
{
    size_t lo = 0, hi = UC_NUM_RANGES;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (cp < uc_ranges[mid].first) hi = mid;
        else if (cp > uc_ranges[mid].last) lo = mid + 1;
        else return uc_ranges[mid].flags;
    }
    return 0;
}

/* The classes of the character at s (valid UTF-8); *len its length. */
static unsigned char_class(const char* s, size_t* len)
{
    *len = utf8_step(s);
    return uc_class(utf8_cp(s, *len));
}

/* GPT-2's byte-to-character map (pre_tokenizers/byte_level.rs bytes_char): printable Latin-1
 * bytes are themselves, the other 68 bytes in order become U+0100 onwards. */
static uint32_t byte_char(unsigned b)
{
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) return b;
    if (b <= 0x20) return 0x100 + b;
    if (b <= 0xA0) return 0x100 + 33 + (b - 0x7F);
    return 0x100 + 67; /* 0xAD */
}

/* The byte of a byte-level character, or -1 when cp is none. */
static int char_byte(uint32_t cp)
{
    if (cp < 0x100) return byte_char(cp) == cp ? (int)cp : -1;
    if (cp <= 0x100 + 32) return (int)(cp - 0x100);
    if (cp <= 0x100 + 66) return (int)(cp - 0x100 - 33 + 0x7F);
    return cp == 0x100 + 67 ? 0xAD : -1;
}

/* ---- growable buffers: bytes, ids, and lists of strings ------------------------------ */

/* Bytes; a failed allocation sets `oom`, after which every append is ignored. */
typedef struct sbuf {
    char* p;
    size_t n, cap;
    int oom;
} sbuf;

static int sbuf_grow(sbuf* b, size_t extra)
{
    if (b->oom) return -1;
    if (extra < b->cap - b->n) return 0; /* keeps a byte free for a terminating NUL */
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n <= extra) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char* p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void sbuf_put(sbuf* b, const void* s, size_t n)
{
    if (sbuf_grow(b, n)) return;
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sbuf_put_cp(sbuf* b, uint32_t cp)
{
    char u[4];
    sbuf_put(b, u, utf8_put(cp, u));
}

/* Appends n bytes of flag f to b. */
static void sbuf_fill(sbuf* b, char f, size_t n)
{
    if (sbuf_grow(b, n)) return;
    memset(b->p + b->n, f, n);
    b->n += n;
}

static void sbuf_swap(sbuf* a, sbuf* b)
{
    const sbuf t = *a;
    *a = *b;
    *b = t;
}

typedef struct ivec {
    int32_t* v;
    size_t n, cap;
    int oom;
} ivec;

static void ivec_push(ivec* a, int32_t x)
{
    if (a->oom) return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        int32_t* v = cap < SIZE_MAX / sizeof *v ? realloc(a->v, cap * sizeof *v) : NULL;
        if (!v) {
            a->oom = 1;
            return;
        }
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
}

/* A list of strings stored end to end in `text`; `first` is per string: how many of its leading
 * bytes stem from the text's first character (tokenizers' original offset 0, which Metaspace's
 * prepend_scheme first asks about). Normalizers and pre-tokenizers keep the order of the text, so
 * those bytes are a prefix. */
typedef struct span {
    size_t off, n;
    size_t first;
} span;

typedef struct spans {
    sbuf text;
    span* v;
    size_t n, cap;
    int oom;
} spans;

static void spans_clear(spans* l)
{
    l->text.n = 0;
    l->n = 0;
}

/* Ends the string begun at text offset `start` (everything appended since); an empty one is
 * dropped unless `keep_empty` (tokenizers drops empty splits, but not empty decoded tokens). */
static void spans_end(spans* l, size_t start, size_t first, int keep_empty)
{
    if ((l->text.n == start && !keep_empty) || l->oom) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        span* v = cap < SIZE_MAX / sizeof *v ? realloc(l->v, cap * sizeof *v) : NULL;
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (span){start, l->text.n - start, first};
}

static void spans_close(spans* l, size_t start, size_t first) { spans_end(l, start, first, 0); }

static void spans_add(spans* l, const char* s, size_t n, size_t first, int keep_empty)
{
    const size_t start = l->text.n;
    sbuf_put(&l->text, s, n);
    spans_end(l, start, first, keep_empty);
}

static const char* spans_at(const spans* l, size_t i) { return l->text.p ? l->text.p + l->v[i].off : ""; }
static int spans_oom(const spans* l) { return l->oom || l->text.oom; }

static void spans_free(spans* l)
{
    free(l->text.p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- hash maps: string -> int, and 64-bit key -> two ints ---------------------------- */

static uint64_t hash_bytes(const char* s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h;
}

typedef struct smap_entry {
    const char* s; /* NULL: empty slot */
    size_t n;
    uint64_t hash;
    int32_t val;
} smap_entry;

/* Open addressing, at most half full; keys point into memory that outlives the map. */
typedef struct smap {
    smap_entry* e;
    size_t cap, count;
} smap;

static smap_entry* smap_slot(const smap* m, const char* s, size_t n, uint64_t h)
{
    for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        smap_entry* e = &m->e[j];
        if (!e->s || (e->hash == h && e->n == n && memcmp(e->s, s, n) == 0)) return e;
    }
}

static int smap_reserve(smap* m, size_t count)
{
    if (count < m->cap / 2) return 0;
    size_t cap = m->cap ? m->cap : 64;
    while (cap / 2 <= count) {
        if (cap > SIZE_MAX / 4 / sizeof(smap_entry)) return -1;
        cap *= 2;
    }
    smap grown = {calloc(cap, sizeof(smap_entry)), cap, m->count};
    if (!grown.e) return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].s) *smap_slot(&grown, m->e[i].s, m->e[i].n, m->e[i].hash) = m->e[i];
    free(m->e);
    *m = grown;
    return 0;
}

/* Sets key s to val (a later put of the same key wins). Returns 0, or -1 out of memory. */
static int smap_put(smap* m, const char* s, size_t n, int32_t val)
{
    if (smap_reserve(m, m->count + 1)) return -1;
    const uint64_t h = hash_bytes(s, n);
    smap_entry* e = smap_slot(m, s, n, h);
    if (!e->s) {
        *e = (smap_entry){s, n, h, val};
        m->count++;
    }
    e->val = val;
    return 0;
}

/* The value of key s, or -1. */
static int32_t smap_get(const smap* m, const char* s, size_t n)
{
    if (!m->cap) return -1;
    const smap_entry* e = smap_slot(m, s, n, hash_bytes(s, n));
    return e->s ? e->val : -1;
}

#define PMAP_EMPTY UINT64_MAX

typedef struct pmap_entry {
    uint64_t key; /* PMAP_EMPTY: empty slot */
    int32_t a, b;
} pmap_entry;

typedef struct pmap {
    pmap_entry* e;
    size_t cap, count;
} pmap;

static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    return x ^ (x >> 33);
}

static pmap_entry* pmap_slot(const pmap* m, uint64_t key)
{
    for (size_t j = hash_u64(key) & (m->cap - 1);; j = (j + 1) & (m->cap - 1))
        if (m->e[j].key == key || m->e[j].key == PMAP_EMPTY) return &m->e[j];
}

/* Sets key (not PMAP_EMPTY) to (a, b), a later put winning. Returns 0, or -1 out of memory. */
static int pmap_put(pmap* m, uint64_t key, int32_t a, int32_t b)
{
    if (m->count + 1 >= m->cap / 2) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        if (cap > SIZE_MAX / 4 / sizeof(pmap_entry)) return -1;
        pmap grown = {malloc(cap * sizeof(pmap_entry)), cap, m->count};
        if (!grown.e) return -1;
        memset(grown.e, 0xFF, cap * sizeof(pmap_entry)); /* every key PMAP_EMPTY */
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key != PMAP_EMPTY) *pmap_slot(&grown, m->e[i].key) = m->e[i];
        free(m->e);
        *m = grown;
    }
    pmap_entry* e = pmap_slot(m, key);
    if (e->key == PMAP_EMPTY) m->count++;
    *e = (pmap_entry){key, a, b};
    return 0;
}

/* Whether key is set; its values in *a, *b. */
static int pmap_get(const pmap* m, uint64_t key, int32_t* a, int32_t* b)
{
    if (!m->cap) return 0;
    const pmap_entry* e = pmap_slot(m, key);
    if (e->key == PMAP_EMPTY) return 0;
    *a = e->a;
    *b = e->b;
    return 1;
}

static uint64_t pair_key(int32_t left, int32_t right) { return (uint64_t)(uint32_t)left << 32 | (uint32_t)right; }

/* A byte trie of the added tokens: node 0 is the root; edges in a pmap keyed node << 8 | byte. */
typedef struct trie {
    pmap edges;    /* (node << 8 | byte) -> (child, -) */
    int32_t* tok;  /* (nodes) the added token (index) ending at each node, -1 for none */
    size_t nodes, cap;
} trie;

static int trie_add(trie* t, const char* s, size_t n, int32_t tok)
{
    if (!t->nodes) {
        t->tok = malloc(64 * sizeof *t->tok);
        if (!t->tok) return -1;
        t->cap = 64;
        t->nodes = 1;
        t->tok[0] = -1;
    }
    int32_t node = 0, child, unused;
    for (size_t i = 0; i < n; i++) {
        const uint64_t key = (uint64_t)node << 8 | (unsigned char)s[i];
        if (!pmap_get(&t->edges, key, &child, &unused)) {
            if (t->nodes == t->cap) {
                int32_t* grown = t->cap < (size_t)MAX_ID ? realloc(t->tok, 2 * t->cap * sizeof *grown) : NULL;
                if (!grown) return -1;
                t->tok = grown;
                t->cap *= 2;
            }
            child = (int32_t)t->nodes++;
            t->tok[child] = -1;
            if (pmap_put(&t->edges, key, child, 0)) return -1;
        }
        node = child;
    }
    t->tok[node] = tok;
    return 0;
}

/* The longest added token starting at s[0..n): its index, and its length in *len; -1 if none. */
static int32_t trie_longest(const trie* t, const char* s, size_t n, size_t* len)
{
    int32_t node = 0, found = -1, child, unused;
    for (size_t i = 0; i < n; i++) {
        if (!pmap_get(&t->edges, (uint64_t)node << 8 | (unsigned char)s[i], &child, &unused)) break;
        node = child;
        if (t->tok[node] >= 0) {
            found = t->tok[node];
            *len = i + 1;
        }
    }
    return found;
}

static void trie_free(trie* t)
{
    free(t->edges.e);
    free(t->tok);
}

/* ---- JSON ---------------------------------------------------------------------------- */

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
    uint8_t type;
    uint8_t truth;       /* J_BOOL */
    uint8_t whole;       /* J_NUM written as a whole number: no fraction, no exponent */
    const char* key;     /* the member's name when inside an object, else NULL */
    size_t key_n;
    const char* s;       /* J_STR: the decoded bytes (NUL-terminated, may hold NULs) */
    size_t n;            /* J_STR: bytes; J_ARR, J_OBJ: members */
    double num;          /* J_NUM */
    int32_t child, next; /* first member, next sibling: node indices, -1 for none */
} jnode;

typedef struct jparser {
    char* p;                  /* the text; strings are decoded over their own source */
    size_t len, i;
    size_t line, line_start;  /* for messages */
    jnode* v;                 /* (count) the nodes; v[0] is the root */
    size_t count, cap;
    char* err;
    size_t err_n;
} jparser;

static int32_t jfail(jparser* P, const char* what)
{
    errf(P->err, P->err_n, "JSON error at line %zu, column %zu: %s", P->line, P->i - P->line_start + 1, what);
    return -1;
}

static void jskip(jparser* P)
{
    for (; P->i < P->len; P->i++) {
        const char c = P->p[P->i];
        if (c == '\n') {
            P->line++;
            P->line_start = P->i + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
    }
}

static int32_t jnew(jparser* P, uint8_t type)
{
    if (P->count == P->cap) {
        size_t cap = P->cap ? P->cap * 2 : 1024;
        jnode* v = cap <= (size_t)INT32_MAX ? realloc(P->v, cap * sizeof *v) : NULL;
        if (!v) return jfail(P, "out of memory for the parsed file");
        P->v = v;
        P->cap = cap;
    }
    jnode* n = &P->v[P->count];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->child = n->next = -1;
    return (int32_t)P->count++;
}

static int hex4(const char* s, size_t avail, uint32_t* out)
{
    if (avail < 4) return -1;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        const char c = s[k];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* The string at P->i (its opening quote), decoded in place: escapes resolved, UTF-8 checked. */
static int jstring(jparser* P, const char** out, size_t* out_n)
{
    char* p = P->p;
    const size_t begin = P->i + 1;
    size_t i = begin, w = begin;
    for (;;) {
        if (i >= P->len) {
            P->i = i;
            return jfail(P, "unterminated string");
        }
        const unsigned char c = (unsigned char)p[i];
        if (c == '"') break;
        if (c == '\\') {
            const char e = i + 1 < P->len ? p[i + 1] : 0;
            const char* simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                p[w++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
                i += 2;
                continue;
            }
            P->i = i;
            if (e != 'u') return jfail(P, "invalid escape in a string");
            uint32_t u, lo;
            if (hex4(p + i + 2, P->len - i - 2, &u)) return jfail(P, "invalid \\u escape (expected 4 hex digits)");
            i += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 6 > P->len || p[i] != '\\' || p[i + 1] != 'u' || hex4(p + i + 2, 4, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return jfail(P, "a \\u escape of a lone UTF-16 surrogate");
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return jfail(P, "a \\u escape of a lone UTF-16 surrogate");
            }
            w += utf8_put(u, p + w);
        } else if (c < 0x20) {
            P->i = i;
            return jfail(P, "a control character inside a string (JSON wants it escaped)");
        } else {
            size_t bad, l = utf8_len((const unsigned char*)p + i, P->len - i, &bad);
            if (!l) {
                P->i = i;
                return jfail(P, "invalid UTF-8 inside a string");
            }
            memmove(p + w, p + i, l);
            w += l;
            i += l;
        }
    }
    *out = p + begin;
    *out_n = w - begin;
    p[w] = 0; /* w <= i: at most the closing quote is overwritten */
    P->i = i + 1;
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int32_t jvalue(jparser* P, int depth)
{
    jskip(P);
    if (P->i >= P->len) return jfail(P, "unexpected end of the file (expected a value)");
    if (depth > MAX_JSON_DEPTH) return jfail(P, "nested more than 64 levels deep");
    const char c = P->p[P->i];
    if (c == '{' || c == '[') {
        const int is_obj = c == '{';
        const char close = is_obj ? '}' : ']';
        const int32_t k = jnew(P, is_obj ? J_OBJ : J_ARR);
        if (k < 0) return -1;
        P->i++;
        jskip(P);
        if (P->i < P->len && P->p[P->i] == close) {
            P->i++;
            return k;
        }
        int32_t last = -1;
        size_t count = 0;
        for (;;) {
            const char* key = NULL;
            size_t key_n = 0;
            if (is_obj) {
                jskip(P);
                if (P->i >= P->len) return jfail(P, "unexpected end of the file inside an object");
                if (P->p[P->i] != '"') return jfail(P, "expected a member name in double quotes");
                if (jstring(P, &key, &key_n)) return -1;
                jskip(P);
                if (P->i >= P->len) return jfail(P, "unexpected end of the file inside an object");
                if (P->p[P->i] != ':') return jfail(P, "expected ':' after a member name");
                P->i++;
            }
            const int32_t child = jvalue(P, depth + 1);
            if (child < 0) return -1;
            P->v[child].key = key;
            P->v[child].key_n = key_n;
            if (last < 0) P->v[k].child = child;
            else P->v[last].next = child;
            last = child;
            count++;
            jskip(P);
            if (P->i >= P->len) return jfail(P, is_obj ? "unexpected end of the file inside an object" : "unexpected end of the file inside an array");
            if (P->p[P->i] == ',') {
                P->i++;
                continue;
            }
            if (P->p[P->i] == close) {
                P->i++;
                break;
            }
            return jfail(P, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        P->v[k].n = count;
        return k;
    }
    if (c == '"') {
        const int32_t k = jnew(P, J_STR);
        const char* s;
        size_t n;
        if (k < 0 || jstring(P, &s, &n)) return -1;
        P->v[k].s = s;
        P->v[k].n = n;
        return k;
    }
    static const char* const words[] = {"null", "false", "true"};
    for (int w = 0; w < 3; w++) {
        const size_t wl = strlen(words[w]);
        if (P->len - P->i >= wl && memcmp(P->p + P->i, words[w], wl) == 0) {
            const int32_t k = jnew(P, w ? J_BOOL : J_NULL);
            if (k < 0) return -1;
            P->v[k].truth = w == 2;
            P->i += wl;
            return k;
        }
    }
    if (c != '-' && !is_digit(c)) return jfail(P, "unexpected character (expected a value)");
    const size_t start = P->i;
    size_t i = start + (c == '-');
    int whole = 1;
    if (i < P->len && P->p[i] == '0') i++;
    else if (i < P->len && is_digit(P->p[i])) while (i < P->len && is_digit(P->p[i])) i++;
    else return jfail(P, "invalid number");
    if (i < P->len && P->p[i] == '.') {
        whole = 0;
        if (++i >= P->len || !is_digit(P->p[i])) return jfail(P, "invalid number (no digit after '.')");
        while (i < P->len && is_digit(P->p[i])) i++;
    }
    if (i < P->len && (P->p[i] == 'e' || P->p[i] == 'E')) {
        whole = 0;
        if (++i < P->len && (P->p[i] == '+' || P->p[i] == '-')) i++;
        if (i >= P->len || !is_digit(P->p[i])) return jfail(P, "invalid number (no digit in the exponent)");
        while (i < P->len && is_digit(P->p[i])) i++;
    }
    char buf[64];
    if (i - start >= sizeof buf) return jfail(P, "a number of more than 63 characters");
    memcpy(buf, P->p + start, i - start);
    buf[i - start] = 0;
    const double v = strtod(buf, NULL);
    if (!isfinite(v)) return jfail(P, "a number out of range");
    const int32_t k = jnew(P, J_NUM);
    if (k < 0) return -1;
    P->v[k].num = v;
    P->v[k].whole = (uint8_t)whole;
    P->i = i;
    return k;
}

/* Parses text[0..len) (decoding its strings in place) into *nodes; the root is (*nodes)[0]. */
static int json_parse(char* text, size_t len, jnode** nodes, char* err, size_t err_n)
{
    jparser P = {text, len, 0, 1, 0, NULL, 0, 0, err, err_n};
    int rc = jvalue(&P, 0) < 0 ? -1 : 0;
    if (!rc) {
        jskip(&P);
        if (P.i != P.len) rc = jfail(&P, "unexpected characters after the JSON value");
    }
    *nodes = P.v;
    return rc;
}

/* ---- a small backtracking regex matcher ---------------------------------------------- */

/* The Split pre-tokenizer's patterns are Oniguruma regexes (tokenizers' SysRegex, Ruby syntax).
 * This matcher takes the subset tokenizer files use, as Oniguruma reads it, and refuses the rest
 * at load by name:
 *   alternation a|b, groups (...), (?:...), (?i:...) (ASCII letters fold as Unicode case folding
 *   says), lookahead (?=...) and (?!...), classes [...] and [^...] of characters, ranges,
 *   \p{..} of a general category (L, Lu, M, Mn, ...; \P{..} and \p{^..} negated), \s \S \d \D
 *   \w \W, those classes outside brackets, '.', quantifiers ? * +
 *   {m} {m,} {,n} {m,n} and their lazy forms (a trailing ?), literals and the escapes \t \n \r
 *   \f \v \a \e \xHH \x{H..} \uHHHH and an escaped punctuation character.
 * The pattern compiles to a program of RX_* instructions run by backtracking (the leftmost
 * alternative first, greedy quantifiers longest first: Oniguruma's order), with an explicit stack
 * and a step budget, so a pattern that backtracks without end fails the encode with a message.
 * An unbounded repeat of something that can match empty text, and a whole pattern that can, are
 * refused: they are where Oniguruma's rules for empty matches would matter. */

enum { RX_CHAR, RX_FOLD, RX_CLASS, RX_ANY, RX_SPLIT, RX_JMP, RX_LOOK, RX_MATCH };

typedef struct rx_inst {
    uint8_t op;
    uint8_t neg;  /* RX_LOOK: (?!...) */
    uint32_t arg; /* RX_CHAR: code point; RX_FOLD: lowercase ASCII letter; RX_CLASS: class index */
    int32_t x, y; /* RX_SPLIT: try x, then y; RX_JMP: x; RX_LOOK: go on at x (its body is at pc+1) */
} rx_inst;

enum { RX_RANGE, RX_HAS, RX_HAS_NOT, RX_GC, RX_GC_NOT, RX_WORD, RX_WORD_NOT };

typedef struct rx_item {
    uint8_t kind; /* RX_RANGE: lo..hi; RX_HAS, RX_HAS_NOT: one of the UC_* classes in lo; RX_GC,
                   * RX_GC_NOT: general categories, bit k of lo for uc_gc_names[k]; RX_WORD,
                   * RX_WORD_NOT: Oniguruma's \w */
    uint32_t lo, hi;
} rx_item;

typedef struct rx_class {
    uint32_t first, count; /* items[first, first + count) */
    uint8_t negated;
} rx_class;

typedef struct regex {
    rx_inst* code; /* (num_code) the program; code[0] starts it */
    size_t num_code;
    rx_item* items; /* (num_items) the classes' items */
    size_t num_items;
    rx_class* classes; /* (num_classes) */
    size_t num_classes;
} regex;

static int hex_digit(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

static void regex_free(regex* re)
{
    if (!re) return;
    free(re->code);
    free(re->items);
    free(re->classes);
    free(re);
}

/* The parse tree. */
enum { RN_CHAR, RN_FOLD, RN_CLASS, RN_ANY, RN_CAT, RN_ALT, RN_REPEAT, RN_LOOK };

typedef struct rnode {
    uint8_t kind;
    uint8_t greedy, neg; /* RN_REPEAT, RN_LOOK */
    uint32_t arg;        /* RN_CHAR, RN_FOLD, RN_CLASS: as the instruction's */
    int32_t min, max;    /* RN_REPEAT: max -1 for no bound */
    int32_t child, next; /* first child (RN_CAT, RN_ALT, RN_REPEAT, RN_LOOK), next sibling; -1 none */
} rnode;

#define RX_MAX_DEPTH 32      /* groups nested deeper are refused */
#define RX_MAX_REPEAT 1000   /* the largest m, n of {m,n} */
#define RX_MAX_CODE 100000   /* instructions in a program */

typedef struct rx_parser {
    const char* p; /* the pattern (valid UTF-8) */
    size_t n, i;
    rnode* nodes;
    size_t num_nodes, cap_nodes;
    regex* re;
    size_t cap_items, cap_classes;
    size_t work;      /* nodes compiled: bounds the compile of repeats of repeats */
    const char* path; /* the pattern's place in the file, for messages */
    char* err;
    size_t err_n;
} rx_parser;

static int rx_fail(rx_parser* P, const char* fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    errf(P->err, P->err_n, "%s: %s (at byte %zu of the pattern)", P->path, what, P->i);
    return -1;
}

static int32_t rx_node(rx_parser* P, uint8_t kind)
{
    if (P->num_nodes == P->cap_nodes) {
        size_t cap = P->cap_nodes ? P->cap_nodes * 2 : 64;
        if (cap > (size_t)RX_MAX_CODE) return rx_fail(P, "the pattern is too long");
        rnode* v = realloc(P->nodes, cap * sizeof *v);
        if (!v) return rx_fail(P, "out of memory");
        P->nodes = v;
        P->cap_nodes = cap;
    }
    rnode* r = &P->nodes[P->num_nodes];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->child = r->next = -1;
    return (int32_t)P->num_nodes++;
}

static int rx_add_item(rx_parser* P, uint8_t kind, uint32_t lo, uint32_t hi)
{
    regex* re = P->re;
    if (re->num_items == P->cap_items) {
        size_t cap = P->cap_items ? P->cap_items * 2 : 16;
        rx_item* v = realloc(re->items, cap * sizeof *v);
        if (!v) return rx_fail(P, "out of memory");
        re->items = v;
        P->cap_items = cap;
    }
    re->items[re->num_items++] = (rx_item){kind, lo, hi};
    return 0;
}

/* A class of the items added since item `first`; its node. */
static int32_t rx_class_node(rx_parser* P, size_t first, int negated)
{
    regex* re = P->re;
    if (re->num_classes == P->cap_classes) {
        size_t cap = P->cap_classes ? P->cap_classes * 2 : 8;
        rx_class* v = realloc(re->classes, cap * sizeof *v);
        if (!v) return rx_fail(P, "out of memory");
        re->classes = v;
        P->cap_classes = cap;
    }
    re->classes[re->num_classes] = (rx_class){(uint32_t)first, (uint32_t)(re->num_items - first), (uint8_t)negated};
    const int32_t k = rx_node(P, RN_CLASS);
    if (k >= 0) P->nodes[k].arg = (uint32_t)re->num_classes++;
    return k;
}

static int rx_hex(rx_parser* P, size_t digits, int braced, uint32_t* cp)
{
    uint32_t v = 0;
    size_t k = 0;
    for (; P->i < P->n && (braced ? P->p[P->i] != '}' : k < digits); k++, P->i++) {
        const int d = hex_digit(P->p[P->i]);
        if (d < 0 || k >= 8) return rx_fail(P, "an invalid hexadecimal escape");
        v = v << 4 | (uint32_t)d;
    }
    if (!k || (braced && (P->i >= P->n || P->p[P->i++] != '}')) || (!braced && k < digits))
        return rx_fail(P, "an invalid hexadecimal escape");
    if (v >= 0x110000 || (v >= 0xD800 && v <= 0xDFFF)) return rx_fail(P, "an escape of code point 0x%X, which is no character", v);
    *cp = v;
    return 0;
}

/* The general categories named `name` (len bytes: a category, Lu, or a major class, L) as a
 * mask of bits of uc_gc_names, or 0. */
static uint32_t gc_mask(const char* name, size_t len)
{
    uint32_t mask = 0;
    for (uint32_t k = 0; k < UC_NUM_GC_NAMES && len && len <= 2; k++)
        if (uc_gc_names[k][0] == name[0] && (len == 1 || uc_gc_names[k][1] == name[1])) mask |= 1u << k;
    return mask;
}

static uint32_t gc_bit(const char* name) { return gc_mask(name, 2); }

/* The escape after a backslash (P->i is past it): a character in *cp (returns 0), or a class
 * item added (returns 1: \p{..} \P{..} \s \S \d \D \w \W), or -1 with a message. `fold`:
 * inside (?i:...), where Oniguruma would fold a cased category. */
static int rx_escape(rx_parser* P, uint32_t* cp, int fold)
{
    if (P->i >= P->n) return rx_fail(P, "the pattern ends in a backslash");
    const char c = P->p[P->i++];
    switch (c) {
    case 't': *cp = '\t'; return 0;
    case 'n': *cp = '\n'; return 0;
    case 'r': *cp = '\r'; return 0;
    case 'f': *cp = '\f'; return 0;
    case 'v': *cp = '\v'; return 0;
    case 'a': *cp = 7; return 0;
    case 'e': *cp = 27; return 0;
    case 'x':
        if (P->i < P->n && P->p[P->i] == '{') {
            P->i++;
            return rx_hex(P, 0, 1, cp);
        }
        return rx_hex(P, 2, 0, cp);
    case 'u': return rx_hex(P, 4, 0, cp);
    case 's': return rx_add_item(P, RX_HAS, UC_S, 0) ? -1 : 1;
    case 'S': return rx_add_item(P, RX_HAS_NOT, UC_S, 0) ? -1 : 1;
    case 'd': return rx_add_item(P, RX_GC, gc_bit("Nd"), 0) ? -1 : 1;
    case 'D': return rx_add_item(P, RX_GC_NOT, gc_bit("Nd"), 0) ? -1 : 1;
    case 'w': return rx_add_item(P, RX_WORD, 0, 0) ? -1 : 1;
    case 'W': return rx_add_item(P, RX_WORD_NOT, 0, 0) ? -1 : 1;
    case 'p':
    case 'P': {
        const size_t start = P->i;
        int neg = c == 'P';
        if (P->i < P->n && P->p[P->i] == '{') {
            size_t end = P->i + 1;
            while (end < P->n && P->p[end] != '}') end++;
            if (end < P->n) {
                const char* name = P->p + P->i + 1;
                size_t len = end - P->i - 1;
                if (len && name[0] == '^') neg = !neg, name++, len--;
                const unsigned cls = len == 1 && name[0] == 'L' ? UC_L : len == 1 && name[0] == 'N' ? UC_N : 0;
                const uint32_t mask = gc_mask(name, len);
                const uint32_t cased = gc_bit("Lu") | gc_bit("Ll") | gc_bit("Lt");
                if (mask && fold && (mask & cased) && mask != gc_mask("L", 1))
                    return rx_fail(P, "a cased category '\\%c{%.*s}' inside (?i:...) is not supported", c, (int)len, name);
                if (cls || mask) {
                    P->i = end + 1;
                    if (cls) return rx_add_item(P, neg ? RX_HAS_NOT : RX_HAS, cls, 0) ? -1 : 1;
                    return rx_add_item(P, neg ? RX_GC_NOT : RX_GC, mask, 0) ? -1 : 1;
                }
            }
        }
        P->i = start - 2;
        return rx_fail(P, "'\\%c%.*s' is not supported (of the Unicode properties only general categories: L, Lu, ...)", c,
                       (int)(P->n - start < 12 ? P->n - start : 12), P->p + start);
    }
    default:
        if ((unsigned char)c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            *cp = (unsigned char)c; /* an escaped punctuation character is itself */
            return 0;
        }
        P->i -= 2;
        return rx_fail(P, "the escape '\\%c' is not supported", c);
    }
}

/* The code point of the pattern's character at P->i, stepping past it. */
static uint32_t rx_char(rx_parser* P)
{
    const size_t len = utf8_step(P->p + P->i);
    const uint32_t cp = utf8_cp(P->p + P->i, len);
    P->i += len;
    return cp;
}

static int is_ascii_letter(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A literal character; `fold` inside (?i:...). */
static int32_t rx_literal(rx_parser* P, uint32_t cp, int fold)
{
    if (fold && cp >= 0x80) return rx_fail(P, "a non-ASCII character inside (?i:...) is not supported");
    const int32_t k = rx_node(P, fold && is_ascii_letter(cp) ? RN_FOLD : RN_CHAR);
    if (k >= 0) P->nodes[k].arg = fold && is_ascii_letter(cp) ? (cp | 0x20) : cp;
    return k;
}

/* [...] with P->i past the '['. */
static int32_t rx_bracket(rx_parser* P, int fold)
{
    const size_t first = P->re->num_items;
    int negated = 0;
    if (P->i < P->n && P->p[P->i] == '^') negated = 1, P->i++;
    if (P->i < P->n && P->p[P->i] == ']') return rx_fail(P, "a ']' first in a class is not supported (escape it)");
    for (;;) {
        if (P->i >= P->n) return rx_fail(P, "a class '[' without its ']'");
        const char c = P->p[P->i];
        if (c == ']') {
            P->i++;
            break;
        }
        if (c == '[') return rx_fail(P, "a '[' inside a class (nested classes, POSIX brackets) is not supported");
        if (c == '&' && P->i + 1 < P->n && P->p[P->i + 1] == '&') return rx_fail(P, "class intersection '&&' is not supported");
        uint32_t lo, hi;
        if (c == '\\') {
            P->i++;
            const int r = rx_escape(P, &lo, fold);
            if (r < 0) return -1;
            if (r == 1) continue;
        } else {
            lo = rx_char(P);
        }
        hi = lo;
        if (P->i + 1 < P->n && P->p[P->i] == '-' && P->p[P->i + 1] != ']') {
            P->i++;
            if (P->p[P->i] == '[') return rx_fail(P, "a '[' inside a class (nested classes, POSIX brackets) is not supported");
            if (P->p[P->i] == '\\') {
                P->i++;
                const int r = rx_escape(P, &hi, fold);
                if (r < 0) return -1;
                if (r == 1) return rx_fail(P, "a range ending in a class (\\s, \\p{..}) is not supported");
            } else {
                hi = rx_char(P);
            }
            if (hi < lo) return rx_fail(P, "an empty range in a class");
        }
        if (fold && (hi >= 0x80 || (lo <= 'z' && hi >= 'A')))
            return rx_fail(P, "letters or non-ASCII characters in a class inside (?i:...) are not supported");
        if (rx_add_item(P, RX_RANGE, lo, hi)) return -1;
    }
    return rx_class_node(P, first, negated);
}

static int32_t rx_alt(rx_parser* P, int fold, int depth);

/* A number of a quantifier, at most RX_MAX_REPEAT; -1 when there are no digits. */
static int32_t rx_count(rx_parser* P)
{
    int32_t v = -1;
    while (P->i < P->n && is_digit(P->p[P->i])) {
        v = (v < 0 ? 0 : v) * 10 + (P->p[P->i++] - '0');
        if (v > RX_MAX_REPEAT) return -2;
    }
    return v;
}

/* Whether node k is a lookahead, alone in groups or as one of their alternatives: what Oniguruma
 * refuses to repeat ("target of repeat operator is invalid"). */
static int rx_bare_look(const rx_parser* P, int32_t k)
{
    const rnode* r = &P->nodes[k];
    if (r->kind == RN_LOOK) return 1;
    if (r->kind == RN_CAT) return r->child >= 0 && P->nodes[r->child].next < 0 && rx_bare_look(P, r->child);
    if (r->kind != RN_ALT) return 0;
    for (int32_t c = r->child; c >= 0; c = P->nodes[c].next)
        if (rx_bare_look(P, c)) return 1;
    return 0;
}

/* An atom and its quantifier; -1 on failure, and -2 at the end of a sequence (| ) or the end). */
static int32_t rx_repeat(rx_parser* P, int fold, int depth)
{
    if (P->i >= P->n || P->p[P->i] == '|' || P->p[P->i] == ')') return -2;
    const char c = P->p[P->i];
    int32_t atom;
    if (c == '(') {
        if (depth >= RX_MAX_DEPTH) return rx_fail(P, "groups nested more than %d deep", RX_MAX_DEPTH);
        P->i++;
        int look = 0, neg = 0, inner_fold = fold;
        if (P->i < P->n && P->p[P->i] == '?') {
            const char* g = P->p + P->i + 1;
            const size_t avail = P->n - P->i - 1;
            if (avail >= 1 && g[0] == ':') P->i += 2;
            else if (avail >= 2 && g[0] == 'i' && g[1] == ':') P->i += 3, inner_fold = 1;
            else if (avail >= 1 && (g[0] == '=' || g[0] == '!')) look = 1, neg = g[0] == '!', P->i += 2;
            else {
                P->i--;
                return rx_fail(P, "the group '(?%.*s' is not supported (only (?:, (?i:, (?= and (?!)", (int)(avail < 2 ? avail : 2), g);
            }
        }
        const int32_t body = rx_alt(P, inner_fold, depth + 1);
        if (body < 0) return -1;
        if (P->i >= P->n || P->p[P->i] != ')') return rx_fail(P, "a '(' without its ')'");
        P->i++;
        if (look) {
            if ((atom = rx_node(P, RN_LOOK)) < 0) return -1;
            P->nodes[atom].child = body;
            P->nodes[atom].neg = (uint8_t)neg;
        } else {
            atom = body;
        }
    } else if (c == '[') {
        P->i++;
        if ((atom = rx_bracket(P, fold)) < 0) return -1;
    } else if (c == '.') {
        P->i++;
        if ((atom = rx_node(P, RN_ANY)) < 0) return -1;
    } else if (c == '\\') {
        P->i++;
        const size_t first = P->re->num_items;
        uint32_t cp;
        const int r = rx_escape(P, &cp, fold);
        if (r < 0) return -1;
        atom = r == 1 ? rx_class_node(P, first, 0) : rx_literal(P, cp, fold);
        if (atom < 0) return -1;
    } else if (c == '^' || c == '$') {
        return rx_fail(P, "the anchor '%c' is not supported", c);
    } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        return rx_fail(P, "a quantifier '%c' with nothing to repeat", c);
    } else {
        if ((atom = rx_literal(P, rx_char(P), fold)) < 0) return -1;
    }
    if (P->i >= P->n) return atom;
    const char q = P->p[P->i];
    int32_t min, max;
    if (q == '?') min = 0, max = 1;
    else if (q == '*') min = 0, max = -1;
    else if (q == '+') min = 1, max = -1;
    else if (q == '{') {
        const size_t at = P->i;
        P->i++;
        min = rx_count(P);
        max = min;
        if (P->i < P->n && P->p[P->i] == ',') {
            P->i++;
            max = rx_count(P);
            if (min == -1 && max == -1) min = -3; /* "{,}" */
            if (min == -1) min = 0;
        }
        if (min == -2 || max == -2) return rx_fail(P, "a repeat count above %d", RX_MAX_REPEAT);
        if (min < 0 || P->i >= P->n || P->p[P->i] != '}') {
            P->i = at;
            return rx_fail(P, "a '{' that is no quantifier {m}, {m,}, {,n} or {m,n} (escape it: \\{)");
        }
        if (max >= 0 && max < min) return rx_fail(P, "a quantifier {%d,%d} with max below min", min, max);
        if (P->i + 1 < P->n && P->p[P->i + 1] == '?')
            return rx_fail(P, "a '?' after {..} is not supported (lazy or optional: Oniguruma's syntaxes differ)");
    } else {
        return atom;
    }
    P->i++; /* past the quantifier's last character */
    int greedy = 1;
    if (P->i < P->n && P->p[P->i] == '?') greedy = 0, P->i++;
    if (P->i < P->n && P->p[P->i] && strchr("*+?{", P->p[P->i]))
        return rx_fail(P, "a quantifier on a quantifier (possessive or nested: '%c') is not supported", P->p[P->i]);
    if (rx_bare_look(P, atom)) return rx_fail(P, "a quantifier on a lookahead (Oniguruma refuses it too)");
    const int32_t k = rx_node(P, RN_REPEAT);
    if (k < 0) return -1;
    P->nodes[k].child = atom;
    P->nodes[k].min = min;
    P->nodes[k].max = max;
    P->nodes[k].greedy = (uint8_t)greedy;
    return k;
}

/* The case-folded letter that node k starts with (end 0) or ends with (end 1), looking into
 * groups of one alternative; 0 when there is none. */
static char rx_edge_fold(const rx_parser* P, int32_t k, int end)
{
    const rnode* r = &P->nodes[k];
    if (r->kind == RN_FOLD) return (char)r->arg;
    if (r->kind == RN_ALT) return r->child >= 0 && P->nodes[r->child].next < 0 ? rx_edge_fold(P, r->child, end) : 0;
    if (r->kind != RN_CAT || r->child < 0) return 0;
    int32_t c = r->child;
    while (end && P->nodes[c].next >= 0) c = P->nodes[c].next;
    return rx_edge_fold(P, c, end);
}

/* A sequence: a RN_CAT node of the atoms up to '|', ')' or the end. */
static int32_t rx_cat(rx_parser* P, int fold, int depth)
{
    const int32_t cat = rx_node(P, RN_CAT);
    if (cat < 0) return -1;
    int32_t last = -1;
    for (;;) {
        const int32_t k = rx_repeat(P, fold, depth);
        if (k == -2) break;
        if (k < 0) return -1;
        if (last < 0) P->nodes[cat].child = k;
        else P->nodes[last].next = k;
        /* Oniguruma's (?i) matches "ss" to one "ß" (and other strings folded from one character),
         * also across group boundaries: (?i:s(?:s)) */
        const char a = fold && last >= 0 ? rx_edge_fold(P, last, 1) : 0, b = a ? rx_edge_fold(P, k, 0) : 0;
        for (size_t m = 0; b && m < UC_NUM_FOLD_MULTI; m++) {
            if (uc_fold_multi[m][0] == a && uc_fold_multi[m][1] == b)
                return rx_fail(P, "'%s' inside (?i:...) is not supported (it also matches one character)", uc_fold_multi[m]);
        }
        last = k;
    }
    return cat;
}

static int32_t rx_alt(rx_parser* P, int fold, int depth)
{
    const int32_t alt = rx_node(P, RN_ALT);
    if (alt < 0) return -1;
    int32_t last = -1;
    for (;;) {
        const int32_t k = rx_cat(P, fold, depth);
        if (k < 0) return -1;
        if (last < 0) P->nodes[alt].child = k;
        else P->nodes[last].next = k;
        last = k;
        if (P->i < P->n && P->p[P->i] == '|') {
            P->i++;
            continue;
        }
        return alt;
    }
}

/* Whether node k can match empty text. */
static int rx_nullable(const rx_parser* P, int32_t k)
{
    const rnode* r = &P->nodes[k];
    switch (r->kind) {
    case RN_CAT:
        for (int32_t c = r->child; c >= 0; c = P->nodes[c].next)
            if (!rx_nullable(P, c)) return 0;
        return 1;
    case RN_ALT:
        for (int32_t c = r->child; c >= 0; c = P->nodes[c].next)
            if (rx_nullable(P, c)) return 1;
        return 0;
    case RN_REPEAT: return r->min == 0 || rx_nullable(P, r->child);
    case RN_LOOK: return 1;
    default: return 0;
    }
}

static int32_t rx_emit(rx_parser* P, uint8_t op, uint32_t arg, int32_t x, int32_t y)
{
    regex* re = P->re;
    if (re->num_code >= RX_MAX_CODE) return rx_fail(P, "the pattern compiles to more than %d instructions", RX_MAX_CODE);
    if ((re->num_code & (re->num_code - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
        rx_inst* v = realloc(re->code, (re->num_code ? 2 * re->num_code : 1) * sizeof *v);
        if (!v) return rx_fail(P, "out of memory");
        re->code = v;
    }
    re->code[re->num_code] = (rx_inst){op, 0, arg, x, y};
    return (int32_t)re->num_code++;
}

/* Emits node k's program. */
static int rx_compile(rx_parser* P, int32_t k)
{
    const rnode r = P->nodes[k];
    regex* re = P->re;
    if (++P->work > 4 * (size_t)RX_MAX_CODE) return rx_fail(P, "the pattern compiles to too large a program");
    switch (r.kind) {
    case RN_CHAR: return rx_emit(P, RX_CHAR, r.arg, 0, 0) < 0 ? -1 : 0;
    case RN_FOLD: return rx_emit(P, RX_FOLD, r.arg, 0, 0) < 0 ? -1 : 0;
    case RN_CLASS: return rx_emit(P, RX_CLASS, r.arg, 0, 0) < 0 ? -1 : 0;
    case RN_ANY: return rx_emit(P, RX_ANY, 0, 0, 0) < 0 ? -1 : 0;
    case RN_CAT:
        for (int32_t c = r.child; c >= 0; c = P->nodes[c].next)
            if (rx_compile(P, c)) return -1;
        return 0;
    case RN_ALT: {
        /* SPLIT a, next; a: first; JMP end; next: SPLIT b, next2; ... last: the last one */
        int32_t pending = -1; /* a JMP chain to patch to the end, linked through x */
        for (int32_t c = r.child; c >= 0; c = P->nodes[c].next) {
            int32_t split = -1;
            if (P->nodes[c].next >= 0 && (split = rx_emit(P, RX_SPLIT, 0, 0, 0)) < 0) return -1;
            if (split >= 0) re->code[split].x = (int32_t)re->num_code;
            if (rx_compile(P, c)) return -1;
            if (split >= 0) {
                const int32_t j = rx_emit(P, RX_JMP, 0, pending, 0);
                if (j < 0) return -1;
                pending = j;
                re->code[split].y = (int32_t)re->num_code;
            }
        }
        while (pending >= 0) {
            const int32_t prev = re->code[pending].x;
            re->code[pending].x = (int32_t)re->num_code;
            pending = prev;
        }
        return 0;
    }
    case RN_LOOK: {
        const int32_t look = rx_emit(P, RX_LOOK, 0, 0, 0);
        if (look < 0 || rx_compile(P, r.child) || rx_emit(P, RX_MATCH, 0, 0, 0) < 0) return -1;
        re->code[look].neg = r.neg;
        re->code[look].x = (int32_t)re->num_code;
        return 0;
    }
    default: { /* RN_REPEAT */
        if (r.max < 0 && rx_nullable(P, r.child))
            return rx_fail(P, "an unbounded repeat of something that can match empty text is not supported");
        for (int32_t m = 0; m < r.min; m++)
            if (rx_compile(P, r.child)) return -1;
        if (r.max < 0) { /* L: SPLIT body, out; body: child; JMP L; out: */
            const int32_t split = rx_emit(P, RX_SPLIT, 0, 0, 0);
            if (split < 0 || rx_compile(P, r.child) || rx_emit(P, RX_JMP, 0, split, 0) < 0) return -1;
            const int32_t body = split + 1, out = (int32_t)re->num_code;
            re->code[split].x = r.greedy ? body : out;
            re->code[split].y = r.greedy ? out : body;
            return 0;
        }
        /* max - min optional copies, each a SPLIT to the common end */
        int32_t pending = -1;
        for (int32_t m = r.min; m < r.max; m++) {
            const int32_t split = rx_emit(P, RX_SPLIT, 0, pending, 0);
            if (split < 0 || rx_compile(P, r.child)) return -1;
            pending = split;
        }
        const int32_t out = (int32_t)re->num_code;
        while (pending >= 0) {
            const int32_t prev = re->code[pending].x, body = pending + 1;
            re->code[pending].x = r.greedy ? body : out;
            re->code[pending].y = r.greedy ? out : body;
            pending = prev;
        }
        return 0;
    }
    }
}

/* Compiles `pattern` (n bytes of valid UTF-8); `literal`: the pattern is a plain string to find.
 * NULL with a message naming `path` when it is refused. */
static regex* regex_compile(const char* pattern, size_t n, int literal, const char* path, char* err, size_t err_n)
{
    rx_parser P = {pattern, n, 0, NULL, 0, 0, calloc(1, sizeof(regex)), 0, 0, 0, path, err, err_n};
    if (!P.re) {
        errf(err, err_n, "out of memory loading the tokenizer");
        return NULL;
    }
    int32_t root = -1;
    if (literal) {
        root = rx_node(&P, RN_CAT);
        for (int32_t last = -1; root >= 0 && P.i < n;) {
            const int32_t k = rx_literal(&P, rx_char(&P), 0);
            if (k < 0) root = -1;
            else if (last < 0) P.nodes[root].child = last = k;
            else P.nodes[last].next = k, last = k;
        }
    } else {
        root = rx_alt(&P, 0, 0);
        if (root >= 0 && P.i < n) root = rx_fail(&P, "a ')' without its '('");
    }
    if (root >= 0 && rx_nullable(&P, root)) root = rx_fail(&P, "a pattern that can match empty text is not supported");
    if (root < 0 || rx_compile(&P, root) || rx_emit(&P, RX_MATCH, 0, 0, 0) < 0) {
        free(P.nodes);
        regex_free(P.re);
        return NULL;
    }
    free(P.nodes);
    return P.re;
}

/* The backtracking stack and the step budget of one search. */
typedef struct rx_thread {
    int32_t pc;
    size_t pos;
} rx_thread;

typedef struct rx_scratch {
    rx_thread* v;
    size_t n, cap;
    size_t steps; /* left */
} rx_scratch;

enum { RX_NO = 0, RX_YES = 1, RX_OOM = -1, RX_BUDGET = -2 };

/* The general category of cp (an index in uc_gc_names). */
static uint32_t uc_gc_of(uint32_t cp)
{
    size_t lo = 0, hi = UC_NUM_GC;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (cp < uc_gc[mid].first) hi = mid;
        else if (cp > uc_gc[mid].last) lo = mid + 1;
        else return uc_gc[mid].gc;
    }
    return UC_GC_CN;
}

/* Oniguruma's \w as tokenizers' build has it (measured over every code point): Alphabetic,
 * Mark, Decimal_Number, Connector_Punctuation (UC_W without Join_Control, which Rust's \w adds),
 * and the Latin-1 fractions and superscript digits ² ³ ¹ ¼ ½ ¾. */
static int onig_word(uint32_t cp, unsigned cls)
{
    if (cp == 0xB2 || cp == 0xB3 || cp == 0xB9 || (cp >= 0xBC && cp <= 0xBE)) return 1;
    return (cls & UC_W) && cp != 0x200C && cp != 0x200D;
}

static int rx_class_has(const regex* re, const rx_class* c, uint32_t cp)
{
    const unsigned cls = uc_class(cp);
    int in = 0;
    for (uint32_t k = 0; k < c->count && !in; k++) {
        const rx_item* it = &re->items[c->first + k];
        switch (it->kind) {
        case RX_RANGE: in = cp >= it->lo && cp <= it->hi; break;
        case RX_HAS: in = (cls & it->lo) != 0; break;
        case RX_HAS_NOT: in = !(cls & it->lo); break;
        case RX_GC: in = (it->lo >> uc_gc_of(cp) & 1) != 0; break;
        case RX_GC_NOT: in = !(it->lo >> uc_gc_of(cp) & 1); break;
        case RX_WORD: in = onig_word(cp, cls); break;
        default: in = !onig_word(cp, cls); break;
        }
    }
    return in != c->negated;
}

static int rx_fold_is(uint32_t cp, uint32_t letter)
{
    if (cp < 0x80) return (cp | 0x20) == letter && is_ascii_letter(cp);
    for (size_t k = 0; k < UC_NUM_FOLD_ASCII; k++)
        if (uc_fold_ascii[k].cp == cp) return (uint32_t)(unsigned char)uc_fold_ascii[k].letter == letter;
    return 0;
}

/* Runs the program from pc at s[pos] (s[0..n) valid UTF-8): RX_YES with the match's end in *end,
 * RX_NO, RX_OOM or RX_BUDGET. Threads are pushed above X->n and popped back to it. */
static int rx_run(const regex* re, int32_t pc, const char* s, size_t n, size_t pos, rx_scratch* X, size_t* end)
{
    const size_t base = X->n;
    for (;;) {
        if (!X->steps--) return RX_BUDGET;
        const rx_inst* in = &re->code[pc];
        size_t len = 0;
        uint32_t cp = 0;
        if (in->op <= RX_ANY) {
            if (pos >= n) goto fail;
            len = utf8_step(s + pos);
            cp = utf8_cp(s + pos, len);
        }
        switch (in->op) {
        case RX_CHAR:
            if (cp != in->arg) goto fail;
            break;
        case RX_FOLD:
            if (!rx_fold_is(cp, in->arg)) goto fail;
            break;
        case RX_CLASS:
            if (!rx_class_has(re, &re->classes[in->arg], cp)) goto fail;
            break;
        case RX_ANY:
            if (cp == '\n') goto fail;
            break;
        case RX_SPLIT:
            if (X->n == X->cap) {
                size_t cap = X->cap ? X->cap * 2 : 256;
                rx_thread* v = cap < SIZE_MAX / sizeof *v ? realloc(X->v, cap * sizeof *v) : NULL;
                if (!v) return RX_OOM;
                X->v = v;
                X->cap = cap;
            }
            X->v[X->n++] = (rx_thread){in->y, pos};
            pc = in->x;
            continue;
        case RX_JMP:
            pc = in->x;
            continue;
        case RX_LOOK: {
            size_t unused;
            const int r = rx_run(re, pc + 1, s, n, pos, X, &unused);
            if (r < 0) return r;
            if (r == in->neg) goto fail;
            pc = in->x;
            continue;
        }
        default: /* RX_MATCH */
            X->n = base;
            *end = pos;
            return RX_YES;
        }
        pos += len;
        pc++;
        continue;
    fail:
        if (X->n == base) return RX_NO;
        X->n--;
        pc = X->v[X->n].pc;
        pos = X->v[X->n].pos;
    }
}

/* The leftmost match in s[from..n): RX_YES with it in [*start, *end), RX_NO, or an error. */
static int regex_find(const regex* re, const char* s, size_t n, size_t from, rx_scratch* X, size_t* start, size_t* end)
{
    for (size_t i = from; i < n; i += utf8_step(s + i)) {
        const int r = rx_run(re, 0, s, n, i, X, end);
        if (r == RX_YES) *start = i;
        if (r != RX_NO) return r;
    }
    return RX_NO;
}

/* ---- the tokenizer ------------------------------------------------------------------- */

/* One step of the normalizer, pre-tokenizer, post-processor or decoder chain (a Sequence is
 * its steps in order: tokenizers' Sequence runs each on the output of the one before). */
typedef enum step_kind {
    STEP_PREPEND,       /* normalizer: a before a non-empty piece */
    STEP_NFC,           /* normalizer: Unicode's canonical composition */
    STEP_SPLIT,         /* pre-tokenizer: the matches of `re` split the text as `behavior` says */
    STEP_REPLACE,       /* normalizer, decoder: every a by b, left to right */
    STEP_BYTE_LEVEL,    /* pre-tokenizer: GPT-2 regex and bytes as characters; decoder: back */
    STEP_METASPACE,     /* pre-tokenizer: ' ' as `ch`, split before each; decoder: back */
    STEP_BYTE_FALLBACK, /* decoder: <0xNN> tokens as bytes */
    STEP_FUSE,          /* decoder: all tokens as one */
    STEP_STRIP,         /* decoder: up to `start` leading, `stop` trailing `ch` off each token */
    STEP_TEMPLATE,      /* post-processor: items [first, first + count) of tmpl */
} step_kind;

enum { PREPEND_ALWAYS, PREPEND_FIRST, PREPEND_NEVER };

typedef struct step {
    step_kind kind;
    tstr a, b;
    uint32_t ch;
    int add_prefix_space, use_regex; /* ByteLevel */
    int prepend, split;              /* Metaspace: PREPEND_*, split */
    size_t start, stop;              /* Strip */
    size_t first, count;             /* TemplateProcessing */
    regex* re;                       /* Split (Digits: \p{N}) */
    int behavior, invert;            /* Split: SPLIT_*, invert */
} step;

/* What Split does with a match (tokenizers' SplitDelimiterBehavior). */
enum { SPLIT_REMOVED, SPLIT_ISOLATED, SPLIT_MERGED_WITH_PREVIOUS, SPLIT_MERGED_WITH_NEXT, SPLIT_CONTIGUOUS };

/* A template item: the sequence (count < 0) or special-token ids tmpl_ids[first, first + count). */
typedef struct tmpl_item {
    size_t first;
    ptrdiff_t count;
} tmpl_item;

typedef struct step_list {
    step* v;
    size_t n;
} step_list;

typedef struct added_token {
    tstr content;    /* as the file spells it */
    tstr cached;     /* the normalizer's output when it differs from content, from the first
                      * normalized add on (tokenizers' normalized_cache, never cleared); or NULL */
    int32_t id;
    uint8_t single_word, lstrip, rstrip, normalized_flag, special;
} added_token;

struct ember_tokenizer {
    char* text;            /* the file, strings decoded in place: every token points here */
    char** owned;          /* (num_owned) strings made at load: normalized added tokens */
    size_t num_owned;

    /* the BPE model */
    smap vocab;            /* token -> id */
    int32_t vocab_count;   /* distinct tokens in vocab: where new added ids start */
    int32_t num_ids;       /* one more than the largest id */
    tstr* id_token;        /* (num_ids) the vocabulary's token of each id; s NULL for none */
    int32_t* id_added;     /* (num_ids) index in `added` of the id's added token, -1 for none */
    pmap merges;           /* pair_key(left, right) -> (rank, merged id) */
    int32_t byte_id[256];  /* the <0xNN> token of each byte, -1 when absent */
    int has_unk;
    tstr unk;
    int32_t unk_id;        /* -1 when unk is not in the vocabulary: an error once needed */
    tstr prefix, suffix;   /* continuing_subword_prefix, end_of_word_suffix */
    int fuse_unk, byte_fallback, ignore_merges;

    added_token* added;    /* (num_added) */
    size_t num_added;
    smap added_index;      /* content -> index in added */
    smap special;          /* contents of the special added tokens */
    trie raw_trie;         /* added tokens with normalized false, matched in the raw text */
    trie norm_trie;        /* the others, matched in the normalized pieces */

    step_list norm, pre, post, dec;
    int has_decoder;
    tmpl_item* tmpl;
    size_t num_tmpl;
    int32_t* tmpl_ids;
    size_t num_tmpl_ids;
    int32_t bos_id, eos_id;
};

void ember_tokenizer_free(ember_tokenizer* t)
{
    if (!t) return;
    for (size_t i = 0; i < t->num_owned; i++) free(t->owned[i]);
    free(t->owned);
    free(t->text);
    free(t->vocab.e);
    free(t->id_token);
    free(t->id_added);
    free(t->merges.e);
    free(t->added);
    free(t->added_index.e);
    free(t->special.e);
    trie_free(&t->raw_trie);
    trie_free(&t->norm_trie);
    free(t->norm.v);
    for (size_t i = 0; i < t->pre.n; i++) regex_free(t->pre.v[i].re);
    free(t->pre.v);
    free(t->post.v);
    free(t->dec.v);
    free(t->tmpl);
    free(t->tmpl_ids);
    free(t);
}

/* ---- NFC ----------------------------------------------------------------------------- */

/* Unicode's canonical composition (UAX #15): full canonical decomposition, combining marks put
 * in canonical order, then each character composed with the last starter it is not blocked
 * from. The data come from unicode_tables.inc; Hangul syllables are arithmetic. */

#define HANGUL_S 0xAC00u
#define HANGUL_L 0x1100u
#define HANGUL_V 0x1161u
#define HANGUL_T 0x11A7u
#define HANGUL_COUNT 11172u

static uint8_t uc_ccc_of(uint32_t cp)
{
    size_t lo = 0, hi = UC_NUM_CCC;
    if (cp < 0x300) return 0;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (cp < uc_ccc[mid].first) hi = mid;
        else if (cp > uc_ccc[mid].last) lo = mid + 1;
        else return uc_ccc[mid].ccc;
    }
    return 0;
}

static const struct uc_decomp_entry* uc_decomp_of(uint32_t cp)
{
    size_t lo = 0, hi = UC_NUM_DECOMP;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (cp < uc_decomp[mid].cp) hi = mid;
        else if (cp > uc_decomp[mid].cp) lo = mid + 1;
        else return &uc_decomp[mid];
    }
    return NULL;
}

/* The primary composite of a and b, or 0. */
static uint32_t uc_compose(uint32_t a, uint32_t b)
{
    if (a >= HANGUL_L && a < HANGUL_L + 19 && b >= HANGUL_V && b < HANGUL_V + 21)
        return HANGUL_S + ((a - HANGUL_L) * 21 + (b - HANGUL_V)) * 28;
    if (a >= HANGUL_S && a < HANGUL_S + HANGUL_COUNT && (a - HANGUL_S) % 28 == 0 && b > HANGUL_T && b < HANGUL_T + 28)
        return a + (b - HANGUL_T);
    size_t lo = 0, hi = UC_NUM_COMP;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const struct uc_comp_entry* e = &uc_comp[mid];
        if (a < e->first || (a == e->first && b < e->second)) hi = mid;
        else if (a > e->first || b > e->second) lo = mid + 1;
        else return e->cp;
    }
    return 0;
}

/* A character on its way through NFC, and whether it stems from the text's first character. */
typedef struct nfc_char {
    uint32_t cp;
    uint8_t ccc, first;
} nfc_char;

typedef struct nfc_buf {
    nfc_char* v;
    size_t n, cap;
    nfc_char* tmp; /* (cap) scratch of the canonical ordering */
    int oom;
} nfc_buf;

static void nfc_push(nfc_buf* b, uint32_t cp, uint8_t first)
{
    if (b->oom) return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        nfc_char* v = cap < SIZE_MAX / 2 / sizeof *v ? realloc(b->v, cap * sizeof *v) : NULL;
        nfc_char* tmp = v ? realloc(b->tmp, cap * sizeof *tmp) : NULL;
        if (v) b->v = v;
        if (tmp) b->tmp = tmp;
        if (!v || !tmp) {
            b->oom = 1;
            return;
        }
        b->cap = cap;
    }
    b->v[b->n++] = (nfc_char){cp, uc_ccc_of(cp), first};
}

/* Appends the full canonical decomposition of cp (decompositions nest at most 4 deep). */
static void nfc_decompose(nfc_buf* b, uint32_t cp, uint8_t first, int depth)
{
    if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_COUNT) {
        const uint32_t s = cp - HANGUL_S;
        nfc_push(b, HANGUL_L + s / (21 * 28), first);
        nfc_push(b, HANGUL_V + s % (21 * 28) / 28, first);
        if (s % 28) nfc_push(b, HANGUL_T + s % 28, first);
        return;
    }
    const struct uc_decomp_entry* d = cp >= 0xC0 && depth < 8 ? uc_decomp_of(cp) : NULL;
    if (!d) {
        nfc_push(b, cp, first);
        return;
    }
    nfc_decompose(b, d->first, first, depth + 1);
    if (d->second) nfc_decompose(b, d->second, first, depth + 1);
}

/* Sorts v[0..n) by combining class, keeping the order of equals (a counting sort for long
 * runs, so a hostile run of marks stays linear). */
static void nfc_order(nfc_char* v, size_t n, nfc_char* tmp)
{
    if (n <= 8) {
        for (size_t i = 1; i < n; i++) {
            const nfc_char c = v[i];
            size_t j = i;
            for (; j > 0 && v[j - 1].ccc > c.ccc; j--) v[j] = v[j - 1];
            v[j] = c;
        }
        return;
    }
    size_t at[257] = {0};
    for (size_t i = 0; i < n; i++) at[v[i].ccc + 1]++;
    for (int c = 1; c <= 256; c++) at[c] += at[c - 1];
    for (size_t i = 0; i < n; i++) tmp[at[v[i].ccc]++] = v[i];
    memcpy(v, tmp, n * sizeof *v);
}

/* NFC of in[0..n) (valid UTF-8, `in_first` its bytes' flags) appended to out, out_first. */
static void nfc_normalize(nfc_buf* b, const char* in, const char* in_first, size_t n, sbuf* out, sbuf* out_first)
{
    b->n = 0;
    for (size_t i = 0; i < n;) {
        const size_t len = utf8_step(in + i);
        nfc_decompose(b, utf8_cp(in + i, len), (uint8_t)in_first[i], 0);
        i += len;
    }
    if (b->oom) {
        out->oom = 1;
        return;
    }
    for (size_t i = 0; i < b->n;) { /* canonical order: each run of non-starters sorted */
        if (!b->v[i].ccc) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < b->n && b->v[j].ccc) j++;
        nfc_order(b->v + i, j - i, b->tmp);
        i = j;
    }
    size_t w = 0;
    ptrdiff_t starter = -1;
    int last_ccc = 0;
    for (size_t i = 0; i < b->n; i++) {
        const nfc_char c = b->v[i];
        if (starter >= 0 && (last_ccc < c.ccc || last_ccc == 0)) {
            const uint32_t comp = uc_compose(b->v[starter].cp, c.cp);
            if (comp) {
                b->v[starter].cp = comp;
                b->v[starter].first |= c.first;
                continue;
            }
        }
        if (!c.ccc) starter = (ptrdiff_t)w;
        last_ccc = c.ccc;
        b->v[w++] = c;
    }
    for (size_t i = 0; i < w; i++) {
        char u[4];
        const size_t len = utf8_put(b->v[i].cp, u);
        sbuf_put(out, u, len);
        sbuf_fill(out_first, (char)b->v[i].first, len);
    }
}

/* The normalizer's output, and for each of its bytes whether it stems from the input's first
 * character: tokenizers tracks each normalized byte's original offsets (alignments) and
 * Metaspace's prepend_scheme first asks whether a piece starts at original offset 0. Prepended
 * text takes the first character's alignment, replacement text that of the match's last byte. */
typedef struct norm_buf {
    sbuf text, first;          /* first: (text.n) 1 where the byte stems from the first character */
    sbuf tmp_text, tmp_first;  /* scratch */
    nfc_buf nfc;               /* scratch of NFC */
} norm_buf;

static void norm_buf_free(norm_buf* z)
{
    free(z->text.p);
    free(z->first.p);
    free(z->tmp_text.p);
    free(z->tmp_first.p);
    free(z->nfc.v);
    free(z->nfc.tmp);
}

/* Runs the normalizer steps over s[0..n) into z. Returns 0, or -1 out of memory. */
static int normalize(const ember_tokenizer* t, const char* s, size_t n, norm_buf* z)
{
    z->text.n = z->first.n = 0;
    sbuf_put(&z->text, s, n);
    if (n) {
        const size_t first = utf8_step(s);
        sbuf_fill(&z->first, 1, first);
        sbuf_fill(&z->first, 0, n - first);
    }
    for (size_t k = 0; k < t->norm.n && !z->text.oom && !z->first.oom; k++) {
        const step* st = &t->norm.v[k];
        const sbuf in = z->text, in_first = z->first;
        sbuf *out = &z->tmp_text, *out_first = &z->tmp_first;
        out->n = out_first->n = 0;
        if (st->kind == STEP_NFC) {
            size_t i = 0;
            while (i < in.n && (unsigned char)in.p[i] < 0x80) i++; /* ASCII is its own NFC */
            sbuf_put(out, in.p, i);
            sbuf_put(out_first, in_first.p, i);
            if (i < in.n) {
                /* from the character before the first non-ASCII one: it may compose with it */
                const size_t from = i ? i - 1 : 0;
                out->n = out_first->n = from;
                nfc_normalize(&z->nfc, in.p + from, in_first.p + from, in.n - from, out, out_first);
            }
        } else if (st->kind == STEP_PREPEND) {
            if (in.n) {
                sbuf_put(out, st->a.s, st->a.n);
                sbuf_fill(out_first, in_first.p[0], st->a.n);
            }
            sbuf_put(out, in.p, in.n);
            sbuf_put(out_first, in_first.p, in.n);
        } else { /* STEP_REPLACE: every match, left to right */
            size_t i = 0, run = 0;
            while (i < in.n) {
                if (in.n - i >= st->a.n && memcmp(in.p + i, st->a.s, st->a.n) == 0) {
                    sbuf_put(out, in.p + run, i - run);
                    sbuf_put(out_first, in_first.p + run, i - run);
                    sbuf_put(out, st->b.s, st->b.n);
                    sbuf_fill(out_first, in_first.p[i + st->a.n - 1], st->b.n);
                    i += st->a.n;
                    run = i;
                } else {
                    i++;
                }
            }
            sbuf_put(out, in.p + run, in.n - run);
            sbuf_put(out_first, in_first.p + run, in.n - run);
        }
        sbuf_swap(&z->text, &z->tmp_text);
        sbuf_swap(&z->first, &z->tmp_first);
    }
    return z->text.oom || z->first.oom || z->tmp_text.oom || z->tmp_first.oom ? -1 : 0;
}

/* ---- loading ------------------------------------------------------------------------- */

typedef struct loader {
    const jnode* v; /* the nodes */
    ember_tokenizer* t;
    char* err;
    size_t err_n;
} loader;

static const jnode* jchild(const loader* L, const jnode* n) { return n->child < 0 ? NULL : &L->v[n->child]; }
static const jnode* jnext(const loader* L, const jnode* n) { return n->next < 0 ? NULL : &L->v[n->next]; }

/* Member `key` of object `obj` (the last one when repeated, as serde's maps keep the last), or NULL. */
static const jnode* jget(const loader* L, const jnode* obj, const char* key)
{
    const jnode* found = NULL;
    const size_t kl = strlen(key);
    for (const jnode* c = jchild(L, obj); c; c = jnext(L, c))
        if (c->key_n == kl && memcmp(c->key, key, kl) == 0) found = c;
    return found;
}

static const char* jtype(const jnode* n)
{
    static const char* const names[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};
    return names[n->type];
}

static int lfail(loader* L, const char* fmt, ...)
{
    if (L->err && L->err_n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(L->err, L->err_n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int oom(loader* L) { return lfail(L, "out of memory loading the tokenizer"); }

/* Member `key` of `obj` (path names obj), required to be of `type`; NULL with a message when it
 * is missing or of another type. */
static const jnode* need(loader* L, const jnode* obj, const char* path, const char* key, int type)
{
    static const char* const names[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};
    const jnode* v = jget(L, obj, key);
    if (!v) lfail(L, "%s.%s is missing", path, key);
    else if (v->type != type) lfail(L, "%s.%s: expected %s, not %s", path, key, names[type], jtype(v));
    else return v;
    return NULL;
}

/* An optional boolean: absent or null leaves *out. */
static int opt_bool(loader* L, const jnode* obj, const char* path, const char* key, int* out)
{
    const jnode* v = jget(L, obj, key);
    if (!v || v->type == J_NULL) return 0;
    if (v->type != J_BOOL) return lfail(L, "%s.%s: expected a boolean, not %s", path, key, jtype(v));
    *out = v->truth;
    return 0;
}

/* An optional string: absent or null gives {NULL, 0}. */
static int opt_str(loader* L, const jnode* obj, const char* path, const char* key, tstr* out)
{
    const jnode* v = jget(L, obj, key);
    *out = (tstr){NULL, 0};
    if (!v || v->type == J_NULL) return 0;
    if (v->type != J_STR) return lfail(L, "%s.%s: expected a string, not %s", path, key, jtype(v));
    *out = (tstr){v->s, v->n};
    return 0;
}

/* A whole number in [0, max] at node v (path names it). */
static int get_count(loader* L, const jnode* v, const char* path, double max, double* out)
{
    if (v->type != J_NUM || !v->whole) return lfail(L, "%s: expected a whole number, not %s", path, v->type == J_NUM ? "a fraction" : jtype(v));
    if (v->num < 0 || v->num > max) return lfail(L, "%s: %.0f is out of range (0 to %.0f)", path, v->num, max);
    *out = v->num;
    return 0;
}

/* A string of exactly one character (a Rust char), as its code point. */
static int get_char(loader* L, const jnode* obj, const char* path, const char* key, uint32_t* cp, tstr* s)
{
    const jnode* v = need(L, obj, path, key, J_STR);
    if (!v) return -1;
    if (!v->n || utf8_step(v->s) != v->n)
        return lfail(L, "%s.%s: expected one character, not a string of %zu bytes", path, key, v->n);
    *cp = utf8_cp(v->s, v->n);
    *s = (tstr){v->s, v->n};
    return 0;
}

static step* add_step(loader* L, step_list* list, step_kind kind)
{
    step* v = realloc(list->v, (list->n + 1) * sizeof *v);
    if (!v) {
        oom(L);
        return NULL;
    }
    list->v = v;
    memset(&v[list->n], 0, sizeof *v);
    v[list->n].kind = kind;
    return &v[list->n++];
}

/* The type of component `c` (path names it): an object with a string "type". */
static const char* component_type(loader* L, const jnode* c, const char* path)
{
    if (c->type != J_OBJ) {
        lfail(L, "%s: expected an object or null, not %s", path, jtype(c));
        return NULL;
    }
    const jnode* type = need(L, c, path, "type", J_STR);
    return type ? type->s : NULL;
}

/* Replace's pattern: {"String": s} (a Regex pattern is refused). */
static int replace_pattern(loader* L, const jnode* c, const char* path, tstr* out)
{
    const jnode* pat = need(L, c, path, "pattern", J_OBJ);
    if (!pat) return -1;
    if (jget(L, pat, "Regex")) return lfail(L, "%s: Replace with a Regex pattern is not supported (only a String pattern)", path);
    char sub[160];
    snprintf(sub, sizeof sub, "%s.pattern", path);
    const jnode* s = need(L, pat, sub, "String", J_STR);
    if (!s) return -1;
    if (!s->n) return lfail(L, "%s: Replace with an empty pattern is not supported", path);
    *out = (tstr){s->s, s->n};
    return 0;
}

/* The members of array `key` of c, each loaded by `each` with its path "path.key[i]". */
static int each_member(loader* L, const jnode* c, const char* path, const char* key,
                       int (*each)(loader*, const jnode*, const char*))
{
    const jnode* list = need(L, c, path, key, J_ARR);
    if (!list) return -1;
    size_t i = 0;
    for (const jnode* m = jchild(L, list); m; m = jnext(L, m), i++) {
        char sub[160];
        snprintf(sub, sizeof sub, "%s.%s[%zu]", path, key, i);
        if (each(L, m, sub)) return -1;
    }
    return 0;
}

static int load_normalizer(loader* L, const jnode* c, const char* path)
{
    if (c->type == J_NULL) return 0;
    const char* type = component_type(L, c, path);
    if (!type) return -1;
    step* st;
    if (strcmp(type, "Sequence") == 0) return each_member(L, c, path, "normalizers", load_normalizer);
    if (strcmp(type, "Prepend") == 0) {
        const jnode* p = need(L, c, path, "prepend", J_STR);
        if (!p || !(st = add_step(L, &L->t->norm, STEP_PREPEND))) return -1;
        st->a = (tstr){p->s, p->n};
        return 0;
    }
    if (strcmp(type, "Replace") == 0) {
        tstr pattern, content;
        if (replace_pattern(L, c, path, &pattern) || opt_str(L, c, path, "content", &content)) return -1;
        if (!content.s) return lfail(L, "%s.content is missing", path);
        if (!(st = add_step(L, &L->t->norm, STEP_REPLACE))) return -1;
        st->a = pattern;
        st->b = content;
        return 0;
    }
    if (strcmp(type, "NFC") == 0) return add_step(L, &L->t->norm, STEP_NFC) ? 0 : -1;
    return lfail(L, "%s: normalizer '%s' is not supported (supported: NFC, Prepend, Replace, Sequence)", path, type);
}

/* Metaspace's fields, shared by the pre-tokenizer and the decoder. */
static int metaspace_fields(loader* L, const jnode* c, const char* path, step* st)
{
    if (get_char(L, c, path, "replacement", &st->ch, &st->a)) return -1;
    st->prepend = PREPEND_ALWAYS;
    st->split = 1;
    const jnode* scheme = jget(L, c, "prepend_scheme");
    if (scheme && scheme->type != J_NULL) {
        if (scheme->type != J_STR) return lfail(L, "%s.prepend_scheme: expected a string, not %s", path, jtype(scheme));
        if (strcmp(scheme->s, "always") == 0) st->prepend = PREPEND_ALWAYS;
        else if (strcmp(scheme->s, "first") == 0) st->prepend = PREPEND_FIRST;
        else if (strcmp(scheme->s, "never") == 0) st->prepend = PREPEND_NEVER;
        else return lfail(L, "%s.prepend_scheme: '%s' is none of first, always, never", path, scheme->s);
    }
    int add_prefix_space = 1; /* the legacy field: false means never */
    if (opt_bool(L, c, path, "add_prefix_space", &add_prefix_space) || opt_bool(L, c, path, "split", &st->split)) return -1;
    if (!add_prefix_space) st->prepend = PREPEND_NEVER;
    return 0;
}

/* Split's fields: pattern {"Regex": r} or {"String": s}, behavior, invert. */
static int split_fields(loader* L, const jnode* c, const char* path, step* st)
{
    static const char* const behaviors[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};
    const jnode* pat = need(L, c, path, "pattern", J_OBJ);
    const jnode* behavior = pat ? need(L, c, path, "behavior", J_STR) : NULL;
    if (!behavior || opt_bool(L, c, path, "invert", &st->invert)) return -1;
    st->behavior = -1;
    for (int k = 0; k < 5; k++)
        if (strcmp(behavior->s, behaviors[k]) == 0) st->behavior = k;
    if (st->behavior < 0)
        return lfail(L, "%s.behavior: '%s' is none of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous",
                     path, behavior->s);
    const jnode* regex_s = jget(L, pat, "Regex");
    const jnode* string_s = jget(L, pat, "String");
    const jnode* p = regex_s ? regex_s : string_s;
    char sub[200];
    snprintf(sub, sizeof sub, "%s.pattern.%s", path, regex_s ? "Regex" : "String");
    if (!p || pat->n != 1) return lfail(L, "%s.pattern: expected {\"Regex\": ...} or {\"String\": ...}", path);
    if (p->type != J_STR) return lfail(L, "%s: expected a string, not %s", sub, jtype(p));
    st->re = regex_compile(p->s, p->n, !regex_s, sub, L->err, L->err_n);
    return st->re ? 0 : -1;
}

static int load_pre_tokenizer(loader* L, const jnode* c, const char* path)
{
    if (c->type == J_NULL) return 0;
    const char* type = component_type(L, c, path);
    if (!type) return -1;
    step* st;
    if (strcmp(type, "Sequence") == 0) return each_member(L, c, path, "pretokenizers", load_pre_tokenizer);
    if (strcmp(type, "ByteLevel") == 0) {
        if (!(st = add_step(L, &L->t->pre, STEP_BYTE_LEVEL))) return -1;
        st->add_prefix_space = st->use_regex = 1;
        return opt_bool(L, c, path, "add_prefix_space", &st->add_prefix_space) || opt_bool(L, c, path, "use_regex", &st->use_regex) ? -1 : 0;
    }
    if (strcmp(type, "Metaspace") == 0) {
        if (!(st = add_step(L, &L->t->pre, STEP_METASPACE))) return -1;
        return metaspace_fields(L, c, path, st);
    }
    if (strcmp(type, "Split") == 0) {
        if (!(st = add_step(L, &L->t->pre, STEP_SPLIT))) return -1;
        return split_fields(L, c, path, st);
    }
    if (strcmp(type, "Digits") == 0) { /* tokenizers splits at char::is_numeric: \p{N} */
        int individual = 0;
        if (opt_bool(L, c, path, "individual_digits", &individual) || !(st = add_step(L, &L->t->pre, STEP_SPLIT))) return -1;
        st->behavior = individual ? SPLIT_ISOLATED : SPLIT_CONTIGUOUS;
        st->re = regex_compile("\\p{N}", 5, 0, path, L->err, L->err_n);
        return st->re ? 0 : -1;
    }
    return lfail(L, "%s: pre-tokenizer '%s' is not supported (supported: ByteLevel, Digits, Metaspace, Split, Sequence)",
                 path, type);
}

static int load_decoder(loader* L, const jnode* c, const char* path)
{
    if (c->type == J_NULL) return 0;
    const char* type = component_type(L, c, path);
    if (!type) return -1;
    L->t->has_decoder = 1;
    step* st;
    if (strcmp(type, "Sequence") == 0) return each_member(L, c, path, "decoders", load_decoder);
    if (strcmp(type, "ByteLevel") == 0) return add_step(L, &L->t->dec, STEP_BYTE_LEVEL) ? 0 : -1;
    if (strcmp(type, "ByteFallback") == 0) return add_step(L, &L->t->dec, STEP_BYTE_FALLBACK) ? 0 : -1;
    if (strcmp(type, "Fuse") == 0) return add_step(L, &L->t->dec, STEP_FUSE) ? 0 : -1;
    if (strcmp(type, "Metaspace") == 0) {
        if (!(st = add_step(L, &L->t->dec, STEP_METASPACE))) return -1;
        return metaspace_fields(L, c, path, st);
    }
    if (strcmp(type, "Replace") == 0) {
        tstr pattern, content;
        if (replace_pattern(L, c, path, &pattern) || opt_str(L, c, path, "content", &content)) return -1;
        if (!content.s) return lfail(L, "%s.content is missing", path);
        if (!(st = add_step(L, &L->t->dec, STEP_REPLACE))) return -1;
        st->a = pattern;
        st->b = content;
        return 0;
    }
    if (strcmp(type, "Strip") == 0) {
        if (!(st = add_step(L, &L->t->dec, STEP_STRIP))) return -1;
        double start = 0, stop = 0;
        char sub_start[160], sub_stop[160];
        snprintf(sub_start, sizeof sub_start, "%s.start", path);
        snprintf(sub_stop, sizeof sub_stop, "%s.stop", path);
        const jnode* a = need(L, c, path, "start", J_NUM);
        const jnode* b = a ? need(L, c, path, "stop", J_NUM) : NULL;
        if (!b || get_count(L, a, sub_start, 1e9, &start) || get_count(L, b, sub_stop, 1e9, &stop)) return -1;
        st->start = (size_t)start;
        st->stop = (size_t)stop;
        return get_char(L, c, path, "content", &st->ch, &st->a);
    }
    return lfail(L, "%s: decoder '%s' is not supported (supported: ByteLevel, Metaspace, Replace, ByteFallback, "
                    "Fuse, Strip, Sequence)", path, type);
}

/* TemplateProcessing: the "single" template, its special tokens' ids from "special_tokens". */
static int load_template(loader* L, const jnode* c, const char* path)
{
    ember_tokenizer* t = L->t;
    const jnode* single = need(L, c, path, "single", J_ARR);
    const jnode* specials = single ? need(L, c, path, "special_tokens", J_OBJ) : NULL;
    if (!specials) return -1;
    step* st = add_step(L, &t->post, STEP_TEMPLATE);
    if (!st) return -1;
    st->first = t->num_tmpl;
    size_t i = 0;
    for (const jnode* piece = jchild(L, single); piece; piece = jnext(L, piece), i++) {
        char sub[240];
        snprintf(sub, sizeof sub, "%s.single[%zu]", path, i);
        const jnode* seq = piece->type == J_OBJ ? jget(L, piece, "Sequence") : NULL;
        const jnode* sp = piece->type == J_OBJ ? jget(L, piece, "SpecialToken") : NULL;
        const jnode* body = seq ? seq : sp;
        if (!body || body->type != J_OBJ || piece->n != 1)
            return lfail(L, "%s: expected {\"Sequence\": {...}} or {\"SpecialToken\": {...}}", sub);
        const jnode* id = need(L, body, sub, "id", J_STR);
        if (!id) return -1;
        tmpl_item* items = realloc(t->tmpl, (t->num_tmpl + 1) * sizeof *items);
        if (!items) return oom(L);
        t->tmpl = items;
        tmpl_item* item = &items[t->num_tmpl++];
        st->count++;
        if (seq) {
            if (strcmp(id->s, "A") != 0)
                return lfail(L, "%s: the single template names sequence '%s' (only A is encoded)", sub, id->s);
            *item = (tmpl_item){0, -1};
            continue;
        }
        const jnode* tok = jget(L, specials, id->s);
        if (!tok) return lfail(L, "%s: special token '%s' is not in %s.special_tokens", sub, id->s, path);
        char tpath[200];
        snprintf(tpath, sizeof tpath, "%s.special_tokens.%s", path, id->s);
        if (tok->type != J_OBJ) return lfail(L, "%s: expected an object, not %s", tpath, jtype(tok));
        const jnode* ids = need(L, tok, tpath, "ids", J_ARR);
        if (!ids) return -1;
        int32_t* grown = realloc(t->tmpl_ids, (t->num_tmpl_ids + ids->n + 1) * sizeof *grown);
        if (!grown) return oom(L);
        t->tmpl_ids = grown;
        *item = (tmpl_item){t->num_tmpl_ids, (ptrdiff_t)ids->n};
        for (const jnode* x = jchild(L, ids); x; x = jnext(L, x)) {
            double v = 0;
            snprintf(sub, sizeof sub, "%s.ids", tpath);
            if (get_count(L, x, sub, INT32_MAX, &v)) return -1;
            t->tmpl_ids[t->num_tmpl_ids++] = (int32_t)v;
        }
    }
    return 0;
}

static int load_post_processor(loader* L, const jnode* c, const char* path)
{
    if (c->type == J_NULL) return 0;
    const char* type = component_type(L, c, path);
    if (!type) return -1;
    if (strcmp(type, "Sequence") == 0) return each_member(L, c, path, "processors", load_post_processor);
    if (strcmp(type, "ByteLevel") == 0) return 0; /* trims offsets only: no ids */
    if (strcmp(type, "TemplateProcessing") == 0) return load_template(L, c, path);
    return lfail(L, "%s: post-processor '%s' is not supported (supported: ByteLevel, TemplateProcessing, Sequence)", path, type);
}

static int load_model(loader* L, const jnode* m)
{
    ember_tokenizer* t = L->t;
    char shown[200], sub[300];
    if (m->type != J_OBJ) return lfail(L, "model: expected an object, not %s", jtype(m));
    const jnode* type = need(L, m, "model", "type", J_STR);
    if (!type) return -1;
    if (strcmp(type->s, "BPE") != 0) return lfail(L, "model.type: '%s' models are not supported (only BPE)", type->s);
    const jnode* dropout = jget(L, m, "dropout");
    if (dropout && dropout->type != J_NULL && dropout->type != J_NUM)
        return lfail(L, "model.dropout: expected a number or null, not %s", jtype(dropout));
    if (dropout && dropout->type == J_NUM && dropout->num != 0)
        return lfail(L, "model.dropout is %g: BPE dropout (random merges) is not supported", dropout->num);
    if (opt_str(L, m, "model", "unk_token", &t->unk) || opt_str(L, m, "model", "continuing_subword_prefix", &t->prefix) ||
        opt_str(L, m, "model", "end_of_word_suffix", &t->suffix) || opt_bool(L, m, "model", "fuse_unk", &t->fuse_unk) ||
        opt_bool(L, m, "model", "byte_fallback", &t->byte_fallback) ||
        opt_bool(L, m, "model", "ignore_merges", &t->ignore_merges))
        return -1;
    t->has_unk = t->unk.s != NULL;
    const jnode* vocab = need(L, m, "model", "vocab", J_OBJ);
    const jnode* merges = vocab ? need(L, m, "model", "merges", J_ARR) : NULL;
    if (!merges) return -1;

    if (smap_reserve(&t->vocab, vocab->n)) return oom(L);
    for (const jnode* c = jchild(L, vocab); c; c = jnext(L, c)) {
        double id = 0;
        snprintf(sub, sizeof sub, "model.vocab['%s']", show(c->key, c->key_n, shown));
        if (get_count(L, c, sub, MAX_ID - 1, &id)) return -1;
        if (smap_put(&t->vocab, c->key, c->key_n, (int32_t)id)) return oom(L);
    }
    t->vocab_count = (int32_t)t->vocab.count;

    sbuf cat = {0};
    int32_t rank = 0;
    size_t i = 0;
    int rc = 0;
    for (const jnode* c = jchild(L, merges); c && !rc; c = jnext(L, c), i++) {
        tstr a, b;
        const char* space = c->type == J_STR ? memchr(c->s, ' ', c->n) : NULL;
        if (c->type == J_STR && c->n >= 8 && memcmp(c->s, "#version", 8) == 0) continue; /* merges.txt's header */
        if (space && !memchr(space + 1, ' ', c->n - (size_t)(space + 1 - c->s))) {
            a = (tstr){c->s, (size_t)(space - c->s)};
            b = (tstr){space + 1, c->n - a.n - 1};
        } else if (c->type == J_ARR && c->n == 2 && L->v[c->child].type == J_STR && jnext(L, jchild(L, c))->type == J_STR) {
            const jnode* x = jchild(L, c);
            a = (tstr){x->s, x->n};
            b = (tstr){jnext(L, x)->s, jnext(L, x)->n};
        } else {
            rc = lfail(L, "model.merges[%zu]: expected \"A B\" (one space) or [\"A\", \"B\"], not %s", i,
                       c->type == J_STR ? "that string" : jtype(c));
            break;
        }
        const int32_t ia = smap_get(&t->vocab, a.s, a.n), ib = smap_get(&t->vocab, b.s, b.n);
        if (ia < 0 || ib < 0) {
            const tstr missing = ia < 0 ? a : b;
            rc = lfail(L, "model.merges[%zu]: '%s' is not in the vocabulary", i, show(missing.s, missing.n, shown));
            break;
        }
        if (b.n < t->prefix.n) {
            rc = lfail(L, "model.merges[%zu]: '%s' is shorter than continuing_subword_prefix", i, show(b.s, b.n, shown));
            break;
        }
        cat.n = 0;
        sbuf_put(&cat, a.s, a.n);
        sbuf_put(&cat, b.s + t->prefix.n, b.n - t->prefix.n);
        if (cat.oom) {
            rc = oom(L);
            break;
        }
        const int32_t merged = smap_get(&t->vocab, cat.p, cat.n);
        if (merged < 0)
            rc = lfail(L, "model.merges[%zu]: the merged token '%s' is not in the vocabulary", i, show(cat.p, cat.n, shown));
        else if (pmap_put(&t->merges, pair_key(ia, ib), rank++, merged))
            rc = oom(L);
    }
    free(cat.p);
    if (rc) return -1;

    for (int byte = 0; byte < 256; byte++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", byte);
        t->byte_id[byte] = smap_get(&t->vocab, name, 6);
    }
    t->unk_id = t->has_unk ? smap_get(&t->vocab, t->unk.s, t->unk.n) : -1;
    return 0;
}

/* added_tokens, as tokenizers' AddedVocabulary::add_tokens: a token in the vocabulary keeps its
 * id, a new one takes the next id after the vocabulary's count (the file's "id" is only
 * checked); a repeated content updates the flags of the first. */
static int load_added_tokens(loader* L, const jnode* list)
{
    ember_tokenizer* t = L->t;
    if (list->type == J_NULL) return 0;
    if (list->type != J_ARR) return lfail(L, "added_tokens: expected an array, not %s", jtype(list));
    t->added = calloc(list->n ? list->n : 1, sizeof *t->added);
    if (!t->added) return oom(L);
    int32_t next_id = t->vocab_count;
    norm_buf z = {0};
    int rc = 0;
    size_t i = 0;
    for (const jnode* m = jchild(L, list); m && !rc; m = jnext(L, m), i++) {
        char path[64], sub[80];
        double unused;
        snprintf(path, sizeof path, "added_tokens[%zu]", i);
        snprintf(sub, sizeof sub, "%s.id", path);
        if (m->type != J_OBJ) {
            rc = lfail(L, "%s: expected an object, not %s", path, jtype(m));
            break;
        }
        const jnode* id = need(L, m, path, "id", J_NUM);
        const jnode* content = id ? need(L, m, path, "content", J_STR) : NULL;
        int special = 0, single_word = 0, lstrip = 0, rstrip = 0, normalized;
        if (!content || get_count(L, id, sub, UINT32_MAX, &unused) || opt_bool(L, m, path, "special", &special) ||
            opt_bool(L, m, path, "single_word", &single_word) || opt_bool(L, m, path, "lstrip", &lstrip) ||
            opt_bool(L, m, path, "rstrip", &rstrip) || (normalized = !special, opt_bool(L, m, path, "normalized", &normalized))) {
            rc = -1;
            break;
        }
        if (!content->n) continue; /* tokenizers ignores empty tokens */
        int32_t k = smap_get(&t->added_index, content->s, content->n);
        if (k < 0) {
            int32_t tid = smap_get(&t->vocab, content->s, content->n);
            if (tid < 0) {
                if (next_id >= MAX_ID) {
                    rc = lfail(L, "%s: more added tokens than ids below %d", path, MAX_ID);
                    break;
                }
                tid = next_id++;
            }
            k = (int32_t)t->num_added++;
            t->added[k].id = tid;
            t->added[k].content = (tstr){content->s, content->n};
            if (smap_put(&t->added_index, content->s, content->n, k)) {
                rc = oom(L);
                break;
            }
        }
        added_token* tok = &t->added[k];
        tok->special = (uint8_t)special;
        tok->single_word = (uint8_t)single_word;
        tok->lstrip = (uint8_t)lstrip;
        tok->rstrip = (uint8_t)rstrip;
        tok->normalized_flag = (uint8_t)normalized;
        if (special && smap_put(&t->special, content->s, content->n, k)) rc = oom(L);
        if (!rc && normalized && t->norm.n) {
            if (normalize(t, content->s, content->n, &z)) {
                rc = oom(L);
                break;
            }
            const sbuf a = z.text;
            if (a.n != content->n || memcmp(a.p, content->s, a.n) != 0) {
                char** owned = realloc(t->owned, (t->num_owned + 1) * sizeof *owned);
                char* copy = malloc(a.n + 1);
                if (owned) t->owned = owned;
                if (!owned || !copy) {
                    free(copy);
                    rc = oom(L);
                    break;
                }
                memcpy(copy, a.p, a.n);
                copy[a.n] = 0;
                t->owned[t->num_owned++] = copy;
                tok->cached = (tstr){copy, a.n};
            }
        }
    }
    norm_buf_free(&z);
    return rc;
}

/* The id tables, the added tokens' tries, the BOS and EOS. */
static int index_tokens(loader* L)
{
    ember_tokenizer* t = L->t;
    int32_t max_id = -1;
    for (size_t i = 0; i < t->vocab.cap; i++)
        if (t->vocab.e[i].s && t->vocab.e[i].val > max_id) max_id = t->vocab.e[i].val;
    for (size_t k = 0; k < t->num_added; k++)
        if (t->added[k].id > max_id) max_id = t->added[k].id;
    const size_t tokens = t->vocab.count + t->num_added;
    if (max_id >= 0 && (size_t)max_id >= 4 * tokens + 65536) /* the id tables are sized by the largest id */
        return lfail(L, "model.vocab: id %ld for %zu tokens: ids this sparse are not supported", (long)max_id, tokens);
    t->num_ids = max_id + 1;
    t->id_token = calloc((size_t)t->num_ids + 1, sizeof *t->id_token);
    t->id_added = malloc(((size_t)t->num_ids + 1) * sizeof *t->id_added);
    if (!t->id_token || !t->id_added) return oom(L);
    for (size_t i = 0; i < t->vocab.cap; i++)
        if (t->vocab.e[i].s) t->id_token[t->vocab.e[i].val] = (tstr){t->vocab.e[i].s, t->vocab.e[i].n};
    for (int32_t id = 0; id < t->num_ids; id++) t->id_added[id] = -1;
    for (size_t k = 0; k < t->num_added; k++) t->id_added[t->added[k].id] = (int32_t)k;
    /* one pattern per id, as tokenizers' tries are built from its id -> token map */
    for (int32_t id = 0; id < t->num_ids; id++) {
        const int32_t k = t->id_added[id];
        if (k < 0) continue;
        const added_token* tok = &t->added[k];
        const tstr pattern = tok->normalized_flag && tok->cached.s ? tok->cached : tok->content;
        if (pattern.n && trie_add(tok->normalized_flag ? &t->norm_trie : &t->raw_trie, pattern.s, pattern.n, k)) return oom(L);
    }

    t->bos_id = t->eos_id = -1;
    const step* tmpl = NULL; /* the outermost template */
    for (size_t i = 0; i < t->post.n; i++)
        if (t->post.v[i].kind == STEP_TEMPLATE && t->post.v[i].count) tmpl = &t->post.v[i];
    if (tmpl) {
        const tmpl_item first = t->tmpl[tmpl->first], last = t->tmpl[tmpl->first + tmpl->count - 1];
        if (first.count > 0) t->bos_id = t->tmpl_ids[first.first];
        if (last.count > 0) t->eos_id = t->tmpl_ids[last.first + (size_t)last.count - 1];
    }
    static const char* const bos_names[] = {"<s>", "<|begin_of_text|>", "<bos>"};
    static const char* const eos_names[] = {"</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>", "<|eot_id|>"};
    for (size_t i = 0; t->bos_id < 0 && i < sizeof bos_names / sizeof bos_names[0]; i++) {
        const int32_t k = smap_get(&t->special, bos_names[i], strlen(bos_names[i]));
        if (k >= 0) t->bos_id = t->added[k].id;
    }
    for (size_t i = 0; t->eos_id < 0 && i < sizeof eos_names / sizeof eos_names[0]; i++) {
        const int32_t k = smap_get(&t->special, eos_names[i], strlen(eos_names[i]));
        if (k >= 0) t->eos_id = t->added[k].id;
    }
    return 0;
}

static int load_tree(loader* L)
{
    const jnode* root = &L->v[0];
    if (root->type != J_OBJ) return lfail(L, "the file holds %s, not a JSON object", jtype(root));
    const jnode* version = jget(L, root, "version");
    if (version && (version->type != J_STR || strcmp(version->s, "1.0") != 0))
        return lfail(L, "version: expected \"1.0\", not %s", version->type == J_STR ? version->s : jtype(version));
    static const char* const refused[] = {"truncation", "padding"};
    for (int i = 0; i < 2; i++) {
        const jnode* c = jget(L, root, refused[i]);
        if (c && c->type != J_NULL)
            return lfail(L, "%s is set: %s is not supported (save the tokenizer with %s null)", refused[i], refused[i], refused[i]);
    }
    const jnode* model = jget(L, root, "model");
    if (!model) return lfail(L, "model is missing");
    if (load_model(L, model)) return -1;
    static const char* const names[] = {"normalizer", "pre_tokenizer", "post_processor", "decoder"};
    int (*const loaders[])(loader*, const jnode*, const char*) = {load_normalizer, load_pre_tokenizer, load_post_processor, load_decoder};
    for (int i = 0; i < 4; i++) {
        const jnode* c = jget(L, root, names[i]);
        if (c && loaders[i](L, c, names[i])) return -1;
    }
    const jnode* added = jget(L, root, "added_tokens");
    if (added && load_added_tokens(L, added)) return -1;
    return index_tokens(L);
}

/* Takes `text` (malloc'ed, len + 1 bytes) whatever happens. */
static ember_tokenizer* load_owned(char* text, size_t len, char* err, size_t err_len)
{
    ember_tokenizer* t = calloc(1, sizeof *t);
    if (!t) {
        free(text);
        errf(err, err_len, "out of memory loading the tokenizer");
        return NULL;
    }
    t->text = text;
    jnode* nodes = NULL;
    int rc = json_parse(text, len, &nodes, err, err_len);
    if (!rc) {
        loader L = {nodes, t, err, err_len};
        rc = load_tree(&L);
    }
    free(nodes);
    if (rc) {
        ember_tokenizer_free(t);
        return NULL;
    }
    return t;
}

ember_tokenizer* ember_tokenizer_load(const char* json, size_t len, char* err, size_t err_len)
{
    if (len > MAX_JSON_BYTES) {
        errf(err, err_len, "%zu bytes is more than a tokenizer.json may have (1 GiB)", len);
        return NULL;
    }
    char* text = malloc(len + 1);
    if (!text) {
        errf(err, err_len, "out of memory loading the tokenizer");
        return NULL;
    }
    if (len) memcpy(text, json, len);
    text[len] = 0;
    return load_owned(text, len, err, err_len);
}

ember_tokenizer* ember_tokenizer_load_file(const char* path, char* err, size_t err_len)
{
    const int fd = open(path, O_RDONLY | O_NONBLOCK); /* a FIFO must not block the open */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        errf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_JSON_BYTES) {
        errf(err, err_len, "%s is %s", path, S_ISDIR(st.st_mode) ? "a directory" : !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 1 GiB");
        close(fd);
        return NULL;
    }
    const size_t size = (size_t)st.st_size;
    char* text = malloc(size + 1);
    size_t done = 0;
    while (text && done < size) {
        const ssize_t got = read(fd, text + done, size - done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            errf(err, err_len, "cannot read %s: %s", path, got < 0 ? strerror(errno) : "the file shrank");
            free(text);
            close(fd);
            return NULL;
        }
        done += (size_t)got;
    }
    close(fd);
    if (!text) {
        errf(err, err_len, "out of memory reading %s (%zu bytes)", path, size);
        return NULL;
    }
    text[size] = 0;
    char msg[400];
    ember_tokenizer* t = load_owned(text, size, msg, sizeof msg);
    if (!t) errf(err, err_len, "%s: %s", path, msg);
    return t;
}

/* ---- encoding ------------------------------------------------------------------------ */

/* A piece of text: an added token (its index) or text to tokenize (added -1). */
typedef struct seg {
    size_t off, n;
    int32_t added;
} seg;

typedef struct segs {
    seg* v;
    size_t n, cap;
    int oom;
} segs;

static void segs_push(segs* l, size_t off, size_t n, int32_t added)
{
    if (l->oom) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        seg* v = cap < SIZE_MAX / sizeof *v ? realloc(l->v, cap * sizeof *v) : NULL;
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (seg){off, n, added};
}

/* A symbol of a word being merged (word.rs Symbol): len 0 marks one merged into its left. */
typedef struct sym {
    int32_t id;
    ptrdiff_t prev, next; /* -1 for none */
    size_t len;
} sym;

/* A candidate merge of the symbol at pos with its right neighbour. */
typedef struct merge {
    int32_t rank, new_id;
    size_t pos;
} merge;

/* A piece of a Split: s[start, end), a match of the pattern or the text between two. */
typedef struct split_cut {
    size_t start, end;
    int match;
} split_cut;

/* Everything one encode needs; scratch buffers are reused from piece to piece. */
typedef struct encoder {
    const ember_tokenizer* t;
    ivec ids;
    norm_buf norm;
    sbuf word;
    segs raw, normed;
    spans pa, pb;
    sym* syms;
    size_t num_syms, syms_cap;
    merge* heap;
    size_t num_heap, heap_cap;
    split_cut* cuts;
    size_t num_cuts, cuts_cap;
    rx_scratch rx;
    char* err;
    size_t err_n;
} encoder;

static int enc_oom(encoder* E)
{
    errf(E->err, E->err_n, "out of memory encoding the text");
    return -1;
}

/* Whether the character before s[end] (end > 0) is \w (Rust regex: Alphabetic, Mark, Nd, Pc,
 * Join_Control). */
static int ends_with_word(const char* s, size_t end)
{
    size_t i = end - 1, len;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    return (char_class(s + i, &len) & UC_W) != 0;
}

static int starts_with_word(const char* s, size_t n)
{
    size_t len;
    return n && (char_class(s, &len) & UC_W);
}

/* Where the whitespace ending at s[end] begins (\s*$ on s[0..end)). */
static size_t trailing_space(const char* s, size_t end)
{
    size_t len;
    while (end > 0) {
        size_t i = end - 1;
        while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
        if (!(char_class(s + i, &len) & UC_S)) break;
        end = i;
    }
    return end;
}

/* The bytes of whitespace starting s[0..n) (^\s*). */
static size_t leading_space(const char* s, size_t n)
{
    size_t i = 0, len;
    while (i < n && (char_class(s + i, &len) & UC_S)) i += len;
    return i;
}

/* Splits s[0..n) around the added tokens of `tr`, as tokenizers' find_matches: the leftmost
 * longest match, skipped when single_word and inside a word, widened over whitespace by lstrip
 * and rstrip; the search goes on after the match as found. */
static void find_added(const ember_tokenizer* t, const trie* tr, const char* s, size_t n, segs* out)
{
    out->n = 0;
    size_t start_offset = 0, pos = 0;
    while (tr->nodes && pos < n) {
        size_t at = pos, len = 0;
        int32_t k = -1;
        for (; at < n && k < 0; at++) k = trie_longest(tr, s + at, n - at, &len);
        if (k < 0) break;
        const size_t mstart = at - 1, mend = mstart + len;
        const added_token* tok = &t->added[k];
        pos = mend;
        if (tok->single_word && ((mstart > 0 && ends_with_word(s, mstart)) || starts_with_word(s + mend, n - mend))) continue;
        size_t start = mstart, stop = mend;
        if (tok->lstrip) {
            const size_t space = trailing_space(s, mstart);
            start = space > start_offset ? space : start_offset;
        }
        if (tok->rstrip) stop += leading_space(s + mend, n - mend);
        if (start > stop) start = stop;
        if (start_offset < start) segs_push(out, start_offset, start - start_offset, -1);
        segs_push(out, start, stop - start, k);
        start_offset = stop;
    }
    if (start_offset < n) segs_push(out, start_offset, n - start_offset, -1);
}

/* Where the match of GPT-2's pre-tokenizer regex starting at s[i] ends:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * (Oniguruma, leftmost alternative first). Every character is in exactly one of the classes
 * letter, number, whitespace, other, so some alternative always matches. */
static size_t gpt2_match(const char* s, size_t n, size_t i)
{
    if (s[i] == '\'' && i + 1 < n) {
        const char c = s[i + 1], d = i + 2 < n ? s[i + 2] : 0;
        if (c == 's' || c == 't' || c == 'm' || c == 'd') return i + 2;
        if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) return i + 3;
    }
    size_t len, j = i;
    unsigned cls = char_class(s + i, &len);
    if (s[i] == ' ' && i + 1 < n) { /* " ?" takes the space when a letter, number or other follows */
        const unsigned next = char_class(s + i + 1, &len);
        if (!(next & UC_S)) {
            j = i + 1;
            cls = next;
        }
    }
    const unsigned kind = cls & (UC_L | UC_N | UC_S);
    if (kind != UC_S) { /* a run of letters, of numbers, or of others */
        while (j < n && (char_class(s + j, &len) & (UC_L | UC_N | UC_S)) == kind) j += len;
        return j;
    }
    size_t last = i; /* the start of the run's last character */
    while (j < n && (char_class(s + j, &len) & UC_S)) {
        last = j;
        j += len;
    }
    if (j == n) return n;
    return last > i ? last : j; /* \s+(?!\S) leaves the last space to the word after it */
}

/* The part of [start, end) before `first` (a span's first bytes), shifted to start. */
static size_t first_within(size_t first, size_t start, size_t end)
{
    const size_t stop = first < end ? first : end;
    return stop > start ? stop - start : 0;
}

/* Pre-tokenizer ByteLevel on one piece: a space in front (add_prefix_space; it stems from the
 * piece's first character), GPT-2's regex, each byte as its character. */
static void pre_byte_level(encoder* E, const step* st, const char* s, size_t n, size_t first, spans* out)
{
    sbuf* b = &E->word;
    b->n = 0;
    if (st->add_prefix_space && s[0] != ' ') {
        sbuf_put(b, " ", 1);
        if (first) first++;
    }
    sbuf_put(b, s, n);
    if (b->oom) {
        out->oom = 1;
        return;
    }
    for (size_t i = 0; i < b->n;) {
        const size_t end = st->use_regex ? gpt2_match(b->p, b->n, i) : b->n, start = out->text.n;
        size_t word_first = 0;
        for (size_t k = i; k < end; k++) {
            sbuf_put_cp(&out->text, byte_char((unsigned char)b->p[k]));
            if (k < first) word_first = out->text.n - start;
        }
        spans_close(out, start, word_first);
        i = end;
    }
}

/* Pre-tokenizer Metaspace on one piece: ' ' as the replacement, the replacement in front
 * (always, or first: only on the piece that starts the text), split before each replacement. */
static void pre_metaspace(encoder* E, const step* st, const char* s, size_t n, size_t first, spans* out)
{
    sbuf* b = &E->word;
    b->n = 0;
    size_t b_first = 0; /* bytes of b that stem from the first character */
    const int starts = s[0] == ' ' || (n >= st->a.n && memcmp(s, st->a.s, st->a.n) == 0);
    if (!starts && (st->prepend == PREPEND_ALWAYS || (st->prepend == PREPEND_FIRST && first))) {
        sbuf_put(b, st->a.s, st->a.n);
        if (first) b_first = b->n;
    }
    for (size_t i = 0, run = 0; i <= n; i++) {
        if (i == n || s[i] == ' ') {
            sbuf_put(b, s + run, i - run);
            if (run < first) b_first = b->n - (i - run) + first_within(first, run, i);
            if (i < n) sbuf_put(b, st->a.s, st->a.n);
            if (i < first) b_first = b->n;
            run = i + 1;
        }
    }
    if (b->oom) {
        out->oom = 1;
        return;
    }
    size_t piece = 0;
    for (size_t i = 1; st->split && i < b->n; i++) {
        if (b->n - i >= st->a.n && memcmp(b->p + i, st->a.s, st->a.n) == 0) {
            spans_add(out, b->p + piece, i - piece, first_within(b_first, piece, i), 0);
            piece = i;
        }
    }
    spans_add(out, b->p + piece, b->n - piece, first_within(b_first, piece, b->n), 0);
}

static int heap_before(const merge* a, const merge* b) { return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos); }

static int heap_push(encoder* E, int32_t rank, int32_t new_id, size_t pos)
{
    if (E->num_heap == E->heap_cap) {
        size_t cap = E->heap_cap ? E->heap_cap * 2 : 64;
        merge* v = cap < SIZE_MAX / sizeof *v ? realloc(E->heap, cap * sizeof *v) : NULL;
        if (!v) return -1;
        E->heap = v;
        E->heap_cap = cap;
    }
    size_t i = E->num_heap++;
    const merge m = {rank, new_id, pos};
    while (i > 0 && heap_before(&m, &E->heap[(i - 1) / 2])) {
        E->heap[i] = E->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    E->heap[i] = m;
    return 0;
}

static merge heap_pop(encoder* E)
{
    const merge top = E->heap[0], last = E->heap[--E->num_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= E->num_heap) break;
        if (c + 1 < E->num_heap && heap_before(&E->heap[c + 1], &E->heap[c])) c++;
        if (!heap_before(&E->heap[c], &last)) break;
        E->heap[i] = E->heap[c];
        i = c;
    }
    if (E->num_heap) E->heap[i] = last;
    return top;
}

static int add_sym(encoder* E, int32_t id, size_t len)
{
    if (E->num_syms == E->syms_cap) {
        size_t cap = E->syms_cap ? E->syms_cap * 2 : 64;
        sym* v = cap < SIZE_MAX / sizeof *v ? realloc(E->syms, cap * sizeof *v) : NULL;
        if (!v) return -1;
        E->syms = v;
        E->syms_cap = cap;
    }
    const size_t i = E->num_syms++;
    E->syms[i] = (sym){id, (ptrdiff_t)i - 1, -1, len};
    if (i) E->syms[i - 1].next = (ptrdiff_t)i;
    return 0;
}

/* Queues the merge of the symbol at pos with the one after it, if there is one. */
static int queue_merge(encoder* E, size_t pos, int32_t left, int32_t right)
{
    int32_t rank, new_id;
    return pmap_get(&E->t->merges, pair_key(left, right), &rank, &new_id) ? heap_push(E, rank, new_id, pos) : 0;
}

/* BPE on one word (model.rs merge_word, word.rs merge_all): each character a symbol (with the
 * subword prefix and suffix), else its <0xNN> bytes (byte_fallback), else unk; then the
 * queued merges, lowest rank first. */
static int bpe_word(encoder* E, const char* w, size_t n)
{
    const ember_tokenizer* t = E->t;
    if (t->ignore_merges) {
        const int32_t id = smap_get(&t->vocab, w, n);
        if (id >= 0) {
            ivec_push(&E->ids, id);
            return 0;
        }
    }
    E->num_syms = 0;
    E->num_heap = 0;
    int32_t unk = -1;
    size_t unk_len = 0;
    for (size_t i = 0; i < n;) {
        const size_t cl = utf8_step(w + i);
        const char* s = w + i;
        size_t sn = cl;
        if ((i && t->prefix.n) || (i + cl == n && t->suffix.n)) {
            sbuf* b = &E->word;
            b->n = 0;
            if (i) sbuf_put(b, t->prefix.s, t->prefix.n);
            sbuf_put(b, w + i, cl);
            if (i + cl == n) sbuf_put(b, t->suffix.s, t->suffix.n);
            if (b->oom) return enc_oom(E);
            s = b->p;
            sn = b->n;
        }
        i += cl;
        const int32_t id = smap_get(&t->vocab, s, sn);
        if (id >= 0) {
            if (unk >= 0 && add_sym(E, unk, unk_len)) return enc_oom(E);
            unk = -1;
            if (add_sym(E, id, cl)) return enc_oom(E);
            continue;
        }
        if (t->byte_fallback) {
            size_t k = 0;
            while (k < sn && t->byte_id[(unsigned char)s[k]] >= 0) k++;
            if (k == sn) {
                for (k = 0; k < sn; k++)
                    if (add_sym(E, t->byte_id[(unsigned char)s[k]], 1)) return enc_oom(E);
                continue;
            }
        }
        if (!t->has_unk) continue; /* no token at all: the character is dropped, as tokenizers does */
        if (t->unk_id < 0) {
            char shown[200];
            errf(E->err, E->err_n, "the unk_token '%s' is not in the vocabulary", show(t->unk.s, t->unk.n, shown));
            return -1;
        }
        if (unk >= 0 && t->fuse_unk) {
            unk_len += cl;
        } else {
            if (unk >= 0 && add_sym(E, unk, unk_len)) return enc_oom(E);
            unk = t->unk_id;
            unk_len = cl;
        }
    }
    if (unk >= 0 && add_sym(E, unk, unk_len)) return enc_oom(E);

    sym* sy = E->syms;
    for (size_t i = 0; i + 1 < E->num_syms; i++)
        if (queue_merge(E, i, sy[i].id, sy[i + 1].id)) return enc_oom(E);
    while (E->num_heap) {
        const merge top = heap_pop(E);
        sy = E->syms;
        sym* cur = &sy[top.pos];
        if (!cur->len || cur->next < 0) continue;
        const sym right = sy[cur->next];
        int32_t rank, new_id;
        if (!pmap_get(&t->merges, pair_key(cur->id, right.id), &rank, &new_id) || new_id != top.new_id) continue; /* stale */
        sy[cur->next].len = 0;
        cur->id = top.new_id;
        cur->len += right.len;
        cur->next = right.next;
        if (right.next >= 0) sy[right.next].prev = (ptrdiff_t)top.pos;
        if (cur->prev >= 0 && queue_merge(E, (size_t)cur->prev, sy[cur->prev].id, cur->id)) return enc_oom(E);
        cur = &E->syms[top.pos];
        if (cur->next >= 0 && queue_merge(E, top.pos, cur->id, E->syms[cur->next].id)) return enc_oom(E);
    }
    for (size_t i = 0; i < E->num_syms; i++)
        if (E->syms[i].len) ivec_push(&E->ids, E->syms[i].id);
    return 0;
}

#define RX_STEPS_BASE 100000 /* the matcher's steps on a piece: this, plus per byte of it */
#define RX_STEPS_PER_BYTE 1000

static int push_cut(encoder* E, size_t start, size_t end, int match)
{
    if (E->num_cuts == E->cuts_cap) {
        size_t cap = E->cuts_cap ? E->cuts_cap * 2 : 64;
        split_cut* v = cap < SIZE_MAX / sizeof *v ? realloc(E->cuts, cap * sizeof *v) : NULL;
        if (!v) return -1;
        E->cuts = v;
        E->cuts_cap = cap;
    }
    E->cuts[E->num_cuts++] = (split_cut){start, end, match};
    return 0;
}

/* Pre-tokenizer Split on one piece (normalizer.rs NormalizedString::split): the matches and the
 * text between them (their roles swapped by invert), then the matches removed, isolated, merged
 * into the piece before or after, or runs of them joined (contiguous); empty pieces dropped. */
static int pre_split(encoder* E, const step* st, const char* s, size_t n, size_t first, spans* out)
{
    E->num_cuts = 0;
    E->rx.n = 0;
    E->rx.steps = RX_STEPS_BASE + RX_STEPS_PER_BYTE * n;
    size_t prev = 0, start = 0, end = 0;
    for (;;) {
        const int r = regex_find(st->re, s, n, prev, &E->rx, &start, &end);
        if (r == RX_NO) break;
        if (r == RX_OOM) return enc_oom(E);
        if (r == RX_BUDGET) {
            errf(E->err, E->err_n, "the Split pattern took more than %zu steps on a piece of %zu bytes (it backtracks "
                 "too much on this text)", (size_t)RX_STEPS_BASE + RX_STEPS_PER_BYTE * n, n);
            return -1;
        }
        if ((prev != start && push_cut(E, prev, start, 0)) || push_cut(E, start, end, 1)) return enc_oom(E);
        prev = end; /* end > start: the pattern cannot match empty text */
    }
    if (prev != n && push_cut(E, prev, n, 0)) return enc_oom(E);
    split_cut* c = E->cuts;
    const size_t num = E->num_cuts;
    size_t first_kept = 0, kept = 0;
    int prev_match = 0;
    if (st->behavior == SPLIT_MERGED_WITH_NEXT) { /* a match joins the piece after it, unless that is a match */
        size_t w = num;
        for (size_t i = num; i-- > 0;) {
            const split_cut x = {c[i].start, c[i].end, c[i].match ^ st->invert};
            if (x.match && !prev_match && w < num) c[w].start = x.start;
            else c[--w] = x;
            prev_match = x.match;
        }
        first_kept = w;
        kept = num;
    } else {
        for (size_t i = 0; i < num; i++) {
            const split_cut x = {c[i].start, c[i].end, c[i].match ^ st->invert};
            if (st->behavior == SPLIT_REMOVED && x.match) continue;
            const int join = st->behavior == SPLIT_CONTIGUOUS ? x.match == prev_match
                           : st->behavior == SPLIT_MERGED_WITH_PREVIOUS ? x.match && !prev_match : 0;
            if (join && kept) c[kept - 1].end = x.end;
            else c[kept++] = x;
            prev_match = x.match;
        }
    }
    for (size_t i = first_kept; i < kept; i++)
        spans_add(out, s + c[i].start, c[i].end - c[i].start, first_within(first, c[i].start, c[i].end), 0);
    return 0;
}

/* Pre-tokenizes a normalized piece into words and encodes each. `first`: how many of its leading
 * bytes stem from the text's first character (Metaspace's prepend_scheme first). */
static int encode_piece(encoder* E, const char* s, size_t n, size_t first)
{
    const ember_tokenizer* t = E->t;
    spans *cur = &E->pa, *next = &E->pb;
    spans_clear(cur);
    spans_add(cur, s, n, first, 0);
    for (size_t k = 0; k < t->pre.n; k++) {
        spans_clear(next);
        for (size_t i = 0; i < cur->n; i++) {
            const step* st = &t->pre.v[k];
            const span sp = cur->v[i];
            if (st->kind == STEP_BYTE_LEVEL) pre_byte_level(E, st, spans_at(cur, i), sp.n, sp.first, next);
            else if (st->kind == STEP_METASPACE) pre_metaspace(E, st, spans_at(cur, i), sp.n, sp.first, next);
            else if (pre_split(E, st, spans_at(cur, i), sp.n, sp.first, next)) return -1;
        }
        spans* swap = cur;
        cur = next;
        next = swap;
    }
    if (spans_oom(cur)) return enc_oom(E);
    for (size_t i = 0; i < cur->n; i++)
        if (bpe_word(E, spans_at(cur, i), cur->v[i].n)) return -1;
    return 0;
}

/* The ids of text (valid UTF-8) before post-processing. */
static int encode_text(encoder* E, const char* text, size_t len)
{
    const ember_tokenizer* t = E->t;
    find_added(t, &t->raw_trie, text, len, &E->raw);
    for (size_t i = 0; i < E->raw.n && !E->raw.oom; i++) {
        const seg sg = E->raw.v[i];
        if (sg.added >= 0) {
            if (sg.n) ivec_push(&E->ids, t->added[sg.added].id); /* empty splits are dropped */
            continue;
        }
        if (normalize(t, text + sg.off, sg.n, &E->norm)) return enc_oom(E);
        const char* norm = E->norm.text.p;
        find_added(t, &t->norm_trie, norm, E->norm.text.n, &E->normed);
        for (size_t j = 0; j < E->normed.n; j++) {
            const seg piece = E->normed.v[j];
            if (piece.added < 0) {
                size_t first = 0;
                while (sg.off == 0 && first < piece.n && E->norm.first.p[piece.off + first]) first++;
                if (encode_piece(E, norm + piece.off, piece.n, first)) return -1;
            } else if (piece.n) {
                ivec_push(&E->ids, t->added[piece.added].id);
            }
        }
        if (E->normed.oom) return enc_oom(E);
    }
    return E->raw.oom || E->ids.oom ? enc_oom(E) : 0;
}

int ember_tokenizer_encode(const ember_tokenizer* t, const char* text, size_t len, int add_special,
                           int32_t** ids, size_t* n, char* err, size_t err_len)
{
    *ids = NULL;
    *n = 0;
    const size_t bad = utf8_check(text, len);
    if (bad < len) {
        errf(err, err_len, "the text is not valid UTF-8 (byte %zu)", bad);
        return -1;
    }
    encoder E = {.t = t, .err = err, .err_n = err_len};
    int rc = encode_text(&E, text, len);
    ivec out = E.ids;
    for (size_t k = 0; !rc && k < t->post.n; k++) { /* each template around the ids so far */
        const step* st = &t->post.v[k];
        ivec next = {0};
        for (size_t i = 0; i < st->count; i++) {
            const tmpl_item item = t->tmpl[st->first + i];
            if (item.count < 0) {
                for (size_t j = 0; j < out.n; j++) ivec_push(&next, out.v[j]);
            } else if (add_special) {
                for (ptrdiff_t j = 0; j < item.count; j++) ivec_push(&next, t->tmpl_ids[item.first + (size_t)j]);
            }
        }
        free(out.v);
        out = next;
        if (out.oom) rc = enc_oom(&E);
    }
    norm_buf_free(&E.norm);
    free(E.word.p);
    free(E.raw.v);
    free(E.normed.v);
    spans_free(&E.pa);
    spans_free(&E.pb);
    free(E.syms);
    free(E.heap);
    free(E.cuts);
    free(E.rx.v);
    if (rc || !out.n) {
        free(out.v);
        return rc;
    }
    *ids = out.v;
    *n = out.n;
    return 0;
}

/* ---- decoding ------------------------------------------------------------------------ */

#define REPLACEMENT_CHAR "\xEF\xBF\xBD" /* U+FFFD */

/* s[0..n) as valid UTF-8, each invalid sequence as U+FFFD (Rust's String::from_utf8_lossy). */
static void utf8_lossy(const char* s, size_t n, sbuf* out)
{
    if (!n) return;
    size_t i = 0, run = 0, bad;
    while (i < n) {
        const size_t l = utf8_len((const unsigned char*)s + i, n - i, &bad);
        if (l) {
            i += l;
            continue;
        }
        sbuf_put(out, s + run, i - run);
        sbuf_put(out, REPLACEMENT_CHAR, 3);
        i += bad;
        run = i;
    }
    sbuf_put(out, s + run, n - run);
}

/* The byte of a <0xNN> token (Rust's u8::from_str_radix on NN, which takes "+N" too), or -1. */
static int fallback_byte(const char* s, size_t n)
{
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    const int hi = hex_digit(s[3]), lo = hex_digit(s[4]);
    if (lo < 0) return -1;
    return hi >= 0 ? hi * 16 + lo : s[3] == '+' ? lo : -1;
}

/* The string id decodes as: an added token's normalized form if it was ever normalized (what
 * tokenizers' decode uses), else its content, else the vocabulary's token; {NULL, 0} for none. */
static tstr decode_token(const ember_tokenizer* t, int32_t id)
{
    if (id < 0 || id >= t->num_ids) return (tstr){NULL, 0};
    if (t->id_added[id] >= 0) {
        const added_token* tok = &t->added[t->id_added[id]];
        return tok->cached.s ? tok->cached : tok->content;
    }
    return t->id_token[id];
}

/* Decoder ByteFallback's pending bytes: one token when they are UTF-8, else U+FFFD per byte. */
static void flush_bytes(sbuf* bytes, spans* out)
{
    if (!bytes->n) return;
    if (utf8_check(bytes->p, bytes->n) == bytes->n) spans_add(out, bytes->p, bytes->n, 0, 1);
    else
        for (size_t k = 0; k < bytes->n; k++) spans_add(out, REPLACEMENT_CHAR, 3, 0, 1);
    bytes->n = 0;
}

/* One decoder step (the decode_chain of tokenizers' decoders) from the tokens `in` to `out`; tmp is scratch. */
static void decode_step(const step* st, const spans* in, spans* out, sbuf* tmp)
{
    tmp->n = 0;
    if (st->kind == STEP_BYTE_LEVEL || st->kind == STEP_FUSE) { /* all tokens into one */
        for (size_t i = 0; i < in->n; i++) {
            const char* s = spans_at(in, i);
            const size_t n = in->v[i].n, mark = tmp->n;
            if (st->kind == STEP_FUSE) {
                sbuf_put(tmp, s, n);
                continue;
            }
            for (size_t k = 0, l; k < n; k += l) { /* each character as its byte... */
                l = utf8_step(s + k);
                const int byte = char_byte(utf8_cp(s + k, l));
                if (byte < 0) { /* ...or, when one is no byte-level character, the token as it is */
                    tmp->n = mark;
                    sbuf_put(tmp, s, n);
                    break;
                }
                const unsigned char c = (unsigned char)byte;
                sbuf_put(tmp, &c, 1);
            }
        }
        const size_t start = out->text.n;
        if (st->kind == STEP_BYTE_LEVEL) utf8_lossy(tmp->p, tmp->n, &out->text);
        else sbuf_put(&out->text, tmp->p, tmp->n);
        spans_end(out, start, 0, 1);
        return;
    }
    for (size_t i = 0; i < in->n; i++) {
        const char* s = spans_at(in, i);
        const size_t n = in->v[i].n, start = out->text.n;
        size_t l;
        switch (st->kind) {
        case STEP_METASPACE: /* the replacement as ' ', dropped in the first token unless prepend never */
            for (size_t k = 0; k < n; k += l) {
                l = utf8_step(s + k);
                if (utf8_cp(s + k, l) != st->ch) sbuf_put(&out->text, s + k, l);
                else if (i > 0 || st->prepend == PREPEND_NEVER) sbuf_put(&out->text, " ", 1);
            }
            spans_end(out, start, 0, 1);
            break;
        case STEP_REPLACE:
            for (size_t k = 0, run = 0; k <= n;) {
                if (k < n && !(n - k >= st->a.n && memcmp(s + k, st->a.s, st->a.n) == 0)) {
                    k++;
                    continue;
                }
                sbuf_put(&out->text, s + run, k - run);
                if (k == n) break;
                sbuf_put(&out->text, st->b.s, st->b.n);
                k += st->a.n;
                run = k;
            }
            spans_end(out, start, 0, 1);
            break;
        case STEP_BYTE_FALLBACK: {
            const int byte = fallback_byte(s, n);
            if (byte >= 0) {
                const unsigned char c = (unsigned char)byte;
                sbuf_put(tmp, &c, 1);
            } else {
                flush_bytes(tmp, out);
                spans_add(out, s, n, 0, 1);
            }
            break;
        }
        default: { /* STEP_STRIP: up to `start` leading and `stop` trailing `ch`, within the token */
            size_t begin = 0, end = n;
            for (size_t c = 0; c < st->start && begin < n; c++) {
                l = utf8_step(s + begin);
                if (utf8_cp(s + begin, l) != st->ch) break;
                begin += l;
            }
            for (size_t c = 0; c < st->stop && end > 0; c++) {
                size_t k = end - 1;
                while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
                if (utf8_cp(s + k, end - k) != st->ch) break;
                end = k;
            }
            spans_add(out, s + begin, end > begin ? end - begin : 0, 0, 1);
            break;
        }
        }
    }
    if (st->kind == STEP_BYTE_FALLBACK) flush_bytes(tmp, out);
}

char* ember_tokenizer_decode(const ember_tokenizer* t, const int32_t* ids, size_t n, int skip_special, size_t* len)
{
    spans a = {0}, b = {0};
    sbuf tmp = {0}, out = {0};
    for (size_t i = 0; i < n; i++) {
        const tstr s = decode_token(t, ids[i]);
        if (s.s && !(skip_special && smap_get(&t->special, s.s, s.n) >= 0)) spans_add(&a, s.s, s.n, 0, 1);
    }
    for (size_t k = 0; k < t->dec.n; k++) {
        spans_clear(&b);
        decode_step(&t->dec.v[k], &a, &b, &tmp);
        const spans swap = a;
        a = b;
        b = swap;
    }
    for (size_t i = 0; i < a.n; i++) { /* no decoder: tokens joined by spaces */
        if (i && !t->has_decoder) sbuf_put(&out, " ", 1);
        sbuf_put(&out, spans_at(&a, i), a.v[i].n);
    }
    sbuf_grow(&out, 1);
    const int failed = out.oom || spans_oom(&a) || spans_oom(&b) || tmp.oom;
    spans_free(&a);
    spans_free(&b);
    free(tmp.p);
    if (failed) {
        free(out.p);
        return NULL;
    }
    out.p[out.n] = 0;
    if (len) *len = out.n;
    return out.p;
}

/* ---- streaming ----------------------------------------------------------------------- */

struct ember_decode_stream {
    const ember_tokenizer* t;
    int skip_special;
    ivec ids;            /* the ids still needed to decode what comes next */
    char* prefix;        /* the decoding of ids[0, prefix_index), already returned */
    size_t prefix_n, prefix_index;
    char* text;          /* the last decoding; the step's text is its tail */
    char err[200];
};

ember_decode_stream* ember_decode_stream_new(const ember_tokenizer* t, int skip_special)
{
    ember_decode_stream* s = calloc(1, sizeof *s);
    if (s) {
        s->t = t;
        s->skip_special = skip_special;
    }
    return s;
}

void ember_decode_stream_free(ember_decode_stream* s)
{
    if (!s) return;
    free(s->ids.v);
    free(s->prefix);
    free(s->text);
    free(s);
}

const char* ember_decode_stream_error(const ember_decode_stream* s) { return s->err; }

static int ends_incomplete(const char* s, size_t n) { return n >= 3 && memcmp(s + n - 3, REPLACEMENT_CHAR, 3) == 0; }

/* tokenizers' step_decode_stream: decode the window of ids with and without the new one; the
 * new text is what the longer decoding adds, once it does not end in U+FFFD. */
int ember_decode_stream_step(ember_decode_stream* s, int32_t id, const char** text, size_t* len)
{
    static const char* const oom = "out of memory decoding";
    *text = "";
    *len = 0;
    size_t n;
    if (!s->prefix_n && s->ids.n) {
        char* p = ember_tokenizer_decode(s->t, s->ids.v, s->ids.n, s->skip_special, &n);
        if (!p) return snprintf(s->err, sizeof s->err, "%s", oom), -1;
        if (ends_incomplete(p, n)) {
            free(p);
        } else {
            free(s->prefix);
            s->prefix = p;
            s->prefix_n = n;
            s->prefix_index = s->ids.n;
        }
    }
    ivec_push(&s->ids, id);
    if (s->ids.oom) return snprintf(s->err, sizeof s->err, "%s", oom), -1;
    char* all = ember_tokenizer_decode(s->t, s->ids.v, s->ids.n, s->skip_special, &n);
    if (!all) return snprintf(s->err, sizeof s->err, "%s", oom), -1;
    if (n <= s->prefix_n || ends_incomplete(all, n)) {
        free(all);
        return 0;
    }
    if (s->prefix_n && memcmp(all, s->prefix, s->prefix_n) != 0) {
        free(all);
        snprintf(s->err, sizeof s->err, "decoding id %ld changed the text already returned", (long)id);
        return -1;
    }
    free(s->text);
    s->text = all;
    *text = all + s->prefix_n;
    *len = n - s->prefix_n;
    const size_t new_index = s->ids.n - s->prefix_index;
    memmove(s->ids.v, s->ids.v + s->prefix_index, new_index * sizeof *s->ids.v);
    s->ids.n = new_index;
    free(s->prefix);
    s->prefix = ember_tokenizer_decode(s->t, s->ids.v, s->ids.n, s->skip_special, &s->prefix_n);
    s->prefix_index = new_index;
    if (!s->prefix) {
        s->prefix_n = 0;
        return snprintf(s->err, sizeof s->err, "%s", oom), -1;
    }
    return 0;
}

/* ---- lookups ------------------------------------------------------------------------- */

int32_t ember_tokenizer_token_id(const ember_tokenizer* t, const char* token)
{
    const size_t n = strlen(token);
    const int32_t k = smap_get(&t->added_index, token, n);
    return k >= 0 ? t->added[k].id : smap_get(&t->vocab, token, n);
}

const char* ember_tokenizer_token(const ember_tokenizer* t, int32_t id, size_t* len)
{
    if (id < 0 || id >= t->num_ids) return NULL;
    const tstr s = t->id_added[id] >= 0 ? t->added[t->id_added[id]].content : t->id_token[id];
    if (s.s && len) *len = s.n;
    return s.s;
}

int32_t ember_tokenizer_vocab_size(const ember_tokenizer* t) { return t->num_ids; }

int ember_tokenizer_is_special(const ember_tokenizer* t, int32_t id)
{
    const tstr s = decode_token(t, id);
    return s.s && smap_get(&t->special, s.s, s.n) >= 0;
}

int32_t ember_tokenizer_bos_id(const ember_tokenizer* t) { return t->bos_id; }
int32_t ember_tokenizer_eos_id(const ember_tokenizer* t) { return t->eos_id; }
