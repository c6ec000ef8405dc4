/*
 * mingus_json: legacy JSON texts checked, and written the way jsonb prints them, in C.
 *
 * mj_check says whether a text is certainly one transforms.check_json returns unchanged
 * (JSON that jsonb stores); mj_canonical writes what PostgreSQL prints for text::jsonb::text,
 * so validate can compare a source text with the target's by bytes. Both accept only:
 *
 *   - RFC 8259 JSON, whitespace being space, \t, \n and \r, any value at the top level;
 *   - strings of valid UTF-8 (no overlong forms, no encoded surrogates, nothing past U+10FFFF)
 *     without raw control characters, with the escapes \" \\ \/ \b \f \n \r \t \uXXXX;
 *   - numbers without an exponent, of at most MJ_MAX_INT_DIGITS integer digits and
 *     MJ_MAX_FRACTION_DIGITS fraction digits (so Python reads them as finite floats or ints
 *     well within its int string limit, and numeric keeps them as written);
 *   - nesting of at most MJ_MAX_DEPTH arrays and objects, texts of at most MJ_MAX_TEXT bytes.
 *
 * and they decline (answer "not sure") everything else, including valid JSON they leave to
 * Python: exponents (jsonb writes 1e2 as 100), any \uD800-\uDFFF escape (pairs included),
 * \u0000, and the six characters \u0000 anywhere (even after an escaped backslash, because
 * check_json looks for that substring), empty and whitespace-only texts (stored as NULL).
 *
 * jsonb's output, as PostgreSQL 15 writes it (JsonbToCString, escape_json, numeric_out):
 * object keys ordered by byte length, then by memcmp; of duplicate keys the last one wins;
 * ", " and ": " between items; strings with \" \\ \b \f \n \r \t escaped, other control
 * characters as \u00xx, everything else (\u escapes resolved, \/ as /) as raw UTF-8;
 * numbers as written, except that a negative zero (-0, -0.00) loses its sign.
 */
#define PY_SSIZE_T_CLEAN
#include "mingus_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define MJ_INLINE static inline __attribute__((always_inline))
#define MJ_LIKELY(x) __builtin_expect(!!(x), 1)
#define MJ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MJ_INLINE static inline
#define MJ_LIKELY(x) (x)
#define MJ_UNLIKELY(x) (x)
#endif

enum { MJ_NULL, MJ_FALSE, MJ_TRUE, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT };

/* One value of the document, in preorder: a container's children follow it, up to `end`. */
typedef struct {
    uint8_t kind;
    uint8_t decoded;   /* MJ_STRING: its bytes are in scratch->strings (escapes resolved) */
    uint8_t drop_sign; /* MJ_NUMBER: a negative zero, printed without its sign */
    uint32_t end;      /* index after this node's subtree */
    uint32_t off, len; /* MJ_STRING (content, no quotes), MJ_NUMBER: in the source or in strings */
} Node;

/* An object member while its object is written: the key's bytes, its place, its value node. */
typedef struct {
    const char *key;
    uint32_t len, order, value;
} Member;

struct MjScratch {
    Node *nodes;
    size_t nodes_cap;
    char *strings; /* decoded strings: never longer than their source text */
    size_t strings_cap;
    Member *members; /* a stack: the members of the objects being written */
    size_t members_cap;
};

/* ---- byte classes ------------------------------------------------------------------------- */

/* Inside a string: 0 plain ASCII, 1 quote, 2 backslash, 3 control character, 4 UTF-8 lead or
 * invalid byte (checked by utf8_length). */
