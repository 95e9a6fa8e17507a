/* Shared by the commands: error lines, strict number parsing, paths and the data folder. */
#include "cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/data_locate.h"
#include "resnet_mnist/io/idx.h"
#include "resnet_mnist/io/strict_number.h"
#include "resnet_mnist/io/status.h"

/* "resnet-mnist: " and the message, on a line of its own on stderr: formatted as a status line
 * (status.h), so that control characters from argv or a file are escaped and a long path does
 * not push the problem out of the line. */
static void message_line(const char *fmt, va_list ap)
{
    struct rm_status line;
    rm_vfail(&line, fmt, ap);
    fputs(PROGRAM ": ", stderr);
    fputs(line.msg, stderr);
    fputc('\n', stderr);
}

void error_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message_line(fmt, ap);
    va_end(ap);
}

/* A usage error: the message, then where to find help. Returns EXIT_USAGE. */
int usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message_line(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '" PROGRAM "%s%s --help' for more information.\n", command ? " " : "",
            command ? command : "");
    return EXIT_USAGE;
}

int option_error(const char *command, int c, char **argv)
{
    if (c == ':')
        return usage_error(command, "option '%s' needs a value", argv[optind - 1]);
    return usage_error(command, "unknown option '%s'", argv[optind - 1]);
}

int no_operands(const char *command, int argc, char **argv)
{
    if (optind < argc)
        return usage_error(command, "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* stdout is where results go: a failed write (a full disk, a closed pipe) is a failure. */
int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        error_line("error writing to standard output: %s", strerror(errno));
        return rc ? rc : 1;
    }
    return rc;
}

void print_escaped(FILE *fp, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    char unit[RM_ESCAPE_UNIT_MAX];
    while (n > 0) {
        size_t used, len = rm_escape_unit(p, n, unit, &used);
        fwrite(unit, 1, len, fp);
        p += used, n -= used;
    }
}

int parse_long(const char *command, const char *flag, const char *text, long lo, long hi, long *out)
{
    struct rm_status st;
    if (strict_parse_long(flag, text, lo, hi, out, &st) != 0)
        return usage_error(command, "%s", st.msg);
    return 0;
}

int parse_conv(const char *command, const char *text, enum model_conv *out)
{
    struct rm_status st;
    if (run_parse_conv("--conv", text, out, &st) != 0)
        return usage_error(command, "%s", st.msg);
    return 0;
}

int parse_int(const char *command, const char *flag, const char *text, int lo, int hi, int *out)
{
    long v = 0;
    if (parse_long(command, flag, text, lo, hi, &v) != 0)
        return EXIT_USAGE;
    *out = (int)v;
    return 0;
}

int parse_u64(const char *command, const char *flag, const char *text, uint64_t *out)
{
    struct rm_status st;
    if (strict_parse_u64(flag, text, out, &st) != 0)
        return usage_error(command, "%s", st.msg);
    return 0;
}

/* A finite number in [lo, hi], with lo excluded when lo_open (also once made a float). */
int parse_float(const char *command, const char *flag, const char *text, double lo, int lo_open,
                double hi, float *out)
{
    struct rm_status st;
    if (strict_parse_float(flag, text, lo, lo_open, hi, out, &st) != 0)
        return usage_error(command, "%s", st.msg);
    return 0;
}

char *shell_quote(const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "_-+./:=,@%";
    size_t n = strlen(s);
    if (n > 0 && strspn(s, safe) == n)
        return strdup(s);
    /* at worst every byte is a control character: '' $'\xNN' '' is 10 bytes */
    char *out = malloc(n * 10 + 3), *o = out;
    if (!out)
        return NULL;
    *o++ = '\'';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            o += sprintf(o, "'\\''");
        else if (*p < 0x20 || *p == 0x7f)
            o += sprintf(o, "'$'\\x%02x''", *p);
        else
            *o++ = (char)*p;
    }
    *o++ = '\'';
    *o = 0;
    return out;
}

static int resolve_dir(const char **dir, const char *dataset, int train_too)
{
    static char found[PATH_MAX];
    struct rm_status st;
    if (*dir)
        return 0;
    if (data_locate_splits(dataset ? dataset : "mnist", NULL, train_too, found, sizeof found,
                           &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    *dir = found;
    return 0;
}

int resolve_data_dir(const char **dir, const char *dataset)
{
    return resolve_dir(dir, dataset, 1);
}

int resolve_test_data_dir(const char **dir, const char *dataset)
{
    return resolve_dir(dir, dataset, 0);
}

int load_split(struct idx_dataset *ds, const char *dir, enum mnist_split split, int limit)
{
    struct rm_status st;
    if (mnist_load(ds, dir, split, limit, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    return 0;
}
