#ifndef RESNET_MNIST_STRICT_NUMBER_H
#define RESNET_MNIST_STRICT_NUMBER_H

#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Strict reading of a number written as text: a command-line value or a checkpoint's metadata,
 * read by the same rules. The whole text must be the number, with nothing around it (no white
 * space, no trailing characters). `name` says in messages where the text came from ("--lr",
 * "last.bin: field 'lr'"). Each returns 0 and sets *out, or returns -1, leaves *out alone and
 * fills st with one of the lines below. */

/* A whole number in lo..hi (decimal, an optional sign): "<name>: '<text>' is not a whole number"
 * (also beyond long's range), "<name>: <v> is out of range <lo>..<hi>". */
int strict_parse_long(const char *name, const char *text, long lo, long hi, long *out,
                      struct rm_status *st);
/* strict_parse_long for an int. */
int strict_parse_int(const char *name, const char *text, int lo, int hi, int *out,
                     struct rm_status *st);

/* A number from 0 to 2^64-1 (decimal, no sign): "<name>: '<text>' is not a number from 0 to
 * 18446744073709551615". */
int strict_parse_u64(const char *name, const char *text, uint64_t *out, struct rm_status *st);

/* A finite number (strtod's forms, not "nan" or "inf", not beyond double's range):
 * "<name>: '<text>' is not a number". */
int strict_parse_double(const char *name, const char *text, double *out, struct rm_status *st);

/* A finite number in [lo, hi] (lo excluded when lo_open), kept as a float: the float it rounds
 * to must be in the range too, so that 1e-50 in (0, 1] is refused rather than becoming 0:
 * "<name>: '<text>' is not a number", "<name>: <text> is out of range (lo..hi]" ("[lo..hi]"),
 * "<name>: <text> is <f> in single precision, out of range (lo..hi]". */
int strict_parse_float(const char *name, const char *text, double lo, int lo_open, double hi,
                       float *out, struct rm_status *st);

#endif
