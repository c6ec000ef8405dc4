/*
 * mingus_rowcodec: the import's hot path in C.
 *
 * An Encoder turns one legacy row (rowid, col1, col2, ...) straight into one
 * tuple of PostgreSQL's binary COPY format, for the values the Python
 * converter (ops/legacy/convert.py) would accept, and says "decline" for any
 * other row. A declined row takes the Python path, which converts it or names
 * why it cannot be converted; so the C side never has to decide an error, and
 * every rule it does not implement exactly is simply declined. The Python
 * wrapper is ops/legacy/row_codec.py; tests/ops/test_row_codec.py checks the
 * two paths give the same values.
 *
 * Rows come either as Python tuples (encode, compare) or straight
 * from a SQLite statement (pump for the import, RangeCheck for validate_import):
 * then no Python object is made for a value unless a Python conversion, a CHECK
 * predicate or a unique key needs one, and a row is handed to Python, as the
 * tuple sqlite3 would have made, only when it needs the Python path.
 *
 * The encoder owns an output buffer: rows accumulate in it and take() hands
 * the bytes over to COPY.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mingus_json.h"

#define ABI_VERSION 8

/* Column kinds (mirrored in row_codec.py). */
enum {
    K_ID = 1,      /* the row's UUID, from the rowid in row[0] */
    K_TEXT = 2,    /* str without NUL, at most max_length characters */
    K_INT = 3,     /* int within int2/int4/int8 */
    K_FLOAT = 4,   /* finite float (or int) to float8 */
    K_MONEY = 5,   /* FLOAT dollars (or INTEGER) to numeric cents */
    K_BOOL = 6,    /* 0/1 or the legacy text booleans */
    K_DATE = 7,    /* YYYY-MM-DD */
    K_NAIVE_TS = 8,/* YYYY-MM-DD HH:MM:SS[.ffffff] as UTC */
    K_REF = 9,     /* integer id to the UUID of the row it points at */
    K_CALL = 10,   /* a Python conversion; its result is encoded by PostgreSQL type */
    K_CONST = 11,  /* pre-encoded constant */
    K_JSON = 12,   /* JSON text checked by a Python function, sent as jsonb text */
    K_OFFSET_TS = 13, /* ISO 8601 with Z or +HH:MM, to UTC */
    K_EPOCH = 14,  /* epoch seconds (INTEGER or REAL) between 1970 and 2100 */
    K_INET = 15,   /* IPv4 dotted quads and IPv6 hex groups natively; anything else as K_CALL */
    K_DISPLAY_MONEY = 16, /* $1,234.56, -$12.00, ($12.00) natively; anything else as K_CALL */
    K_US_DATE = 17,       /* MM/DD/YYYY natively; anything else as K_CALL */
    K_DOLLARS = 18,       /* INTEGER whole dollars natively; anything else as K_CALL */
    K_ROW = 19,           /* a Python conversion of the whole row (validation: the email policy's columns) */
    K_PLAINTEXT = 20,     /* validation: a Fernet column as its plaintext, compared through plaintext_of */
};

/* PostgreSQL types a K_CALL result is encoded as. */
enum {
    T_UUID = 1, T_TEXT, T_INT2, T_INT4, T_INT8, T_FLOAT8, T_NUMERIC, T_BOOL,
    T_DATE, T_TIMESTAMPTZ, T_JSONB, T_BYTEA, T_INET,
};

#define DECLINED 0
#define PRESENT 1

/* ---- IdSet: the UUIDs of a parent table, for foreign-key checks without Python objects ---------- */

/*
 * The ids of one legacy table's rows differ only in their rowid (ops/legacy/ids.py: table prefix
 * and version in the high word, variant and 58 constant bits in the low one). When most of a
 * set's ids are of one such table they are held as a bitmap by rowid: 125 KB for a million users,
 * where a hash table of the same ids takes 32 MB and a cache miss per lookup. Any other id (a row
 * made in the app, another table's) stays in the hash table beside it.
 */
#define NS_HIGH_MASK 0xFFFF00000000F000ull /* table prefix, version */
#define NS_LOW_MASK 0xC3FFFFFFFFFFFFFFull  /* variant, constant bits */
#define DENSE_MIN_IDS 4096                 /* below this the hash table stays in cache anyway */

typedef struct {
    PyObject_HEAD
    uint64_t *slots;   /* pairs (high, low); a free slot is (0, 0), which no imported id is */
    Py_ssize_t mask;   /* capacity - 1 (a power of two) */
    Py_ssize_t count;  /* ids in the set, in the bitmap or in the slots */
    uint64_t *bits;    /* NULL, or bit r set for the id of rowid r of the table below */
    uint64_t nbits;
    uint64_t ns_high, ns_low; /* that table's id with the rowid bits masked out */
} IdSet;

static PyTypeObject IdSetType;

static inline Py_ssize_t
idset_hash(uint64_t high, uint64_t low)
{
    uint64_t x = high ^ (low * 0x9E3779B97F4A7C15ull);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return (Py_ssize_t)x;
}

static inline uint64_t
legacy_rowid(uint64_t high, uint64_t low)
{
    return ((high >> 16) & 0xFFFFFFFFull) << 16 | (high & 0xFFF) << 4 | ((low >> 58) & 0xF);
}

/* Whether id (high, low) is of the table whose id with its rowid masked out is (ns_high, ns_low). */
static inline int
of_table(uint64_t high, uint64_t low, uint64_t ns_high, uint64_t ns_low)
{
    return (high & NS_HIGH_MASK) == ns_high && (low & NS_LOW_MASK) == ns_low;
}

static int
idset_contains(IdSet *set, uint64_t high, uint64_t low)
{
    if (high == 0 && low == 0)
        return 0;
    if (set->bits != NULL && of_table(high, low, set->ns_high, set->ns_low)) {
        uint64_t r = legacy_rowid(high, low);
        return r < set->nbits && (set->bits[r >> 6] >> (r & 63) & 1);
    }
    for (Py_ssize_t i = idset_hash(high, low) & set->mask;; i = (i + 1) & set->mask) {
        uint64_t *slot = set->slots + 2 * i;
        if (slot[0] == high && slot[1] == low)
            return 1;
        if (slot[0] == 0 && slot[1] == 0)
            return 0;
    }
}

/* Slots for `ids` ids at most half full: a power of two, at least 16. */
static Py_ssize_t
idset_capacity(Py_ssize_t ids)
{
    Py_ssize_t capacity = 16;
    while (capacity < 2 * ids + 2)
        capacity *= 2;
    return capacity;
}

