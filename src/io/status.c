#include "resnet_mnist/io/status.h"

#include <stdarg.h>
#include <stdio.h>

int rm_fail(struct rm_status *st, const char *fmt, ...)
{
    if (st) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->msg, sizeof st->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}
