/* What the two contract checks share: reporting a broken clause, and the shape of a refusal's
 * message. */
#include "contract.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void contract_fail(const struct contract_report *r, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->broken(r->ctx, what);
    abort(); /* broken must not return; if it does, stop here all the same */
}

void contract_check_refusal(const struct contract_report *r, const struct rm_status *st,
                            const char *name, const char *call)
{
    size_t n = strnlen(st->msg, sizeof st->msg), k = strlen(name);
    if (n == 0 || n == sizeof st->msg)
        contract_fail(r, "%s: refused with an empty or unterminated message", call);
    if (memchr(st->msg, '\n', n))
        contract_fail(r, "%s: message spans lines: %s", call, st->msg);
    if (strncmp(st->msg, name, k) != 0 || strncmp(st->msg + k, ": ", 2) != 0)
        contract_fail(r, "%s: message does not start with '%s: ': %s", call, name, st->msg);
    if (r->refused)
        r->refused(r->ctx, st->msg);
}
