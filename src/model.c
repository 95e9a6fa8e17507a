#include "resnet_mnist/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/conv2d.h"
#include "resnet_mnist/linear.h"
#include "resnet_mnist/maxpool2d.h"
#include "resnet_mnist/relu.h"
#include "resnet_mnist/sgd.h"
#include "resnet_mnist/xent.h"

/* Offsets are the running sums of the sizes, in PyTorch's state_dict order. */
#define P_CONV1_W 0
#define P_CONV1_B (P_CONV1_W + 16 * 1 * 5 * 5)
#define P_RB1A_W  (P_CONV1_B + 16)
#define P_RB1A_B  (P_RB1A_W + 16 * 16 * 3 * 3)
#define P_RB1B_W  (P_RB1A_B + 16)
#define P_RB1B_B  (P_RB1B_W + 16 * 16 * 5 * 5)
#define P_CONV2_W (P_RB1B_B + 16)
#define P_CONV2_B (P_CONV2_W + 32 * 16 * 3 * 3)
#define P_RB2A_W  (P_CONV2_B + 32)
#define P_RB2A_B  (P_RB2A_W + 32 * 32 * 3 * 3)
#define P_RB2B_W  (P_RB2A_B + 32)
#define P_RB2B_B  (P_RB2B_W + 32 * 32 * 5 * 5)
#define P_LIN1_W  (P_RB2B_B + 32)
#define P_LIN1_B  (P_LIN1_W + 200 * 800)
#define P_LIN2_W  (P_LIN1_B + 200)
#define P_LIN2_B  (P_LIN2_W + 10 * 200)
#define P_END     (P_LIN2_B + 10)

_Static_assert(P_END == MODEL_PARAM_FLOATS, "parameter table does not add up to 210,882");

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

/* Activation sizes per image, in the order they are carved from m->acts. */
enum {
    A_X = 784,       /* [1,28,28] input */
    A_A1 = 16 * 576, /* [16,24,24] relu(conv1) */
    A_P1 = 16 * 144, /* [16,12,12] after max-pool; also r1a, r1b, o1 */
    A_A2 = 32 * 100, /* [32,10,10] relu(conv2) */
    A_P2 = 32 * 25,  /* [32,5,5]; also r2a, r2b, o2 */
    A_H = 200,       /* relu(linear1) */
    A_Z = 10,        /* logits; also probs */
    A_PER_IMAGE = A_X + A_A1 + 4 * A_P1 + A_A2 + 4 * A_P2 + A_H + 2 * A_Z,
};

static struct conv2d_shape conv_shape(int n, int ic, int hw, int oc, int k, int pad)
{
    return (struct conv2d_shape){n, ic, hw, hw, oc, k, k, pad};
}

/* The five convolutions for a batch of n. */
#define CONV1(n) conv_shape(n, 1, 28, 16, 5, 0)
#define RB1A(n)  conv_shape(n, 16, 12, 16, 3, 1)
#define RB1B(n)  conv_shape(n, 16, 12, 16, 5, 2)
#define CONV2(n) conv_shape(n, 16, 12, 32, 3, 0)
#define RB2A(n)  conv_shape(n, 32, 5, 32, 3, 1)
#define RB2B(n)  conv_shape(n, 32, 5, 32, 5, 2)

void model_free(struct model *m)
{
    free(m->params);
    free(m->grads);
    free(m->momentum);
    free(m->acts);
    free(m->dacts);
    free(m->argmax1);
    free(m->argmax2);
    free(m->scratch);
    memset(m, 0, sizeof *m);
}

/* Points the named views at consecutive regions of base (acts or dacts). */
static void carve(float *base, int n, float **v[], const size_t per_image[], int count)
{
    for (int i = 0; i < count; i++) {
        *v[i] = base;
        base += per_image[i] * (size_t)n;
    }
}

static void carve_acts(struct model *m, float *base, float **x, float **a1, float **p1, float **r1a,
                       float **r1b, float **o1, float **a2, float **p2, float **r2a, float **r2b,
                       float **o2, float **h, float **z, float **probs)
{
    float **views[] = {x, a1, p1, r1a, r1b, o1, a2, p2, r2a, r2b, o2, h, z, probs};
    static const size_t sizes[] = {A_X,  A_A1, A_P1, A_P1, A_P1, A_P1, A_A2,
                                   A_P2, A_P2, A_P2, A_P2, A_H,  A_Z,  A_Z};
    carve(base, m->max_batch, views, sizes, 14);
}

