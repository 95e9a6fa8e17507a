#ifndef RESNET_MNIST_AUGMENT_H
#define RESNET_MNIST_AUGMENT_H

#include <stdint.h>

#include "resnet_mnist/engine/rng.h"
#include "resnet_mnist/io/status.h"

/* Random affine augmentation of training images, with the semantics of torchvision 0.14's
 * RandomAffine(degrees=rotate, translate=(shift/w, shift/h), scale=(1-scale, 1+scale),
 * shear=shear, interpolation=BILINEAR, fill=0) applied to the raw 8-bit image (a PIL image,
 * before ToTensor and Normalize, so the fill is the background):
 *  - parameters drawn in torchvision's order and distributions: angle ~ U(-rotate, rotate)
 *    degrees; tx, ty = round-half-even(U(-shift, shift)) whole pixels; s ~ U(1-scale, 1+scale);
 *    shear_x ~ U(-shear, shear) degrees (shear_y 0). Uniform draws come from this project's
 *    generator, not torch's, so the values differ from torchvision's for a seed; the
 *    distributions are the same. A range of 0 draws nothing.
 *  - torchvision's inverse matrix (_get_inverse_affine_matrix) about the centre (w/2, h/2),
 *    applied as PIL's Image.transform(AFFINE, BILINEAR) applies it: output pixel (x, y) samples
 *    the input at (a (x + 0.5) + b (y + 0.5) + c, d (x + 0.5) + e (y + 0.5) + f); a point
 *    outside the image gives the fill 0, one inside is interpolated from its 4 neighbours
 *    (indices clamped to the image) and truncated to 8 bits, as PIL does.
 * With flip > 0 the image is first mirrored left to right with probability flip, as
 * Compose([RandomHorizontalFlip(flip), RandomAffine(...)]) does: torch.rand(1) < flip is drawn
 * before the affine parameters (nothing is drawn for flip 0, so runs without it are unchanged).
 * For pictures whose mirror image is one of their class (clothes), not for digits. */
struct augment {
    double rotate; /* degrees, 0..180 */
    double shift;  /* pixels, 0..14 */
    double scale;  /* 0..0.9: the scale is drawn from [1 - scale, 1 + scale] */
    double shear;  /* degrees, 0..60, along x */
    double flip;   /* the probability of a left-right mirror image, 0..1 */
};

/* The default ranges, for digits: --augment alone. */
#define AUGMENT_DEFAULT ((struct augment){10, 2, 0.1, 0, 0})

/* The longest text augment_format writes, its NUL included. */
#define AUGMENT_TEXT 160

/* Reads "key=value[,key=value...]" with keys rotate, shift, scale, shear and flip (each at most
 * once, a strict number in its range; keys not given keep their default) or "default". Fails with
 * "<name>: <problem>" naming the bad part. */
int augment_parse(const char *name, const char *text, struct augment *out, struct rm_status *st);
/* Writes a in the form augment_parse reads back exactly ("rotate=10,shift=2,scale=0.1,shear=0",
 * then ",flip=0.5" when flip is not 0; each value with 17 significant digits at most). */
void augment_format(const struct augment *a, char buf[AUGMENT_TEXT]);

/* The seed of the stream that augments image `index` (its index in the training set) in epoch
 * `epoch` (0-based) of a run seeded with `seed`: a pure function, so that the augmentation does
 * not depend on the thread count, the batch order or where a run was resumed. */
uint64_t augment_seed(uint64_t seed, int epoch, int index);

/* One transform's parameters, as torchvision's RandomAffine.get_params returns them. */
struct augment_params {
    double angle;  /* degrees */
    double tx, ty; /* whole pixels */
    double scale;
    double shear; /* degrees, along x */
    int flip;     /* 1: the image is mirrored left to right before the transform */
};

/* Draws one transform's parameters from r, in torchvision's order (see above). */
void augment_draw(const struct augment *a, struct rng *r, struct augment_params *p);

/* Writes into dst (w * h bytes) the image src (w * h bytes, row-major) transformed by p as
 * torchvision's F.affine on a PIL image (see above). dst and src must not overlap. */
void augment_apply(uint8_t *dst, const uint8_t *src, int w, int h, const struct augment_params *p);

/* augment_draw then augment_apply. */
void augment_image(uint8_t *dst, const uint8_t *src, int w, int h, const struct augment *a,
                   struct rng *r);

#endif
