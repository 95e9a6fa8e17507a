#ifndef RESNET_MNIST_MODEL_H
#define RESNET_MNIST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/engine/thread_pool.h"
#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/io/status.h"

/* The tutorial's ResNet (spec section 2), batched NCHW:
 *   x [n,1,28,28] -> conv1 5x5 -> relu -> maxpool  [n,16,12,12] = p1
 *   RB1: o1 = relu(p1 + conv 5x5 pad 2 (relu(conv 3x3 pad 1 (p1))))   [n,16,12,12]
 *   conv2 3x3 -> relu -> maxpool                   [n,32,5,5]   = p2
 *   RB2: o2 likewise                               [n,32,5,5] = [n,800] channel-major
 *   linear1 800->200 -> relu -> linear2 200->N     logits z [n,N]
 * N, the number of classes, is a parameter of the model (model_init_classes); the tutorial's
 * is 10, and with N = 10 every tensor and number is the tutorial's.
 */

#define MODEL_PARAM_COUNT  16
#define MODEL_PARAM_FLOATS 210882 /* with the tutorial's 10 classes; model_param_floats(N) */
#define MODEL_INPUT_FLOATS 784    /* per image */
#define MODEL_CLASSES      10     /* the tutorial's N */
#define MODEL_MAX_CLASSES  256    /* labels are bytes */
/* model_param_floats(MODEL_MAX_CLASSES): room for any model's parameters */
#define MODEL_MAX_PARAM_FLOATS (MODEL_PARAM_FLOATS + (MODEL_MAX_CLASSES - MODEL_CLASSES) * 201)
#define MODEL_CONV_LAYERS      6 /* conv1, RB1's two, conv2, RB2's two */

/* The parameter table: names and shapes as PyTorch's state_dict gives them, in its order. It
 * drives initialisation, the optimizer, checkpoints and the tests. */
struct model_param {
    const char *name;
    int ndim;
    int shape[4];
    int fan_in;    /* for PyTorch's default initialisation */
    size_t offset; /* into params, grads and momentum */
    size_t size;   /* floats */
};
extern const struct model_param model_params[MODEL_PARAM_COUNT]; /* N = 10 */

/* The parameter count of the model with `classes` outputs (1..MODEL_MAX_CLASSES): 210,882 for
 * 10, and 201 more for each further class (linear2's weight row and bias). */
size_t model_param_floats(int classes);
/* The parameter table of the model with `classes` outputs: model_params with linear2's shapes,
 * sizes and linear2.bias's offset for N = classes. */
void model_param_table(struct model_param t[MODEL_PARAM_COUNT], int classes);

/* Where a training step's time goes; model_forward/backward/sgd_step add their time per stage
 * into model.stage_seconds (a clock read per stage: negligible). The convolutions run in one
 * pool job per direction, each thread timing its own layers: their stage times are the
 * threads' average, the other stages' the wall time. */
enum model_stage {
    STAGE_CONV1_FWD,
    STAGE_RB1A_FWD,
    STAGE_RB1B_FWD,
    STAGE_CONV2_FWD,
    STAGE_RB2A_FWD,
    STAGE_RB2B_FWD,
    STAGE_LINEAR_FWD,
    STAGE_LOSS,
    STAGE_LINEAR_BWD,
    STAGE_RB2B_BWD,
    STAGE_RB2A_BWD,
    STAGE_CONV2_BWD,
    STAGE_RB1B_BWD,
    STAGE_RB1A_BWD,
    STAGE_CONV1_BWD,
    STAGE_SGD,
    MODEL_STAGES
};
/* Short names ("conv1 fwd", ...) and floating-point operations per image of each stage
 * (2 per multiply-add; element-wise work is not counted; SGD's is per step, not per image). */
extern const char *const model_stage_names[MODEL_STAGES];
extern const double model_stage_flops[MODEL_STAGES];

/* How the convolutions compute. DIRECT: conv2d (implicit GEMM, im2col + GEMM). FAST: conv2's
 * forward pass and input gradient by Winograd F(2x2,3x3) (conv_winograd.h), the one layer whose
 * forward pass alone measured faster that way; the whole step did not (README, "Fewer
 * multiplications"). Its results differ from DIRECT's by rounding, within the golden 1e-5. */
