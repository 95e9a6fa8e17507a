/* libFuzzer harness for ckpt_parse (ckpt.h, spec section 5), the reader of safetensors
 * checkpoints, which come from outside the program.
 *
 * The harness describes a small tensor table of its own rather than the model's 16 tensors, so
 * that seeds stay a few hundred bytes (fuzz/corpus/ckpt): a 2-D, a 1-D and a 4-D tensor, a
 * scalar (shape []), a tensor with no elements (shape [0,2]) and an optional one.
 * tests/test_fuzz_regressions.c holds the same table: keep the two in step.
 *
 * Each input is parsed four times: without metadata, into metadata that already holds a key
 * (which a success must free), against the table without its optional tensor, and with that
 * tensor required. After each call
 * the contract of ckpt.h is checked: the result is 0 or -1; a refusal leaves one non-empty line
 * "<name>: <problem>" and touches no tensor data, present flag or metadata; an acceptance fills
 * every required tensor with finite values, leaves absent ones as they were, and gives the same
 * result with or without metadata. A broken contract aborts, which libFuzzer reports as a crash
 * like any sanitizer finding.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/ckpt.h"

#define FUZZ_NAME "fuzz-ckpt"
#define FUZZ_NT   6
/* Room for the largest tensor of the table (6 floats). */
#define FUZZ_MAX_ELEMS 6
/* What every float of every buffer holds before a call: a NaN that no accepted file can leave
 * behind (the parser refuses NaNs), so that any write is seen. */
#define FUZZ_POISON 0x7fc0deadu

/* The table (names, shapes; the optional tensor last, so that FUZZ_NT - 1 leaves it out). */
static const struct fuzz_spec {
    const char *name;
    int ndim;
    int64_t shape[CKPT_MAX_DIMS];
    int optional;
} fuzz_table[FUZZ_NT] = {
    {"fc.weight", 2, {2, 3}, 0}, {"fc.bias", 1, {4}, 0},  {"conv.weight", 4, {1, 2, 2, 1}, 0},
    {"scale", 0, {0}, 0},        {"empty", 2, {0, 2}, 0}, {"fc.weight.momentum", 2, {2, 3}, 1},
};

/* One parse: its own buffers, so that results can be compared across calls. */
struct fuzz_run {
    float data[FUZZ_NT][FUZZ_MAX_ELEMS];
    struct ckpt_tensor t[FUZZ_NT];
    int rc;
};

