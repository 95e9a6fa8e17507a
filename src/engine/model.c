#include "resnet_mnist/engine/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/engine/clock.h"
#include "resnet_mnist/ops/conv2d.h"
#include "resnet_mnist/ops/conv_relu_pool.h"
#include "resnet_mnist/ops/conv_winograd.h"
#include "resnet_mnist/ops/floats.h"
#include "resnet_mnist/ops/linear.h"
#include "resnet_mnist/ops/maxpool2d.h"
#include "resnet_mnist/ops/relu.h"
#include "resnet_mnist/ops/sgd.h"
#include "resnet_mnist/ops/xent.h"

/* Offsets are the running sums of the sizes, in PyTorch's state_dict order. */
#define P_CONV1_W    0
#define P_CONV1_B    (P_CONV1_W + 16 * 1 * 5 * 5)
#define P_RB1A_W     (P_CONV1_B + 16)
#define P_RB1A_B     (P_RB1A_W + 16 * 16 * 3 * 3)
#define P_RB1B_W     (P_RB1A_B + 16)
#define P_RB1B_B     (P_RB1B_W + 16 * 16 * 5 * 5)
#define P_CONV2_W    (P_RB1B_B + 16)
#define P_CONV2_B    (P_CONV2_W + 32 * 16 * 3 * 3)
#define P_RB2A_W     (P_CONV2_B + 32)
#define P_RB2A_B     (P_RB2A_W + 32 * 32 * 3 * 3)
#define P_RB2B_W     (P_RB2A_B + 32)
#define P_RB2B_B     (P_RB2B_W + 32 * 32 * 5 * 5)
#define P_LIN1_W     (P_RB2B_B + 32)
#define P_LIN1_B     (P_LIN1_W + 200 * 800)
#define P_LIN2_W     (P_LIN1_B + 200)
#define P_LIN2_B     (P_LIN2_W + 10 * 200) /* with 10 classes; m->table[15].offset for N */
#define P_END        (P_LIN2_B + 10)
#define P_LIN2_BN(m) ((m)->table[MODEL_PARAM_COUNT - 1].offset)

_Static_assert(P_END == MODEL_PARAM_FLOATS, "parameter table does not add up to 210,882");
_Static_assert(P_CONV1_B == P_CONV1_W + 400 && P_RB2B_B == P_RB2B_W + 25600,
               "each conv bias follows its weight");

const struct model_param model_params[MODEL_PARAM_COUNT] = {
    {"conv1.weight", 4, {16, 1, 5, 5}, 25, P_CONV1_W, 400},
    {"conv1.bias", 1, {16}, 25, P_CONV1_B, 16},
    {"RB1.conv1.weight", 4, {16, 16, 3, 3}, 144, P_RB1A_W, 2304},
    {"RB1.conv1.bias", 1, {16}, 144, P_RB1A_B, 16},
    {"RB1.conv2.weight", 4, {16, 16, 5, 5}, 400, P_RB1B_W, 6400},
    {"RB1.conv2.bias", 1, {16}, 400, P_RB1B_B, 16},
    {"conv2.weight", 4, {32, 16, 3, 3}, 144, P_CONV2_W, 4608},
    {"conv2.bias", 1, {32}, 144, P_CONV2_B, 32},
    {"RB2.conv1.weight", 4, {32, 32, 3, 3}, 288, P_RB2A_W, 9216},
    {"RB2.conv1.bias", 1, {32}, 288, P_RB2A_B, 32},
    {"RB2.conv2.weight", 4, {32, 32, 5, 5}, 800, P_RB2B_W, 25600},
    {"RB2.conv2.bias", 1, {32}, 800, P_RB2B_B, 32},
    {"linear1.weight", 2, {200, 800}, 800, P_LIN1_W, 160000},
    {"linear1.bias", 1, {200}, 800, P_LIN1_B, 200},
    {"linear2.weight", 2, {10, 200}, 200, P_LIN2_W, 2000},
    {"linear2.bias", 1, {10}, 200, P_LIN2_B, 10},
};

size_t model_param_floats(int classes)
{
    return (size_t)P_LIN2_W + (size_t)classes * 201;
}

void model_param_table(struct model_param t[MODEL_PARAM_COUNT], int classes)
{
    memcpy(t, model_params, sizeof model_params);
    struct model_param *w = &t[MODEL_PARAM_COUNT - 2], *b = &t[MODEL_PARAM_COUNT - 1];
    w->shape[0] = classes;
    w->size = (size_t)classes * 200;
    b->shape[0] = classes;
    b->offset = w->offset + w->size;
    b->size = (size_t)classes;
}