enum model_conv { MODEL_CONV_DIRECT, MODEL_CONV_FAST };

struct model {
    int max_batch;
    int classes;                                 /* N: linear2's outputs */
    size_t param_floats;                         /* model_param_floats(classes) */
    struct model_param table[MODEL_PARAM_COUNT]; /* model_param_table(classes) */
    /* the input's normalisation, x = (byte/255 - mean)/std in float32 steps (evaluation.h's
     * batch_load); MNIST's 0.1307 and 0.3081 after model_init, the caller may set them */
    float in_mean, in_std;
    enum model_conv conv;    /* DIRECT after model_init; the caller may set it */
    float weight_decay;      /* SGD's coupled L2 (0 after model_init; the caller may set it) */
    int nesterov;            /* SGD's Nesterov momentum (0 after model_init; likewise) */
    struct thread_pool pool; /* runs the per-image-group tasks of every layer */
    /* one allocation per role, each param_floats floats laid out by table */
    float *params;
    float *grads;
    float *momentum; /* SGD's momentum buffers */
    long steps;      /* optimizer steps taken (0: the next step starts the momentum) */
    /* activations and their gradients for max_batch images; all owned */
    float *acts, *dacts;
    uint8_t *argmax1; /* conv1's pool: conv_relu_pool.h's code per window and channel */
    uint8_t *argmax2; /* which input won each of conv2's max-pool windows */
    float *scratch;   /* conv workspace: scratch_per_thread floats per thread */
    size_t scratch_per_thread;
    float *partials;                    /* per-group weight gradients, summed in group order */
    double stage_seconds[MODEL_STAGES]; /* accumulated per stage; the caller may reset it */
    double *thread_stage_seconds;       /* [thread][stage], folded into stage_seconds */
    float *packs; /* the conv weights packed by model_forward, for it and model_backward */
    /* where each conv layer's packed weights and partial gradients start (model.c) */
    size_t pack_at[MODEL_CONV_LAYERS + 1], partial_at[MODEL_CONV_LAYERS + 1];
    /* named views into acts (see model.c for shapes); x is the input the caller fills */
    float *x, *p1, *r1a, *r1b, *o1, *a2, *p2, *r2a, *r2b, *o2, *h, *z, *probs;
};

/* Allocates everything for batches of up to max_batch images and starts threads-1 worker
 * threads. Parameters start at zero; call model_init_params or load a checkpoint. On failure m
 * is left freeable.
 * Work is split into chunks of images that a thread carries through all the convolutions and,
 * within them, groups of a fixed size per layer; every sum over images runs in group order, so
 * results are bitwise the same whatever the thread count. */
int model_init(struct model *m, int max_batch, int threads, struct rm_status *st);
/* model_init for a model of `classes` outputs (1..MODEL_MAX_CLASSES; model_init is this with
 * MODEL_CLASSES). */
int model_init_classes(struct model *m, int max_batch, int threads, int classes,
                       struct rm_status *st);
/* Frees m and zeroes it; accepts a zeroed or half-built struct. */
void model_free(struct model *m);

/* PyTorch's default initialisation of Conv2d and Linear (spec section 3): every weight and
 * bias uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], drawn from r in table order. Resets the
 * optimizer (momentum zero, steps 0). */
void model_init_params(struct model *m, struct rng *r);

/* Forward pass on the n <= max_batch images in m->x; logits land in m->z ([n, classes]). */
void model_forward(struct model *m, int n);
/* Loss of the last forward pass (mean cross-entropy, spec section 3); fills m->probs. */
double model_loss(struct model *m, const uint8_t *labels, int n);
/* Sets m->grads to dL/dparams for the last forward pass and model_loss call. */
void model_backward(struct model *m, const uint8_t *labels, int n);
/* One SGD-with-momentum step over all parameters (sgd.h), using m->grads: sgd_step, or
 * sgd_step_decayed with m->weight_decay and m->nesterov when either is set. Returns 0, or -1
 * when a parameter is infinite or NaN after it (the step overflowed). */
int model_sgd_step(struct model *m, float lr, float momentum);

/* Index of the largest logit of image b of the last forward pass (first one on ties, as
 * torch.max). */
int model_predicted(const struct model *m, int b);

#endif