/* Reports a broken contract and aborts (libFuzzer saves the input as a crash). */
__attribute__((format(printf, 1, 2), noreturn)) static void fuzz_broken(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_ckpt: contract broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static size_t fuzz_elems(int i)
{
    size_t n = 1;
    for (int d = 0; d < fuzz_table[i].ndim; d++)
        n *= (size_t)fuzz_table[i].shape[d];
    return n;
}

static int fuzz_is_poison(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == FUZZ_POISON;
}

/* Calls ckpt_parse with the first nt tensors of the table (all of them required if
 * all_required) and checks what the contract says of a single call. meta is NULL or holds
 * exactly {"fuzz.old": "stale"}. */
static void fuzz_parse(struct fuzz_run *r, const uint8_t *buf, size_t len, int nt, int all_required,
                       struct ckpt_meta *meta)
{
    float poison;
    uint32_t bits = FUZZ_POISON;
    memcpy(&poison, &bits, sizeof poison);
    for (int i = 0; i < FUZZ_NT; i++) {
        for (int k = 0; k < FUZZ_MAX_ELEMS; k++)
            r->data[i][k] = poison;
        r->t[i] = (struct ckpt_tensor){.name = fuzz_table[i].name,
                                       .ndim = fuzz_table[i].ndim,
                                       .data = r->data[i],
                                       .optional = all_required ? 0 : fuzz_table[i].optional,
                                       .present = -1};
        memcpy(r->t[i].shape, fuzz_table[i].shape, sizeof r->t[i].shape);
    }
    struct rm_status st;
    memset(&st, 0, sizeof st);
    r->rc = ckpt_parse(buf, len, FUZZ_NAME, r->t, nt, meta, &st);
    const char *call = meta ? "ckpt_parse(meta)" : "ckpt_parse";

    if (r->rc == -1) {
        size_t n = strnlen(st.msg, sizeof st.msg);
        if (n == 0 || n == sizeof st.msg)
            fuzz_broken("%s: refused with an empty or unterminated message", call);
        if (memchr(st.msg, '\n', n))
            fuzz_broken("%s: message spans lines: %s", call, st.msg);
        if (strncmp(st.msg, FUZZ_NAME ": ", sizeof FUZZ_NAME + 1) != 0)
            fuzz_broken("%s: message does not start with '" FUZZ_NAME ": ': %s", call, st.msg);
        for (int i = 0; i < FUZZ_NT; i++) {
            if (r->t[i].present != -1)
                fuzz_broken("%s: refused (%s) but set present of '%s'", call, st.msg,
                            fuzz_table[i].name);
            for (int k = 0; k < FUZZ_MAX_ELEMS; k++)
                if (!fuzz_is_poison(r->data[i][k]))
                    fuzz_broken("%s: refused (%s) but wrote into '%s'", call, st.msg,
                                fuzz_table[i].name);
        }
        if (meta && (meta->n != 1 || strcmp(meta->keys[0], "fuzz.old") != 0 ||
                     strcmp(meta->values[0], "stale") != 0))
            fuzz_broken("%s: refused (%s) but changed the metadata", call, st.msg);
        return;
    }
    if (r->rc != 0)
        fuzz_broken("%s: returned %d", call, r->rc);
    for (int i = 0; i < FUZZ_NT; i++) {
        int present = r->t[i].present;
        size_t n = fuzz_elems(i);
        if (i >= nt) {
            present = 0; /* not in the list: must not be touched at all */
            if (r->t[i].present != -1)
                fuzz_broken("%s: set present of '%s', which is not in the list", call,
                            fuzz_table[i].name);
        } else if (present != 0 && present != 1) {
            fuzz_broken("%s: present of '%s' is %d", call, fuzz_table[i].name, present);
        } else if (!present && !r->t[i].optional) {
            fuzz_broken("%s: accepted a file without '%s'", call, fuzz_table[i].name);
        }
        for (size_t k = 0; k < FUZZ_MAX_ELEMS; k++) {
            int written = !fuzz_is_poison(r->data[i][k]);
            if (written != (present && k < n))
                fuzz_broken("%s: element %zu of '%s' %s", call, k, fuzz_table[i].name,
                            written ? "was written" : "was not written");
            if (written && !isfinite(r->data[i][k]))
                fuzz_broken("%s: accepted a non-finite value in '%s'", call, fuzz_table[i].name);
        }
    }
    if (meta) {
        if (meta->n < 0 || (meta->n > 0 && (!meta->keys || !meta->values)))
            fuzz_broken("%s: accepted, metadata has n = %d", call, meta->n);
        for (int i = 0; i < meta->n; i++)
            if (!meta->keys[i] || !meta->values[i])
                fuzz_broken("%s: accepted, metadata entry %d is NULL", call, i);
    }
}

static void fuzz_same(const struct fuzz_run *a, const struct fuzz_run *b, int nt, const char *what)
{
    for (int i = 0; i < nt; i++)
        if (a->t[i].present != b->t[i].present ||
            memcmp(a->data[i], b->data[i], sizeof a->data[i]) != 0)
            fuzz_broken("%s: '%s' differs", what, fuzz_table[i].name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_run plain, with_meta, without_opt, all_required;

    fuzz_parse(&plain, data, size, FUZZ_NT, 0, NULL);

    struct ckpt_meta meta = {0};
    struct rm_status st;
    if (ckpt_meta_set(&meta, "fuzz.old", "stale", &st) != 0)
        fuzz_broken("ckpt_meta_set: %s", st.msg);
    fuzz_parse(&with_meta, data, size, FUZZ_NT, 0, &meta);
    ckpt_meta_free(&meta);
    if (with_meta.rc != plain.rc)
        fuzz_broken("ckpt_parse returns %d without metadata, %d with", plain.rc, with_meta.rc);
    if (plain.rc == 0)
        fuzz_same(&plain, &with_meta, FUZZ_NT, "ckpt_parse with and without metadata");

    /* Without the optional tensor in the list, a file holding it is refused (unknown tensor)
     * and one without it is read the same. */
    int opt_present = plain.rc == 0 && plain.t[FUZZ_NT - 1].present == 1;
    fuzz_parse(&without_opt, data, size, FUZZ_NT - 1, 0, NULL);
    int want = plain.rc == 0 && !opt_present ? 0 : -1;
    if (without_opt.rc != want)
        fuzz_broken("ckpt_parse without the optional tensor returns %d, expected %d",
                    without_opt.rc, want);
    if (without_opt.rc == 0)
        fuzz_same(&plain, &without_opt, FUZZ_NT - 1, "ckpt_parse without the optional tensor");

    /* With every tensor required, a file lacking the optional one is refused (missing tensor)
     * and one holding it is read the same. */
    fuzz_parse(&all_required, data, size, FUZZ_NT, 1, NULL);
    want = opt_present ? 0 : -1;
    if (all_required.rc != want)
        fuzz_broken("ckpt_parse with every tensor required returns %d, expected %d",
                    all_required.rc, want);
    if (all_required.rc == 0)
        fuzz_same(&plain, &all_required, FUZZ_NT, "ckpt_parse with every tensor required");
    return 0;
}