const char *const model_stage_names[MODEL_STAGES] = {
    "conv1 fwd",     "RB1.conv1 fwd", "RB1.conv2 fwd", "conv2 fwd",
    "RB2.conv1 fwd", "RB2.conv2 fwd", "linear fwd",    "loss",
    "linear bwd",    "RB2.conv2 bwd", "RB2.conv1 bwd", "conv2 bwd",
    "RB1.conv2 bwd", "RB1.conv1 bwd", "conv1 bwd",     "sgd",
};

/* Multiply-adds per image (spec section 2) times 2; a backward pass computes the weight
 * gradient and the input gradient, each as costly as the forward (conv1 needs no input
 * gradient). */
#define MAC2(x) (2.0 * (x))
const double model_stage_flops[MODEL_STAGES] = {
    MAC2(230400),     MAC2(331776),     MAC2(921600),     MAC2(460800),
    MAC2(230400),     MAC2(640000),     MAC2(162000),     0,
    2 * MAC2(162000), 2 * MAC2(640000), 2 * MAC2(230400), 2 * MAC2(460800),
    2 * MAC2(921600), 2 * MAC2(331776), MAC2(230400),     0,
};

/* Adds the time since *t to stage and moves *t to now. */
static void lap(struct model *m, enum model_stage stage, double *t)
{
    double now = clock_seconds();
    m->stage_seconds[stage] += now - *t;
    *t = now;
}

/* Activation sizes per image, in the order they are carved from m->acts (and m->dacts). */
enum {
    A_X = 784,       /* [1,28,28] input */
    A_P1 = 16 * 144, /* [16,12,12] pool(relu(conv1)), one fused step; also r1a, r1b, o1 */
    A_A2 = 32 * 100, /* [32,10,10] relu(conv2) */
    A_P2 = 32 * 25,  /* [32,5,5]; also r2a, r2b, o2 */
    A_H = 200,       /* relu(linear1) */
    /* then the logits and probs, classes floats each */
    A_PER_IMAGE_BUT_Z = A_X + 4 * A_P1 + A_A2 + 4 * A_P2 + A_H,
};

/* The six convolutions. Each processes the batch in groups of `group` images (one strip or
 * im2col + GEMM per group, see conv2d.c), and a thread carries a chunk of CHUNK images through
 * all six (forward, then backward), so a step has one pool job per direction instead of one
 * per layer, and a chunk's activations stay in its core's cache. Group and chunk sizes are
 * constants, never derived from the thread count, so results do not depend on it; every group
 * size divides CHUNK. Batch 30 is six chunks, three per thread on two. */
#define CHUNK 5
struct conv_layer {
    int w, b; /* parameter offsets */
    int ic, hw, oc, k, pad;
    int group;
};
enum { L_CONV1, L_RB1A, L_RB1B, L_CONV2, L_RB2A, L_RB2B, L_COUNT };
_Static_assert(L_COUNT == MODEL_CONV_LAYERS, "the conv layers of model.h");
static const struct conv_layer layers[L_COUNT] = {
    [L_CONV1] = {P_CONV1_W, P_CONV1_B, 1, 28, 16, 5, 0, 5}, /* conv_relu_pool, not conv2d */
    [L_RB1A] = {P_RB1A_W, P_RB1A_B, 16, 12, 16, 3, 1, 5},
    [L_RB1B] = {P_RB1B_W, P_RB1B_B, 16, 12, 16, 5, 2, 5},
    [L_CONV2] = {P_CONV2_W, P_CONV2_B, 16, 12, 32, 3, 0, 5},
    [L_RB2A] = {P_RB2A_W, P_RB2A_B, 32, 5, 32, 3, 1, 5},
    [L_RB2B] = {P_RB2B_W, P_RB2B_B, 32, 5, 32, 5, 2, 5},
};

static struct conv2d_shape layer_shape(int layer, int n)
{
    const struct conv_layer *l = &layers[layer];
    return (struct conv2d_shape){n, l->ic, l->hw, l->hw, l->oc, l->k, l->k, l->pad};
}

static int groups_of(int layer, int n)
{
    return (n + layers[layer].group - 1) / layers[layer].group;
}

static size_t layer_weights(int layer)
{
    const struct conv_layer *l = &layers[layer];
    return (size_t)l->oc * l->ic * l->k * l->k;
}

