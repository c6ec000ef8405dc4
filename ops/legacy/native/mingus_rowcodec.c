/*
 * mingus_rowcodec: the import's hot path in C.
 *
 * An Encoder turns one legacy row tuple (rowid, col1, col2, ...) straight into
 * one tuple of PostgreSQL's binary COPY format, for the values the Python
 * converter (ops/legacy/convert.py) would accept, and says "decline" for any
 * other row. A declined row takes the Python path, which converts it or names
 * why it cannot be converted; so the C side never has to decide an error, and
 * every rule it does not implement exactly is simply declined. The Python
 * wrapper is ops/legacy/row_codec.py; tests/ops/test_row_codec.py checks the
 * two paths give the same values.
 *
 * The encoder owns an output buffer: rows accumulate in it and take() hands
 * the bytes over to COPY.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABI_VERSION 5

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
};

/* PostgreSQL types a K_CALL result is encoded as. */
enum {
    T_UUID = 1, T_TEXT, T_INT2, T_INT4, T_INT8, T_FLOAT8, T_NUMERIC, T_BOOL,
    T_DATE, T_TIMESTAMPTZ, T_JSONB, T_BYTEA, T_INET,
};

#define DECLINED 0
#define PRESENT 1

typedef struct {
    int kind;
    int index;          /* position in the source row; -1: the whole row */
    int pgtype;         /* K_CALL, K_CONST: target type */
    int bits;           /* K_INT: 16, 32 or 64 */
    Py_ssize_t max_length;  /* K_TEXT: -1 for no limit */
    int not_null;
    uint64_t ns_high, ns_low;  /* K_REF: namespace of the referenced table */
    PyObject *cache;    /* K_REF: dict int -> 16 bytes (shared with the Python converter) */
    Py_ssize_t cache_size;
    PyObject *parents;  /* K_REF: set of parent UUID bytes, or NULL */
    PyObject *func;     /* K_CALL, K_JSON: the conversion; predicate below */
    PyObject *predicate;/* CHECK constraint as a Python predicate, or NULL */
    PyObject *constant; /* K_CONST: encoded bytes (NULL: SQL NULL) */
    int key_slot;       /* position in the unique keys' value list, or -1 */
    int has_low, has_high; /* a range CHECK as data (K_INT, K_FLOAT, K_MONEY) */
    long long low, high;
    PyObject *allowed;  /* a choices CHECK as data (K_TEXT): the set of values, or NULL */
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
    Py_ssize_t nslots;
    char *buf;
    Py_ssize_t len, cap;
    Py_ssize_t declined;        /* rows declined so far, for measurements */
} Encoder;

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

static const char *
ascii_text(PyObject *value, Py_ssize_t *size)
{
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_ASCII(value))
        return NULL;
    *size = PyUnicode_GET_LENGTH(value);
    return (const char *)PyUnicode_DATA(value);
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

/* ---- the row -------------------------------------------------------------------------------- */

/* Returns 1 when encoded, 0 when declined, -1 with an exception set. *value_out gets a new
 * reference to the converted Python value when want_value (NULL for SQL NULL). */