/* Zeroed slots for at least `ids` ids (idset_capacity); 0, or -1 with MemoryError. */
static int
idset_allocate(IdSet *set, Py_ssize_t ids)
{
    Py_ssize_t capacity = idset_capacity(ids);
    uint64_t *slots = PyMem_Calloc(capacity, 2 * sizeof(uint64_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(set->slots);
    PyMem_Free(set->bits);
    set->slots = slots;
    set->mask = capacity - 1;
    set->count = 0;
    set->bits = NULL;
    set->nbits = 0;
    return 0;
}

/* Adds a non-nil id to the slots (room was allocated for it); 1 if it was not there yet. */
static int
idset_put(uint64_t *slots, Py_ssize_t mask, uint64_t high, uint64_t low)
{
    Py_ssize_t i = idset_hash(high, low) & mask;
    while (!(slots[2 * i] == 0 && slots[2 * i + 1] == 0)) {
        if (slots[2 * i] == high && slots[2 * i + 1] == low)
            return 0;
        i = (i + 1) & mask;
    }
    slots[2 * i] = high;
    slots[2 * i + 1] = low;
    return 1;
}

/*
 * Moves the ids of the set's most common legacy table into a bitmap, when they are most of the
 * set and the bitmap would take at most 8 bytes per id. Otherwise, or short of memory, the set
 * stays a hash table: the same answers, only slower.
 */
static void
idset_make_dense(IdSet *set)
{
    if (set->count < DENSE_MIN_IDS)
        return;
    Py_ssize_t capacity = set->mask + 1;
    /* The majority table, if there is one (Boyer-Moore vote), then how many ids are its. */
    uint64_t high = 0, low = 0;
    Py_ssize_t votes = 0;
    for (Py_ssize_t i = 0; i < capacity; i++) {
        uint64_t h = set->slots[2 * i], l = set->slots[2 * i + 1];
        if (h == 0 && l == 0)
            continue;
        int legacy = ((h >> 12) & 0xF) == 8 && (l >> 62) == 2;
        if (votes == 0 && legacy) {
            high = h & NS_HIGH_MASK;
            low = l & NS_LOW_MASK;
            votes = 1;
        } else if (votes > 0)
            votes += legacy && of_table(h, l, high, low) ? 1 : -1;
    }
    if (votes == 0)
        return;
    Py_ssize_t members = 0;
    uint64_t largest = 0;
    for (Py_ssize_t i = 0; i < capacity; i++) {
        uint64_t h = set->slots[2 * i], l = set->slots[2 * i + 1];
        if (of_table(h, l, high, low)) { /* never the nil UUID: high holds the version */
            members++;
            uint64_t r = legacy_rowid(h, l);
            if (r > largest)
                largest = r;
        }
    }
    if (2 * members <= set->count || largest >= 64 * (uint64_t)members + 65536)
        return;
    Py_ssize_t other_capacity = idset_capacity(set->count - members);
    uint64_t *bits = PyMem_Calloc((size_t)(largest >> 6) + 1, sizeof(uint64_t));
    uint64_t *slots = PyMem_Calloc(other_capacity, 2 * sizeof(uint64_t));
    if (bits == NULL || slots == NULL) {
        PyMem_Free(bits);
        PyMem_Free(slots);
        return;
    }
    for (Py_ssize_t i = 0; i < capacity; i++) {
        uint64_t h = set->slots[2 * i], l = set->slots[2 * i + 1];
        if (h == 0 && l == 0)
            continue;
        if (of_table(h, l, high, low)) {
            uint64_t r = legacy_rowid(h, l);
            bits[r >> 6] |= 1ull << (r & 63);
        } else
            idset_put(slots, other_capacity - 1, h, l);
    }
    PyMem_Free(set->slots);
    set->slots = slots;
    set->mask = other_capacity - 1;
    set->bits = bits;
    set->nbits = largest + 1;
    set->ns_high = high;
    set->ns_low = low;
}

static inline uint64_t
get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | p[k];
    return v;
}

/* IdSet(ids): ids is an iterable of 16-byte UUIDs (bytes) */
static int
IdSet_init(IdSet *self, PyObject *args, PyObject *kwargs)
{
    PyObject *ids;
    if (!PyArg_ParseTuple(args, "O", &ids))
        return -1;
    Py_ssize_t expected = PyObject_Length(ids);
    if (expected < 0) {
        PyErr_Clear();
        expected = 1024;
    }
    if (idset_allocate(self, expected) < 0)
        return -1;
    PyObject *iterator = PyObject_GetIter(ids), *item;
    if (iterator == NULL)
        return -1;
    while ((item = PyIter_Next(iterator)) != NULL) {
        if (!PyBytes_CheckExact(item) || PyBytes_GET_SIZE(item) != 16) {
            Py_DECREF(item);
            Py_DECREF(iterator);
            PyErr_SetString(PyExc_TypeError, "an IdSet holds 16-byte UUIDs");
            return -1;
        }
        const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(item);
        uint64_t high = get64(p), low = get64(p + 8);
        Py_DECREF(item);
        if (high == 0 && low == 0)
            continue; /* the nil UUID is never an imported row's */
        if (2 * (self->count + 1) > self->mask + 1) {
            Py_DECREF(iterator);
            PyErr_SetString(PyExc_RuntimeError, "the ids changed size while an IdSet was built");
            return -1;
        }
        self->count += idset_put(self->slots, self->mask, high, low);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        return -1;
    idset_make_dense(self);
    return 0;
}

/* `uuid_bytes in idset`: the Python path checks references in the same set as the encoder */
static int
IdSet_sq_contains(IdSet *self, PyObject *value)
{
    if (!PyBytes_CheckExact(value) || PyBytes_GET_SIZE(value) != 16)
        return 0;
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(value);
    return self->slots != NULL && idset_contains(self, get64(p), get64(p + 8));
}

static PyObject *
IdSet_contains_bytes(IdSet *self, PyObject *value)
{
    return PyBool_FromLong(IdSet_sq_contains(self, value));
}

static Py_ssize_t
IdSet_len(IdSet *self)
{
    return self->count;
}

static void
IdSet_dealloc(IdSet *self)
{
    PyMem_Free(self->slots);
    PyMem_Free(self->bits);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
IdSet_get_dense(IdSet *self, void *closure)
{
    return PyBool_FromLong(self->bits != NULL);
}

static PyMethodDef IdSet_methods[] = {
    {"contains", (PyCFunction)IdSet_contains_bytes, METH_O, "contains(uuid bytes) -> bool"},
    {NULL},
};

static PyGetSetDef IdSet_getset[] = {
    {"dense", (getter)IdSet_get_dense, NULL, "whether most ids are held as a bitmap by legacy rowid", NULL},
    {NULL},
};

static PySequenceMethods IdSet_as_sequence = {
    .sq_length = (lenfunc)IdSet_len,
    .sq_contains = (objobjproc)IdSet_sq_contains,
};

static PyTypeObject IdSetType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mingus_rowcodec.IdSet",
    .tp_basicsize = sizeof(IdSet),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The 16-byte UUIDs of a parent table's rows, looked up without Python objects.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)IdSet_init,
    .tp_dealloc = (destructor)IdSet_dealloc,
    .tp_methods = IdSet_methods,
    .tp_getset = IdSet_getset,
    .tp_as_sequence = &IdSet_as_sequence,
};

/* ---- Rowids: a growing array of 64-bit integers, handed to Python as a list --------------------- */

typedef struct {
    long long *items;
    Py_ssize_t n, cap;
} Rowids;

static int
rowids_push(Rowids *list, long long value, Py_ssize_t first_cap)
{
    if (list->n == list->cap) {
        Py_ssize_t cap = list->cap ? 2 * list->cap : first_cap;
        long long *grown = PyMem_Realloc(list->items, cap * sizeof(long long));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->n++] = value;
    return 0;
}

static PyObject *
ints_to_list(const long long *items, Py_ssize_t n)
{
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list != NULL && i < n; i++) {
        PyObject *value = PyLong_FromLongLong(items[i]);
        if (value == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, value);
    }
    return list;
}

/* `sequence` as a new list, or NULL with an error: ValueError "at most <most> <what>" if it is longer. */
static PyObject *
list_of_at_most(PyObject *sequence, Py_ssize_t most, const char *what)
{
    PyObject *items = PySequence_List(sequence);
    if (items != NULL && PyList_GET_SIZE(items) > most) {
        Py_DECREF(items);
        PyErr_Format(PyExc_ValueError, "at most %zd %s", most, what);
        return NULL;
    }
    return items;
}

/* ---- the encoder ---------------------------------------------------------------------------- */

typedef struct {
    int kind;
    int index;          /* position in the source row (1..): row[0] is the rowid */
    int pgtype;         /* K_CALL, K_CONST: target type */
    int bits;           /* K_INT: 16, 32 or 64 */
    Py_ssize_t max_length;  /* K_TEXT: -1 for no limit */
    int not_null;
    uint64_t ns_high, ns_low;  /* K_REF: namespace of the referenced table */
    PyObject *cache;    /* K_REF: dict int -> 16 bytes (shared with the Python converter) */
    Py_ssize_t cache_size;
    PyObject *parents;  /* K_REF: an IdSet or a set of parent UUID bytes, or NULL */
    PyObject *func;     /* K_CALL, K_JSON: the conversion; predicate below */
    PyObject *predicate;/* CHECK constraint as a Python predicate, or NULL */
    PyObject *constant; /* K_CONST: encoded bytes (NULL: SQL NULL) */
    int key_slot;       /* position in the unique keys' value list, or -1 */
    int has_low, has_high; /* a range CHECK as data (K_INT, K_FLOAT, K_MONEY) */
    long long low, high;
    PyObject *allowed;  /* a choices CHECK as data (K_TEXT): the set of values, or NULL */
    PyObject *allowed_utf8; /* the same choices as a tuple of UTF-8 bytes, when all are str */
} Column;

typedef struct {
    PyObject_HEAD
    Column *columns;
    Py_ssize_t ncolumns;
    uint64_t ns_high, ns_low;   /* the table's own namespace */
    PyObject *present;          /* set of UUID bytes already in the target, or NULL */
    PyObject *decimal;          /* callable: cents (int) -> Decimal, for predicates and keys */
    PyObject *empty_json;       /* transforms.EMPTY_JSON */
    PyObject *keys;             /* list of tuples of key slot numbers, one per unique key, or NULL */
    PyObject *seen;             /* list of dicts, one per unique key: key -> first rowid (shared with Python) */
    PyObject *error_type;       /* TransformError: a conversion that raises it declines the row */
    PyObject *json_check;       /* transforms.check_json for JSON the C check is not sure of (pump) */
    Py_ssize_t nslots;
    char *buf;
    Py_ssize_t len, cap;
    /* pump: what the rows read straight from SQLite came to */
    int expires_index;          /* source position of a cache row's expiry, or -1 */
    double cutoff;              /* rows expiring before it are skipped */
    int with_extras;            /* rows added are handed back for their extra columns */
    Py_ssize_t read, present_count, expired;
    Rowids inserted;            /* rowids the pump added, in order */
    MjBuffer json;              /* jsonb's text of a source JSON value, for comparisons */
    /* the row being encoded, for K_ROW columns: its values and, once made, its tuple */
    struct Value *row_values;
    Py_ssize_t row_nvalues;
    PyObject *row_tuple;
} Encoder;

static PyTypeObject EncoderType;

/* ---- output buffer ------------------------------------------------------------------------ */

static int
ensure(Encoder *self, Py_ssize_t extra)
{
    if (self->len + extra <= self->cap)
        return 0;
    Py_ssize_t cap = self->cap ? self->cap : 1 << 16;
    while (cap < self->len + extra)
        cap *= 2;
    char *grown = PyMem_Realloc(self->buf, cap);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = grown;
    self->cap = cap;
    return 0;
}

static inline void
put16(char *p, uint16_t v)
{
    p[0] = (char)(v >> 8);
    p[1] = (char)v;
}

static inline void
put32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

static inline void
put64(char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static inline int32_t
get32s(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* One field: length word then the data. */
static int
field(Encoder *self, const char *data, Py_ssize_t size)
{
    if (ensure(self, 4 + size) < 0)
        return -1;
    put32(self->buf + self->len, (uint32_t)size);
    memcpy(self->buf + self->len + 4, data, size);
    self->len += 4 + size;
    return 0;
}

static int
null_field(Encoder *self)
{
    if (ensure(self, 4) < 0)
        return -1;
    put32(self->buf + self->len, 0xFFFFFFFFu);
    self->len += 4;
    return 0;
}

/* ---- value encodings ------------------------------------------------------------------------ */

static void
uuid_bytes(char *out, uint64_t ns_high, uint64_t ns_low, uint64_t rowid)
{
    /* ops/legacy/ids.py uuid_int: prefix, rowid spread around the version and variant bits. */
    uint64_t high = (ns_high << 48) | ((rowid >> 16) << 16) | (0x8ull << 12) | ((rowid >> 4) & 0xFFF);
    uint64_t low = (0x2ull << 62) | ((rowid & 0xF) << 58) | ns_low;
    put64(out, high);
    put64(out + 8, low);
}

/* numeric with dscale 2 from whole cents, in PostgreSQL's canonical (stripped) form. */
static int
numeric_field(Encoder *self, int64_t cents)
{
    uint16_t digits[8];
    int n = 0, weight;
    int negative = cents < 0;
    uint64_t magnitude = negative ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
    uint64_t whole = magnitude / 100;
    uint16_t fraction = (uint16_t)((magnitude % 100) * 100);
    uint16_t groups[6];
    int ngroups = 0;
    while (whole) {
        groups[ngroups++] = (uint16_t)(whole % 10000);
        whole /= 10000;
    }
    for (int i = ngroups - 1; i >= 0; i--)
        digits[n++] = groups[i];
    digits[n++] = fraction;
    weight = ngroups - 1;
    /* strip leading zero groups (only possible when there is no whole part) ... */
    int first = 0;
    while (first < n && digits[first] == 0) {
        first++;
        weight--;
    }
    /* ... and trailing ones */
    while (n > first && digits[n - 1] == 0)
        n--;
    int ndigits = n - first;
    if (ndigits == 0) {
        weight = 0;
        negative = 0;
    }
    char out[8 + 2 * 8];
    put16(out, (uint16_t)ndigits);
    put16(out + 2, (uint16_t)(int16_t)weight);
    put16(out + 4, negative ? 0x4000 : 0x0000);
    put16(out + 6, 2);
    for (int i = 0; i < ndigits; i++)
        put16(out + 8 + 2 * i, digits[first + i]);
    return field(self, out, 8 + 2 * ndigits);
}

static int64_t
days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#define PG_EPOCH_DAYS 10957 /* 2000-01-01 in days since 1970-01-01 */

static int
days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

static inline int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* YYYY-MM-DD, ASCII digits only, a real calendar date of years 1..9999: 1 and the date, else 0. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
    if (!(is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-' && is_digit(s[5]) &&
          is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) && is_digit(s[9])))
        return 0;
    *y = two(s) * 100 + two(s + 2);
    *m = two(s + 5);
    *d = two(s + 8);
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

/* Python's str.isspace() for an ASCII character (what str.strip() removes). */
static inline int
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

/* Surrounding whitespace off, as str.strip() takes it. */
static void
strip_spaces(const char **s, Py_ssize_t *n)
{
    while (*n > 0 && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

/* HH:MM:SS at s[11..18], after a date and its separator (the caller checks it): 1 and the clock, else 0. */
static int
parse_clock(const char *s, int *hour, int *minute, int *second)
{
    if (!(is_digit(s[11]) && is_digit(s[12]) && s[13] == ':' && is_digit(s[14]) && is_digit(s[15]) && s[16] == ':' &&
          is_digit(s[17]) && is_digit(s[18])))
        return 0;
    *hour = two(s + 11);
    *minute = two(s + 14);
    *second = two(s + 17);
    return *hour <= 23 && *minute <= 59 && *second <= 59;
}

/*
 * transforms.to_display_money for ASCII text: $1,234.56, $1234.56, -$12.00, ($12.00), the cents
 * optional, surrounding whitespace stripped. 1 and the cents, or 0 for anything else (the Python
 * conversion decides it, and names what is wrong).
 */
static int
parse_display_money(const char *s, Py_ssize_t n, int64_t *cents)
{
    strip_spaces(&s, &n);
    Py_ssize_t at = 0;
    int open = 0, minus = 0;
    if (at < n && s[at] == '(') {
        open = 1;
        at++;
    }
    if (at < n && s[at] == '-') {
        minus = 1;
        at++;
    }
    if (open && minus)
        return 0;
    if (at >= n || s[at] != '$')
        return 0;
    at++;
    int64_t whole = 0;
    Py_ssize_t digits = 0, group = 0, groups = 0;
    while (at < n && (is_digit(s[at]) || s[at] == ',')) {
        if (s[at] == ',') {
            /* 1 to 3 digits before the first comma, exactly 3 between and after them */
            if ((groups == 0 && (group < 1 || group > 3)) || (groups > 0 && group != 3))
                return 0;
            groups++;
            group = 0;
        }
        else {
            if (++digits > 13)
                return 0;
            whole = whole * 10 + (s[at] - '0');
            group++;
        }
        at++;
    }
    if (digits == 0 || (groups > 0 && group != 3))
        return 0;
    int64_t fraction = 0;
    if (at < n && s[at] == '.') {
        if (!(at + 2 < n) || !is_digit(s[at + 1]) || !is_digit(s[at + 2]))
            return 0;
        fraction = (s[at + 1] - '0') * 10 + (s[at + 2] - '0');
        at += 3;
    }
    if (open) {
        if (at >= n || s[at] != ')')
            return 0;
        at++;
    }
    if (at != n || whole >= 1000000000000LL)
        return 0;
    *cents = (open || minus) ? -(whole * 100 + fraction) : whole * 100 + fraction;
    return 1;
}

/* transforms.to_us_date for ASCII MM/DD/YYYY that is a calendar date of years 1..9999; else 0. */
static int
parse_us_date(const char *s, Py_ssize_t n, int *y, int *m, int *d)
{
    if (n != 10 || !(is_digit(s[0]) && is_digit(s[1]) && s[2] == '/' && is_digit(s[3]) && is_digit(s[4]) &&
                     s[5] == '/' && is_digit(s[6]) && is_digit(s[7]) && is_digit(s[8]) && is_digit(s[9])))
        return 0;
    *m = two(s);
    *d = two(s + 3);
    *y = two(s + 6) * 100 + two(s + 8);
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

/*
 * ipaddress.ip_address(text.strip()) for a dotted-quad IPv4 address: four decimal octets of at
 * most three digits, no leading zeros, none above 255. 1 and the address, or 0 for anything
 * else (IPv6, errors: the Python conversion decides those).
 */
static int
parse_ipv4(const char *s, Py_ssize_t n, unsigned char *out)
{
    strip_spaces(&s, &n);
    Py_ssize_t at = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0) {
            if (at >= n || s[at] != '.')
                return 0;
            at++;
        }
        Py_ssize_t begin = at;
        int value = 0;
        while (at < n && is_digit(s[at]) && at - begin < 3)
            value = value * 10 + (s[at++] - '0');
        Py_ssize_t digits = at - begin;
        if (digits == 0 || (at < n && is_digit(s[at])) || (digits > 1 && s[begin] == '0') || value > 255)
            return 0;
        out[octet] = (unsigned char)value;
    }
    return at == n;
}

/*
 * ipaddress.ip_address(text.strip()) for an IPv6 address written in hex groups only (no embedded
 * IPv4 tail, no %scope): Python's own rules, step by step (IPv6Address._ip_int_from_string), so
 * that what is accepted here is exactly what Python accepts, with the same 16 bytes. 1 and the
 * bytes, or 0 for anything else (the Python step then decides and names the problem).
 */
static int
parse_ipv6(const char *s, Py_ssize_t n, unsigned char *out)
{
    strip_spaces(&s, &n);
    if (n < 2 || n > 39)
        return 0;
    Py_ssize_t start[10], size[10];
    int parts = 0;
    Py_ssize_t begin = 0;
    for (Py_ssize_t at = 0; at <= n; at++) {
        if (at == n || s[at] == ':') {
            if (parts == 9)
                return 0; /* more than 9 parts */
            start[parts] = begin;
            size[parts++] = at - begin;
            begin = at + 1;
        }
        else if (mj_hex_value((unsigned char)s[at]) < 0)
            return 0;
    }
    if (parts < 3)
        return 0;
    int skip = -1;
    for (int i = 1; i < parts - 1; i++) {
        if (size[i] == 0) {
            if (skip >= 0)
                return 0; /* '::' twice */
            skip = i;
        }
    }
    int hi, lo, skipped;
    if (skip >= 0) {
        hi = skip;
        lo = parts - skip - 1;
        if (size[0] == 0 && --hi)
            return 0; /* a leading ':' needs '::' */
        if (size[parts - 1] == 0 && --lo)
            return 0; /* a trailing ':' needs '::' */
        skipped = 8 - (hi + lo);
        if (skipped < 1)
            return 0;
    }
    else {
        if (parts != 8 || size[0] == 0 || size[parts - 1] == 0)
            return 0;
        hi = parts;
        lo = 0;
        skipped = 0;
    }
    memset(out, 0, 16); /* the groups '::' stands for */
    for (int k = 0; k < hi + lo; k++) {
        int i = k < hi ? k : parts - lo + (k - hi);
        int group = k < hi ? k : k + skipped;
        if (size[i] == 0 || size[i] > 4)
            return 0;
        unsigned value = 0;
        for (Py_ssize_t j = 0; j < size[i]; j++)
            value = value << 4 | (unsigned)mj_hex_value((unsigned char)s[start[i] + j]);
        out[2 * group] = (unsigned char)(value >> 8);
        out[2 * group + 1] = (unsigned char)value;
    }
    return 1;
}

/* A timestamptz field; timestamps are never CHECKed or part of a unique key in this schema. */
static int
timestamp_field(Encoder *self, uint64_t stamp, int want_value)
{
    char out[8];
    put64(out, stamp);
    if (field(self, out, 8) < 0)
        return -1;
    if (want_value) {
        PyErr_SetString(PyExc_RuntimeError, "timestamps are never key or checked values here");
        return -1;
    }
    return 1;
}

/* ---- Python values, for predicates and unique keys ----------------------------------------- */

static PyObject *
decimal_of(Encoder *self, int64_t cents)
{
    PyObject *number = PyLong_FromLongLong(cents);
    if (number == NULL)
        return NULL;
    PyObject *result = PyObject_CallOneArg(self->decimal, number);
    Py_DECREF(number);
    return result;
}

/* A numeric field of cents; the value, when wanted, a Decimal. */
static int
money_field(Encoder *self, int64_t cents, int want_value, PyObject **value_out)
{
    if (numeric_field(self, cents) < 0)
        return -1;
    if (want_value && (*value_out = decimal_of(self, cents)) == NULL)
        return -1;
    return 1;
}

/* A date field; the value, when wanted, a datetime.date. */
static int
date_field(Encoder *self, int y, int m, int d, int want_value, PyObject **value_out)
{
    char out[4];
    put32(out, (uint32_t)(int32_t)(days_from_civil(y, m, d) - PG_EPOCH_DAYS));
    if (field(self, out, 4) < 0)
        return -1;
    if (want_value && (*value_out = PyDate_FromDate(y, m, d)) == NULL)
        return -1;
    return 1;
}

/* A jsonb field of JSON text (binary format version 1); JSON is never a key or checked value. */
static int
jsonb_field(Encoder *self, const char *text, Py_ssize_t size, int want_value)
{
    if (ensure(self, 5 + size) < 0)
        return -1;
    put32(self->buf + self->len, (uint32_t)(size + 1));
    self->buf[self->len + 4] = 1; /* jsonb binary format version */
    memcpy(self->buf + self->len + 5, text, size);
    self->len += 5 + size;
    if (want_value) {
        PyErr_SetString(PyExc_RuntimeError, "JSON is never a key or checked value here");
        return -1;
    }
    return 1;
}

/* ---- source values -------------------------------------------------------------------------- */

/* What one source value is, whether it came as a Python object or straight from SQLite. */
enum {
    V_NULL,
    V_INT,    /* an int within 64 bits */
    V_FLOAT,
    V_TEXT,
    V_BLOB,
    V_BIGINT, /* a Python int beyond 64 bits (never from SQLite) */
    V_OTHER,  /* any other Python object (bool, BadText, subclasses): native kinds decline it */
};

typedef struct Value {
    int type;
    long long i;
    double d;
    const char *s;      /* V_TEXT: UTF-8, V_BLOB: the bytes */
    Py_ssize_t n;       /* their size; -1 while a non-ASCII str's UTF-8 is not fetched */
    Py_ssize_t chars;   /* V_TEXT: code points */
    int ascii;          /* V_TEXT: every byte below 0x80 */
    PyObject *obj;      /* the Python value: borrowed from a tuple, or made here (owned) */
    int owned;
} Value;

static void
value_from_object(Value *v, PyObject *o)
{
    memset(v, 0, sizeof *v);
    v->obj = o;
    if (o == Py_None)
        v->type = V_NULL;
    else if (PyLong_CheckExact(o)) {
        int overflow;
        v->i = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (v->i == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            overflow = 1;
        }
        v->type = overflow ? V_BIGINT : V_INT;
    }
    else if (PyFloat_CheckExact(o)) {
        v->type = V_FLOAT;
        v->d = PyFloat_AS_DOUBLE(o);
    }
    else if (PyUnicode_CheckExact(o)) {
        v->type = V_TEXT;
        v->ascii = PyUnicode_IS_ASCII(o);
        v->chars = PyUnicode_GET_LENGTH(o);
        if (v->ascii) {
            v->s = (const char *)PyUnicode_DATA(o);
            v->n = v->chars;
        }
        else
            v->n = -1;
    }
    else if (PyBytes_CheckExact(o)) {
        v->type = V_BLOB;
        v->s = PyBytes_AS_STRING(o);
        v->n = PyBytes_GET_SIZE(o);
    }
    else
        v->type = V_OTHER;
}

/* The UTF-8 of a text value; -1 (no exception) for a str that has none (a lone surrogate). */
static int
value_utf8(Value *v)
{
    if (v->n >= 0)
        return 0;
    v->s = PyUnicode_AsUTF8AndSize(v->obj, &v->n);
    if (v->s == NULL) {
        PyErr_Clear();
        v->n = -1;
        return -1;
    }
    return 0;
}

/* The Python value, as a new reference; made once from SQLite's value when there is no object. */
static PyObject *
value_object(Value *v)
{
    if (v->obj == NULL) {
        switch (v->type) {
        case V_NULL:
            v->obj = Py_None;
            Py_INCREF(Py_None);
            break;
        case V_INT:
            v->obj = PyLong_FromLongLong(v->i);
            break;
        case V_FLOAT:
            v->obj = PyFloat_FromDouble(v->d);
            break;
        case V_TEXT:
            v->obj = PyUnicode_DecodeUTF8(v->s, v->n, "strict");
            break;
        case V_BLOB:
            v->obj = PyBytes_FromStringAndSize(v->s, v->n);
            break;
        default:
            PyErr_SetString(PyExc_RuntimeError, "a source value without a Python object");
        }
        if (v->obj == NULL)
            return NULL;
        v->owned = 1;
    }
    Py_INCREF(v->obj);
    return v->obj;
}

static void
value_release(Value *v)
{
    if (v->owned)
        Py_CLEAR(v->obj);
    v->owned = 0;
}

/* The row as the tuple sqlite3 makes: (rowid, col1, ...). */
static PyObject *
values_tuple(Value *values, Py_ssize_t n)
{
    PyObject *row = PyTuple_New(n);
    if (row == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = value_object(&values[i]);
        if (value == NULL) {
            Py_DECREF(row);
            return NULL;
        }
        PyTuple_SET_ITEM(row, i, value);
    }
    return row;
}

/*
 * Whether s[0..n) is UTF-8 as Python's strict decoder takes it (no surrogates, no overlong
 * forms, nothing above U+10FFFF); counts the code points and says whether all are ASCII.
 */
static int
utf8_check(const unsigned char *s, Py_ssize_t n, Py_ssize_t *chars, int *ascii)
{
    Py_ssize_t i = 0, count = 0;
    int all_ascii = 1;
    while (i < n) {
        /* Eight ASCII bytes at a time, the common case. */
        if (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (!(word & 0x8080808080808080ull)) {
                i += 8;
                count += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            count++;
            continue;
        }
        all_ascii = 0;
        Py_ssize_t need;
        unsigned char low = 0x80, high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                low = 0xA0;
            else if (c == 0xED)
                high = 0x9F;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                low = 0x90;
            else if (c == 0xF4)
                high = 0x8F;
        }
        else
            return 0;
        if (i + need >= n)
            return 0;
        if (s[i + 1] < low || s[i + 1] > high)
            return 0;
        for (Py_ssize_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
        count++;
    }
    *chars = count;
    *ascii = all_ascii;
    return 1;
}

/* ---- the row -------------------------------------------------------------------------------- */

/* Whether a text value is one of a choices CHECK's values. */
static int
text_allowed(Column *col, Value *v)
{
    if (col->allowed_utf8 != NULL) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(col->allowed_utf8); k++) {
            PyObject *choice = PyTuple_GET_ITEM(col->allowed_utf8, k);
            if (PyBytes_GET_SIZE(choice) == v->n && memcmp(PyBytes_AS_STRING(choice), v->s, v->n) == 0)
                return 1;
        }
        return 0;
    }
    PyObject *value = value_object(v);
    if (value == NULL)
        return -1;
    int allowed = PySet_Contains(col->allowed, value);
    Py_DECREF(value);
    return allowed;
}

/* Whether a referenced UUID is among the parent rows. */
static int
parent_known(Column *col, const char *id, PyObject *id_bytes)
{
    if (col->parents == NULL)
        return 1;
    if (Py_IS_TYPE(col->parents, &IdSetType)) {
        const unsigned char *p = (const unsigned char *)id;
        return idset_contains((IdSet *)col->parents, get64(p), get64(p + 8));
    }
    if (id_bytes != NULL)
        return PySet_Contains(col->parents, id_bytes);
    PyObject *made = PyBytes_FromStringAndSize(id, 16);
    if (made == NULL)
        return -1;
    int known = PySet_Contains(col->parents, made);
    Py_DECREF(made);
    return known;
}

static int encode_call_result(Encoder *self, Column *col, PyObject *result);

/* A conversion's result (a new reference, or NULL with an exception set) encoded, and consumed. */
static int
encode_converted(Encoder *self, Column *col, PyObject *result, int want_value, PyObject **value_out)
{
    if (result == NULL)
        return -1;
    int outcome = encode_call_result(self, col, result);
    if (outcome == 1 && want_value)
        *value_out = result == Py_None ? NULL : (Py_INCREF(result), result);
    Py_DECREF(result);
    return outcome;
}

/* The column's Python conversion of one value: a new reference, or NULL with an exception set. */
static PyObject *
call_on_value(Column *col, Value *v)
{
    PyObject *value = value_object(v);
    if (value == NULL)
        return NULL;
    PyObject *result = PyObject_CallOneArg(col->func, value);
    Py_DECREF(value);
    return result;
}

/* Returns 1 when encoded, 0 when declined, -1 with an exception set. *value_out gets a new
 * reference to the converted Python value when want_value (NULL for SQL NULL). */
static int
encode_column(Encoder *self, Column *col, Value *values, Py_ssize_t nvalues, uint64_t rowid, int want_value,
              PyObject **value_out)
{
    *value_out = NULL;
    if (col->kind == K_CONST) {
        if (col->constant == Py_None)
            return null_field(self) < 0 ? -1 : 1;
        if (field(self, PyBytes_AS_STRING(col->constant), PyBytes_GET_SIZE(col->constant)) < 0)
            return -1;
        return 1;
    }
    if (col->kind == K_ID) {
        char out[16];
        uuid_bytes(out, self->ns_high, self->ns_low, rowid);
        return field(self, out, 16) < 0 ? -1 : 1;
    }
    if (col->kind == K_ROW) {
        /* The conversion reads the whole row (the email policy's columns): made into a tuple once. */
        if (self->row_tuple == NULL && (self->row_tuple = values_tuple(values, nvalues)) == NULL)
            return -1;
        return encode_converted(self, col, PyObject_CallOneArg(col->func, self->row_tuple), want_value, value_out);
    }
    if (col->index >= nvalues) {
        PyErr_Format(PyExc_IndexError, "the row has no column %d", col->index);
        return -1;
    }
    Value *v = &values[col->index];
    if (v->type == V_NULL && col->kind != K_CALL && col->kind != K_PLAINTEXT) {
        if (col->not_null)
            return 0;
        return null_field(self) < 0 ? -1 : 1;
    }
    switch (col->kind) {
    case K_TEXT: {
        if (v->type != V_TEXT)
            return 0;
        if (col->max_length >= 0 && v->chars > col->max_length)
            return 0;
        if (value_utf8(v) < 0)
            return 0; /* a lone surrogate: the Python path names it */
        if (memchr(v->s, 0, v->n) != NULL)
            return 0;
        if (col->allowed != NULL) {
            int allowed = text_allowed(col, v);
            if (allowed <= 0)
                return allowed;
        }
        if (field(self, v->s, v->n) < 0)
            return -1;
        if (want_value && (*value_out = value_object(v)) == NULL)
            return -1;
        return 1;
    }
    case K_INT: {
        if (v->type != V_INT)
            return 0;
        long long n = v->i;
        char out[8];
        if (col->bits == 16) {
            if (n < -32768 || n > 32767)
                return 0;
            put16(out, (uint16_t)(int16_t)n);
            if (field(self, out, 2) < 0)
                return -1;
        }
        else if (col->bits == 32) {
            if (n < INT32_MIN || n > INT32_MAX)
                return 0;
            put32(out, (uint32_t)(int32_t)n);
            if (field(self, out, 4) < 0)
                return -1;
        }
        else {
            put64(out, (uint64_t)n);
            if (field(self, out, 8) < 0)
                return -1;
        }
        if ((col->has_low && n < col->low) || (col->has_high && n > col->high))
            return 0;
        if (want_value && (*value_out = value_object(v)) == NULL)
            return -1;
        return 1;
    }
    case K_FLOAT: {
        double d;
        if (v->type == V_FLOAT)
            d = v->d;
        else if (v->type == V_INT)
            d = (double)v->i; /* correctly rounded, as PyLong_AsDouble */
        else if (v->type == V_BIGINT) {
            d = PyLong_AsDouble(v->obj);
            if (d == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                return 0;
            }
        }
        else
            return 0;
        if (!isfinite(d))
            return 0;
        if ((col->has_low && d < (double)col->low) || (col->has_high && d > (double)col->high))
            return 0;
        union { double d; uint64_t u; } bits = {.d = d};
        char out[8];
        put64(out, bits.u);
        if (field(self, out, 8) < 0)
            return -1;
        if (want_value && (*value_out = PyFloat_FromDouble(d)) == NULL)
            return -1;
        return 1;
    }
    case K_MONEY: {
        int64_t cents;
        if (v->type == V_FLOAT) {
            /* transforms.to_money, both accepting branches; anything else is declined. */
            double d = v->d;
            if (!isfinite(d))
                return 0;
            double c = rint(d * 100.0);
            if (!(fabs(d) < 1e12 && c / 100.0 == d)) {
                /* Binary noise within a few ULPs of a cent value: round(v, 2) is then c / 100 (the
                 * nearest double to c cents, as the division of two exact integers gives it). Where
                 * rint(v * 100) and the exact rounding of v to cents part, v lies half a cent from
                 * both, far beyond four ULPs below 1e12: declined either way. */
                if (fabs(d) >= 1e15)
                    return 0;
                double rounded = c / 100.0;
                double a = fabs(d);
                double next = nextafter(a, INFINITY);
                double ulp = isinf(next) ? a - nextafter(a, -INFINITY) : next - a;
                if (!((rounded == d || fabs(d - rounded) <= 4 * ulp) && fabs(rounded) < 1e12))
                    return 0;
            }
            cents = (int64_t)c;
        }
        else if (v->type == V_INT) {
            if (v->i <= -1000000000000LL || v->i >= 1000000000000LL)
                return 0;
            cents = v->i * 100;
        }
        else
            return 0;
        if ((col->has_low && cents < col->low * 100) || (col->has_high && cents > col->high * 100))
            return 0;
        return money_field(self, cents, want_value, value_out);
    }
    case K_BOOL: {
        int truth;
        if (v->type == V_INT) {
            if (v->i != 0 && v->i != 1)
                return 0;
            truth = (int)v->i;
        }
        else if (v->type == V_TEXT && v->ascii) {
            const char *s = v->s;
            Py_ssize_t size = v->n;
            if ((size == 1 && s[0] == '1') || (size == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4))))
                truth = 1;
            else if ((size == 1 && s[0] == '0') ||
                     (size == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5))))
                truth = 0;
            else
                return 0;
        }
        else
            return 0;
        char out = (char)truth;
        if (field(self, &out, 1) < 0)
            return -1;
        if (want_value) {
            *value_out = truth ? Py_True : Py_False;
            Py_INCREF(*value_out);
        }
        return 1;
    }
    case K_DATE: {
        int y, m, d;
        if (v->type != V_TEXT || !v->ascii || v->n != 10 || !parse_date(v->s, &y, &m, &d))
            return 0;
        return date_field(self, y, m, d, want_value, value_out);
    }
    case K_NAIVE_TS: {
        if (v->type != V_TEXT || !v->ascii)
            return 0;
        const char *s = v->s;
        Py_ssize_t size = v->n;
        int y, m, d;
        if (size < 19 || size > 26 || size == 20 || !parse_date(s, &y, &m, &d))
            return 0;
        int hour, minute, second;
        if (!((s[10] == ' ' || s[10] == 'T') && parse_clock(s, &hour, &minute, &second)))
            return 0;
        int64_t micro = 0;
        if (size > 19) {
            if (s[19] != '.')
                return 0;
            int scale = 100000;
            for (Py_ssize_t i = 20; i < size; i++) {
                if (!is_digit(s[i]))
                    return 0;
                micro += (s[i] - '0') * scale;
                scale /= 10;
            }
        }
        int64_t days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
        int64_t stamp = ((days * 24 + hour) * 60 + minute) * 60 + second;
        stamp = stamp * 1000000 + micro;
        return timestamp_field(self, (uint64_t)stamp, want_value);
    }
    case K_OFFSET_TS: {
        /* transforms.to_offset_timestamp: YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM). */
        if (v->type != V_TEXT || !v->ascii)
            return 0;
        const char *s = v->s;
        Py_ssize_t size = v->n, at = 19;
        int y, m, d;
        if (size < 20 || size > 32 || !parse_date(s, &y, &m, &d) || y < 2 || y > 9998)
            return 0;
        int hour, minute, second;
        if (!(s[10] == 'T' && parse_clock(s, &hour, &minute, &second)))
            return 0;
        int64_t micro = 0;
        if (s[at] == '.') {
            int scale = 100000, digits = 0;
            for (at++; at < size && is_digit(s[at]); at++, digits++) {
                if (digits == 6)
                    return 0;
                micro += (s[at] - '0') * scale;
                scale /= 10;
            }
            if (digits == 0)
                return 0;
        }
        int64_t offset = 0;
        if (at == size - 1 && s[at] == 'Z')
            offset = 0;
        else if (at == size - 6 && (s[at] == '+' || s[at] == '-') && is_digit(s[at + 1]) && is_digit(s[at + 2]) &&
                 s[at + 3] == ':' && is_digit(s[at + 4]) && is_digit(s[at + 5])) {
            int oh = two(s + at + 1), om = two(s + at + 4);
            if (oh > 23 || om > 59)
                return 0;
            offset = (oh * 60 + om) * 60;
            if (s[at] == '-')
                offset = -offset;
        }
        else
            return 0;
        int64_t days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
        int64_t stamp = ((days * 24 + hour) * 60 + minute) * 60 + second - offset;
        stamp = stamp * 1000000 + micro;
        return timestamp_field(self, (uint64_t)stamp, want_value);
    }
    case K_EPOCH: {
        /* transforms.to_epoch: datetime.fromtimestamp(value, UTC), microseconds rounded half to even. */
        int64_t seconds, micro;
        if (v->type == V_INT) {
            if (v->i < 0 || v->i >= 4102444800LL)
                return 0;
            seconds = v->i;
            micro = 0;
        }
        else if (v->type == V_FLOAT) {
            double d = v->d, whole;
            if (!(d >= 0 && d < 4102444800.0))
                return 0;
            double fraction = rint(modf(d, &whole) * 1e6);
            if (fraction >= 1e6) {
                fraction -= 1e6;
                whole += 1.0;
            }
            seconds = (int64_t)whole;
            micro = (int64_t)fraction;
        }
        else
            return 0;
        return timestamp_field(self, (uint64_t)((seconds - (int64_t)PG_EPOCH_DAYS * 86400) * 1000000 + micro), want_value);
    }
    case K_REF: {
        if (v->type != V_INT)
            return 0;
        if (v->obj != NULL) {
            /* A Python int: the converter's cache (shared with the Python path) may have its UUID. */
            PyObject *found = PyDict_GetItemWithError(col->cache, v->obj); /* borrowed */
            if (found == NULL && PyErr_Occurred())
                return -1;
            if (found != NULL) {
                if (!PyBytes_CheckExact(found) || PyBytes_GET_SIZE(found) != 16)
                    return 0;
                int known = parent_known(col, PyBytes_AS_STRING(found), found);
                if (known <= 0)
                    return known;
                if (field(self, PyBytes_AS_STRING(found), 16) < 0)
                    return -1;
                if (want_value) {
                    Py_INCREF(found);
                    *value_out = found;
                }
                return 1;
            }
        }
        if (v->i < 0 || v->i >= (1LL << 48))
            return 0;
        char out[16];
        uuid_bytes(out, col->ns_high, col->ns_low, (uint64_t)v->i);
        PyObject *made = NULL;
        if (v->obj != NULL || want_value) {
            made = PyBytes_FromStringAndSize(out, 16);
            if (made == NULL)
                return -1;
            if (v->obj != NULL && PyDict_GET_SIZE(col->cache) < col->cache_size &&
                PyDict_SetItem(col->cache, v->obj, made) < 0) {
                Py_DECREF(made);
                return -1;
            }
        }
        int known = parent_known(col, out, made);
        if (known <= 0 || field(self, out, 16) < 0) {
            Py_XDECREF(made);
            return known <= 0 ? known : -1;
        }
        if (want_value)
            *value_out = made;
        else
            Py_XDECREF(made);
        return 1;
    }
    case K_JSON: {
        if (v->type == V_TEXT && value_utf8(v) == 0 && mj_check(v->s, v->n) == 1) {
            /* Certainly what check_json keeps as it is: the text goes to jsonb unchanged. */
            return jsonb_field(self, v->s, v->n, want_value);
        }
        /* Anything the C check is not sure of: check_json decides (and names what is wrong). */
        PyObject *checked = call_on_value(col, v);
        if (checked == NULL)
            return -1;
        if (checked == self->empty_json || !PyUnicode_CheckExact(checked)) {
            /* The empty string (noted and stored as NULL by the Python path), or something new. */
            Py_DECREF(checked);
            return 0;
        }
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(checked, &size);
        if (data == NULL) {
            Py_DECREF(checked);
            PyErr_Clear();
            return 0;
        }
        int outcome = jsonb_field(self, data, size, want_value);
        Py_DECREF(checked);
        return outcome;
    }
    case K_INET: {
        unsigned char address[16];
        char out[20];
        Py_ssize_t size;
        if (v->type == V_TEXT && v->ascii && parse_ipv4(v->s, v->n, address)) {
            const char head[4] = {2, 32, 0, 4}; /* PGSQL_AF_INET, 32 bits, not a cidr, 4 bytes */
            memcpy(out, head, 4);
            size = 4;
        }
        else if (v->type == V_TEXT && v->ascii && parse_ipv6(v->s, v->n, address)) {
            const char head[4] = {3, (char)128, 0, 16}; /* PGSQL_AF_INET6, 128 bits, not a cidr, 16 bytes */
            memcpy(out, head, 4);
            size = 16;
        }
        else
            goto python_conversion; /* IPv4 tails, scopes, blobs and anything else */
        memcpy(out + 4, address, size);
        if (field(self, out, 4 + size) < 0)
            return -1;
        if (want_value) {
            PyErr_SetString(PyExc_RuntimeError, "addresses are never key or checked values here");
            return -1;
        }
        return 1;
    }
    case K_DISPLAY_MONEY: {
        int64_t cents;
        if (v->type == V_TEXT && v->ascii && parse_display_money(v->s, v->n, &cents))
            return money_field(self, cents, want_value, value_out);
        goto python_conversion;
    }
    case K_US_DATE: {
        int y, m, d;
        if (v->type == V_TEXT && v->ascii && parse_us_date(v->s, v->n, &y, &m, &d))
            return date_field(self, y, m, d, want_value, value_out);
        goto python_conversion;
    }
    case K_DOLLARS: {
        if (v->type == V_INT && v->i > -1000000000000LL && v->i < 1000000000000LL)
            return money_field(self, v->i * 100, want_value, value_out);
        goto python_conversion;
    }
    case K_PLAINTEXT: {
        /* Validation: the conversion gives the plaintext (bytes); compared with the target's through
         * plaintext_of, since a token differs on every encryption. */
        PyObject *result = call_on_value(col, v);
        if (result == NULL)
            return -1;
        int outcome;
        if (result == Py_None)
            outcome = col->not_null ? 0 : (null_field(self) < 0 ? -1 : 1);
        else if (!PyBytes_CheckExact(result))
            outcome = 0;
        else
            outcome = field(self, PyBytes_AS_STRING(result), PyBytes_GET_SIZE(result)) < 0 ? -1 : 1;
        Py_DECREF(result);
        if (outcome == 1 && want_value) {
            PyErr_SetString(PyExc_RuntimeError, "a plaintext is never a key or checked value");
            return -1;
        }
        return outcome;
    }
    case K_CALL:
    python_conversion: {
        /* The Python step converts (raising TransformError for a bad value), C encodes. */
        return encode_converted(self, col, call_on_value(col, v), want_value, value_out);
    }
    default:
        PyErr_Format(PyExc_RuntimeError, "unknown column kind %d", col->kind);
        return -1;
    }
}