/* Floats of one group's partial gradient of layer: its weights, then its biases. */
static size_t partial_stride(int layer)
{
    return layer_weights(layer) + (size_t)layers[layer].oc;
}

/* Where each layer's packed weights (conv2d_pack, whose size does not depend on the group's)
 * start in m->packs, and its partial gradients in m->partials: every layer has a slot per
 * group of a max_batch batch, since all of them are summed after the whole backward pass.
 * Element L_COUNT holds the totals. Worked out once, in model_init. */
static void conv_offsets(struct model *m, int max_batch)
{
    m->pack_at[0] = m->partial_at[0] = 0;
    for (int l = 0; l < L_COUNT; l++) {
        struct conv2d_shape s = layer_shape(l, 1);
        m->pack_at[l + 1] = m->pack_at[l] + (l == L_CONV1 ? 0 : conv2d_pack_floats(&s));
        m->partial_at[l + 1] =
            m->partial_at[l] + (size_t)groups_of(l, max_batch) * partial_stride(l);
    }
}

void model_free(struct model *m)
{
    thread_pool_free(&m->pool);
    free(m->params);
    free(m->grads);
    free(m->momentum);
    free(m->acts);
    free(m->dacts);
    free(m->argmax1);
    free(m->argmax2);
    free(m->scratch);
    free(m->partials);
    free(m->thread_stage_seconds);
    free(m->packs);
    memset(m, 0, sizeof *m);
}

/* The per-image activation regions, carved in order from one block for max_batch images. */
struct act_views {
    float *x, *p1, *r1a, *r1b, *o1, *a2, *p2, *r2a, *r2b, *o2, *h, *z, *probs;
};

static struct act_views carve(float *base, int max_batch, int classes)
{
    const size_t A_Z = (size_t)classes; /* logits; also probs */
    struct act_views v;
    float **order[] = {&v.x,   &v.p1,  &v.r1a, &v.r1b, &v.o1, &v.a2,   &v.p2,
                       &v.r2a, &v.r2b, &v.o2,  &v.h,   &v.z,  &v.probs};
    const size_t sizes[] = {A_X,  A_P1, A_P1, A_P1, A_P1, A_A2, A_P2,
                            A_P2, A_P2, A_P2, A_H,  A_Z,  A_Z};
    for (int i = 0; i < 13; i++) {
        *order[i] = base;
        base += sizes[i] * (size_t)max_batch;
    }
    return v;
}

int model_init(struct model *m, int max_batch, int threads, struct rm_status *st)
{
    return model_init_classes(m, max_batch, threads, MODEL_CLASSES, st);
}

int model_init_classes(struct model *m, int max_batch, int threads, int classes,
                       struct rm_status *st)
{
    memset(m, 0, sizeof *m);
    if (classes < 1 || classes > MODEL_MAX_CLASSES)
        return rm_fail(st, "%d classes: a model has 1 to %d", classes, MODEL_MAX_CLASSES);
    m->classes = classes;
    m->param_floats = model_param_floats(classes);
    model_param_table(m->table, classes);
    m->in_mean = 0.1307f;
    m->in_std = 0.3081f;
    if (max_batch < 1)
        return rm_fail(st, "batch size must be at least 1");
    if (threads < 1)
        return rm_fail(st, "thread count must be at least 1");
    m->max_batch = max_batch;
    size_t nb = (size_t)max_batch, scratch = 0;
    for (int l = L_CONV1 + 1; l < L_COUNT; l++) { /* conv1's fused step needs none */
        int g = layers[l].group < max_batch ? layers[l].group : max_batch;
        struct conv2d_shape s = layer_shape(l, g);
        size_t need = conv2d_scratch_floats(&s);
        if (conv_winograd_ok(&s) && conv_winograd_scratch_floats(&s) > need)
            need = conv_winograd_scratch_floats(&s);
        scratch = need > scratch ? need : scratch;
    }
    conv_offsets(m, max_batch);
    m->scratch_per_thread = scratch;
    size_t per_image = A_PER_IMAGE_BUT_Z + 2 * (size_t)classes;
    m->params = calloc(m->param_floats, sizeof(float));
    m->grads = calloc(m->param_floats, sizeof(float));
    m->momentum = calloc(m->param_floats, sizeof(float));
    m->acts = calloc(nb * per_image, sizeof(float));
    m->dacts = calloc(nb * per_image, sizeof(float));
    m->argmax1 = calloc(nb * A_P1, 1);
    m->argmax2 = calloc(nb * A_P2, 1);
    m->scratch = calloc(scratch * (size_t)threads, sizeof(float));
    m->partials = calloc(m->partial_at[L_COUNT], sizeof(float));
    m->thread_stage_seconds = calloc((size_t)threads * MODEL_STAGES, sizeof(double));
    m->packs = calloc(m->pack_at[L_COUNT] + 1, sizeof(float));
    if (!m->params || !m->grads || !m->momentum || !m->acts || !m->dacts || !m->argmax1 ||
        !m->argmax2 || !m->scratch || !m->partials || !m->thread_stage_seconds || !m->packs) {
        model_free(m);
        return rm_fail(st, "out of memory allocating the model for batches of %d", max_batch);
    }
    if (thread_pool_init(&m->pool, threads, st) != 0) {
        model_free(m);
        return -1;
    }
    struct act_views v = carve(m->acts, max_batch, classes);
    m->x = v.x, m->p1 = v.p1, m->r1a = v.r1a, m->r1b = v.r1b, m->o1 = v.o1;
    m->a2 = v.a2, m->p2 = v.p2, m->r2a = v.r2a, m->r2b = v.r2b, m->o2 = v.o2;
    m->h = v.h, m->z = v.z, m->probs = v.probs;
    return 0;
}

