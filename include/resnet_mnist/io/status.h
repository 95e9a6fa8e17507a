#ifndef RESNET_MNIST_STATUS_H
#define RESNET_MNIST_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/* The error channel of everything under src/ that can fail for reasons outside the program
 * (files, parsing, allocation, user input). Such a function returns 0 on success and -1 on
 * failure, and on failure leaves one line in st->msg that names what and where, e.g.
 * "t10k-labels-idx1-ubyte: bad magic 0x00000803, expected 0x00000801". Nothing under src/
 * prints or exits; the CLI prefixes the line with the program's name.
 *
 * The line is safe to print to a terminal whatever went into it (file names, text from a
 * file): control characters are escaped (newline as \n, carriage return as \r, tab as \t,
 * other C0 controls, DEL, the C1 controls U+0080..U+009F and bytes that are not UTF-8 as \xNN);
 * printable UTF-8 and backslashes are kept, so that escaping twice changes nothing. A message
 * longer than RM_STATUS_LEN - 1 bytes keeps its first RM_STATUS_HEAD bytes and its end, with
 * "..." between them: the problem, named last ("<path>: <problem>"), survives a long path. Cuts
 * fall between whole characters and whole escapes. */

#define RM_STATUS_LEN  512
#define RM_STATUS_HEAD 160

struct rm_status {
    char msg[RM_STATUS_LEN];
};

/* Formats the message into st (if st is not NULL) as described above and returns -1, so that
 * callers can write `return rm_fail(st, "%s: truncated", path);`. The arguments may point into
 * st->msg itself (`rm_fail(st, "%s: %s", path, st->msg)`). */
int rm_fail(struct rm_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The escaping above, one character at a time, for printing text that is not a status line
 * (a path or a checkpoint's metadata in a report): writes the escaped form of the character at
 * s (n >= 1 bytes available) to out (room for RM_ESCAPE_UNIT_MAX bytes) and returns its length;
 * *used gets the number of input bytes it stands for. */
#define RM_ESCAPE_UNIT_MAX 16
size_t rm_escape_unit(const unsigned char *s, size_t n, char *out, size_t *used);
/* rm_fail with a va_list (for wrappers such as the CLI's error lines). */
int rm_vfail(struct rm_status *st, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