/* A K_CALL column: the Python conversion's result, encoded by the column's PostgreSQL type. */
static int
encode_call_result(Encoder *self, Column *col, PyObject *result)
{
    if (result == Py_None) {
        if (col->not_null)
            return 0;
        return null_field(self) < 0 ? -1 : 1;
    }
    switch (col->pgtype) {
    case T_TEXT: {
        Py_ssize_t size;
        const char *data = PyUnicode_CheckExact(result) ? PyUnicode_AsUTF8AndSize(result, &size) : NULL;
        if (data == NULL || memchr(data, 0, size) != NULL) {
            PyErr_Clear();
            return 0;
        }
        return field(self, data, size) < 0 ? -1 : 1;
    }
    case T_BYTEA:
        if (!PyBytes_CheckExact(result))
            return 0;
        return field(self, PyBytes_AS_STRING(result), PyBytes_GET_SIZE(result)) < 0 ? -1 : 1;
    case T_UUID:
        if (!PyBytes_CheckExact(result) || PyBytes_GET_SIZE(result) != 16)
            return 0;
        return field(self, PyBytes_AS_STRING(result), 16) < 0 ? -1 : 1;
    case T_BOOL: {
        if (result != Py_True && result != Py_False)
            return 0;
        char out = result == Py_True;
        return field(self, &out, 1) < 0 ? -1 : 1;
    }
    case T_DATE: {
        if (!PyDate_CheckExact(result))
            return 0;
        char out[4];
        int64_t days =
            days_from_civil(PyDateTime_GET_YEAR(result), PyDateTime_GET_MONTH(result), PyDateTime_GET_DAY(result));
        put32(out, (uint32_t)(int32_t)(days - PG_EPOCH_DAYS));
        return field(self, out, 4) < 0 ? -1 : 1;
    }
    case T_TIMESTAMPTZ: {
        if (!PyDateTime_CheckExact(result) || PyDateTime_DATE_GET_TZINFO(result) != PyDateTime_TimeZone_UTC)
            return 0;
        int64_t days = days_from_civil(PyDateTime_GET_YEAR(result), PyDateTime_GET_MONTH(result),
                                       PyDateTime_GET_DAY(result)) - PG_EPOCH_DAYS;
        int64_t stamp = ((days * 24 + PyDateTime_DATE_GET_HOUR(result)) * 60 + PyDateTime_DATE_GET_MINUTE(result)) *
                            60 + PyDateTime_DATE_GET_SECOND(result);
        stamp = stamp * 1000000 + PyDateTime_DATE_GET_MICROSECOND(result);
        char out[8];
        put64(out, (uint64_t)stamp);
        return field(self, out, 8) < 0 ? -1 : 1;
    }
    case T_NUMERIC: {
        /* Money results are Decimals quantized to cents: (sign, digits, -2). */
        PyObject *parts = PyObject_CallMethod(result, "as_tuple", NULL);
        if (parts == NULL)
            return -1;
        PyObject *sign = PyTuple_GET_ITEM(parts, 0), *digits = PyTuple_GET_ITEM(parts, 1);
        PyObject *exponent = PyTuple_GET_ITEM(parts, 2);
        int64_t cents = 0;
        int outcome = 1;
        if (!PyLong_CheckExact(exponent) || PyLong_AsLong(exponent) != -2 || PyTuple_GET_SIZE(digits) > 16)
            outcome = 0;
        else {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(digits); i++)
                cents = cents * 10 + PyLong_AsLong(PyTuple_GET_ITEM(digits, i));
            if (PyLong_AsLong(sign))
                cents = -cents;
            if (numeric_field(self, cents) < 0)
                outcome = -1;
        }
        Py_DECREF(parts);
        return outcome;
    }
    case T_INET: {
        PyObject *packed = PyObject_GetAttrString(result, "packed");
        if (packed == NULL || !PyBytes_CheckExact(packed) ||
            (PyBytes_GET_SIZE(packed) != 4 && PyBytes_GET_SIZE(packed) != 16)) {
            PyErr_Clear();
            Py_XDECREF(packed);
            return 0;
        }
        PyObject *cls = (PyObject *)Py_TYPE(result);
        PyObject *name = PyObject_GetAttrString(cls, "__name__");
        const char *type_name = name ? PyUnicode_AsUTF8(name) : NULL;
        int v4 = type_name && strcmp(type_name, "IPv4Address") == 0;
        int v6 = type_name && strcmp(type_name, "IPv6Address") == 0;
        Py_XDECREF(name);
        PyErr_Clear();
        Py_ssize_t size = PyBytes_GET_SIZE(packed);
        if (!(v4 && size == 4) && !(v6 && size == 16)) {
            Py_DECREF(packed);
            return 0;
        }
        char out[20];
        out[0] = v4 ? 2 : 3; /* PGSQL_AF_INET, PGSQL_AF_INET6 */
        out[1] = (char)(v4 ? 32 : 128);
        out[2] = 0;
        out[3] = (char)size;
        memcpy(out + 4, PyBytes_AS_STRING(packed), size);
        Py_DECREF(packed);
        return field(self, out, 4 + size) < 0 ? -1 : 1;
    }
    default:
        return 0; /* not produced by the conversions that go through here */
    }
}

