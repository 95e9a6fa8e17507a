#ifndef RESNET_MNIST_CLI_UTIL_H
#define RESNET_MNIST_CLI_UTIL_H

/* Private to the command-line driver (src/cli/). */

#include <stdint.h>
#include <stdio.h>

#include "resnet_mnist/engine/model.h"

#include "resnet_mnist/engine/run_options.h"
#include "resnet_mnist/io/idx.h"

#define PROGRAM     "resnet-mnist"
#define EXIT_USAGE  2
#define MAX_BATCH   RUN_MAX_BATCH /* train's rule (run_options.h), for every command */
#define MAX_THREADS 256

/* "resnet-mnist: <message>" on stderr. */
void error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, then "Try 'resnet-mnist COMMAND --help' ..." (command may be
 * NULL). Returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt_long's ':' (missing value) and '?' (unknown option) results: the usage error
 * naming the option. Returns EXIT_USAGE. */
int option_error(const char *command, int c, char **argv);
/* A usage error if operands follow the options (commands that take none); else 0. */
int no_operands(const char *command, int argc, char **argv);

/* Flushes stdout; a failed write to it turns rc into a failure. */
int finish_stdout(int rc);

/* Writes s (a path, text from a file) to fp as error lines show it (status.h): control
 * characters escaped (\n, \r, \t, \xNN for other C0 controls, DEL, C1 controls and bytes that
 * are not UTF-8), printable UTF-8 kept, nothing cut. So that what a file or a file name holds
 * can neither clear the screen nor forge a line of the report. */
void print_escaped(FILE *fp, const char *s);

/* Strict parsers for a flag's value: the whole text must be a number in range, else a usage
 * error naming the flag is printed and EXIT_USAGE returned; 0 on success. */
int parse_long(const char *command, const char *flag, const char *text, long lo, long hi,
               long *out);
int parse_int(const char *command, const char *flag, const char *text, int lo, int hi, int *out);
int parse_u64(const char *command, const char *flag, const char *text, uint64_t *out);
/* --conv: "direct" or "fast" (run_parse_conv's rule). */
int parse_conv(const char *command, const char *text, enum model_conv *out);
/* A finite number in [lo, hi], lo excluded when lo_open. */
int parse_float(const char *command, const char *flag, const char *text, double lo, int lo_open,
                double hi, float *out);

/* s as one word of a POSIX shell command, so that a printed command works when pasted: as it is
 * when it has only characters no shell treats specially, else in single quotes (an embedded '
 * as '\'', a control character as $'\xNN', which bash, zsh and ksh read); malloc'd, NULL when
 * out of memory. */
char *shell_quote(const char *s);

/* The data folder: *dir as it is when not NULL (--data, or a resumed run's folder), else the
 * first folder of data_locate's search (data_locate.h) that holds dataset (NULL: "mnist"),
 * kept in a static buffer. 0, or 1 after printing data_locate's error (the folders tried and
 * the fetch command). */
int resolve_data_dir(const char **dir, const char *dataset);
/* The same for a command that reads only the test split (data_locate_splits). */
int resolve_test_data_dir(const char **dir, const char *dataset);

/* Loads an MNIST split, printing the loader's message on failure. 0 or 1. */
int load_split(struct idx_dataset *ds, const char *dir, enum mnist_split split, int limit);

/* The commands: argv[0] is the command's name; they return the exit status. */
int cmd_train(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_fetch(int argc, char **argv);

#endif