static int
encode_column(Encoder *self, Column *col, PyObject *row, uint64_t rowid, int want_value, PyObject **value_out)
{
    PyObject *value = NULL;
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
    value = col->index < 0 ? row : PyTuple_GET_ITEM(row, col->index);
    if (value == Py_None && col->kind != K_CALL) {
        if (col->not_null)
            return 0;
        return null_field(self) < 0 ? -1 : 1;
    }
    switch (col->kind) {
    case K_TEXT: {
        if (!PyUnicode_CheckExact(value))
            return 0;
        if (col->max_length >= 0 && PyUnicode_GET_LENGTH(value) > col->max_length)
            return 0;
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(value, &size);
        if (data == NULL) {
            PyErr_Clear(); /* a lone surrogate: the Python path names it */
            return 0;
        }
        if (memchr(data, 0, size) != NULL)
            return 0;
        if (col->allowed != NULL) {
            int allowed = PySet_Contains(col->allowed, value);
            if (allowed <= 0)
                return allowed;
        }
        if (field(self, data, size) < 0)
            return -1;
        if (want_value) {
            Py_INCREF(value);
            *value_out = value;
        }
        return 1;
    }
    case K_INT: {
        if (!PyLong_CheckExact(value))
            return 0;
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow || (v == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return 0;
        }
        char out[8];
        if (col->bits == 16) {
            if (v < -32768 || v > 32767)
                return 0;
            put16(out, (uint16_t)(int16_t)v);
            if (field(self, out, 2) < 0)
                return -1;
        }
        else if (col->bits == 32) {
            if (v < INT32_MIN || v > INT32_MAX)
                return 0;
            put32(out, (uint32_t)(int32_t)v);
            if (field(self, out, 4) < 0)
                return -1;
        }
        else {
            put64(out, (uint64_t)v);
            if (field(self, out, 8) < 0)
                return -1;
        }
        if ((col->has_low && v < col->low) || (col->has_high && v > col->high))
            return 0;
        if (want_value) {
            Py_INCREF(value);
            *value_out = value;
        }
        return 1;
    }
    case K_FLOAT: {
        double v;
        if (PyFloat_CheckExact(value))
            v = PyFloat_AS_DOUBLE(value);
        else if (PyLong_CheckExact(value)) {
            v = PyLong_AsDouble(value);
            if (v == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                return 0;
            }
        }
        else
            return 0;
        if (!isfinite(v))
            return 0;
        if ((col->has_low && v < (double)col->low) || (col->has_high && v > (double)col->high))
            return 0;
        union { double d; uint64_t u; } bits = {.d = v};
        char out[8];
        put64(out, bits.u);
        if (field(self, out, 8) < 0)
            return -1;
        if (want_value && (*value_out = PyFloat_FromDouble(v)) == NULL)
            return -1;
        return 1;
    }
    case K_MONEY: {
        int64_t cents;
        if (PyFloat_CheckExact(value)) {
            /* transforms.to_money, both accepting branches; anything else is declined. */
            double v = PyFloat_AS_DOUBLE(value);
            if (!isfinite(v))
                return 0;
            double c = rint(v * 100.0);
            if (!(fabs(v) < 1e12 && c / 100.0 == v)) {
                /* Binary noise within a few ULPs of a cent value: round(v, 2), correctly rounded. */
                char text[64];
                if (fabs(v) >= 1e15)
                    return 0;
                snprintf(text, sizeof text, "%.2f", v);
                double rounded = strtod(text, NULL);
                double a = fabs(v);
                double next = nextafter(a, INFINITY);
                double ulp = isinf(next) ? a - nextafter(a, -INFINITY) : next - a;
                if (!((rounded == v || fabs(v - rounded) <= 4 * ulp) && fabs(rounded) < 1e12))
                    return 0;
            }
            cents = (int64_t)c;
        }
        else if (PyLong_CheckExact(value)) {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (overflow || (v == -1 && PyErr_Occurred())) {
                PyErr_Clear();
                return 0;
            }
            if (v <= -1000000000000LL || v >= 1000000000000LL)
                return 0;
            cents = v * 100;
        }
        else
            return 0;
        if ((col->has_low && cents < col->low * 100) || (col->has_high && cents > col->high * 100))
            return 0;
        if (numeric_field(self, cents) < 0)
            return -1;
        if (want_value && (*value_out = decimal_of(self, cents)) == NULL)
            return -1;
        return 1;
    }
    case K_BOOL: {
        int truth;
        if (PyLong_CheckExact(value)) {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (overflow || (v != 0 && v != 1))
                return 0;
            truth = (int)v;
        }
        else {
            Py_ssize_t size;
            const char *s = ascii_text(value, &size);
            if (s == NULL)
                return 0;
            if ((size == 1 && s[0] == '1') || (size == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4))))
                truth = 1;
            else if ((size == 1 && s[0] == '0') ||
                     (size == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5))))
                truth = 0;
            else
                return 0;
        }
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
        Py_ssize_t size;
        const char *s = ascii_text(value, &size);
        int y, m, d;
        if (s == NULL || size != 10 || !parse_date(s, &y, &m, &d))
            return 0;
        char out[4];
        put32(out, (uint32_t)(int32_t)(days_from_civil(y, m, d) - PG_EPOCH_DAYS));
        if (field(self, out, 4) < 0)
            return -1;
        if (want_value && (*value_out = PyDate_FromDate(y, m, d)) == NULL)
            return -1;
        return 1;
    }
    case K_NAIVE_TS: {
        Py_ssize_t size;
        const char *s = ascii_text(value, &size);
        int y, m, d;
        if (s == NULL || size < 19 || size > 26 || size == 20 || !parse_date(s, &y, &m, &d))
            return 0;
        if (!((s[10] == ' ' || s[10] == 'T') && is_digit(s[11]) && is_digit(s[12]) && s[13] == ':' && is_digit(s[14]) &&
              is_digit(s[15]) && s[16] == ':' && is_digit(s[17]) && is_digit(s[18])))
            return 0;
        int hour = two(s + 11), minute = two(s + 14), second = two(s + 17);
        if (hour > 23 || minute > 59 || second > 59)
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
        Py_ssize_t size, at = 19;
        const char *s = ascii_text(value, &size);
        int y, m, d;
        if (s == NULL || size < 20 || size > 32 || !parse_date(s, &y, &m, &d) || y < 2 || y > 9998)
            return 0;
        if (!(s[10] == 'T' && is_digit(s[11]) && is_digit(s[12]) && s[13] == ':' && is_digit(s[14]) &&
              is_digit(s[15]) && s[16] == ':' && is_digit(s[17]) && is_digit(s[18])))
            return 0;
        int hour = two(s + 11), minute = two(s + 14), second = two(s + 17);
        if (hour > 23 || minute > 59 || second > 59)
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
        if (PyLong_CheckExact(value)) {
            int overflow;
            long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (overflow || v < 0 || v >= 4102444800LL)
                return 0;
            seconds = v;
            micro = 0;
        }
        else if (PyFloat_CheckExact(value)) {
            double v = PyFloat_AS_DOUBLE(value), whole;
            if (!(v >= 0 && v < 4102444800.0))
                return 0;
            double fraction = rint(modf(v, &whole) * 1e6);
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
        if (!PyLong_CheckExact(value))
            return 0;
        PyObject *found = PyDict_GetItemWithError(col->cache, value); /* borrowed */
        if (found == NULL) {
            if (PyErr_Occurred())
                return -1;
            int overflow;
            long long id = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (overflow || id < 0 || id >= (1LL << 48))
                return 0;
            char out[16];
            uuid_bytes(out, col->ns_high, col->ns_low, (uint64_t)id);
            PyObject *made = PyBytes_FromStringAndSize(out, 16);
            if (made == NULL)
                return -1;
            if (PyDict_GET_SIZE(col->cache) < col->cache_size && PyDict_SetItem(col->cache, value, made) < 0) {
                Py_DECREF(made);
                return -1;
            }
            int known = 1;
            if (col->parents != NULL && (known = PySet_Contains(col->parents, made)) < 0) {
                Py_DECREF(made);
                return -1;
            }
            if (!known || field(self, out, 16) < 0) {
                Py_DECREF(made);
                return known ? -1 : 0;
            }
            if (want_value)
                *value_out = made;
            else
                Py_DECREF(made);
            return 1;
        }
        if (!PyBytes_CheckExact(found) || PyBytes_GET_SIZE(found) != 16)
            return 0;
        if (col->parents != NULL) {
            int known = PySet_Contains(col->parents, found);
            if (known <= 0)
                return known;
        }
        if (field(self, PyBytes_AS_STRING(found), 16) < 0)
            return -1;
        if (want_value) {
            Py_INCREF(found);
            *value_out = found;
        }
        return 1;
    }
    case K_JSON: {
        PyObject *checked = PyObject_CallOneArg(col->func, value);
        if (checked == NULL)
            return -1;
        if (checked == self->empty_json || !PyUnicode_CheckExact(checked)) {
            /* The empty string (noted and stored as NULL by the Python path), or something new. */
            Py_DECREF(checked);
            return 0;
        }
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(checked, &size);
        if (data == NULL || ensure(self, 5 + size) < 0) {
            Py_DECREF(checked);
            if (data == NULL) {
                PyErr_Clear();
                return 0;
            }
            return -1;
        }
        put32(self->buf + self->len, (uint32_t)(size + 1));
        self->buf[self->len + 4] = 1; /* jsonb binary format version */
        memcpy(self->buf + self->len + 5, data, size);
        self->len += 5 + size;
        Py_DECREF(checked);
        if (want_value) {
            PyErr_SetString(PyExc_RuntimeError, "JSON is never a key or checked value here");
            return -1;
        }
        return 1;
    }
    case K_CALL:
        break;
    default:
        PyErr_Format(PyExc_RuntimeError, "unknown column kind %d", col->kind);
        return -1;
    }

    /* K_CALL: the Python step converts (raising TransformError for a bad value), C encodes. */
    PyObject *result = PyObject_CallOneArg(col->func, value);
    if (result == NULL)
        return -1;
    int outcome = 1;
    if (result == Py_None) {
        if (col->not_null)
            outcome = 0;
        else if (null_field(self) < 0)
            outcome = -1;
        goto done;
    }
    switch (col->pgtype) {
    case T_TEXT: {
        Py_ssize_t size;
        const char *data = PyUnicode_CheckExact(result) ? PyUnicode_AsUTF8AndSize(result, &size) : NULL;
        if (data == NULL || memchr(data, 0, size) != NULL) {
            PyErr_Clear();
            outcome = 0;
        }
        else if (field(self, data, size) < 0)
            outcome = -1;
        break;
    }
    case T_BYTEA:
        if (!PyBytes_CheckExact(result))
            outcome = 0;
        else if (field(self, PyBytes_AS_STRING(result), PyBytes_GET_SIZE(result)) < 0)
            outcome = -1;
        break;
    case T_UUID:
        if (!PyBytes_CheckExact(result) || PyBytes_GET_SIZE(result) != 16)
            outcome = 0;
        else if (field(self, PyBytes_AS_STRING(result), 16) < 0)
            outcome = -1;
        break;
    case T_BOOL:
        if (result != Py_True && result != Py_False)
            outcome = 0;
        else {
            char out = result == Py_True;
            if (field(self, &out, 1) < 0)
                outcome = -1;
        }
        break;
    case T_DATE:
        if (!PyDate_CheckExact(result))
            outcome = 0;
        else {
            char out[4];
            int64_t days = days_from_civil(PyDateTime_GET_YEAR(result), PyDateTime_GET_MONTH(result),
                                           PyDateTime_GET_DAY(result));
            put32(out, (uint32_t)(int32_t)(days - PG_EPOCH_DAYS));
            if (field(self, out, 4) < 0)
                outcome = -1;
        }
        break;
    case T_TIMESTAMPTZ: {
        if (!PyDateTime_CheckExact(result) || PyDateTime_DATE_GET_TZINFO(result) != PyDateTime_TimeZone_UTC) {
            outcome = 0;
            break;
        }
        int64_t days = days_from_civil(PyDateTime_GET_YEAR(result), PyDateTime_GET_MONTH(result),
                                       PyDateTime_GET_DAY(result)) - PG_EPOCH_DAYS;
        int64_t stamp = ((days * 24 + PyDateTime_DATE_GET_HOUR(result)) * 60 + PyDateTime_DATE_GET_MINUTE(result)) *
                            60 + PyDateTime_DATE_GET_SECOND(result);
        stamp = stamp * 1000000 + PyDateTime_DATE_GET_MICROSECOND(result);
        char out[8];
        put64(out, (uint64_t)stamp);
        if (field(self, out, 8) < 0)
            outcome = -1;
        break;
    }
    case T_NUMERIC: {
        /* Money results are Decimals quantized to cents: (sign, digits, -2). */
        PyObject *parts = PyObject_CallMethod(result, "as_tuple", NULL);
        if (parts == NULL) {
            outcome = -1;
            break;
        }
        PyObject *sign = PyTuple_GET_ITEM(parts, 0), *digits = PyTuple_GET_ITEM(parts, 1);
        PyObject *exponent = PyTuple_GET_ITEM(parts, 2);
        int64_t cents = 0;
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
        break;
    }
    case T_INET: {
        PyObject *packed = PyObject_GetAttrString(result, "packed");
        if (packed == NULL || !PyBytes_CheckExact(packed) ||
            (PyBytes_GET_SIZE(packed) != 4 && PyBytes_GET_SIZE(packed) != 16)) {
            PyErr_Clear();
            Py_XDECREF(packed);
            outcome = 0;
            break;
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
            outcome = 0;
            break;
        }
        char out[20];
        out[0] = v4 ? 2 : 3; /* PGSQL_AF_INET, PGSQL_AF_INET6 */
        out[1] = (char)(v4 ? 32 : 128);
        out[2] = 0;
        out[3] = (char)size;
        memcpy(out + 4, PyBytes_AS_STRING(packed), size);
        Py_DECREF(packed);
        if (field(self, out, 4 + size) < 0)
            outcome = -1;
        break;
    }
    case T_INT2:
    case T_INT4:
    case T_INT8:
    case T_FLOAT8:
    case T_JSONB:
    default:
        outcome = 0; /* not produced by the conversions that go through here */
    }