/* The key of unique constraint k from the row's key values: a value, or a tuple of them; NULL (no
 * exception) when it holds a NULL, which never collides. */
static PyObject *
unique_key(Encoder *self, Py_ssize_t k, PyObject **slots, int *error)
{
    PyObject *members = PyList_GET_ITEM(self->keys, k);
    Py_ssize_t width = PyTuple_GET_SIZE(members);
    *error = 0;
    for (Py_ssize_t j = 0; j < width; j++)
        if (slots[PyLong_AsLong(PyTuple_GET_ITEM(members, j))] == NULL)
            return NULL;
    if (width == 1) {
        PyObject *v = slots[PyLong_AsLong(PyTuple_GET_ITEM(members, 0))];
        Py_INCREF(v);
        return v;
    }
    PyObject *key = PyTuple_New(width);
    if (key == NULL) {
        *error = 1;
        return NULL;
    }
    for (Py_ssize_t j = 0; j < width; j++) {
        PyObject *v = slots[PyLong_AsLong(PyTuple_GET_ITEM(members, j))];
        Py_INCREF(v);
        PyTuple_SET_ITEM(key, j, v);
    }
    return key;
}

#define ADDED 2
#define DUPLICATE 3

/*
 * One row of values (values[0] holds the rowid): ADDED (in the buffer), PRESENT, DECLINED,
 * DUPLICATE (*duplicate gets (unique number, key, first rowid)) or -1 with an exception set.
 * A TransformError raised by a Python conversion declines the row: the Python path names it.
 * The row's unique keys are claimed (in ``seen``) only when it is added.
 */
static int encode_row_columns(Encoder *self, Value *values, Py_ssize_t nvalues, uint64_t rowid, PyObject **duplicate);

static int
encode_row(Encoder *self, Value *values, Py_ssize_t nvalues, PyObject **duplicate)
{
    *duplicate = NULL;
    if (nvalues < 1 || values[0].type != V_INT || values[0].i < 0 || values[0].i >= (1LL << 48))
        return DECLINED;
    uint64_t rowid = (uint64_t)values[0].i;
    int outcome = encode_row_columns(self, values, nvalues, rowid, duplicate);
    Py_CLEAR(self->row_tuple);
    return outcome;
}