static const uint8_t STRING_CLASS[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

MJ_INLINE int
is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

MJ_INLINE int
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The length of the valid UTF-8 sequence at p (p[0] >= 0x80), or 0. */
MJ_INLINE int
utf8_length(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF)
        return end - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned low = c == 0xE0 ? 0xA0 : 0x80, high = c == 0xED ? 0x9F : 0xBF;
        return end - p >= 3 && p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned low = c == 0xF0 ? 0x90 : 0x80, high = c == 0xF4 ? 0x8F : 0xBF;
        return end - p >= 4 && p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

#if defined(__GNUC__) || defined(__clang__)
#define MJ_WORDS 1 /* strings are scanned eight bytes at a time */
#define ONES UINT64_C(0x0101010101010101)

/* The eight bytes at p, the first one lowest (borrows in the tests below run upwards). */
MJ_INLINE uint64_t
load_word(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* High bits marking the bytes of v that are a quote, a backslash, below 0x20 or above 0x7f. The
 * lowest marked byte is always one of them (a borrow only marks bytes above a marked byte). */
MJ_INLINE uint64_t
special_bytes(uint64_t v)
{
    uint64_t quote = v ^ (ONES * '"'), backslash = v ^ (ONES * '\\');
    return (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((v - ONES * 0x20) & ~v) | v) &
           (ONES * 0x80);
}
#endif

/* ---- the parser --------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *text;
    MjScratch *scratch; /* NULL: check only, no tree */
    size_t nnodes;
    size_t strings_len;
} Parser;

static int
grow_nodes(MjScratch *s)
{
    size_t cap = s->nodes_cap ? s->nodes_cap * 2 : 64;
    Node *grown = realloc(s->nodes, cap * sizeof(Node));
    if (grown == NULL)
        return -1;
    s->nodes = grown;
    s->nodes_cap = cap;
    return 0;
}

/* A new node, or -1 when out of memory. */
MJ_INLINE int64_t
new_node(Parser *ps, int kind)
{
    MjScratch *s = ps->scratch;
    if (MJ_UNLIKELY(ps->nnodes == s->nodes_cap) && grow_nodes(s) < 0)
        return -1;
    Node *node = &s->nodes[ps->nnodes];
    node->kind = (uint8_t)kind;
    node->decoded = 0;
    node->drop_sign = 0;
    node->end = (uint32_t)ps->nnodes + 1;
    return (int64_t)ps->nnodes++;
}

/*
 * A string whose opening quote is before *pp; on success *pp is after its closing quote.
 * With a tree, node gets the string's bytes (decoded into scratch->strings when it holds
 * escapes). 1 or 0.
 */
MJ_INLINE int
parse_string(Parser *ps, const unsigned char **pp, const unsigned char *end, Node *node)
{
    const unsigned char *p = *pp, *start = p, *run = p;
    char *out = NULL; /* with a tree, once an escape was seen: where decoded bytes go */
    for (;;) {
#ifdef MJ_WORDS
        /* Eight bytes at a time while none is a quote, a backslash, a control or non-ASCII byte. */
        while (end - p >= 8) {
            uint64_t special = special_bytes(load_word(p));
            if (special != 0) {
                p += __builtin_ctzll(special) >> 3;
                break;
            }
            p += 8;
        }
#endif
        if (MJ_UNLIKELY(p >= end))
            return 0;
        unsigned char c = *p;
        switch (STRING_CLASS[c]) {
        case 0:
            p++;
            continue;
        case 1:
            if (node != NULL) {
                if (out == NULL) {
                    node->off = (uint32_t)(start - ps->text);
                    node->len = (uint32_t)(p - start);
                } else {
                    memcpy(out, run, p - run);
                    out += p - run;
                    char *base = ps->scratch->strings + ps->strings_len;
                    node->decoded = 1;
                    node->off = (uint32_t)ps->strings_len;
                    node->len = (uint32_t)(out - base);
                    ps->strings_len += out - base;
                }
            }
            *pp = p + 1;
            return 1;
        case 2:
            break;
        case 3:
            return 0;
        default: {
            int n = utf8_length(p, end);
            if (n == 0)
                return 0;
            p += n;
            continue;
        }
        }
        /* An escape. */
        if (end - p < 2)
            return 0;
        if (node != NULL) {
            if (out == NULL)
                out = ps->scratch->strings + ps->strings_len;
            memcpy(out, run, p - run);
            out += p - run;
        }
        char decoded;
        switch (p[1]) {
        case '"':
            decoded = '"';
            break;
        case '\\':
            /* check_json sends any text holding the characters \u0000 to Python. */
            if (end - p >= 7 && memcmp(p + 2, "u0000", 5) == 0)
                return 0;
            decoded = '\\';
            break;
        case '/':
            decoded = '/';
            break;
        case 'b':
            decoded = '\b';
            break;
        case 'f':
            decoded = '\f';
            break;
        case 'n':
            decoded = '\n';
            break;
        case 'r':
            decoded = '\r';
            break;
        case 't':
            decoded = '\t';
            break;
        case 'u': {
            if (end - p < 6)
                return 0;
            int h0 = mj_hex_value(p[2]), h1 = mj_hex_value(p[3]), h2 = mj_hex_value(p[4]), h3 = mj_hex_value(p[5]);
            if ((h0 | h1 | h2 | h3) < 0)
                return 0;
            unsigned code = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
            /* \u0000: jsonb refuses it. Surrogates, paired or not: Python decides. */
            if (code == 0 || (code >= 0xD800 && code <= 0xDFFF))
                return 0;
            if (node != NULL) {
                if (code < 0x80) {
                    *out++ = (char)code;
                } else if (code < 0x800) {
                    *out++ = (char)(0xC0 | code >> 6);
                    *out++ = (char)(0x80 | (code & 0x3F));
                } else {
                    *out++ = (char)(0xE0 | code >> 12);
                    *out++ = (char)(0x80 | (code >> 6 & 0x3F));
                    *out++ = (char)(0x80 | (code & 0x3F));
                }
            }
            p += 6;
            run = p;
            continue;
        }
        default:
            return 0;
        }
        if (node != NULL)
            *out++ = decoded;
        p += 2;
        run = p;
    }
}

/* A string, p at its opening quote, made a node with a tree: 1, 0 when declined, -1 out of memory. */
MJ_INLINE int
parse_string_node(Parser *ps, const unsigned char **pp, const unsigned char *end, int build)
{
    Node *node = NULL;
    if (build) {
        int64_t index = new_node(ps, MJ_STRING);
        if (index < 0)
            return -1;
        node = &ps->scratch->nodes[index];
    }
    (*pp)++;
    return parse_string(ps, pp, end, node);
}

/*
 * The whole text. 1: accepted (with a tree, scratch->nodes[0...] holds it); 0: declined;
 * -1: out of memory (only with a tree). Iterative, so nesting costs no C stack.
 */
MJ_INLINE int
parse(Parser *ps, const unsigned char *p, const unsigned char *end, int build)
{
    uint32_t open[MJ_MAX_DEPTH]; /* with a tree: the node of each open container */
    unsigned char closer[MJ_MAX_DEPTH];
    int depth = 0;
    int64_t index = 0;
    Node *node = NULL;
    int ok;

value:
    while (p < end && is_space(*p))
        p++;
    if (p >= end)
        return 0;
    switch (*p) {
    case '{':
    case '[':
        if (depth == MJ_MAX_DEPTH)
            return 0;
        if (build) {
            if ((index = new_node(ps, *p == '{' ? MJ_OBJECT : MJ_ARRAY)) < 0)
                return -1;
            open[depth] = (uint32_t)index;
        }
        closer[depth++] = *p == '{' ? '}' : ']';
        p++;
        while (p < end && is_space(*p))
            p++;
        if (p < end && *p == closer[depth - 1]) {
            p++;
            depth--;
            goto after;
        }
        if (closer[depth - 1] == '}')
            goto key;
        goto value;
    case '"':
        if ((ok = parse_string_node(ps, &p, end, build)) <= 0)
            return ok;
        goto after;
    case 't':
    case 'f':
    case 'n': {
        int kind = *p == 't' ? MJ_TRUE : *p == 'f' ? MJ_FALSE : MJ_NULL;
        const char *word = kind == MJ_TRUE ? "true" : kind == MJ_FALSE ? "false" : "null";
        size_t length = kind == MJ_FALSE ? 5 : 4;
        if ((size_t)(end - p) < length || memcmp(p, word, length) != 0)
            return 0;
        if (build && new_node(ps, kind) < 0)
            return -1;
        p += length;
        goto after;
    }
    default: {
        /* -?(0|[1-9][0-9]*)(\.[0-9]+)?, no exponent */
        const unsigned char *start = p;
        int negative = 0, nonzero = 0;
        if (*p == '-') {
            negative = 1;
            p++;
            if (p >= end)
                return 0;
        }
        if (*p == '0') {
            p++;
        } else if (*p >= '1' && *p <= '9') {
            const unsigned char *digits = p;
            while (p < end && is_digit(*p))
                p++;
            if (p - digits > MJ_MAX_INT_DIGITS)
                return 0;
            nonzero = 1;
        } else {
            return 0;
        }
        if (p < end && *p == '.') {
            const unsigned char *digits = ++p;
            while (p < end && is_digit(*p)) {
                nonzero |= *p != '0';
                p++;
            }
            if (p == digits || p - digits > MJ_MAX_FRACTION_DIGITS)
                return 0;
        }
        if (p < end && (*p == 'e' || *p == 'E'))
            return 0;
        if (build) {
            if ((index = new_node(ps, MJ_NUMBER)) < 0)
                return -1;
            node = &ps->scratch->nodes[index];
            node->off = (uint32_t)(start - ps->text);
            node->len = (uint32_t)(p - start);
            node->drop_sign = (uint8_t)(negative && !nonzero);
        }
        goto after;
    }
    }

key:
    /* p is past the whitespace before a member's key. */
    if (p >= end || *p != '"')
        return 0;
    if ((ok = parse_string_node(ps, &p, end, build)) <= 0)
        return ok;
    while (p < end && is_space(*p))
        p++;
    if (p >= end || *p != ':')
        return 0;
    p++;
    goto value;

after:
    /* A value ended (or a container closed) at p. */
    while (p < end && is_space(*p))
        p++;
    if (depth == 0)
        return p == end;
    if (p >= end)
        return 0;
    if (*p == ',') {
        p++;
        if (closer[depth - 1] == '}') {
            while (p < end && is_space(*p))
                p++;
            goto key;
        }
        goto value;
    }
    if (*p == closer[depth - 1]) {
        p++;
        depth--;
        if (build)
            ps->scratch->nodes[open[depth]].end = (uint32_t)ps->nnodes;
        goto after;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

MJ_INLINE int
member_before(const Member *a, const Member *b)
{
    if (a->len != b->len)
        return a->len < b->len;
    int order = memcmp(a->key, b->key, a->len);
    if (order != 0)
        return order < 0;
    return a->order > b->order; /* of equal keys the last comes first, and is the one kept */
}

static int
compare_members(const void *a, const void *b)
{
    return member_before(a, b) ? -1 : member_before(b, a) ? 1 : 0;
}

static void
sort_members(Member *members, uint32_t count)
{
    if (count > 16) {
        qsort(members, count, sizeof(Member), compare_members);
        return;
    }
    for (uint32_t i = 1; i < count; i++) {
        Member item = members[i];
        uint32_t j = i;
        while (j > 0 && member_before(&item, &members[j - 1])) {
            members[j] = members[j - 1];
            j--;
        }
        members[j] = item;
    }
}

typedef struct {
    const char *text;
    MjScratch *scratch;
    size_t members_top;
} Writer;

static char *
write_string(const Writer *w, const Node *node, char *o)
{
    *o++ = '"';
    if (!node->decoded) {
        /* Straight from the source: no escapes, so no quote, backslash or control character. */
        memcpy(o, w->text + node->off, node->len);
        o += node->len;
    } else {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *s = (const unsigned char *)w->scratch->strings + node->off, *end = s + node->len;
        for (; s < end; s++) {
            unsigned char c = *s;
            if (c >= 0x20 && c != '"' && c != '\\') {
                *o++ = (char)c;
                continue;
            }
            *o++ = '\\';
            switch (c) {
            case '"':
                *o++ = '"';
                break;
            case '\\':
                *o++ = '\\';
                break;
            case '\b':
                *o++ = 'b';
                break;
            case '\f':
                *o++ = 'f';
                break;
            case '\n':
                *o++ = 'n';
                break;
            case '\r':
                *o++ = 'r';
                break;
            case '\t':
                *o++ = 't';
                break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hex[c >> 4];
                *o++ = hex[c & 15];
                break;
            }
        }
    }
    *o++ = '"';
    return o;
}

/* Node `index` and its subtree, at o (the buffer is large enough); returns the end. */
static char *
write_value(Writer *w, uint32_t index, char *o)
{
    const Node *nodes = w->scratch->nodes, *node = &nodes[index];
    switch (node->kind) {
    case MJ_NULL:
        memcpy(o, "null", 4);
        return o + 4;
    case MJ_TRUE:
        memcpy(o, "true", 4);
        return o + 4;
    case MJ_FALSE:
        memcpy(o, "false", 5);
        return o + 5;
    case MJ_NUMBER:
        memcpy(o, w->text + node->off + node->drop_sign, node->len - node->drop_sign);
        return o + node->len - node->drop_sign;
    case MJ_STRING:
        return write_string(w, node, o);
    case MJ_ARRAY:
        *o++ = '[';
        for (uint32_t child = index + 1; child < node->end; child = nodes[child].end) {
            if (child != index + 1) {
                *o++ = ',';
                *o++ = ' ';
            }
            o = write_value(w, child, o);
        }
        *o++ = ']';
        return o;
    default: {
        Member *members = w->scratch->members + w->members_top;
        uint32_t count = 0;
        for (uint32_t key = index + 1; key < node->end; key = nodes[key + 1].end) {
            const Node *k = &nodes[key];
            members[count].key = (k->decoded ? w->scratch->strings : w->text) + k->off;
            members[count].len = k->len;
            members[count].order = count;
            members[count].value = key + 1;
            count++;
        }
        sort_members(members, count);
        w->members_top += count;
        *o++ = '{';
        for (uint32_t i = 0; i < count; i++) {
            const Member *m = &members[i];
            if (i > 0) {
                const Member *before = &members[i - 1];
                if (before->len == m->len && memcmp(before->key, m->key, m->len) == 0)
                    continue; /* an earlier duplicate of the key just written */
                *o++ = ',';
                *o++ = ' ';
            }
            o = write_string(w, &nodes[m->value - 1], o);
            *o++ = ':';
            *o++ = ' ';
            o = write_value(w, m->value, o);
        }
        *o++ = '}';
        w->members_top -= count;
        return o;
    }
    }
}

/* ---- the API ------------------------------------------------------------------------------ */

int
mj_check(const char *text, Py_ssize_t size)
{
    if (text == NULL || size <= 0 || size > MJ_MAX_TEXT)
        return 0;
    Parser ps = {(const unsigned char *)text, NULL, 0, 0};
    return parse(&ps, (const unsigned char *)text, (const unsigned char *)text + size, 0) == 1;
}

/* data, or a larger block with its contents, holding at least needed items; NULL when out of
 * memory (data is then untouched). */
static void *
reserve(void *data, size_t *cap, size_t needed, size_t item)
{
    if (*cap >= needed)
        return data;
    size_t grown = *cap ? *cap : 64;
    while (grown < needed)
        grown *= 2;
    void *memory = realloc(data, grown * item);
    if (memory != NULL)
        *cap = grown;
    return memory;
}

int
mj_canonical(const char *text, Py_ssize_t size, MjBuffer *out)
{
    out->len = 0;
    if (text == NULL || size <= 0 || size > MJ_MAX_TEXT)
        return 0;
    if (out->scratch == NULL && (out->scratch = calloc(1, sizeof(MjScratch))) == NULL)
        return -1;
    MjScratch *s = out->scratch;
    char *strings = reserve(s->strings, &s->strings_cap, (size_t)size, 1);
    if (strings == NULL)
        return -1;
    s->strings = strings;
    Parser ps = {(const unsigned char *)text, s, 0, 0};
    int parsed = parse(&ps, (const unsigned char *)text, (const unsigned char *)text + size, 1);
    if (parsed != 1)
        return parsed;
    /* Every member takes two nodes; the text grows at most twofold (", " for ",", \u00xx for
     * \u00xx, one escape for each two-character escape). */
    Member *members = reserve(s->members, &s->members_cap, ps.nnodes / 2 + 1, sizeof(Member));
    if (members == NULL)
        return -1;
    s->members = members;
    size_t out_cap = (size_t)out->cap;
    char *data = reserve(out->data, &out_cap, 2 * (size_t)size + 8, 1);
    if (data == NULL)
        return -1;
    out->data = data;
    out->cap = (Py_ssize_t)out_cap;
    Writer w = {text, s, 0};
    out->len = write_value(&w, 0, out->data) - out->data;
    return 1;
}

void
mj_buffer_free(MjBuffer *buffer)
{
    if (buffer->scratch != NULL) {
        free(buffer->scratch->nodes);
        free(buffer->scratch->strings);
        free(buffer->scratch->members);
        free(buffer->scratch);
    }
    free(buffer->data);
    buffer->data = NULL;
    buffer->len = buffer->cap = 0;
    buffer->scratch = NULL;
}

/* ---- Python bindings (tests, benchmarks) -------------------------------------------------- */

/* Texts longer than this do not keep their memory in the bindings' buffer. */
#define MJ_KEEP_BYTES (64 << 10)

static MjBuffer binding_buffer = MJ_BUFFER_INIT; /* used under the GIL only */

/* 1 with the UTF-8 bytes of a str (or bytes, as SQLite stores TEXT); 0 for a str that has no
 * UTF-8 form (a lone surrogate character); -1 with an exception. */
static int
text_argument(PyObject *arg, const char **data, Py_ssize_t *size)
{
    if (PyUnicode_Check(arg)) {
        *data = PyUnicode_AsUTF8AndSize(arg, size);
        if (*data != NULL)
            return 1;
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    if (PyBytes_Check(arg)) {
        *data = PyBytes_AS_STRING(arg);
        *size = PyBytes_GET_SIZE(arg);
        return 1;
    }
    PyErr_Format(PyExc_TypeError, "expected str or bytes, found %.100s", Py_TYPE(arg)->tp_name);
    return -1;
}

static PyObject *
json_check_fast(PyObject *module, PyObject *arg)
{
    const char *data;
    Py_ssize_t size;
    int usable = text_argument(arg, &data, &size);
    if (usable < 0)
        return NULL;
    return PyBool_FromLong(usable && mj_check(data, size));
}

static PyObject *
jsonb_canonical(PyObject *module, PyObject *arg)
{
    const char *data;
    Py_ssize_t size;
    int usable = text_argument(arg, &data, &size);
    if (usable < 0)
        return NULL;
    if (!usable)
        Py_RETURN_NONE;
    int done = mj_canonical(data, size, &binding_buffer);
    PyObject *result;
    if (done < 0)
        result = PyErr_NoMemory();
    else if (done == 0)
        result = Py_NewRef(Py_None);
    else
        result = PyUnicode_DecodeUTF8(binding_buffer.data, binding_buffer.len, "strict");
    if (size > MJ_KEEP_BYTES || done < 0)
        mj_buffer_free(&binding_buffer);
    return result;
}

static PyMethodDef json_methods[] = {
    {"json_check_fast", json_check_fast, METH_O,
     "json_check_fast(text) -> bool: True only when transforms.check_json(text) certainly returns the text "
     "(JSON jsonb stores); False means not sure. text: str, or bytes as UTF-8."},
    {"jsonb_canonical", jsonb_canonical, METH_O,
     "jsonb_canonical(text) -> str | None: exactly PostgreSQL's text::jsonb::text, or None when not sure."},
    {NULL, NULL, 0, NULL},
};

int
mingus_json_add_functions(PyObject *module)
{
    return PyModule_AddFunctions(module, json_methods);
}