done:
    if (outcome == 1 && want_value)
        *value_out = result == Py_None ? NULL : (Py_INCREF(result), result);
    Py_DECREF(result);
    return outcome;
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
 * One row: ADDED (in the buffer), PRESENT, DECLINED, DUPLICATE (*duplicate gets
 * (unique number, key, first rowid)) or -1 with an exception set. A TransformError
 * raised by a Python conversion declines the row: the Python path names it.
 */
static int
encode_one(Encoder *self, PyObject *row, PyObject **duplicate)
{
    *duplicate = NULL;
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) < 1) {
        PyErr_SetString(PyExc_TypeError, "a row is a tuple (rowid, ...)");
        return -1;
    }
    PyObject *rowid_obj = PyTuple_GET_ITEM(row, 0);
    if (!PyLong_CheckExact(rowid_obj))
        return DECLINED;
    int overflow;
    long long rowid = PyLong_AsLongLongAndOverflow(rowid_obj, &overflow);
    if (overflow || rowid < 0 || rowid >= (1LL << 48))
        return DECLINED;

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
        outcome = encode_column(self, col, row, (uint64_t)rowid, want, &value);
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
        uuid_bytes(id, self->ns_high, self->ns_low, (uint64_t)rowid);
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
    if (outcome == 0) {
        self->declined++;
        return DECLINED;
    }
    return outcome < 0 ? -1 : outcome - 10;
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