void model_init_params(struct model *m, struct rng *r)
{
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &m->table[i];
        float bound = (float)(1.0 / sqrt((double)p->fan_in));
        float *w = m->params + p->offset;
        for (size_t k = 0; k < p->size; k++)
            w[k] = (float)(-bound + 2.0 * bound * rng_uniform(r));
    }
    memset(m->momentum, 0, m->param_floats * sizeof(float));
    m->steps = 0;
}

/* A pass over the batch, run by the pool: one task per chunk of CHUNK images (or per block of
 * the dense layer). */
struct job {
    struct model *m;
    int n;
    struct act_views d; /* gradient views (backward) */
};

static int chunks_of(int n)
{
    return (n + CHUNK - 1) / CHUNK;
}

/* Adds the time since *t to the thread's own count for stage and moves *t to now. */
static void lap_thread(struct model *m, int thread, enum model_stage stage, double *t)
{
    double now = clock_seconds();
    m->thread_stage_seconds[(size_t)thread * MODEL_STAGES + stage] += now - *t;
    *t = now;
}

/* Moves the threads' stage times into stage_seconds, averaged over the threads: on one thread
 * the exact time, on several each stage's share of the time they all worked. */
static void fold_thread_stages(struct model *m)
{
    int threads = m->pool.threads;
    for (int s = 0; s < MODEL_STAGES; s++) {
        double sum = 0;
        for (int t = 0; t < threads; t++) {
            sum += m->thread_stage_seconds[(size_t)t * MODEL_STAGES + s];
            m->thread_stage_seconds[(size_t)t * MODEL_STAGES + s] = 0;
        }
        m->stage_seconds[s] += sum / threads;
    }
}

/* Images [*first, *first + *count) of group g of layer at batch size n. */
static void group_range(int layer, int n, int g, int *first, int *count)
{
    *first = g * layers[layer].group;
    *count = n - *first < layers[layer].group ? n - *first : layers[layer].group;
}

/* The forward pass of layer on group g of a batch of n. */
static void forward_group(struct model *m, int layer, int n, int g, float *scratch)
{
    int first, c;
    group_range(layer, n, g, &first, &c);
    const struct conv_layer *l = &layers[layer];
    struct conv2d_shape s = layer_shape(layer, c);
    const float *w = m->params + l->w, *b = m->params + l->b;
    const float *pack = m->packs + m->pack_at[layer];
    size_t f = (size_t)first;
    switch (layer) {
    case L_CONV1: {
        struct conv_relu_pool_shape cs = {c, 28, 28};
        conv_relu_pool_forward(m->p1 + f * A_P1, m->argmax1 + f * A_P1, m->x + f * A_X, w, b, &cs);
        break;
    }
    case L_RB1A:
        conv2d_forward_packed(m->r1a + f * A_P1, m->p1 + f * A_P1, w, pack, b, 1, scratch, &s);
        break;
    case L_RB1B:
        conv2d_forward_packed(m->r1b + f * A_P1, m->r1a + f * A_P1, w, pack, b, 0, scratch, &s);
        relu_add_forward(m->o1 + f * A_P1, m->p1 + f * A_P1, m->r1b + f * A_P1, (size_t)c * A_P1);
        break;
    case L_CONV2: {
        struct maxpool2d_shape mp = {c, 32, 10, 10};
        if (m->conv == MODEL_CONV_FAST)
            conv_winograd_forward(m->a2 + f * A_A2, m->o1 + f * A_P1, w, b, 1, scratch, &s);
        else
            conv2d_forward_packed(m->a2 + f * A_A2, m->o1 + f * A_P1, w, pack, b, 1, scratch, &s);
        maxpool2d_forward(m->p2 + f * A_P2, m->argmax2 + f * A_P2, m->a2 + f * A_A2, &mp);
        break;
    }
    case L_RB2A:
        conv2d_forward_packed(m->r2a + f * A_P2, m->p2 + f * A_P2, w, pack, b, 1, scratch, &s);
        break;
    case L_RB2B:
        conv2d_forward_packed(m->r2b + f * A_P2, m->r2a + f * A_P2, w, pack, b, 0, scratch, &s);
        relu_add_forward(m->o2 + f * A_P2, m->p2 + f * A_P2, m->r2b + f * A_P2, (size_t)c * A_P2);
        break;
    }
}

