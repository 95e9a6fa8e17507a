/* Strict numbers from text: see strict_number.h. */
#include "resnet_mnist/io/strict_number.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

int strict_parse_long(const char *name, const char *text, long lo, long hi, long *out,
                      struct rm_status *st)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    /* strtol would skip leading white space; a value is the whole text, nothing around it */
    if (end == text || *end != '\0' || errno == ERANGE || isspace((unsigned char)text[0]))
        return rm_fail(st, "%s: '%s' is not a whole number", name, text);
    if (v < lo || v > hi)
        return rm_fail(st, "%s: %ld is out of range %ld..%ld", name, v, lo, hi);
    *out = v;
    return 0;
}

int strict_parse_int(const char *name, const char *text, int lo, int hi, int *out,
                     struct rm_status *st)
{
    long v = 0;
    if (strict_parse_long(name, text, lo, hi, &v, st) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

int strict_parse_u64(const char *name, const char *text, uint64_t *out, struct rm_status *st)
{
    char *end;
    errno = 0;
    /* strtoull would accept a sign (and negate) or skip white space */
    if (text[0] == '-' || text[0] == '+' || isspace((unsigned char)text[0]))
        return rm_fail(st, "%s: '%s' is not a number from 0 to %" PRIu64, name, text, UINT64_MAX);
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return rm_fail(st, "%s: '%s' is not a number from 0 to %" PRIu64, name, text, UINT64_MAX);
    *out = v;
    return 0;
}

int strict_parse_double(const char *name, const char *text, double *out, struct rm_status *st)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v) ||
        isspace((unsigned char)text[0]))
        return rm_fail(st, "%s: '%s' is not a number", name, text);
    *out = v;
    return 0;
}

int strict_parse_float(const char *name, const char *text, double lo, int lo_open, double hi,
                       float *out, struct rm_status *st)
{
    double v = 0;
    if (strict_parse_double(name, text, &v, st) != 0)
        return -1;
    const char *open = lo_open ? "(" : "[";
    if (v > hi || v < lo || (lo_open && v == lo))
        return rm_fail(st, "%s: %s is out of range %s%g..%g]", name, text, open, lo, hi);
    float f = (float)v;
    if (f > hi || f < lo || (lo_open && f == lo))
        return rm_fail(st, "%s: %s is %g in single precision, out of range %s%g..%g]", name, text,
                       (double)f, open, lo, hi);
    *out = f;
    return 0;
}
