/* The contract of the safetensors reader (ckpt.h) on one input; see contract.h.
 *
 * The table is small rather than the model's 16 tensors, so that seeds stay a few hundred
 * bytes (fuzz/corpus/ckpt): a 2-D, a 1-D and a 4-D tensor, a scalar (shape []), a tensor with
 * no elements (shape [0,2]) and an optional one. fuzz/make_regressions.py writes files for the
 * same table. */
#include "contract.h"

#include <math.h>
#include <string.h>

#include "resnet_mnist/io/ckpt.h"

#define CKPT_NAME "fuzz-ckpt"
#define CKPT_NT   6
/* Room for the largest tensor of the table (6 floats). */
#define CKPT_MAX_ELEMS 6
/* What every float of every buffer holds before a call: a NaN that no accepted file can leave
 * behind (the parser refuses NaNs), so that any write is seen. */
#define CKPT_POISON 0x7fc0deadu

/* The table (names, shapes; the optional tensor last, so that CKPT_NT - 1 leaves it out). */
static const struct ckpt_spec {
    const char *name;
    int ndim;
    int64_t shape[CKPT_MAX_DIMS];
    int optional;
} ckpt_table[CKPT_NT] = {
    {"fc.weight", 2, {2, 3}, 0}, {"fc.bias", 1, {4}, 0},  {"conv.weight", 4, {1, 2, 2, 1}, 0},
    {"scale", 0, {0}, 0},        {"empty", 2, {0, 2}, 0}, {"fc.weight.momentum", 2, {2, 3}, 1},
};

/* One parse: its own buffers, so that results can be compared across calls. */
struct ckpt_run {
    float data[CKPT_NT][CKPT_MAX_ELEMS];
    struct ckpt_tensor t[CKPT_NT];
    int rc;
};

static size_t ckpt_elems(int i)
{
    size_t n = 1;
    for (int d = 0; d < ckpt_table[i].ndim; d++)
        n *= (size_t)ckpt_table[i].shape[d];
    return n;
}

static int ckpt_is_poison(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == CKPT_POISON;
}

/* A refusal touched nothing: no present flag, no float, not the metadata. */
static void ckpt_check_untouched(const struct ckpt_run *run, const struct ckpt_meta *meta,
                                 const char *call, const char *msg, const struct contract_report *r)
{
    for (int i = 0; i < CKPT_NT; i++) {
        if (run->t[i].present != -1)
            contract_fail(r, "%s: refused (%s) but set present of '%s'", call, msg,
                          ckpt_table[i].name);
        for (int k = 0; k < CKPT_MAX_ELEMS; k++)
            if (!ckpt_is_poison(run->data[i][k]))
                contract_fail(r, "%s: refused (%s) but wrote into '%s'", call, msg,
                              ckpt_table[i].name);
    }
    if (meta && (meta->n != 1 || strcmp(meta->keys[0], "fuzz.old") != 0 ||
                 strcmp(meta->values[0], "stale") != 0))
        contract_fail(r, "%s: refused (%s) but changed the metadata", call, msg);
}

/* An acceptance filled exactly the present tensors of the first nt, with finite values, and
 * left a well-formed metadata list. */
static void ckpt_check_filled(const struct ckpt_run *run, int nt, const struct ckpt_meta *meta,
                              const char *call, const struct contract_report *r)
{
    for (int i = 0; i < CKPT_NT; i++) {
        int present = run->t[i].present;
        size_t n = ckpt_elems(i);
        if (i >= nt) {
            present = 0; /* not in the list: must not be touched at all */
            if (run->t[i].present != -1)
                contract_fail(r, "%s: set present of '%s', which is not in the list", call,
                              ckpt_table[i].name);
        } else if (present != 0 && present != 1) {
            contract_fail(r, "%s: present of '%s' is %d", call, ckpt_table[i].name, present);
        } else if (!present && !run->t[i].optional) {
            contract_fail(r, "%s: accepted a file without '%s'", call, ckpt_table[i].name);
        }
        for (size_t k = 0; k < CKPT_MAX_ELEMS; k++) {
            int written = !ckpt_is_poison(run->data[i][k]);
            if (written != (present && k < n))
                contract_fail(r, "%s: element %zu of '%s' %s", call, k, ckpt_table[i].name,
                              written ? "was written" : "was not written");
            if (written && !isfinite(run->data[i][k]))
                contract_fail(r, "%s: accepted a non-finite value in '%s'", call,
                              ckpt_table[i].name);
        }
    }
    if (!meta)
        return;
    if (meta->n < 0 || (meta->n > 0 && (!meta->keys || !meta->values)))
        contract_fail(r, "%s: accepted, metadata has n = %d", call, meta->n);
    for (int i = 0; i < meta->n; i++)
        if (!meta->keys[i] || !meta->values[i])
            contract_fail(r, "%s: accepted, metadata entry %d is NULL", call, i);
}

/* Calls ckpt_parse (ckpt_parse_some when skipped is not NULL) with the first nt tensors of the
 * table (all of them required if all_required) and checks what the contract says of a single
 * call. meta is NULL or holds exactly {"fuzz.old": "stale"}; skipped->n is -7 before. */