/* Packs the layers' weights for one pass (conv2d_pack_pass): once per pass rather than once
 * per group, which for RB2's 25,600 weights and groups of 5 cost an eighth of the layer; the
 * forward pass packs only its own part (inference needs no more), the backward pass its part
 * when it starts. conv1's fused step arranges its weights itself. One task per layer, largest
 * first, so that the pool's contiguous shares put RB2.conv2 with less beside it. */
static const int pack_order[L_COUNT - 1] = {L_RB2B, L_RB2A, L_CONV2, L_RB1B, L_RB1A};

static void pack_layer(struct model *m, int task, int backward)
{
    int layer = pack_order[task];
    struct conv2d_shape s = layer_shape(layer, 1);
    conv2d_pack_pass(m->packs + m->pack_at[layer], m->params + layers[layer].w, &s, backward);
}

static void pack_forward_task(void *ctx, int task, int thread)
{
    (void)thread;
    pack_layer(ctx, task, 0);
}

static void pack_backward_task(void *ctx, int task, int thread)
{
    (void)thread;
    pack_layer(ctx, task, 1);
}

/* All six convolutions on one chunk of images, group by group. */
static void forward_chunk_task(void *ctx, int chunk, int thread)
{
    const struct job *j = ctx;
    struct model *m = j->m;
    float *scratch = m->scratch + (size_t)thread * m->scratch_per_thread;
    int first = chunk * CHUNK, end = first + CHUNK < j->n ? first + CHUNK : j->n;
    double t = clock_seconds();
    for (int layer = 0; layer < L_COUNT; layer++) {
        int group = layers[layer].group;
        for (int g = first / group; g * group < end; g++)
            forward_group(m, layer, j->n, g, scratch);
        lap_thread(m, thread, (enum model_stage)(STAGE_CONV1_FWD + layer), &t);
    }
}

/* linear1, the one large dense layer, is split by blocks of its outputs (forward, weight
 * gradient) or inputs (input gradient): each task packs only its slice of the weights, and every
 * element's sum is the same whatever the split. */
#define DENSE_OUT_BLOCK  32 /* of linear1's 200 outputs: whole vector panels, the last partial */
#define DENSE_OUT_BLOCKS ((200 + DENSE_OUT_BLOCK - 1) / DENSE_OUT_BLOCK)
#define DENSE_IN_BLOCK   160 /* of its 800 inputs */

static void dense_forward_task(void *ctx, int task, int thread)
{
    (void)thread;
    const struct job *j = ctx;
    struct model *m = j->m;
    /* o2 [n,32,5,5] is already the channel-major flattening [n,800] of spec section 2 */
    int o0 = task * DENSE_OUT_BLOCK, o1 = o0 + DENSE_OUT_BLOCK < 200 ? o0 + DENSE_OUT_BLOCK : 200;
    linear_forward_cols(m->h, m->o2, m->params + P_LIN1_W, m->params + P_LIN1_B, j->n, 800, 200, o0,
                        o1);
}