int model_init(struct model *m, int max_batch, struct rm_status *st)
{
    memset(m, 0, sizeof *m);
    if (max_batch < 1)
        return rm_fail(st, "batch size must be at least 1");
    m->max_batch = max_batch;
    size_t nb = (size_t)max_batch;
    struct conv2d_shape convs[] = {CONV1(max_batch), RB1A(max_batch), RB1B(max_batch),
                                   CONV2(max_batch), RB2A(max_batch), RB2B(max_batch)};
    size_t scratch = 0;
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
        size_t need = conv2d_scratch_floats(&convs[i]);
        scratch = need > scratch ? need : scratch;
    }
    m->params = calloc(MODEL_PARAM_FLOATS, sizeof(float));
    m->grads = calloc(MODEL_PARAM_FLOATS, sizeof(float));
    m->momentum = calloc(MODEL_PARAM_FLOATS, sizeof(float));
    m->acts = calloc(nb * A_PER_IMAGE, sizeof(float));
    m->dacts = calloc(nb * A_PER_IMAGE, sizeof(float));
    m->argmax1 = calloc(nb * A_P1, 1);
    m->argmax2 = calloc(nb * A_P2, 1);
    m->scratch = calloc(scratch, sizeof(float));
    if (!m->params || !m->grads || !m->momentum || !m->acts || !m->dacts || !m->argmax1 ||
        !m->argmax2 || !m->scratch) {
        model_free(m);
        return rm_fail(st, "out of memory allocating the model for batches of %d", max_batch);
    }
    carve_acts(m, m->acts, &m->x, &m->a1, &m->p1, &m->r1a, &m->r1b, &m->o1, &m->a2, &m->p2, &m->r2a,
               &m->r2b, &m->o2, &m->h, &m->z, &m->probs);
    return 0;
}

void model_init_params(struct model *m, struct rng *r)
{
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &model_params[i];
        float bound = (float)(1.0 / sqrt((double)p->fan_in));
        float *w = m->params + p->offset;
        for (size_t k = 0; k < p->size; k++)
            w[k] = (float)(-bound + 2.0 * bound * rng_uniform(r));
    }
    memset(m->momentum, 0, MODEL_PARAM_FLOATS * sizeof(float));
    m->steps = 0;
}

float *model_param(const struct model *m, int i)
{
    return m->params + model_params[i].offset;
}

void model_forward(struct model *m, int n)
{
    const float *w = m->params;
    float *s = m->scratch;
    struct conv2d_shape c;
    struct maxpool2d_shape mp1 = {n, 16, 24, 24}, mp2 = {n, 32, 10, 10};

    c = CONV1(n);
    conv2d_forward(m->a1, m->x, w + P_CONV1_W, w + P_CONV1_B, s, &c);
    relu_forward(m->a1, m->a1, (size_t)n * A_A1);
    maxpool2d_forward(m->p1, m->argmax1, m->a1, &mp1);

    c = RB1A(n);
    conv2d_forward(m->r1a, m->p1, w + P_RB1A_W, w + P_RB1A_B, s, &c);
    relu_forward(m->r1a, m->r1a, (size_t)n * A_P1);
    c = RB1B(n);
    conv2d_forward(m->r1b, m->r1a, w + P_RB1B_W, w + P_RB1B_B, s, &c);
    relu_add_forward(m->o1, m->p1, m->r1b, (size_t)n * A_P1);

    c = CONV2(n);
    conv2d_forward(m->a2, m->o1, w + P_CONV2_W, w + P_CONV2_B, s, &c);
    relu_forward(m->a2, m->a2, (size_t)n * A_A2);
    maxpool2d_forward(m->p2, m->argmax2, m->a2, &mp2);

    c = RB2A(n);
    conv2d_forward(m->r2a, m->p2, w + P_RB2A_W, w + P_RB2A_B, s, &c);
    relu_forward(m->r2a, m->r2a, (size_t)n * A_P2);
    c = RB2B(n);
    conv2d_forward(m->r2b, m->r2a, w + P_RB2B_W, w + P_RB2B_B, s, &c);
    relu_add_forward(m->o2, m->p2, m->r2b, (size_t)n * A_P2);

    /* o2 [n,32,5,5] is already the channel-major flattening [n,800] of spec section 2 */
    linear_forward(m->h, m->o2, w + P_LIN1_W, w + P_LIN1_B, n, 800, 200);
    relu_forward(m->h, m->h, (size_t)n * A_H);
    linear_forward(m->z, m->h, w + P_LIN2_W, w + P_LIN2_B, n, 200, 10);
}

double model_loss(struct model *m, const uint8_t *labels, int n)
{
    return xent_forward(m->probs, m->z, labels, n, MODEL_CLASSES);
}

