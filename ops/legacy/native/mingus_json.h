/*
 * mingus_json: legacy JSON texts checked, and written the way jsonb prints them, in C.
 *
 * Both functions answer "certain" or "not sure", never "invalid": a text they do not
 * accept goes to the Python path (transforms.check_json, validate._same_json), which
 * decides it and names the defect. They accept a strict subset of RFC 8259 (see
 * mingus_json.c for what they decline) and neither touches Python objects; only
 * mingus_json_add_functions does, for the test bindings.
 */
#ifndef MINGUS_JSON_H
#define MINGUS_JSON_H

#include <Python.h>

/* Declined beyond these (transforms.MAX_JSON_DEPTH is 256; Python's int string limit 4300 digits;
 * numeric keeps at most 16383 fraction digits). */
#define MJ_MAX_DEPTH 200
#define MJ_MAX_INT_DIGITS 300
#define MJ_MAX_FRACTION_DIGITS 1000
#define MJ_MAX_TEXT ((Py_ssize_t)64 << 20)

/* The value of a hex digit, or -1 (shared with the row codec's IPv6 parser). */
static inline int
mj_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct MjScratch MjScratch;

/* A growable output buffer; it also keeps the parse tree's memory between calls, so reuse one. */
typedef struct {
    char *data;         /* the text written (not NUL-terminated) */
    Py_ssize_t len, cap;
    MjScratch *scratch; /* private: tree, decoded strings and sort space */
} MjBuffer;

#define MJ_BUFFER_INIT {NULL, 0, 0, NULL}

/* 1: certain that transforms.check_json(text) returns the text unchanged and that jsonb stores it.
 * 0: not sure (invalid, or a case left to Python). text is UTF-8 of size bytes; any bytes are safe. */
int mj_check(const char *text, Py_ssize_t size);

/* 1: out->data holds exactly PostgreSQL's text::jsonb::text (the buffer's contents are replaced).
 * 0: not sure (everything mj_check does not accept; out->len is then 0). -1: out of memory. */
int mj_canonical(const char *text, Py_ssize_t size, MjBuffer *out);

/* Frees the buffer's memory; it is MJ_BUFFER_INIT again afterwards. */
void mj_buffer_free(MjBuffer *buffer);

/* Adds json_check_fast and jsonb_canonical to the module (for tests and benchmarks). 0 or -1. */
int mingus_json_add_functions(PyObject *module);

#endif