static int
encode_row_columns(Encoder *self, Value *values, Py_ssize_t nvalues, uint64_t rowid, PyObject **duplicate)
{
    Py_ssize_t start = self->len;
    if (ensure(self, 2) < 0)
        return -1;
    put16(self->buf + self->len, (uint16_t)self->ncolumns);
    self->len += 2;
    PyObject *slots[64] = {NULL};
    int outcome = 1;
    for (Py_ssize_t i = 0; i < self->ncolumns && outcome == 1; i++) {
        Column *col = &self->columns[i];
        int want = col->predicate != NULL || col->key_slot >= 0;
        PyObject *value = NULL;
        outcome = encode_column(self, col, values, nvalues, rowid, want, &value);
        if (outcome != 1)
            break;
        if (col->predicate != NULL) {
            PyObject *passed = PyObject_CallOneArg(col->predicate, value ? value : Py_None);
            int truth = passed ? PyObject_IsTrue(passed) : -1;
            Py_XDECREF(passed);
            if (truth <= 0) {
                Py_XDECREF(value);
                outcome = truth;
                break;
            }
        }
        if (col->key_slot >= 0)
            slots[col->key_slot] = value; /* owned */
        else
            Py_XDECREF(value);
    }
    if (outcome == 1 && self->present != NULL && PySet_GET_SIZE(self->present) > 0) {
        /* After the conversion, as in the Python path: a row that does not convert is never "present". */
        char id[16];
        uuid_bytes(id, self->ns_high, self->ns_low, rowid);
        PyObject *id_bytes = PyBytes_FromStringAndSize(id, 16);
        int found = id_bytes ? PySet_Contains(self->present, id_bytes) : -1;
        Py_XDECREF(id_bytes);
        if (found)
            outcome = found < 0 ? -1 : PRESENT + 10;
    }
    if (outcome == 1 && self->keys != NULL) {
        /* Within the chunk the first row of each unique key wins (importer._first_of_keys). */
        Py_ssize_t nkeys = PyList_GET_SIZE(self->keys);
        PyObject *keys[16] = {NULL};
        PyObject *rowid_obj = value_object(&values[0]);
        if (rowid_obj == NULL)
            outcome = -1;
        for (Py_ssize_t k = 0; k < nkeys && outcome == 1; k++) {
            int error;
            keys[k] = unique_key(self, k, slots, &error);
            if (error) {
                outcome = -1;
                break;
            }
            if (keys[k] == NULL)
                continue;
            PyObject *first = PyDict_GetItemWithError(PyList_GET_ITEM(self->seen, k), keys[k]);
            if (first != NULL) {
                *duplicate = Py_BuildValue("nOO", k, keys[k], first);
                outcome = *duplicate ? DUPLICATE + 10 : -1;
            }
            else if (PyErr_Occurred())
                outcome = -1;
        }
        for (Py_ssize_t k = 0; k < nkeys; k++) {
            if (outcome == 1 && keys[k] != NULL &&
                PyDict_SetItem(PyList_GET_ITEM(self->seen, k), keys[k], rowid_obj) < 0)
                outcome = -1;
            Py_XDECREF(keys[k]);
        }
        Py_XDECREF(rowid_obj);
    }
    for (Py_ssize_t n = 0; n < self->nslots; n++)
        Py_XDECREF(slots[n]);
    if (outcome == 1)
        return ADDED;
    self->len = start;
    if (outcome == -1 && self->error_type != NULL && PyErr_ExceptionMatches(self->error_type)) {
        PyErr_Clear();
        outcome = 0;
    }
    if (outcome == 0)
        return DECLINED;
    return outcome < 0 ? -1 : outcome - 10;
}

/* A row tuple's values (borrowed); -1 with an exception for what is not a row. */
static Py_ssize_t
tuple_values(PyObject *row, Value *values, Py_ssize_t capacity)
{
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) < 1) {
        PyErr_SetString(PyExc_TypeError, "a row is a tuple (rowid, ...)");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(row);
    if (n > capacity) {
        PyErr_Format(PyExc_ValueError, "a row of at most %zd values", capacity);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        value_from_object(&values[i], PyTuple_GET_ITEM(row, i));
    return n;
}

#define MAX_VALUES 128

static int
encode_one(Encoder *self, PyObject *row, PyObject **duplicate)
{
    Value values[MAX_VALUES];
    Py_ssize_t n = tuple_values(row, values, MAX_VALUES);
    if (n < 0)
        return -1;
    int outcome = encode_row(self, values, n, duplicate);
    for (Py_ssize_t i = 0; i < n; i++)
        value_release(&values[i]);
    return outcome;
}

/* encode(row) -> None when added, PRESENT, DECLINED, or (unique number, key, first rowid) */
static PyObject *
Encoder_encode(Encoder *self, PyObject *row)
{
    PyObject *duplicate;
    int outcome = encode_one(self, row, &duplicate);
    if (outcome < 0)
        return NULL;
    if (outcome == DUPLICATE)
        return duplicate;
    if (outcome == ADDED)
        Py_RETURN_NONE;
    return PyLong_FromLong(outcome);
}

/* A getter of one of an object's counters. */
#define COUNTER_GETTER(type, name, member)                        \
    static PyObject *type##_get_##name(type *self, void *closure) \
    {                                                             \
        return PyLong_FromSsize_t(self->member);                  \
    }

/*
 * Whether the tuple just encoded at a[0..alen) (COPY format: int16 count, then int32 size and
 * data per field) is the target's tuple at b[0..blen): COPY format too, or with oids the format
 * of record_send (int32 count, then int32 type oid, int32 size and data per field). jsonb
 * fields whose texts differ are compared as jsonb prints them, else by json_equal(source text,
 * target text); a plaintext field by plaintext_of(target token). 1: the same; 0: look closer
 * (not "differs"); -1 with an exception set.
 */
static int
same_fields(Encoder *self, const unsigned char *a, Py_ssize_t alen, const unsigned char *b, Py_ssize_t blen, int oids,
            PyObject *json_equal, PyObject *plaintext_of)
{
    Py_ssize_t ai = 2, bi = oids ? 4 : 2;
    if (alen < 2 || blen < bi)
        return 0;
    Py_ssize_t bcount = oids ? get32s(b) : (int16_t)(b[0] << 8 | b[1]);
    if ((a[0] << 8 | a[1]) != self->ncolumns || bcount != self->ncolumns)
        return 0;
    for (Py_ssize_t i = 0; i < self->ncolumns; i++) {
        if (oids)
            bi += 4;
        if (ai + 4 > alen || bi + 4 > blen)
            return 0;
        int32_t asize = get32s(a + ai), bsize = get32s(b + bi);
        ai += 4;
        bi += 4;
        Py_ssize_t an = asize < 0 ? 0 : asize, bn = bsize < 0 ? 0 : bsize;
        if (ai + an > alen || bi + bn > blen)
            return 0;
        if (self->columns[i].kind == K_PLAINTEXT && asize >= 0 && bsize >= 0) {
            /* The source's plaintext against the target token's, opened by plaintext_of (None: cannot). */
            if (plaintext_of == NULL)
                return 0;
            PyObject *plain = PyObject_CallFunction(plaintext_of, "y#", b + bi, bn);
            if (plain == NULL)
                return -1;
            int same = PyBytes_CheckExact(plain) && PyBytes_GET_SIZE(plain) == an &&
                       memcmp(PyBytes_AS_STRING(plain), a + ai, an) == 0;
            Py_DECREF(plain);
            if (!same)
                return 0;
            ai += an;
            bi += bn;
            continue;
        }
        if (asize != bsize || memcmp(a + ai, b + bi, an) != 0) {
            if (!(self->columns[i].kind == K_JSON && asize > 0 && bsize > 0 && a[ai] == 1 && b[bi] == 1))
                return 0; /* jsonb's binary format: version 1, then the text */
            /* jsonb prints its own text (keys ordered, spacing, escapes): the source's text, as
             * jsonb would print it, is compared; when the C code is not sure, json_equal is. */
            int canonical = mj_canonical((const char *)a + ai + 1, an - 1, &self->json);
            if (canonical < 0) {
                PyErr_NoMemory();
                return -1;
            }
            if (canonical == 1) {
                if (self->json.len != bn - 1 || memcmp(self->json.data, b + bi + 1, bn - 1) != 0)
                    return 0;
                ai += an;
                bi += bn;
                continue;
            }
            if (json_equal == NULL)
                return 0;
            PyObject *verdict =
                PyObject_CallFunction(json_equal, "s#s#", a + ai + 1, an - 1, b + bi + 1, bn - 1);
            if (verdict == NULL)
                return -1;
            int same = PyObject_IsTrue(verdict);
            Py_DECREF(verdict);
            if (same != 1)
                return same;
        }
        ai += an;
        bi += bn;
    }
    return ai == alen && bi == blen;
}

/*
 * compare(row, target, json_equal) -> bool: whether the row, encoded, is the target's COPY tuple
 * (validate_import's quick check). jsonb fields whose texts differ are passed to
 * json_equal(source text, target text); False means "look closer", not "differs".
 */
static PyObject *
Encoder_compare(Encoder *self, PyObject *args)
{
    PyObject *row, *json_equal, *duplicate, *plaintext_of = Py_None;
    Py_buffer target;
    if (!PyArg_ParseTuple(args, "Oy*O|O", &row, &target, &json_equal, &plaintext_of))
        return NULL;
    Py_ssize_t start = self->len;
    int outcome = encode_one(self, row, &duplicate);
    if (outcome < 0) {
        PyBuffer_Release(&target);
        return NULL;
    }
    if (outcome == DUPLICATE)
        Py_DECREF(duplicate);
    int same = 0;
    if (outcome == ADDED)
        same = same_fields(self, (const unsigned char *)self->buf + start, self->len - start, target.buf, target.len,
                           0, json_equal, plaintext_of == Py_None ? NULL : plaintext_of);
    self->len = start;
    PyBuffer_Release(&target);
    if (same < 0)
        return NULL;
    return PyBool_FromLong(same);
}

/* Whether an int (exactly, as Python compares int and float) is below a float. */
static int
int_below(long long i, double c)
{
    if (isnan(c))
        return 0;
    if (c >= 9223372036854775808.0)
        return 1;
    if (c < -9223372036854775808.0)
        return 0;
    double whole = floor(c);
    long long w = (long long)whole;
    if (i != w)
        return i < w;
    return whole < c;
}

/* importer: RowConverter.is_expired for a value read straight from SQLite. */
static int
is_expired(Encoder *self, Value *values, Py_ssize_t nvalues)
{
    if (self->expires_index < 0 || self->expires_index >= nvalues)
        return 0;
    Value *v = &values[self->expires_index];
    if (v->type == V_INT)
        return int_below(v->i, self->cutoff);
    if (v->type == V_FLOAT)
        return v->d < self->cutoff;
    return 0;
}

/* ---- Reader: rows of a snapshot, as Python's sqlite3 module would make them ------------------------ */

#ifndef MINGUS_NO_SQLITE
#include <sqlite3.h>

static PyObject *UndecodableTextError;

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int done;
} Reader;

static PyTypeObject ReaderType;

static void
reader_close(Reader *self)
{
    if (self->stmt != NULL) {
        sqlite3_finalize(self->stmt);
        self->stmt = NULL;
    }
    if (self->db != NULL) {
        sqlite3_close(self->db);
        self->db = NULL;
    }
    self->done = 1;
}

/* Reader(uri, query, first, last): uri is a file: URI (immutable=1 for a snapshot) */
static int
Reader_init(Reader *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"uri", "query", "first", "last", NULL};
    const char *uri, *query;
    long long first, last;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "ssLL", names, &uri, &query, &first, &last))
        return -1;
    reader_close(self);
    self->done = 0;
    /* One thread uses a reader: no mutex around every sqlite3_column_* call. The snapshot is
     * read through mmap, without copying each page out of the kernel's cache. */
    int rc = sqlite3_open_v2(uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(self->db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(self->db, query, -1, &self->stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(self->stmt, 1, first);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(self->stmt, 2, last);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_OSError, "cannot read %s: %s", uri, self->db ? sqlite3_errmsg(self->db) : "out of memory");
        reader_close(self);
        return -1;
    }
    return 0;
}

/* The next row: 1 when there is one, 0 at the end, -1 with an exception set. */
static int
reader_step(Reader *self)
{
    if (self->done)
        return 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sqlite3_step(self->stmt);
    Py_END_ALLOW_THREADS
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        reader_close(self);
        return 0;
    }
    PyErr_Format(PyExc_OSError, "reading the snapshot failed: %s", sqlite3_errmsg(self->db));
    reader_close(self);
    return -1;
}

/*
 * The current row's values, pointing into SQLite's memory until the next step. Every TEXT
 * value is checked as Python's strict UTF-8 decoder would (UndecodableText otherwise, as the
 * tuples of fetch() would raise). Returns the number of values, or -1 with an exception set.
 */
static Py_ssize_t
row_values(Reader *self, Value *values, Py_ssize_t capacity)
{
    int width = sqlite3_column_count(self->stmt);
    if (width > capacity) {
        PyErr_Format(PyExc_ValueError, "a row of at most %zd values", capacity);
        return -1;
    }
    for (int i = 0; i < width; i++) {
        Value *v = &values[i];
        memset(v, 0, sizeof *v);
        switch (sqlite3_column_type(self->stmt, i)) {
        case SQLITE_INTEGER:
            v->type = V_INT;
            v->i = sqlite3_column_int64(self->stmt, i);
            break;
        case SQLITE_FLOAT:
            v->type = V_FLOAT;
            v->d = sqlite3_column_double(self->stmt, i);
            break;
        case SQLITE_TEXT:
            v->type = V_TEXT;
            v->s = (const char *)sqlite3_column_text(self->stmt, i);
            v->n = sqlite3_column_bytes(self->stmt, i);
            if (v->s == NULL) {
                if (v->n == 0)
                    v->s = "";
                else {
                    PyErr_NoMemory();
                    return -1;
                }
            }
            if (!utf8_check((const unsigned char *)v->s, v->n, &v->chars, &v->ascii)) {
                PyErr_SetString(UndecodableTextError, "a TEXT value is not valid UTF-8");
                return -1;
            }
            break;
        case SQLITE_BLOB:
            v->type = V_BLOB;
            v->s = sqlite3_column_blob(self->stmt, i);
            v->n = sqlite3_column_bytes(self->stmt, i);
            break;
        default:
            v->type = V_NULL;
        }
    }
    return width;
}

static void
values_release(Value *values, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        value_release(&values[i]);
}

/* fetch(n) -> a list of up to n row tuples; an empty list at the end */
static PyObject *
Reader_fetch(Reader *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    PyObject *rows = PyList_New(0);
    if (rows == NULL)
        return NULL;
    Value values[MAX_VALUES];
    while (PyList_GET_SIZE(rows) < n) {
        int stepped = reader_step(self);
        if (stepped <= 0) {
            if (stepped < 0)
                Py_CLEAR(rows);
            break;
        }
        Py_ssize_t width = row_values(self, values, MAX_VALUES);
        PyObject *row = width < 0 ? NULL : values_tuple(values, width);
        if (width > 0)
            values_release(values, width);
        if (row == NULL || PyList_Append(rows, row) < 0) {
            Py_XDECREF(row);
            Py_DECREF(rows);
            return NULL;
        }
        Py_DECREF(row);
    }
    return rows;
}

static PyObject *
Reader_close(Reader *self, PyObject *Py_UNUSED(ignored))
{
    reader_close(self);
    Py_RETURN_NONE;
}