/*
 * encode_many(rows, inserted) -> (present, others): every row added has its rowid appended to
 * ``inserted``; ``present`` counts the rows already in the target; ``others`` lists
 * (row, DECLINED or the duplicate triple) for the caller.
 */
static PyObject *
Encoder_encode_many(Encoder *self, PyObject *args)
{
    PyObject *rows, *inserted;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &rows, &PyList_Type, &inserted))
        return NULL;
    PyObject *others = PyList_New(0);
    if (others == NULL)
        return NULL;
    Py_ssize_t present = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows); i++) {
        PyObject *row = PyList_GET_ITEM(rows, i), *duplicate, *other = NULL;
        int outcome = encode_one(self, row, &duplicate);
        if (outcome == ADDED) {
            if (PyList_Append(inserted, PyTuple_GET_ITEM(row, 0)) < 0)
                goto failed;
            continue;
        }
        if (outcome == PRESENT) {
            present++;
            continue;
        }
        if (outcome == DECLINED)
            other = Py_BuildValue("(Oi)", row, DECLINED);
        else if (outcome == DUPLICATE) {
            other = PyTuple_Pack(2, row, duplicate);
            Py_DECREF(duplicate);
        }
        if (other == NULL || PyList_Append(others, other) < 0) {
            Py_XDECREF(other);
            goto failed;
        }
        Py_DECREF(other);
    }
    PyObject *answer = Py_BuildValue("(nN)", present, others);
    return answer;