static void ckpt_parse_one(struct ckpt_run *run, const uint8_t *buf, size_t len, int nt,
                           int all_required, struct ckpt_meta *meta, struct ckpt_skipped *skipped,
                           const struct contract_report *r)
{
    float poison;
    uint32_t bits = CKPT_POISON;
    memcpy(&poison, &bits, sizeof poison);
    for (int i = 0; i < CKPT_NT; i++) {
        for (int k = 0; k < CKPT_MAX_ELEMS; k++)
            run->data[i][k] = poison;
        run->t[i] = (struct ckpt_tensor){.name = ckpt_table[i].name,
                                         .ndim = ckpt_table[i].ndim,
                                         .data = run->data[i],
                                         .optional = all_required ? 0 : ckpt_table[i].optional,
                                         .present = -1};
        memcpy(run->t[i].shape, ckpt_table[i].shape, sizeof run->t[i].shape);
    }
    struct rm_status st;
    memset(&st, 0, sizeof st);
    run->rc = skipped ? ckpt_parse_some(buf, len, CKPT_NAME, run->t, nt, meta, skipped, &st)
                      : ckpt_parse(buf, len, CKPT_NAME, run->t, nt, meta, &st);
    const char *call = skipped ? "ckpt_parse_some" : meta ? "ckpt_parse(meta)" : "ckpt_parse";
    if (run->rc == -1) {
        contract_check_refusal(r, &st, CKPT_NAME, call);
        ckpt_check_untouched(run, meta, call, st.msg, r);
        if (skipped && skipped->n != -7)
            contract_fail(r, "%s: refused (%s) but set the skipped count", call, st.msg);
    } else if (run->rc == 0) {
        ckpt_check_filled(run, nt, meta, call, r);
        if (skipped && (skipped->n < 0 || (skipped->n == 0) != (skipped->first[0] == 0)))
            contract_fail(r, "%s: accepted, skipped %d, first '%s'", call, skipped->n,
                          skipped->first);
    } else {
        contract_fail(r, "%s: returned %d", call, run->rc);
    }
}

/* Two accepting runs read the first nt tensors the same. */
static void ckpt_check_same(const struct ckpt_run *a, const struct ckpt_run *b, int nt,
                            const char *what, const struct contract_report *r)
{
    for (int i = 0; i < nt; i++)
        if (a->t[i].present != b->t[i].present ||
            memcmp(a->data[i], b->data[i], sizeof a->data[i]) != 0)
            contract_fail(r, "%s: '%s' differs", what, ckpt_table[i].name);
}

int contract_check_ckpt(const uint8_t *data, size_t size, const struct contract_report *r)
{
    static struct ckpt_run plain, with_meta, without_opt, all_required, some;

    ckpt_parse_one(&plain, data, size, CKPT_NT, 0, NULL, NULL, r);

    struct ckpt_meta meta = {0};
    struct rm_status st;
    if (ckpt_meta_set(&meta, "fuzz.old", "stale", &st) != 0)
        contract_fail(r, "ckpt_meta_set: %s", st.msg);
    ckpt_parse_one(&with_meta, data, size, CKPT_NT, 0, &meta, NULL, r);
    ckpt_meta_free(&meta);
    if (with_meta.rc != plain.rc)
        contract_fail(r, "ckpt_parse returns %d without metadata, %d with", plain.rc, with_meta.rc);
    if (plain.rc == 0)
        ckpt_check_same(&plain, &with_meta, CKPT_NT, "ckpt_parse with and without metadata", r);

    /* Without the optional tensor in the list, a file holding it is refused (unknown tensor)
     * and one without it is read the same. */
    int opt_present = plain.rc == 0 && plain.t[CKPT_NT - 1].present == 1;
    ckpt_parse_one(&without_opt, data, size, CKPT_NT - 1, 0, NULL, NULL, r);
    int want = plain.rc == 0 && !opt_present ? 0 : -1;
    if (without_opt.rc != want)
        contract_fail(r, "ckpt_parse without the optional tensor returns %d, expected %d",
                      without_opt.rc, want);
    if (without_opt.rc == 0)
        ckpt_check_same(&plain, &without_opt, CKPT_NT - 1, "ckpt_parse without the optional tensor",
                        r);

    /* With every tensor required, a file lacking the optional one is refused (missing tensor)
     * and one holding it is read the same. */
    ckpt_parse_one(&all_required, data, size, CKPT_NT, 1, NULL, NULL, r);
    want = opt_present ? 0 : -1;
    if (all_required.rc != want)
        contract_fail(r, "ckpt_parse with every tensor required returns %d, expected %d",
                      all_required.rc, want);
    if (all_required.rc == 0)
        ckpt_check_same(&plain, &all_required, CKPT_NT, "ckpt_parse with every tensor required", r);

    /* ckpt_parse_some without the optional tensor in the list: a file ckpt_parse accepts is
     * accepted and read the same, the optional tensor counted as skipped; one accepted with
     * nothing skipped is one ckpt_parse accepts without the optional tensor. */
    struct ckpt_skipped skipped = {.n = -7};
    ckpt_parse_one(&some, data, size, CKPT_NT - 1, 0, NULL, &skipped, r);
    if (plain.rc == 0 && some.rc != 0)
        contract_fail(r, "ckpt_parse_some refuses a file ckpt_parse accepts");
    if (plain.rc == 0 && some.rc == 0 && skipped.n != opt_present)
        contract_fail(r, "ckpt_parse_some skipped %d, the optional tensor is %spresent", skipped.n,
                      opt_present ? "" : "not ");
    if (some.rc == 0 && skipped.n == 0 && without_opt.rc != 0)
        contract_fail(r, "ckpt_parse_some accepts with nothing skipped what ckpt_parse refuses");
    if (plain.rc == 0 && some.rc == 0)
        ckpt_check_same(&plain, &some, CKPT_NT - 1, "ckpt_parse_some", r);
    return plain.rc == 0;
}