void model_backward(struct model *m, const uint8_t *labels, int n)
{
    const float *w = m->params;
    float *g = m->grads, *s = m->scratch;
    float *dx, *da1, *dp1, *dr1a, *dr1b, *do1, *da2, *dp2, *dr2a, *dr2b, *do2, *dh, *dz, *dprobs;
    carve_acts(m, m->dacts, &dx, &da1, &dp1, &dr1a, &dr1b, &do1, &da2, &dp2, &dr2a, &dr2b, &do2,
               &dh, &dz, &dprobs);
    (void)dx;
    (void)dprobs;
    /* backward passes add into their outputs: start every gradient at zero */
    memset(m->dacts, 0, (size_t)m->max_batch * A_PER_IMAGE * sizeof(float));
    memset(m->grads, 0, MODEL_PARAM_FLOATS * sizeof(float));
    struct conv2d_shape c;
    struct maxpool2d_shape mp1 = {n, 16, 24, 24}, mp2 = {n, 32, 10, 10};

    xent_backward(dz, m->probs, labels, n, MODEL_CLASSES);
    linear_backward(dh, g + P_LIN2_W, g + P_LIN2_B, dz, m->h, w + P_LIN2_W, n, 200, 10);
    relu_backward(dh, dh, m->h, (size_t)n * A_H);
    linear_backward(do2, g + P_LIN1_W, g + P_LIN1_B, dh, m->o2, w + P_LIN1_W, n, 800, 200);

    relu_add_backward(dp2, dr2b, do2, m->o2, (size_t)n * A_P2);
    c = RB2B(n);
    conv2d_backward(dr2a, g + P_RB2B_W, g + P_RB2B_B, dr2b, m->r2a, w + P_RB2B_W, s, &c);
    relu_backward(dr2a, dr2a, m->r2a, (size_t)n * A_P2);
    c = RB2A(n);
    conv2d_backward(dp2, g + P_RB2A_W, g + P_RB2A_B, dr2a, m->p2, w + P_RB2A_W, s, &c);

    maxpool2d_backward(da2, dp2, m->argmax2, &mp2);
    relu_backward(da2, da2, m->a2, (size_t)n * A_A2);
    c = CONV2(n);
    conv2d_backward(do1, g + P_CONV2_W, g + P_CONV2_B, da2, m->o1, w + P_CONV2_W, s, &c);

    relu_add_backward(dp1, dr1b, do1, m->o1, (size_t)n * A_P1);
    c = RB1B(n);
    conv2d_backward(dr1a, g + P_RB1B_W, g + P_RB1B_B, dr1b, m->r1a, w + P_RB1B_W, s, &c);
    relu_backward(dr1a, dr1a, m->r1a, (size_t)n * A_P1);
    c = RB1A(n);
    conv2d_backward(dp1, g + P_RB1A_W, g + P_RB1A_B, dr1a, m->p1, w + P_RB1A_W, s, &c);

    maxpool2d_backward(da1, dp1, m->argmax1, &mp1);
    relu_backward(da1, da1, m->a1, (size_t)n * A_A1);
    c = CONV1(n);
    conv2d_backward(NULL, g + P_CONV1_W, g + P_CONV1_B, da1, m->x, w + P_CONV1_W, s, &c);
}

void model_sgd_step(struct model *m, float lr, float momentum)
{
    sgd_step(m->params, m->momentum, m->grads, MODEL_PARAM_FLOATS, lr, momentum, m->steps == 0);
    m->steps++;
}

double model_train_step(struct model *m, const uint8_t *labels, int n, float lr, float momentum)
{
    model_forward(m, n);
    double loss = model_loss(m, labels, n);
    model_backward(m, labels, n);
    model_sgd_step(m, lr, momentum);
    return loss;
}

int model_predicted(const struct model *m, int b)
{
    const float *z = m->z + (size_t)b * MODEL_CLASSES;
    int best = 0;
    for (int k = 1; k < MODEL_CLASSES; k++)
        if (z[k] > z[best])
            best = k;
    return best;
}

void model_ckpt_tensors(const struct model *m, const float *which, struct ckpt_tensor *t)
{
    (void)m;
    for (int i = 0; i < MODEL_PARAM_COUNT; i++) {
        const struct model_param *p = &model_params[i];
        memset(&t[i], 0, sizeof t[i]);
        t[i].name = p->name;
        t[i].ndim = p->ndim;
        for (int d = 0; d < p->ndim; d++)
            t[i].shape[d] = p->shape[d];
        t[i].data = (float *)which + p->offset;
    }
}