void model_forward(struct model *m, int n)
{
    struct job j = {.m = m, .n = n};
    double t0 = clock_seconds();
    thread_pool_run(&m->pool, L_COUNT - 1, pack_forward_task, m); /* the weights may have changed */
    lap(m, STAGE_CONV1_FWD, &t0);
    thread_pool_run(&m->pool, chunks_of(n), forward_chunk_task, &j);
    fold_thread_stages(m);
    double t = clock_seconds();
    thread_pool_run(&m->pool, DENSE_OUT_BLOCKS, dense_forward_task, &j);
    relu_forward(m->h, m->h, (size_t)n * A_H);
    linear_forward(m->z, m->h, m->params + P_LIN2_W, m->params + P_LIN2_BN(m), n, 200, m->classes);
    lap(m, STAGE_LINEAR_FWD, &t);
}

double model_loss(struct model *m, const uint8_t *labels, int n)
{
    double t = clock_seconds();
    double loss = xent_forward(m->probs, m->z, labels, n, m->classes);
    lap(m, STAGE_LOSS, &t);
    return loss;
}

/* Zeroes images [first, first+count) of a gradient buffer with per_image floats each. */
static void zero_images(float *buf, size_t per_image, size_t first, int count)
{
    memset(buf + first * per_image, 0, per_image * (size_t)count * sizeof(float));
}

/* Backward of one conv layer for one group, plus the element-wise steps around it that concern
 * only the group's images. The weight gradient goes to the group's own slot in m->partials. */
static void backward_group(struct model *m, const struct act_views *d, int layer, int n, int g,
                           float *scratch)
{
    int first, c;
    group_range(layer, n, g, &first, &c);
    const struct conv_layer *l = &layers[layer];
    struct conv2d_shape s = layer_shape(layer, c);
    const float *w = m->params + l->w;
    const float *pack = m->packs + m->pack_at[layer];
    float *dw = m->partials + m->partial_at[layer] + (size_t)g * partial_stride(layer);
    float *db = dw + layer_weights(layer);
    memset(dw, 0, partial_stride(layer) * sizeof(float));
    size_t f = (size_t)first;
    switch (layer) {
    case L_RB2B: /* o2 = relu(p2 + r2b): the join sends its gradient down both paths */
        zero_images(d->p2, A_P2, f, c);
        zero_images(d->r2b, A_P2, f, c);
        zero_images(d->r2a, A_P2, f, c);
        relu_add_backward(d->p2 + f * A_P2, d->r2b + f * A_P2, d->o2 + f * A_P2, m->o2 + f * A_P2,
                          (size_t)c * A_P2);
        conv2d_backward_packed(d->r2a + f * A_P2, dw, db, d->r2b + f * A_P2, m->r2a + f * A_P2, w,
                               pack, scratch, &s);
        relu_backward(d->r2a + f * A_P2, d->r2a + f * A_P2, m->r2a + f * A_P2, (size_t)c * A_P2);
        break;
    case L_RB2A: { /* after it, dp2 is complete for these images: undo pool and relu */
        struct maxpool2d_shape mp = {c, 32, 10, 10};
        conv2d_backward_packed(d->p2 + f * A_P2, dw, db, d->r2a + f * A_P2, m->p2 + f * A_P2, w,
                               pack, scratch, &s);
        maxpool2d_relu_backward(d->a2 + f * A_A2, d->p2 + f * A_P2, m->argmax2 + f * A_P2,
                                m->a2 + f * A_A2, &mp);
        break;
    }
    case L_CONV2: /* then o1 = relu(p1 + r1b) */
        zero_images(d->o1, A_P1, f, c);
        zero_images(d->p1, A_P1, f, c);
        zero_images(d->r1b, A_P1, f, c);
        if (m->conv == MODEL_CONV_FAST) { /* the weight gradient stays direct: more exact */
            conv2d_backward_packed(NULL, dw, db, d->a2 + f * A_A2, m->o1 + f * A_P1, w, pack,
                                   scratch, &s);
            conv_winograd_input_grad(d->o1 + f * A_P1, d->a2 + f * A_A2, w, scratch, &s);
        } else
            conv2d_backward_packed(d->o1 + f * A_P1, dw, db, d->a2 + f * A_A2, m->o1 + f * A_P1, w,
                                   pack, scratch, &s);
        relu_add_backward(d->p1 + f * A_P1, d->r1b + f * A_P1, d->o1 + f * A_P1, m->o1 + f * A_P1,
                          (size_t)c * A_P1);
        break;
    case L_RB1B:
        zero_images(d->r1a, A_P1, f, c);
        conv2d_backward_packed(d->r1a + f * A_P1, dw, db, d->r1b + f * A_P1, m->r1a + f * A_P1, w,
                               pack, scratch, &s);
        relu_backward(d->r1a + f * A_P1, d->r1a + f * A_P1, m->r1a + f * A_P1, (size_t)c * A_P1);
        break;
    case L_RB1A: /* after it, dp1 is complete for these images */
        conv2d_backward_packed(d->p1 + f * A_P1, dw, db, d->r1a + f * A_P1, m->p1 + f * A_P1, w,
                               pack, scratch, &s);
        break;
    case L_CONV1: { /* through the pool and ReLU in one step; the input needs no gradient */
        struct conv_relu_pool_shape cs = {c, 28, 28};
        conv_relu_pool_weight_grad(dw, db, d->p1 + f * A_P1, m->argmax1 + f * A_P1, m->x + f * A_X,
                                   &cs);
        break;
    }
    }
}

