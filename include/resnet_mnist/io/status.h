#ifndef RESNET_MNIST_STATUS_H
#define RESNET_MNIST_STATUS_H

/* The error channel of everything under src/ that can fail for reasons outside the program
 * (files, parsing, allocation, user input). Such a function returns 0 on success and -1 on
 * failure, and on failure leaves one line in st->msg that names what and where, e.g.
 * "t10k-labels-idx1-ubyte: bad magic 0x00000803, expected 0x00000801". Nothing under src/
 * prints or exits; the CLI prefixes the line with the program's name. */

#define RM_STATUS_LEN 512

struct rm_status {
    char msg[RM_STATUS_LEN];
};

/* Formats the message into st (if st is not NULL) and returns -1, so that callers can write
 * `return rm_fail(st, "%s: truncated", path);`. */
int rm_fail(struct rm_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