static void
Reader_dealloc(Reader *self)
{
    reader_close(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Reader_methods[] = {
    {"fetch", (PyCFunction)Reader_fetch, METH_O, "fetch(n) -> up to n row tuples ([] at the end)"},
    {"close", (PyCFunction)Reader_close, METH_NOARGS, "close the database"},
    {NULL},
};

static PyTypeObject ReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mingus_rowcodec.Reader",
    .tp_basicsize = sizeof(Reader),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Rows of one query over a SQLite file, as tuples of int, float, str, bytes and None.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Reader_init,
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_methods = Reader_methods,
};

/* ---- pump: the import's loop, rows straight from SQLite into the COPY buffer ---------------------- */

#define PUMP_END 0
#define PUMP_FLUSH 1
#define PUMP_EXTRAS 2 /* as a row's outcome: added, and its extra columns are for Python to keep */

static int
note_inserted(Encoder *self, long long rowid)
{
    return rowids_push(&self->inserted, rowid, 4096);
}

/*
 * pump(reader, limit) -> PUMP_END, PUMP_FLUSH or (row, outcome): encodes the reader's rows
 * until the buffer holds ``limit`` bytes (PUMP_FLUSH: hand them to COPY and call again), the
 * rows are done (PUMP_END), or a row needs Python: (row, DECLINED), (row, the duplicate
 * triple) or, for a table with extra columns, (row, PUMP_EXTRAS) for a row it added. Expired
 * cache rows are skipped. ``read``, ``present``, ``expired`` and ``take_inserted()`` say what
 * the rows came to; rows are taken strictly in rowid order, so a row handed to Python is
 * settled before any later row claims a unique key.
 */
static PyObject *
Encoder_pump(Encoder *self, PyObject *args)
{
    Reader *reader;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!n", &ReaderType, &reader, &limit))
        return NULL;
    Value values[MAX_VALUES];
    for (;;) {
        if (self->len >= limit)
            return PyLong_FromLong(PUMP_FLUSH);
        int stepped = reader_step(reader);
        if (stepped < 0)
            return NULL;
        if (stepped == 0)
            return PyLong_FromLong(PUMP_END);
        Py_ssize_t n = row_values(reader, values, MAX_VALUES);
        if (n < 0)
            return NULL;
        self->read++;
        if (is_expired(self, values, n)) {
            self->expired++;
            continue;
        }
        PyObject *duplicate = NULL, *outcome_obj = NULL;
        int outcome = encode_row(self, values, n, &duplicate);
        if (outcome == ADDED) {
            if (note_inserted(self, values[0].i) < 0) {
                values_release(values, n);
                return NULL;
            }
            if (!self->with_extras) {
                values_release(values, n);
                continue;
            }
            outcome_obj = PyLong_FromLong(PUMP_EXTRAS);
        }
        else if (outcome == PRESENT) {
            self->present_count++;
            values_release(values, n);
            continue;
        }
        else if (outcome == DECLINED)
            outcome_obj = PyLong_FromLong(DECLINED);
        else if (outcome == DUPLICATE)
            outcome_obj = duplicate;
        if (outcome_obj == NULL) {
            values_release(values, n);
            return NULL;
        }
        PyObject *row = values_tuple(values, n);
        values_release(values, n);
        if (row == NULL) {
            Py_DECREF(outcome_obj);
            return NULL;
        }
        return Py_BuildValue("(NN)", row, outcome_obj);
    }
}

/* take_inserted() -> the rowids the pump added since the last call, in order */
static PyObject *
Encoder_take_inserted(Encoder *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = ints_to_list(self->inserted.items, self->inserted.n);
    if (list != NULL)
        self->inserted.n = 0;
    return list;
}

/* ---- RangeCheck: validate_import's loop, source rows against the target's rows, in C -------------- */

typedef struct {
    long long rowid;
    Py_ssize_t at, size;
} TargetRow;

typedef struct {
    PyObject_HEAD
    Encoder *encoder;
    Reader *reader;
    PyObject *target;       /* bytes: record_send of each target row, one after another */
    PyObject *json_equal;   /* Python fallback for jsonb texts that differ, or NULL */
    PyObject *plaintext_of; /* target token -> plaintext bytes (or None), for K_PLAINTEXT columns */
    int keep_matched;       /* record the rowids that matched (a table whose extras Python checks) */
    Rowids matched_rowids;
    TargetRow *rows;
    Py_ssize_t nrows, next_row;
    long long *quarantined; /* sorted */
    Py_ssize_t nquarantined;
    int held;               /* the reader's current row is read but not yet settled */
    int copy_format;        /* target rows as binary COPY tuples (else record_send values) */
    /* references: target field positions whose UUIDs must be ids of a parent (IdSet), and how
     * many target rows of the range point to none */
    Py_ssize_t nreferences;
    int reference_fields[16];
    IdSet *reference_parents[16];
    long long dangling[16];
    /* orphans: source positions holding legacy user ids, the UUIDs of the legacy users, and the
     * ids some source row holds that no legacy user has (in the order found) */
    IdSet *users;
    Py_ssize_t nuser_positions;
    int user_positions[16];
    uint64_t users_ns_high, users_ns_low;
    Rowids orphans;
    Py_ssize_t source_rows, target_rows, matched, skipped;
} RangeCheck;

static int
compare_target_rows(const void *a, const void *b)
{
    const TargetRow *x = a, *y = b;
    if (x->rowid != y->rowid)
        return x->rowid < y->rowid ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

static int
compare_rowids(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* The rowid inside an imported row's UUID (ops/legacy/ids.py rowid_of). */
static long long
rowid_of(const unsigned char *id)
{
    uint64_t high = get64(id), low = get64(id + 8);
    return (long long)(((high >> 16) & 0xFFFFFFFFull) << 16 | (high & 0xFFF) << 4 | ((low >> 58) & 0xF));
}

/* Splits the concatenated record_send values into rows, ordered by rowid. */
static int
range_check_index(RangeCheck *self)
{
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(self->target);
    Py_ssize_t size = PyBytes_GET_SIZE(self->target), at = 0, cap = 0;
    /* record_send: int32 count, then per field int32 oid, int32 size, data; COPY: int16 count,
     * then per field int32 size, data. */
    Py_ssize_t head = self->copy_format ? 2 : 4, per_field = self->copy_format ? 4 : 8;
    while (at < size) {
        if (at + head > size)
            goto truncated;
        int32_t count = self->copy_format ? (int16_t)(p[at] << 8 | p[at + 1]) : get32s(p + at);
        Py_ssize_t end = at + head;
        long long rowid = -1;
        for (int32_t i = 0; i < count; i++) {
            if (end + per_field > size)
                goto truncated;
            int32_t n = get32s(p + end + per_field - 4);
            end += per_field;
            if (n > 0 && end + n > size)
                goto truncated;
            if (i == 0 && n == 16)
                rowid = rowid_of(p + end);
            if (n > 0)
                end += n;
        }
        if (self->nrows == cap) {
            cap = cap ? 2 * cap : 1024;
            TargetRow *grown = PyMem_Realloc(self->rows, cap * sizeof(TargetRow));
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            self->rows = grown;
        }
        self->rows[self->nrows++] = (TargetRow){rowid, at, end - at};
        at = end;
    }
    if (self->nrows > 1)
        qsort(self->rows, self->nrows, sizeof(TargetRow), compare_target_rows);
    return 0;
truncated:
    PyErr_SetString(PyExc_ValueError, "the target rows end in the middle of a record");
    return -1;
}

/* A target row in COPY tuple format (what the validator's loader parses): the oids dropped. */
static PyObject *
target_as_copy_tuple(RangeCheck *self, TargetRow *row)
{
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(self->target) + row->at;
    if (self->copy_format)
        return PyBytes_FromStringAndSize((const char *)p, row->size);
    int32_t count = get32s(p);
    PyObject *out = PyBytes_FromStringAndSize(NULL, row->size - 2 - 4 * (Py_ssize_t)count);
    if (out == NULL)
        return NULL;
    char *o = PyBytes_AS_STRING(out);
    put16(o, (uint16_t)count);
    o += 2;
    Py_ssize_t at = 4;
    for (int32_t i = 0; i < count; i++) {
        int32_t n = get32s(p + at + 4);
        Py_ssize_t copied = 4 + (n > 0 ? n : 0);
        memcpy(o, p + at + 4, copied);
        o += copied;
        at += 4 + copied;
    }
    return out;
}

static int
range_check_quarantined(RangeCheck *self, long long rowid)
{
    return self->nquarantined > 0 &&
           bsearch(&rowid, self->quarantined, self->nquarantined, sizeof(long long), compare_rowids) != NULL;
}

/* Counts the row's references that point to no parent row. */
static void
count_dangling(RangeCheck *self, TargetRow *row)
{
    if (self->nreferences == 0)
        return;
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(self->target) + row->at;
    Py_ssize_t head = self->copy_format ? 2 : 4, per_field = self->copy_format ? 4 : 8;
    int32_t count = self->copy_format ? (int16_t)(p[0] << 8 | p[1]) : get32s(p);
    Py_ssize_t at = head;
    for (int32_t i = 0; i < count; i++) {
        int32_t n = get32s(p + at + per_field - 4);
        at += per_field;
        for (Py_ssize_t r = 0; r < self->nreferences; r++)
            if (self->reference_fields[r] == i && n == 16 &&
                !idset_contains(self->reference_parents[r], get64(p + at), get64(p + at + 8)))
                self->dangling[r]++;
        if (n > 0)
            at += n;
    }
}

/* RangeCheck(encoder, reader, target, quarantined, json_equal, plaintext_of, keep_matched, copy_format,
 * references) */
static int
RangeCheck_init(RangeCheck *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"encoder", "reader", "target", "quarantined", "json_equal", "plaintext_of",
                            "keep_matched", "copy_format", "references", "users", NULL};
    PyObject *encoder, *reader, *target, *quarantined, *json_equal, *plaintext_of = Py_None, *references = Py_None,
             *users = Py_None;
    int keep_matched = 0, copy_format = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O!OO|OppOO", names, &EncoderType, &encoder, &ReaderType,
                                     &reader, &PyBytes_Type, &target, &quarantined, &json_equal, &plaintext_of,
                                     &keep_matched, &copy_format, &references, &users))
        return -1;
    Py_CLEAR(self->users);
    self->nuser_positions = 0;
    self->orphans.n = 0;
    if (users != Py_None) {
        /* (IdSet of the legacy users' UUIDs, (users namespace high, low), [source positions]) */
        PyObject *set, *positions;
        unsigned long long high, low;
        if (!PyArg_ParseTuple(users, "O!(KK)O", &IdSetType, &set, &high, &low, &positions))
            return -1;
        PyObject *items = list_of_at_most(positions, 16, "user columns");
        if (items == NULL)
            return -1;
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(items); k++)
            self->user_positions[k] = (int)PyLong_AsLong(PyList_GET_ITEM(items, k));
        self->nuser_positions = PyList_GET_SIZE(items);
        Py_DECREF(items);
        if (PyErr_Occurred())
            return -1;
        Py_INCREF(set);
        self->users = (IdSet *)set;
        self->users_ns_high = high;
        self->users_ns_low = low;
    }
    self->copy_format = copy_format;
    for (Py_ssize_t r = 0; r < self->nreferences; r++)
        Py_CLEAR(self->reference_parents[r]);
    self->nreferences = 0;
    if (references != Py_None) {
        /* a list of (target field position, IdSet of the parent's ids) */
        PyObject *items = list_of_at_most(references, 16, "references");
        if (items == NULL)
            return -1;
        for (Py_ssize_t r = 0; r < PyList_GET_SIZE(items); r++) {
            int position;
            PyObject *parents;
            if (!PyArg_ParseTuple(PyList_GET_ITEM(items, r), "iO!", &position, &IdSetType, &parents)) {
                Py_DECREF(items);
                return -1;
            }
            Py_INCREF(parents);
            self->reference_fields[r] = position;
            self->reference_parents[r] = (IdSet *)parents;
            self->dangling[r] = 0;
            self->nreferences = r + 1;
        }
        Py_DECREF(items);
    }
    Py_XSETREF(self->plaintext_of, plaintext_of == Py_None ? NULL : (Py_INCREF(plaintext_of), plaintext_of));
    self->keep_matched = keep_matched;
    self->matched_rowids.n = 0;
    Py_INCREF(encoder);
    Py_XSETREF(self->encoder, (Encoder *)encoder);
    Py_INCREF(reader);
    Py_XSETREF(self->reader, (Reader *)reader);
    Py_INCREF(target);
    Py_XSETREF(self->target, target);
    Py_XSETREF(self->json_equal, json_equal == Py_None ? NULL : (Py_INCREF(json_equal), json_equal));
    PyObject *items = PySequence_List(quarantined);
    if (items == NULL)
        return -1;
    Py_ssize_t count = PyList_GET_SIZE(items);
    PyMem_Free(self->quarantined);
    self->quarantined = PyMem_Malloc((count ? count : 1) * sizeof(long long));
    if (self->quarantined == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        self->quarantined[i] = PyLong_AsLongLong(PyList_GET_ITEM(items, i));
    Py_DECREF(items);
    if (PyErr_Occurred())
        return -1;
    self->nquarantined = count;
    qsort(self->quarantined, count, sizeof(long long), compare_rowids);
    self->nrows = self->next_row = 0;
    self->held = 0;
    self->source_rows = self->target_rows = self->matched = self->skipped = 0;
    return range_check_index(self);
}

/* The legacy user ids of the row that no legacy user has (as the validator's orphan scan finds them). */
static int
note_orphans(RangeCheck *self, Value *values, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < self->nuser_positions; k++) {
        int position = self->user_positions[k];
        if (position >= n || values[position].type != V_INT)
            continue;
        long long id = values[position].i;
        if (id < 0 || id >= (1LL << 48))
            continue;
        char uuid[16];
        uuid_bytes(uuid, self->users_ns_high, self->users_ns_low, (uint64_t)id);
        const unsigned char *p = (const unsigned char *)uuid;
        if (idset_contains(self->users, get64(p), get64(p + 8)))
            continue;
        if (rowids_push(&self->orphans, id, 64) < 0)
            return -1;
    }
    return 0;
}

#define RANGE_CHECK 0      /* a source row for the careful check (with its target row or None) */
#define RANGE_UNEXPECTED 1 /* a target row no source row has */

/*
 * next() -> None when both sides are done, or (kind, rowid, row, target): RANGE_CHECK with the
 * source row (the tuple sqlite3 makes) and its target row (COPY tuple bytes) or None, for a
 * row that is not plainly equal; RANGE_UNEXPECTED with None and the target row. Rows that
 * match byte for byte (jsonb texts through json_equal) are only counted (``matched``), and so
 * are expired cache rows with no target row (``skipped``).
 */
static PyObject *
RangeCheck_next(RangeCheck *self, PyObject *Py_UNUSED(ignored))
{
    Encoder *encoder = self->encoder;
    Value values[MAX_VALUES];
    if (self->reader == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "RangeCheck() was not initialised");
        return NULL;
    }
    for (;;) {
        if (!self->held) {
            int stepped = self->reader->done ? 0 : reader_step(self->reader);
            if (stepped < 0)
                return NULL;
            if (stepped == 0) {
                /* The source is done: every target row left is unexpected. */
                if (self->next_row >= self->nrows)
                    Py_RETURN_NONE;
                TargetRow *left = &self->rows[self->next_row++];
                self->target_rows++;
                count_dangling(self, left);
                PyObject *target = target_as_copy_tuple(self, left);
                if (target == NULL)
                    return NULL;
                return Py_BuildValue("(iLON)", RANGE_UNEXPECTED, left->rowid, Py_None, target);
            }
            self->held = 1;
            self->source_rows++;
        }
        /* The source row stays current (SQLite's memory) until the reader steps again. */
        Py_ssize_t n = row_values(self->reader, values, MAX_VALUES);
        if (n < 0)
            return NULL;
        long long rowid = values[0].i;
        if (self->held == 1 && self->users != NULL && note_orphans(self, values, n) < 0) {
            values_release(values, n);
            return NULL;
        }
        self->held = 2; /* read, and its user ids looked at */
        TargetRow *pending = self->next_row < self->nrows ? &self->rows[self->next_row] : NULL;
        if (pending != NULL && pending->rowid < rowid) {
            /* A target row before this source row: unexpected, and handed back first. */
            values_release(values, n);
            self->next_row++;
            self->target_rows++;
            count_dangling(self, pending);
            PyObject *target = target_as_copy_tuple(self, pending);
            if (target == NULL)
                return NULL;
            return Py_BuildValue("(iLON)", RANGE_UNEXPECTED, pending->rowid, Py_None, target);
        }
        self->held = 0;
        TargetRow *target = pending != NULL && pending->rowid == rowid ? pending : NULL;
        if (target != NULL) {
            self->next_row++;
            self->target_rows++;
            count_dangling(self, target);
        }
        int quarantined = range_check_quarantined(self, rowid);
        int expired = is_expired(encoder, values, n);
        if (target != NULL && !quarantined && !expired) {
            PyObject *duplicate = NULL;
            Py_ssize_t start = encoder->len;
            int outcome = encode_row(encoder, values, n, &duplicate);
            Py_XDECREF(duplicate);
            int same = 0;
            if (outcome == ADDED)
                same = same_fields(encoder, (const unsigned char *)encoder->buf + start, encoder->len - start,
                                   (const unsigned char *)PyBytes_AS_STRING(self->target) + target->at, target->size,
                                   !self->copy_format, self->json_equal, self->plaintext_of);
            encoder->len = start;
            if (outcome < 0 || same < 0) {
                values_release(values, n);
                return NULL;
            }
            if (same) {
                self->matched++;
                values_release(values, n);
                if (self->keep_matched) {
                    if (rowids_push(&self->matched_rowids, rowid, 1024) < 0)
                        return NULL;
                }
                continue;
            }
        }
        if (expired && target == NULL && !quarantined) {
            self->skipped++;
            values_release(values, n);
            continue;
        }
        PyObject *row = values_tuple(values, n);
        values_release(values, n);
        if (row == NULL)
            return NULL;
        PyObject *target_tuple = Py_None;
        if (target != NULL && (target_tuple = target_as_copy_tuple(self, target)) == NULL) {
            Py_DECREF(row);
            return NULL;
        }
        if (target == NULL)
            Py_INCREF(Py_None);
        return Py_BuildValue("(iLNN)", RANGE_CHECK, rowid, row, target_tuple);
    }
}