failed:
    Py_DECREF(others);
    return NULL;
}

/*
 * compare(row, target, json_equal) -> bool: whether the row, encoded, is the target's COPY tuple
 * (validate_import's quick check). jsonb fields whose texts differ are passed to
 * json_equal(source text, target text); False means "look closer", not "differs".
 */
static PyObject *
Encoder_compare(Encoder *self, PyObject *args)
{
    PyObject *row, *json_equal, *duplicate;
    Py_buffer target;
    if (!PyArg_ParseTuple(args, "Oy*O", &row, &target, &json_equal))
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
    if (outcome == ADDED) {
        const unsigned char *a = (const unsigned char *)self->buf + start, *b = target.buf;
        Py_ssize_t alen = self->len - start, blen = target.len, ai = 2, bi = 2;
        same = alen >= 2 && blen >= 2 && memcmp(a, b, 2) == 0;
        for (Py_ssize_t i = 0; same && i < self->ncolumns; i++) {
            if (ai + 4 > alen || bi + 4 > blen) {
                same = 0;
                break;
            }
            int32_t asize = (int32_t)((uint32_t)a[ai] << 24 | a[ai + 1] << 16 | a[ai + 2] << 8 | a[ai + 3]);
            int32_t bsize = (int32_t)((uint32_t)b[bi] << 24 | b[bi + 1] << 16 | b[bi + 2] << 8 | b[bi + 3]);
            ai += 4;
            bi += 4;
            Py_ssize_t an = asize < 0 ? 0 : asize, bn = bsize < 0 ? 0 : bsize;
            if (ai + an > alen || bi + bn > blen) {
                same = 0;
                break;
            }
            if (asize != bsize || memcmp(a + ai, b + bi, an) != 0) {
                same = 0;
                if (self->columns[i].kind == K_JSON && asize > 0 && bsize > 0) {
                    PyObject *verdict = PyObject_CallFunction(json_equal, "s#s#", a + ai + 1, an - 1, b + bi + 1,
                                                              bn - 1);
                    if (verdict == NULL) {
                        self->len = start;
                        PyBuffer_Release(&target);
                        return NULL;
                    }
                    same = PyObject_IsTrue(verdict) == 1;
                    Py_DECREF(verdict);
                }
            }
            ai += an;
            bi += bn;
        }
        same = same && ai == alen && bi == blen;
    }
    self->len = start;
    PyBuffer_Release(&target);
    return PyBool_FromLong(same);
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
            int32_t n = (int32_t)((uint32_t)p[end] << 24 | p[end + 1] << 16 | p[end + 2] << 8 | p[end + 3]);
            end += 4;
            if (n > 0 && end + n > size) {
                complete = 0;
                break;
            }
            if (i == 0 && n == 16)
                for (int k = 0; k < 8; k++) {
                    high = high << 8 | p[end + k];
                    low = low << 8 | p[end + 8 + k];
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

static PyObject *
Encoder_get_declined(Encoder *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->declined);
}

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

/*
 * Encoder(namespace, columns, present, decimal, empty_json, keys, seen, error_type)
 *   namespace: (prefix, low) of the table (ops.legacy.ids.namespace)
 *   columns: one dict per target column: kind, index, pgtype, bits, max_length, not_null,
 *            namespace, cache, cache_size, parents, func, predicate, constant, key_slot
 *   present: set of UUID bytes already in the target (or None)
 *   keys: list of tuples of key slots, one per unique key (or None)
 */
static int
Encoder_init(Encoder *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"namespace", "columns", "present", "decimal", "empty_json", "keys", "seen", "error_type",
                            NULL};
    PyObject *ns, *columns, *present, *decimal, *empty_json, *keys, *seen = Py_None,
             *error_type = Py_None;
    unsigned long long ns_high, ns_low;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!OOOO|OO", names, &ns, &PyList_Type, &columns,
                                     &present, &decimal, &empty_json, &keys, &seen, &error_type))
        return -1;
    if (!PyArg_ParseTuple(ns, "KK", &ns_high, &ns_low))
        return -1;
    clear_columns(self);
    self->ns_high = ns_high;
    self->ns_low = ns_low;
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
        if (col->allowed != NULL && !PyAnySet_Check(col->allowed)) {
            PyErr_SetString(PyExc_TypeError, "'allowed' must be a set");
            return -1;
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
        if (col->parents != NULL && !PyAnySet_Check(col->parents)) {
            PyErr_SetString(PyExc_TypeError, "'parents' must be a set");
            return -1;
        }
        if ((col->kind == K_CALL || col->kind == K_JSON) && col->func == NULL) {
            PyErr_SetString(PyExc_TypeError, "a conversion column needs its 'func'");
            return -1;
        }
        if (col->kind != K_ID && col->kind != K_CONST && col->index == 0) {
            PyErr_SetString(PyExc_ValueError, "row[0] is the rowid, not a column");
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
    {"encode_many", (PyCFunction)Encoder_encode_many, METH_VARARGS,
     "encode_many(rows, inserted) -> (rows present, [(row, DECLINED or duplicate triple)])"},
    {"compare", (PyCFunction)Encoder_compare, METH_VARARGS,
     "compare(row, target tuple bytes, json_equal) -> whether the encoded row is the target's"},
    {"write", (PyCFunction)Encoder_write, METH_O, "append bytes already in COPY format"},
    {"take", (PyCFunction)Encoder_take, METH_NOARGS, "the buffered bytes, emptying the buffer"},
    {NULL},
};

static PyGetSetDef Encoder_getset[] = {
    {"size", (getter)Encoder_get_size, NULL, "bytes buffered", NULL},
    {"declined", (getter)Encoder_get_declined, NULL, "rows declined", NULL},
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
    int rc = sqlite3_open_v2(uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
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

static PyObject *
column_value(sqlite3_stmt *stmt, int i)
{
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
        return PyLong_FromLongLong(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
        return PyFloat_FromDouble(sqlite3_column_double(stmt, i));
    case SQLITE_TEXT: {
        const char *text = (const char *)sqlite3_column_text(stmt, i);
        int size = sqlite3_column_bytes(stmt, i);
        PyObject *value = PyUnicode_DecodeUTF8(text, size, "strict");
        if (value == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
            PyErr_Clear();
            PyErr_SetString(UndecodableTextError, "a TEXT value is not valid UTF-8");
        }
        return value;
    }
    case SQLITE_BLOB: {
        const void *blob = sqlite3_column_blob(stmt, i);
        return PyBytes_FromStringAndSize(blob, sqlite3_column_bytes(stmt, i));
    }
    default:
        Py_RETURN_NONE;
    }
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
    while (!self->done && PyList_GET_SIZE(rows) < n) {
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = sqlite3_step(self->stmt);
        Py_END_ALLOW_THREADS
        if (rc == SQLITE_DONE) {
            reader_close(self);
            break;
        }
        if (rc != SQLITE_ROW) {
            PyErr_Format(PyExc_OSError, "reading the snapshot failed: %s", sqlite3_errmsg(self->db));
            reader_close(self);
            Py_DECREF(rows);
            return NULL;
        }
        int width = sqlite3_column_count(self->stmt);
        PyObject *row = PyTuple_New(width);
        if (row == NULL) {
            Py_DECREF(rows);
            return NULL;
        }
        for (int i = 0; i < width; i++) {
            PyObject *value = column_value(self->stmt, i);
            if (value == NULL) {
                Py_DECREF(row);
                Py_DECREF(rows);
                return NULL;
            }
            PyTuple_SET_ITEM(row, i, value);
        }
        int failed = PyList_Append(rows, row);
        Py_DECREF(row);
        if (failed) {
            Py_DECREF(rows);
            return NULL;
        }
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
#endif

static PyMethodDef module_methods[] = {
    {"split_rows", split_rows, METH_VARARGS, "split_rows(data, offset) -> ([(rowid, tuple bytes)], offset, done)"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "mingus_rowcodec", "The import's row encoder (ops/legacy/row_codec.py).", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit_mingus_rowcodec(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    if (PyType_Ready(&EncoderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
#ifndef MINGUS_NO_SQLITE
    if (PyType_Ready(&ReaderType) < 0)
        return NULL;
    UndecodableTextError = PyErr_NewException("mingus_rowcodec.UndecodableText", PyExc_ValueError, NULL);
    if (UndecodableTextError == NULL)
        return NULL;
    Py_INCREF(&ReaderType);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&ReaderType) < 0 ||
        PyModule_AddObject(m, "UndecodableText", UndecodableTextError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    Py_INCREF(&EncoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *)&EncoderType) < 0 ||
        PyModule_AddIntConstant(m, "ABI_VERSION", ABI_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "DECLINED", DECLINED) < 0 || PyModule_AddIntConstant(m, "PRESENT", PRESENT) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
