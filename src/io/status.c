/* One-line messages (status.h): formatted whole, then escaped and, when too long, elided in the
 * middle. */
#include "resnet_mnist/io/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/utf8.h"

/* Room for two paths of PATH_MAX (4096) and the words around them, on the stack; longer
 * messages are formatted into the heap (and, when that fails, cut here). */
#define STATUS_RAW_LEN (2 * 4096 + 512)

size_t rm_escape_unit(const unsigned char *s, size_t n, char *out, size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b = s[0];
    unsigned cp = 0;
    size_t len = b >= 0x80 ? utf8_char_length(s, n, &cp) : 0;
    *used = 1;
    if (b >= 0x20 && b < 0x7f) {
        out[0] = (char)b;
        return 1;
    }
    if (b == '\n' || b == '\r' || b == '\t') {
        out[0] = '\\';
        out[1] = b == '\n' ? 'n' : b == '\r' ? 'r' : 't';
        return 2;
    }
    if (len && cp >= 0xA0) { /* printable UTF-8 */
        memcpy(out, s, len);
        *used = len;
        return len;
    }
    /* a C0 control, DEL, a byte that is not UTF-8, or each byte of a C1 control */
    size_t k = len ? len : 1, o = 0;
    for (size_t i = 0; i < k; i++) {
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[s[i] >> 4];
        out[o++] = hex[s[i] & 15];
    }
    *used = k;
    return o;
}

/* Writes raw[0..n) escaped into msg (RM_STATUS_LEN bytes), eliding its middle when too long. */
static void status_escape(char *msg, const char *raw, size_t n)
{
    const unsigned char *s = (const unsigned char *)raw;
    char unit[RM_ESCAPE_UNIT_MAX];
    size_t used, total = 0;
    for (size_t i = 0; i < n; i += used)
        total += rm_escape_unit(s + i, n - i, unit, &used);
    size_t o = 0, i = 0;
    if (total <= RM_STATUS_LEN - 1) {
        for (; i < n; i += used)
            o += rm_escape_unit(s + i, n - i, msg + o, &used);
        msg[o] = 0;
        return;
    }
    /* the head: whole units within RM_STATUS_HEAD bytes */
    for (; i < n; i += used) {
        size_t k = rm_escape_unit(s + i, n - i, unit, &used);
        if (o + k > RM_STATUS_HEAD)
            break;
        memcpy(msg + o, unit, k);
        o += k;
    }
    memcpy(msg + o, "...", 3);
    o += 3;
    /* the tail: from the first unit after which no more than the room left remains */
    size_t room = RM_STATUS_LEN - 1 - o, before = 0;
    for (size_t j = 0; j < n; j += used) {
        size_t k = rm_escape_unit(s + j, n - j, unit, &used);
        if (j >= i && total - before <= room) {
            for (; j < n; j += used)
                o += rm_escape_unit(s + j, n - j, msg + o, &used);
            break;
        }
        before += k;
    }
    msg[o] = 0;
}

int rm_vfail(struct rm_status *st, const char *fmt, va_list ap)
{
    if (!st)
        return -1;
    char small[STATUS_RAW_LEN];
    char *raw = small, *big = NULL;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0) {
        n = 0;
        small[0] = 0;
    } else if ((size_t)n >= sizeof small) {
        big = malloc((size_t)n + 1);
        if (big && vsnprintf(big, (size_t)n + 1, fmt, ap) == n)
            raw = big;
        else
            n = (int)sizeof small - 1; /* out of memory: the cut message */
    }
    status_escape(st->msg, raw, (size_t)n);
    free(big);
    return -1;
}

int rm_fail(struct rm_status *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rm_vfail(st, fmt, ap);
    va_end(ap);
    return -1;
}