/* The six layers' backward passes on one chunk of images, last layer first. */
static void backward_chunk_task(void *ctx, int chunk, int thread)
{
    const struct job *j = ctx;
    struct model *m = j->m;
    float *scratch = m->scratch + (size_t)thread * m->scratch_per_thread;
    int first = chunk * CHUNK, end = first + CHUNK < j->n ? first + CHUNK : j->n;
    double t = clock_seconds();
    for (int layer = L_COUNT - 1; layer >= 0; layer--) {
        int group = layers[layer].group;
        for (int g = first / group; g * group < end; g++)
            backward_group(m, &j->d, layer, j->n, g, scratch);
        lap_thread(m, thread, (enum model_stage)(STAGE_CONV1_BWD - layer), &t);
    }
}

/* grads of every conv layer = the sum of its groups' partial gradients, in group order, split
 * over tasks of at most REDUCE_CHUNK elements of one layer (each element's sum is the same
 * whatever the split). */
#define REDUCE_CHUNK 4096

struct reduce_job {
    struct model *m;
    int n;
};

static int reduce_tasks_of(int layer)
{
    return (int)((partial_stride(layer) + REDUCE_CHUNK - 1) / REDUCE_CHUNK);
}

static void reduce_task(void *ctx, int task, int thread)
{
    (void)thread;
    const struct reduce_job *r = ctx;
    int layer = 0;
    while (task >= reduce_tasks_of(layer))
        task -= reduce_tasks_of(layer++);
    size_t stride = partial_stride(layer);
    int groups = groups_of(layer, r->n);
    /* weights then biases are one run of stride floats in each partial, and in grads too:
     * the bias follows the weight in the parameter table */
    float *gw = r->m->grads + layers[layer].w;
    size_t lo = (size_t)task * REDUCE_CHUNK,
           hi = lo + REDUCE_CHUNK < stride ? lo + REDUCE_CHUNK : stride;
    const float *p0 = r->m->partials + r->m->partial_at[layer];
    memcpy(gw + lo, p0 + lo, (hi - lo) * sizeof(float));
    for (int g = 1; g < groups; g++)
        floats_add(gw + lo, p0 + (size_t)g * stride + lo, hi - lo);
}

static void reduce_partials(struct model *m, int n)
{
    struct reduce_job r = {m, n};
    int tasks = 0;
    for (int layer = 0; layer < L_COUNT; layer++)
        tasks += reduce_tasks_of(layer);
    thread_pool_run(&m->pool, tasks, reduce_task, &r);
}

/* linear1's backward: the first DENSE_OUT_BLOCKS tasks compute blocks of weight-gradient
 * rows, the others blocks of the input gradient's columns. */
static void dense_backward_task(void *ctx, int task, int thread)
{
    (void)thread;
    const struct job *j = ctx;
    struct model *m = j->m;
    if (task < DENSE_OUT_BLOCKS) {
        int o0 = task * DENSE_OUT_BLOCK,
            o1 = o0 + DENSE_OUT_BLOCK < 200 ? o0 + DENSE_OUT_BLOCK : 200;
        /* the rows start at zero here, in parallel, rather than in one serial memset */
        memset(m->grads + P_LIN1_W + (size_t)o0 * 800, 0, (size_t)(o1 - o0) * 800 * sizeof(float));
        memset(m->grads + P_LIN1_B + o0, 0, (size_t)(o1 - o0) * sizeof(float));
        linear_backward_weights(m->grads + P_LIN1_W, m->grads + P_LIN1_B, j->d.h, m->o2, j->n, 800,
                                200, o0, o1);
        return;
    }
    task -= DENSE_OUT_BLOCKS;
    for (int b = 0; b < j->n; b++) /* this task's columns of do2 start at zero */
        memset(j->d.o2 + (size_t)b * A_P2 + (size_t)task * DENSE_IN_BLOCK, 0,
               DENSE_IN_BLOCK * sizeof(float));
    linear_backward_input_cols(j->d.o2, j->d.h, m->params + P_LIN1_W, j->n, 800, 200,
                               task * DENSE_IN_BLOCK, (task + 1) * DENSE_IN_BLOCK);
}