/* orphans() -> the legacy user ids the range's rows hold that no legacy user has (repeats included) */
static PyObject *
RangeCheck_orphans(RangeCheck *self, PyObject *Py_UNUSED(ignored))
{
    return ints_to_list(self->orphans.items, self->orphans.n);
}

/* dangling() -> per reference, the target rows whose value is no id of the parent */
static PyObject *
RangeCheck_dangling(RangeCheck *self, PyObject *Py_UNUSED(ignored))
{
    return ints_to_list(self->dangling, self->nreferences);
}

/* matched_rowids() -> the rowids that matched byte for byte, in order (with keep_matched) */
static PyObject *
RangeCheck_matched_rowids(RangeCheck *self, PyObject *Py_UNUSED(ignored))
{
    return ints_to_list(self->matched_rowids.items, self->matched_rowids.n);
}

static void
RangeCheck_dealloc(RangeCheck *self)
{
    for (Py_ssize_t r = 0; r < self->nreferences; r++)
        Py_CLEAR(self->reference_parents[r]);
    Py_CLEAR(self->users);
    PyMem_Free(self->orphans.items);
    Py_CLEAR(self->plaintext_of);
    PyMem_Free(self->matched_rowids.items);
    Py_CLEAR(self->encoder);
    Py_CLEAR(self->reader);
    Py_CLEAR(self->target);
    Py_CLEAR(self->json_equal);
    PyMem_Free(self->rows);
    PyMem_Free(self->quarantined);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

COUNTER_GETTER(RangeCheck, source_rows, source_rows)
COUNTER_GETTER(RangeCheck, target_rows, target_rows)
COUNTER_GETTER(RangeCheck, matched, matched)
COUNTER_GETTER(RangeCheck, skipped, skipped)

static PyMethodDef RangeCheck_methods[] = {
    {"next", (PyCFunction)RangeCheck_next, METH_NOARGS,
     "next() -> None, or (kind, rowid, source row or None, target tuple or None) for Python to look at"},
    {"orphans", (PyCFunction)RangeCheck_orphans, METH_NOARGS,
     "orphans() -> the legacy user ids the range's rows hold that no legacy user has"},
    {"dangling", (PyCFunction)RangeCheck_dangling, METH_NOARGS,
     "dangling() -> per reference, how many target rows point to no parent row"},
    {"matched_rowids", (PyCFunction)RangeCheck_matched_rowids, METH_NOARGS,
     "matched_rowids() -> the rowids that matched byte for byte (with keep_matched)"},
    {NULL},
};

static PyGetSetDef RangeCheck_getset[] = {
    {"source_rows", (getter)RangeCheck_get_source_rows, NULL, "source rows read", NULL},
    {"target_rows", (getter)RangeCheck_get_target_rows, NULL, "target rows read", NULL},
    {"matched", (getter)RangeCheck_get_matched, NULL, "rows that matched byte for byte", NULL},
    {"skipped", (getter)RangeCheck_get_skipped, NULL, "expired cache rows with no target row", NULL},
    {NULL},
};

static PyTypeObject RangeCheckType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mingus_rowcodec.RangeCheck",
    .tp_basicsize = sizeof(RangeCheck),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "validate_import's row check of one rowid range: source rows against the target's (see validate.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)RangeCheck_init,
    .tp_dealloc = (destructor)RangeCheck_dealloc,
    .tp_methods = RangeCheck_methods,
    .tp_getset = RangeCheck_getset,
};
#endif /* MINGUS_NO_SQLITE */

/* idset_from_copy(data) -> IdSet of the UUIDs in binary COPY tuples of one uuid column (read_copy) */
static PyObject *
idset_from_copy(PyObject *module, PyObject *arg)
{
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *p = data.buf;
    Py_ssize_t rows = data.len / 22, at = 0; /* int16 count, int32 size, 16 bytes */
    IdSet *set = (IdSet *)IdSetType.tp_alloc(&IdSetType, 0);
    if (set == NULL || idset_allocate(set, rows) < 0)
        goto failed;
    while (at + 22 <= data.len) {
        if ((p[at] << 8 | p[at + 1]) != 1 || get32s(p + at + 2) != 16) {
            PyErr_SetString(PyExc_ValueError, "expected COPY tuples of one non-NULL uuid");
            goto failed;
        }
        uint64_t high = get64(p + at + 6), low = get64(p + at + 14);
        at += 22;
        if (high != 0 || low != 0)
            set->count += idset_put(set->slots, set->mask, high, low);
    }
    if (at != data.len) {
        PyErr_SetString(PyExc_ValueError, "the COPY tuples end in the middle of one");
        goto failed;
    }
    PyBuffer_Release(&data);
    idset_make_dense(set);
    return (PyObject *)set;
failed:
    Py_XDECREF(set);
    PyBuffer_Release(&data);
    return NULL;
}

/* ---- libpq: a binary COPY TO read in C, on the connection psycopg made ------------------------------ */

/* The few libpq entry points used, bound at run time (bind_libpq) to the very library psycopg
 * loaded: a PGconn must only ever meet the libpq that made it. Their signatures and the status
 * numbers are libpq's stable ABI. */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
#define PGRES_COMMAND_OK 1
#define PGRES_COPY_OUT 3
static PGresult *(*pq_exec)(PGconn *, const char *);
static int (*pq_result_status)(const PGresult *);
static char *(*pq_result_error_message)(const PGresult *);
static void (*pq_clear)(PGresult *);
static int (*pq_get_copy_data)(PGconn *, char **, int);
static PGresult *(*pq_get_result)(PGconn *);
static char *(*pq_error_message)(const PGconn *);
static void (*pq_freemem)(void *);

/* bind_libpq(path): path of the libpq already loaded in this process (by psycopg) */
static PyObject *
bind_libpq(PyObject *module, PyObject *arg)
{
    const char *path = PyUnicode_AsUTF8(arg);
    if (path == NULL)
        return NULL;
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (handle == NULL) {
        PyErr_Format(PyExc_OSError, "libpq %s is not loaded in this process", path);
        return NULL;
    }
    void *found[8] = {dlsym(handle, "PQexec"),         dlsym(handle, "PQresultStatus"),
                      dlsym(handle, "PQresultErrorMessage"), dlsym(handle, "PQclear"),
                      dlsym(handle, "PQgetCopyData"),  dlsym(handle, "PQgetResult"),
                      dlsym(handle, "PQerrorMessage"), dlsym(handle, "PQfreemem")};
    for (int i = 0; i < 8; i++)
        if (found[i] == NULL) {
            PyErr_Format(PyExc_OSError, "%s lacks a libpq function", path);
            return NULL;
        }
    pq_exec = (PGresult * (*)(PGconn *, const char *)) found[0];
    pq_result_status = (int (*)(const PGresult *))found[1];
    pq_result_error_message = (char *(*)(const PGresult *))found[2];
    pq_clear = (void (*)(PGresult *))found[3];
    pq_get_copy_data = (int (*)(PGconn *, char **, int))found[4];
    pq_get_result = (PGresult * (*)(PGconn *)) found[5];
    pq_error_message = (char *(*)(const PGconn *))found[6];
    pq_freemem = (void (*)(void *))found[7];
    Py_RETURN_NONE;
}

/* Every result left on the connection read and cleared: the first failure's message, or NULL. */
static char *
drain_results(PGconn *conn, char *error, size_t size)
{
    PGresult *result;
    char *failed = NULL;
    while ((result = pq_get_result(conn)) != NULL) {
        if (pq_result_status(result) != PGRES_COMMAND_OK && failed == NULL) {
            snprintf(error, size, "%s", pq_result_error_message(result));
            failed = error;
        }
        pq_clear(result);
    }
    return failed;
}

/*
 * read_copy(pgconn_ptr, query) -> bytes: the tuples of a binary COPY ... TO STDOUT, one after
 * another, without the header and trailer. pgconn_ptr is psycopg's connection.pgconn.pgconn_ptr:
 * the statement runs on that connection (in blocking mode, which PQexec always is), which is idle
 * again when this returns, error or not. PostgreSQL sends one message per row; reading them here
 * spares Python a call per row.
 */
static PyObject *
read_copy(PyObject *module, PyObject *args)
{
    unsigned long long pointer;
    const char *query;
    if (!PyArg_ParseTuple(args, "Ky", &pointer, &query))
        return NULL;
    if (pq_exec == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind_libpq() was not called");
        return NULL;
    }
    PGconn *conn = (PGconn *)(uintptr_t)pointer;
    char error[512] = "";
    char *failed = NULL;
    char *out = NULL;
    Py_ssize_t len = 0, cap = 0, skip = 19; /* PGCOPY signature (11), flags (4), header extension (4) */
    int done = 0, memory = 0;
    Py_BEGIN_ALLOW_THREADS
    PGresult *result = pq_exec(conn, query);
    if (result == NULL || pq_result_status(result) != PGRES_COPY_OUT) {
        snprintf(error, sizeof error, "%s", result ? pq_result_error_message(result) : pq_error_message(conn));
        failed = error;
        if (result)
            pq_clear(result);
        drain_results(conn, error + strlen(error), sizeof error - strlen(error));
    }
    else {
        pq_clear(result);
        for (;;) {
            char *buffer = NULL;
            int n = pq_get_copy_data(conn, &buffer, 0);
            if (n == -1)
                break;
            if (n < 0) {
                snprintf(error, sizeof error, "%s", pq_error_message(conn));
                failed = error;
                break;
            }
            Py_ssize_t at = 0;
            if (skip) {
                at = n < skip ? n : skip;
                skip -= at;
            }
            if (!memory && !done && n - at > 0) {
                if (len + (n - at) > cap) {
                    Py_ssize_t grown_cap = cap ? 2 * cap : 1 << 20;
                    while (grown_cap < len + (n - at))
                        grown_cap *= 2;
                    char *grown = PyMem_RawRealloc(out, grown_cap);
                    if (grown == NULL)
                        memory = 1;
                    else {
                        out = grown;
                        cap = grown_cap;
                    }
                }
                if (!memory) {
                    memcpy(out + len, buffer + at, n - at);
                    len += n - at;
                }
            }
            pq_freemem(buffer);
        }
        char *late = drain_results(conn, error, sizeof error);
        if (failed == NULL)
            failed = late;
    }
    Py_END_ALLOW_THREADS
    if (failed != NULL || memory) {
        PyMem_RawFree(out);
        if (memory)
            return PyErr_NoMemory();
        PyErr_Format(PyExc_OSError, "COPY failed: %s", failed);
        return NULL;
    }
    /* The trailer (-1 as int16) is the last two bytes of the stream. */
    if (len < 2 || (unsigned char)out[len - 2] != 0xFF || (unsigned char)out[len - 1] != 0xFF) {
        PyMem_RawFree(out);
        PyErr_SetString(PyExc_OSError, "COPY ended without its trailer");
        return NULL;
    }
    PyObject *data = PyBytes_FromStringAndSize(out, len - 2);
    PyMem_RawFree(out);
    return data;
}

/* Appends [first, last] to ranges; 0, or -1 with an exception. */
static int
append_range(PyObject *ranges, long long first, long long last)
{
    PyObject *range = Py_BuildValue("[LL]", first, last);
    if (range == NULL)
        return -1;
    int failed = PyList_Append(ranges, range);
    Py_DECREF(range);
    return failed;
}

/*
 * rowid_ranges(rowids) -> [[first, last], ...]: the runs of consecutive rowids, in the order
 * given, as ops.legacy.row_codec._rowid_ranges makes them (a chunk's record of what it inserted).
 */
static PyObject *
rowid_ranges(PyObject *module, PyObject *arg)
{
    PyObject *items = PySequence_Fast(arg, "rowid_ranges takes a sequence of ints");
    if (items == NULL)
        return NULL;
    PyObject *ranges = PyList_New(0);
    if (ranges == NULL)
        goto failed;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    PyObject **values = PySequence_Fast_ITEMS(items);
    long long first = 0, last = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyLong_Check(values[i])) {
            PyErr_Format(PyExc_TypeError, "a rowid is an int, not %.100s", Py_TYPE(values[i])->tp_name);
            goto failed;
        }
        long long rowid = PyLong_AsLongLong(values[i]);
        if (rowid == -1 && PyErr_Occurred())
            goto failed;
        if (i > 0 && last < LLONG_MAX && rowid == last + 1) {
            last = rowid;
            continue;
        }
        if (i > 0 && append_range(ranges, first, last) < 0)
            goto failed;
        first = last = rowid;
    }
    if (n > 0 && append_range(ranges, first, last) < 0)
        goto failed;
    Py_DECREF(items);
    return ranges;
failed:
    Py_XDECREF(ranges);
    Py_DECREF(items);
    return NULL;
}

/*
 * split_rows(data, offset) -> (rows, offset, done): the complete tuples of a binary COPY TO
 * stream from offset on, each as (rowid, tuple bytes), the rowid read from the first field
 * (the row's UUID, ops/legacy/ids.py rowid_of); done once the trailer is reached.
 */
static PyObject *
split_rows(PyObject *module, PyObject *args)
{
    Py_buffer data;
    Py_ssize_t at;
    if (!PyArg_ParseTuple(args, "y*n", &data, &at))
        return NULL;
    const unsigned char *p = data.buf;
    Py_ssize_t size = data.len;
    PyObject *rows = PyList_New(0);
    int done = 0;
    while (rows != NULL && at + 2 <= size) {
        int16_t count = (int16_t)(p[at] << 8 | p[at + 1]);
        if (count == -1) {
            done = 1;
            at += 2;
            break;
        }
        Py_ssize_t end = at + 2;
        int complete = 1;
        uint64_t high = 0, low = 0;
        for (int i = 0; i < count; i++) {
            if (end + 4 > size) {
                complete = 0;
                break;
            }
            int32_t n = get32s(p + end);
            end += 4;
            if (n > 0 && end + n > size) {
                complete = 0;
                break;
            }
            if (i == 0 && n == 16) {
                high = get64(p + end);
                low = get64(p + end + 8);
            }
            if (n > 0)
                end += n;
        }
        if (!complete)
            break;
        uint64_t rowid = ((high >> 16) & 0xFFFFFFFFull) << 16 | (high & 0xFFF) << 4 | ((low >> 58) & 0xF);
        PyObject *item = Py_BuildValue("(Ky#)", (unsigned long long)rowid, p + at, end - at);
        if (item == NULL || PyList_Append(rows, item) < 0)
            Py_CLEAR(rows);
        Py_XDECREF(item);
        at = end;
    }
    PyBuffer_Release(&data);
    if (rows == NULL)
        return NULL;
    return Py_BuildValue("(Nni)", rows, at, done);
}