void model_backward(struct model *m, const uint8_t *labels, int n)
{
    const float *w = m->params;
    float *g = m->grads;
    struct job j = {.m = m, .n = n, .d = carve(m->dacts, m->max_batch, m->classes)};
    double t = clock_seconds();
    /* backward passes add into their outputs: the dense part's gradients start at zero here
     * (linear1's in its tasks), the conv tasks zero their own images' slices when they start */
    memset(j.d.z, 0, (size_t)n * (size_t)m->classes * sizeof(float));
    memset(j.d.h, 0, (size_t)n * A_H * sizeof(float));
    memset(g + P_LIN2_W, 0, (m->param_floats - P_LIN2_W) * sizeof(float));

    xent_backward(j.d.z, m->probs, labels, n, m->classes);
    linear_backward(j.d.h, g + P_LIN2_W, g + P_LIN2_BN(m), j.d.z, m->h, w + P_LIN2_W, n, 200,
                    m->classes);
    relu_backward(j.d.h, j.d.h, m->h, (size_t)n * A_H);
    thread_pool_run(&m->pool, DENSE_OUT_BLOCKS + 800 / DENSE_IN_BLOCK, dense_backward_task, &j);
    lap(m, STAGE_LINEAR_BWD, &t);
    thread_pool_run(&m->pool, L_COUNT - 1, pack_backward_task, m); /* counted with RB2.conv2 */
    lap(m, STAGE_RB2B_BWD, &t);
    thread_pool_run(&m->pool, chunks_of(n), backward_chunk_task, &j);
    fold_thread_stages(m);
    /* the sums of the partials, counted with the first layer's backward pass */
    t = clock_seconds();
    reduce_partials(m, n);
    lap(m, STAGE_CONV1_BWD, &t);
}

/* The update is element-wise: chunks of it run on the pool. */
#define SGD_CHUNK  32768
#define SGD_CHUNKS ((MODEL_MAX_PARAM_FLOATS + SGD_CHUNK - 1) / SGD_CHUNK) /* at most */

struct sgd_job {
    struct model *m;
    float lr, momentum;
    int first;
    int bad[SGD_CHUNKS]; /* a task's parameters hold an infinity or NaN after its update */
};

static void sgd_task(void *ctx, int task, int thread)
{
    (void)thread;
    struct sgd_job *j = ctx;
    size_t lo = (size_t)task * SGD_CHUNK;
    size_t all = j->m->param_floats, n = all - lo < SGD_CHUNK ? all - lo : SGD_CHUNK;
    if (j->m->weight_decay != 0 || j->m->nesterov) {
        struct sgd_options o = {j->lr, j->momentum, j->m->weight_decay, j->m->nesterov};
        sgd_step_decayed(j->m->params + lo, j->m->momentum + lo, j->m->grads + lo, n, &o, j->first);
    } else { /* the tutorial's step, bit for bit */
        sgd_step(j->m->params + lo, j->m->momentum + lo, j->m->grads + lo, n, j->lr, j->momentum,
                 j->first);
    }
    /* checked while the chunk is still in cache from its update, rather than in a serial pass
     * over all the weights after it */
    j->bad[task] = !floats_all_finite(j->m->params + lo, n);
}

int model_sgd_step(struct model *m, float lr, float momentum)
{
    double t = clock_seconds();
    struct sgd_job j = {m, lr, momentum, m->steps == 0, {0}};
    int chunks = (int)((m->param_floats + SGD_CHUNK - 1) / SGD_CHUNK);
    thread_pool_run(&m->pool, chunks, sgd_task, &j);
    m->steps++;
    int bad = 0;
    for (int k = 0; k < chunks; k++)
        bad |= j.bad[k];
    lap(m, STAGE_SGD, &t);
    return bad ? -1 : 0;
}

int model_predicted(const struct model *m, int b)
{
    const float *z = m->z + (size_t)b * (size_t)m->classes;
    int best = 0;
    for (int k = 1; k < m->classes; k++)
        if (z[k] > z[best])
            best = k;
    return best;
}