static PyObject *
Encoder_write(Encoder *self, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int failed = ensure(self, view.len) < 0;
    if (!failed) {
        memcpy(self->buf + self->len, view.buf, view.len);
        self->len += view.len;
    }
    PyBuffer_Release(&view);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
Encoder_take(Encoder *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyBytes_FromStringAndSize(self->buf, self->len);
    if (out != NULL)
        self->len = 0;
    return out;
}

static PyObject *
Encoder_get_size(Encoder *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->len);
}

COUNTER_GETTER(Encoder, read, read)
COUNTER_GETTER(Encoder, present, present_count)
COUNTER_GETTER(Encoder, expired, expired)

static void
clear_columns(Encoder *self)
{
    for (Py_ssize_t i = 0; i < self->ncolumns; i++) {
        Column *col = &self->columns[i];
        Py_CLEAR(col->cache);
        Py_CLEAR(col->parents);
        Py_CLEAR(col->func);
        Py_CLEAR(col->predicate);
        Py_CLEAR(col->constant);
        Py_CLEAR(col->allowed);
        Py_CLEAR(col->allowed_utf8);
    }
    PyMem_Free(self->columns);
    self->columns = NULL;
    self->ncolumns = 0;
}

static void
Encoder_dealloc(Encoder *self)
{
    clear_columns(self);
    Py_CLEAR(self->present);
    Py_CLEAR(self->decimal);
    Py_CLEAR(self->empty_json);
    Py_CLEAR(self->keys);
    Py_CLEAR(self->seen);
    Py_CLEAR(self->error_type);
    PyMem_Free(self->buf);
    PyMem_Free(self->inserted.items);
    mj_buffer_free(&self->json);
    Py_CLEAR(self->row_tuple);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
optional(PyObject *value)
{
    if (value == Py_None)
        return NULL;
    Py_INCREF(value);
    return value;
}

/* The choices of a CHECK as a tuple of their UTF-8 bytes, or NULL (no error) when one is not a str. */
static PyObject *
choices_utf8(PyObject *allowed)
{
    PyObject *list = PyList_New(0), *iterator = PyObject_GetIter(allowed), *item;
    if (list == NULL || iterator == NULL) {
        Py_XDECREF(list);
        Py_XDECREF(iterator);
        return NULL;
    }
    while ((item = PyIter_Next(iterator)) != NULL) {
        PyObject *encoded = PyUnicode_CheckExact(item) ? PyUnicode_AsUTF8String(item) : NULL;
        Py_DECREF(item);
        if (encoded == NULL || PyList_Append(list, encoded) < 0) {
            Py_XDECREF(encoded);
            Py_DECREF(iterator);
            Py_DECREF(list);
            PyErr_Clear();
            return NULL;
        }
        Py_DECREF(encoded);
    }
    Py_DECREF(iterator);
    PyObject *result = PyErr_Occurred() ? NULL : PyList_AsTuple(list);
    Py_DECREF(list);
    PyErr_Clear();
    return result;
}

/*
 * Encoder(namespace, columns, present, decimal, empty_json, keys, seen, error_type, expires, with_extras)
 *   namespace: (prefix, low) of the table (ops.legacy.ids.namespace)
 *   columns: one dict per target column: kind, index, pgtype, bits, max_length, not_null,
 *            namespace, cache, cache_size, parents, func, predicate, constant, key_slot, low, high, allowed
 *   present: set of UUID bytes already in the target (or None)
 *   keys: list of tuples of key slots, one per unique key (or None)
 *   expires: (source position, cut-off epoch) of a cache table's expiry, or None (pump, RangeCheck)
 *   with_extras: the pump hands added rows back for their extra columns
 */
static int
Encoder_init(Encoder *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"namespace", "columns", "present", "decimal", "empty_json", "keys", "seen", "error_type",
                            "expires", "with_extras", NULL};
    PyObject *ns, *columns, *present, *decimal, *empty_json, *keys, *seen = Py_None, *error_type = Py_None,
             *expires = Py_None;
    int with_extras = 0;
    unsigned long long ns_high, ns_low;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!OOOO|OOOp", names, &ns, &PyList_Type, &columns, &present,
                                     &decimal, &empty_json, &keys, &seen, &error_type, &expires, &with_extras))
        return -1;
    if (!PyArg_ParseTuple(ns, "KK", &ns_high, &ns_low))
        return -1;
    clear_columns(self);
    self->ns_high = ns_high;
    self->ns_low = ns_low;
    self->expires_index = -1;
    self->cutoff = 0;
    if (expires != Py_None && !PyArg_ParseTuple(expires, "id", &self->expires_index, &self->cutoff))
        return -1;
    self->with_extras = with_extras;
    self->read = self->present_count = self->expired = self->inserted.n = 0;
    Py_ssize_t n = PyList_GET_SIZE(columns);
    self->columns = PyMem_Calloc(n ? n : 1, sizeof(Column));
    if (self->columns == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->ncolumns = n;
    self->nslots = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *spec = PyList_GET_ITEM(columns, i);
        Column *col = &self->columns[i];
        PyObject *v;
        col->key_slot = -1;
        col->max_length = -1;
        if (!PyDict_Check(spec) || (v = PyDict_GetItemString(spec, "kind")) == NULL) {
            PyErr_SetString(PyExc_TypeError, "each column is a dict with a 'kind'");
            return -1;
        }
        col->kind = (int)PyLong_AsLong(v);
#define GET_INT(key, target)                                     \
    if ((v = PyDict_GetItemString(spec, key)) != NULL && v != Py_None) \
        target = PyLong_AsLong(v);
        GET_INT("index", col->index);
        GET_INT("pgtype", col->pgtype);
        GET_INT("bits", col->bits);
        GET_INT("max_length", col->max_length);
        GET_INT("not_null", col->not_null);
        GET_INT("cache_size", col->cache_size);
        GET_INT("key_slot", col->key_slot);
#undef GET_INT
        if (PyErr_Occurred())
            return -1;
        if ((v = PyDict_GetItemString(spec, "namespace")) != NULL && v != Py_None) {
            unsigned long long high, low;
            if (!PyArg_ParseTuple(v, "KK", &high, &low))
                return -1;
            col->ns_high = high;
            col->ns_low = low;
        }
        if ((v = PyDict_GetItemString(spec, "cache")) != NULL)
            col->cache = optional(v);
        if ((v = PyDict_GetItemString(spec, "parents")) != NULL)
            col->parents = optional(v);
        if ((v = PyDict_GetItemString(spec, "func")) != NULL)
            col->func = optional(v);
        if ((v = PyDict_GetItemString(spec, "predicate")) != NULL)
            col->predicate = optional(v);
        if ((v = PyDict_GetItemString(spec, "allowed")) != NULL)
            col->allowed = optional(v);
        if (col->allowed != NULL) {
            if (!PyAnySet_Check(col->allowed)) {
                PyErr_SetString(PyExc_TypeError, "'allowed' must be a set");
                return -1;
            }
            col->allowed_utf8 = choices_utf8(col->allowed);
        }
        if ((v = PyDict_GetItemString(spec, "low")) != NULL && v != Py_None) {
            col->has_low = 1;
            col->low = PyLong_AsLongLong(v);
        }
        if ((v = PyDict_GetItemString(spec, "high")) != NULL && v != Py_None) {
            col->has_high = 1;
            col->high = PyLong_AsLongLong(v);
        }
        if (PyErr_Occurred())
            return -1;
        if (col->kind == K_CONST) {
            v = PyDict_GetItemString(spec, "constant");
            if (v == NULL || (v != Py_None && !PyBytes_CheckExact(v))) {
                PyErr_SetString(PyExc_TypeError, "a constant column needs 'constant': encoded bytes or None");
                return -1;
            }
            Py_INCREF(v);
            col->constant = v;
        }
        if (col->kind == K_REF && (col->cache == NULL || !PyDict_CheckExact(col->cache))) {
            PyErr_SetString(PyExc_TypeError, "a reference column needs its 'cache' dict");
            return -1;
        }
        if (col->parents != NULL && !PyAnySet_Check(col->parents) && !Py_IS_TYPE(col->parents, &IdSetType)) {
            PyErr_SetString(PyExc_TypeError, "'parents' must be a set or an IdSet");
            return -1;
        }
        if ((col->kind == K_CALL || col->kind == K_JSON || col->kind >= K_INET) && col->func == NULL) {
            PyErr_SetString(PyExc_TypeError, "a conversion column needs its 'func'");
            return -1;
        }
        if (col->kind != K_ID && col->kind != K_CONST && col->kind != K_ROW &&
            (col->index < 1 || col->index >= MAX_VALUES)) {
            PyErr_SetString(PyExc_ValueError, "a column reads a source position from 1 on (row[0] is the rowid)");
            return -1;
        }
        if (col->key_slot >= 0) {
            if (col->key_slot >= 64) {
                PyErr_SetString(PyExc_ValueError, "at most 64 key values");
                return -1;
            }
            if (col->key_slot + 1 > self->nslots)
                self->nslots = col->key_slot + 1;
        }
    }
    if (present != Py_None && !PyAnySet_Check(present)) {
        PyErr_SetString(PyExc_TypeError, "'present' must be a set or None");
        return -1;
    }
    Py_XSETREF(self->present, optional(present));
    Py_INCREF(decimal);
    Py_XSETREF(self->decimal, decimal);
    Py_INCREF(empty_json);
    Py_XSETREF(self->empty_json, empty_json);
    if (keys != Py_None && !PyList_CheckExact(keys)) {
        PyErr_SetString(PyExc_TypeError, "'keys' must be a list of tuples or None");
        return -1;
    }
    Py_XSETREF(self->keys, optional(keys));
    if (self->keys != NULL) {
        if (!PyList_CheckExact(seen) || PyList_GET_SIZE(seen) != PyList_GET_SIZE(self->keys) ||
            PyList_GET_SIZE(self->keys) > 16) {
            PyErr_SetString(PyExc_ValueError, "'seen' must be a list of dicts, one per unique key (at most 16)");
            return -1;
        }
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(seen); k++)
            if (!PyDict_CheckExact(PyList_GET_ITEM(seen, k))) {
                PyErr_SetString(PyExc_TypeError, "'seen' holds dicts");
                return -1;
            }
    }
    Py_XSETREF(self->seen, optional(seen));
    Py_XSETREF(self->error_type, optional(error_type));
    return 0;
}

static PyMethodDef Encoder_methods[] = {
    {"encode", (PyCFunction)Encoder_encode, METH_O,
     "encode(row) -> None when added, PRESENT, DECLINED, or (unique number, key, first rowid)"},
    {"compare", (PyCFunction)Encoder_compare, METH_VARARGS,
     "compare(row, target tuple bytes, json_equal) -> whether the encoded row is the target's"},
#ifndef MINGUS_NO_SQLITE
    {"pump", (PyCFunction)Encoder_pump, METH_VARARGS,
     "pump(reader, limit) -> PUMP_END, PUMP_FLUSH or (row, outcome) for a row that needs Python"},
    {"take_inserted", (PyCFunction)Encoder_take_inserted, METH_NOARGS,
     "take_inserted() -> the rowids the pump added since the last call, in order"},
#endif
    {"write", (PyCFunction)Encoder_write, METH_O, "append bytes already in COPY format"},
    {"take", (PyCFunction)Encoder_take, METH_NOARGS, "the buffered bytes, emptying the buffer"},
    {NULL},
};

static PyGetSetDef Encoder_getset[] = {
    {"size", (getter)Encoder_get_size, NULL, "bytes buffered", NULL},
    {"read", (getter)Encoder_get_read, NULL, "rows the pump read", NULL},
    {"present", (getter)Encoder_get_present, NULL, "rows the pump found already in the target", NULL},
    {"expired", (getter)Encoder_get_expired, NULL, "expired cache rows the pump skipped", NULL},
    {NULL},
};

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "mingus_rowcodec.Encoder",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Legacy rows to binary COPY tuples (see ops/legacy/row_codec.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Encoder_init,
    .tp_dealloc = (destructor)Encoder_dealloc,
    .tp_methods = Encoder_methods,
    .tp_getset = Encoder_getset,
};

static PyMethodDef module_methods[] = {
    {"split_rows", split_rows, METH_VARARGS, "split_rows(data, offset) -> ([(rowid, tuple bytes)], offset, done)"},
    {"bind_libpq", bind_libpq, METH_O, "bind_libpq(path): use the libpq at path, already loaded by psycopg"},
    {"read_copy", read_copy, METH_VARARGS, "read_copy(pgconn_ptr, query) -> the tuples of a binary COPY TO"},
    {"idset_from_copy", idset_from_copy, METH_O, "idset_from_copy(COPY tuples of one uuid column) -> IdSet"},
    {"rowid_ranges", rowid_ranges, METH_O, "rowid_ranges(rowids) -> [[first, last], ...], runs in the order given"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "mingus_rowcodec", "The import's row encoder (ops/legacy/row_codec.py).", -1,
    module_methods,
};

static int
add_type(PyObject *m, PyTypeObject *type, const char *name)
{
    if (PyType_Ready(type) < 0)
        return -1;
    Py_INCREF(type);
    if (PyModule_AddObject(m, name, (PyObject *)type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC
PyInit_mingus_rowcodec(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (add_type(m, &EncoderType, "Encoder") < 0 || add_type(m, &IdSetType, "IdSet") < 0)
        goto failed;
#ifndef MINGUS_NO_SQLITE
    UndecodableTextError = PyErr_NewException("mingus_rowcodec.UndecodableText", PyExc_ValueError, NULL);
    if (UndecodableTextError == NULL || add_type(m, &ReaderType, "Reader") < 0 ||
        add_type(m, &RangeCheckType, "RangeCheck") < 0 ||
        PyModule_AddObject(m, "UndecodableText", UndecodableTextError) < 0 ||
        PyModule_AddIntConstant(m, "PUMP_END", PUMP_END) < 0 || PyModule_AddIntConstant(m, "PUMP_FLUSH", PUMP_FLUSH) < 0 ||
        PyModule_AddIntConstant(m, "PUMP_EXTRAS", PUMP_EXTRAS) < 0 ||
        PyModule_AddIntConstant(m, "RANGE_CHECK", RANGE_CHECK) < 0 ||
        PyModule_AddIntConstant(m, "RANGE_UNEXPECTED", RANGE_UNEXPECTED) < 0)
        goto failed;
#endif
    if (PyModule_AddIntConstant(m, "ABI_VERSION", ABI_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "DECLINED", DECLINED) < 0 || PyModule_AddIntConstant(m, "PRESENT", PRESENT) < 0 ||
        mingus_json_add_functions(m) < 0)
        goto failed;
    return m;
failed:
    Py_DECREF(m);
    return NULL;
}
