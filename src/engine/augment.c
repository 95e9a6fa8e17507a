/* Random affine augmentation as torchvision's RandomAffine on a PIL image: see augment.h. */
#include "resnet_mnist/engine/augment.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/strict_number.h"

/* M_PI is POSIX, not C11. */
#define AUG_PI 3.141592653589793

/* U(-range, range) as torch's uniform_(-range, range); nothing drawn for a range of 0, as
 * torchvision draws no translation, scale or shear it was not asked for. */
static double draw(struct rng *r, double range)
{
    return range > 0 ? -range + 2 * range * rng_uniform(r) : 0.0;
}

/* torchvision's _get_inverse_affine_matrix(center, angle, translate, scale, shear) for
 * shear_y = 0: the map from an output point to the input point it samples. */
static void inverse_matrix(double m[6], double cx, double cy, double angle, double tx, double ty,
                           double scale, double shear_x)
{
    double rot = angle * AUG_PI / 180, sx = shear_x * AUG_PI / 180;
    double a = cos(rot), b = -cos(rot) * tan(sx) - sin(rot);
    double c = sin(rot), d = -sin(rot) * tan(sx) + cos(rot);
    m[0] = d / scale;
    m[1] = -b / scale;
    m[3] = -c / scale;
    m[4] = a / scale;
    m[2] = m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx;
    m[5] = m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy;
}

static int clamp(int i, int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

void augment_draw(const struct augment *a, struct rng *r, struct augment_params *p)
{
    /* RandomHorizontalFlip first: torch.rand(1) < p */
    p->flip = a->flip > 0 && rng_uniform(r) < a->flip;
    p->angle = draw(r, a->rotate);
    /* round() of Python 3 rounds half to even, as nearbyint in the default rounding mode */
    p->tx = nearbyint(draw(r, a->shift));
    p->ty = nearbyint(draw(r, a->shift));
    p->scale = 1 + draw(r, a->scale);
    p->shear = draw(r, a->shear);
}

void augment_image(uint8_t *dst, const uint8_t *src, int w, int h, const struct augment *a,
                   struct rng *r)
{
    struct augment_params p;
    augment_draw(a, r, &p);
    augment_apply(dst, src, w, h, &p);
}

void augment_apply(uint8_t *dst, const uint8_t *src, int w, int h, const struct augment_params *p)
{
    double m[6];
    inverse_matrix(m, w * 0.5, h * 0.5, p->angle, p->tx, p->ty, p->scale, p->shear);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double xin = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2];
            double yin = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5];
            uint8_t *out = &dst[(size_t)y * w + x];
            if (!(xin >= 0 && xin < w && yin >= 0 && yin < h)) {
                *out = 0; /* the fill: PIL's filter refuses the point */
                continue;
            }
            xin -= 0.5; /* from pixel edges to pixel centres */
            yin -= 0.5;
            int x0 = (int)floor(xin), y0 = (int)floor(yin);
            double dx = xin - x0, dy = yin - y0;
            const uint8_t *r0 = src + (size_t)clamp(y0, h) * w;
            const uint8_t *r1 = src + (size_t)clamp(y0 + 1, h) * w;
            int xa = clamp(x0, w), xb = clamp(x0 + 1, w);
            if (p->flip) { /* column x of the mirror image is column w - 1 - x of src */
                xa = w - 1 - xa;
                xb = w - 1 - xb;
            }
            double v1 = r0[xa] + (r0[xb] - r0[xa]) * dx;
            double v2 = r1[xa] + (r1[xb] - r1[xa]) * dx;
            *out = (uint8_t)(v1 + (v2 - v1) * dy); /* truncated, as PIL's bilinear_filter8 */
        }
}

uint64_t augment_seed(uint64_t seed, int epoch, int index)
{
    /* splitmix64's finaliser over the three, each step mixing the next value in */
    uint64_t z = seed ^ 0x4155474d454e54ull; /* "AUGMENT": apart from the other streams */
    const uint64_t parts[2] = {(uint64_t)(uint32_t)epoch, (uint64_t)(uint32_t)index};
    for (int i = 0; i < 3; i++) {
        z += 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        if (i < 2)
            z ^= parts[i];
    }
    return z;
}

static const struct {
    const char *key;
    double max;
    size_t offset;
} keys[] = {{"rotate", 180, offsetof(struct augment, rotate)},
            {"shift", 14, offsetof(struct augment, shift)},
            {"scale", 0.9, offsetof(struct augment, scale)},
            {"shear", 60, offsetof(struct augment, shear)},
            {"flip", 1, offsetof(struct augment, flip)}};
#define KEYS ((int)(sizeof keys / sizeof keys[0]))

int augment_parse(const char *name, const char *text, struct augment *out, struct rm_status *st)
{
    struct augment a = AUGMENT_DEFAULT;
    if (strcmp(text, "default") == 0) {
        *out = a;
        return 0;
    }
    int seen[KEYS] = {0};
    const char *p = text;
    for (;;) {
        size_t len = strcspn(p, ","), klen = strcspn(p, "=,");
        int k = 0;
        while (k < KEYS && !(strlen(keys[k].key) == klen && strncmp(p, keys[k].key, klen) == 0))
            k++;
        if (k == KEYS || klen == len)
            return rm_fail(
                st, "%s: '%.*s' is not key=value with a key rotate, shift, scale, shear or flip",
                name, (int)len, p);
        if (seen[k]++)
            return rm_fail(st, "%s: %s is given twice", name, keys[k].key);
        char value[64], what[96];
        if (len - klen - 1 >= sizeof value)
            return rm_fail(st, "%s: the value of %s is too long", name, keys[k].key);
        memcpy(value, p + klen + 1, len - klen - 1);
        value[len - klen - 1] = 0;
        snprintf(what, sizeof what, "%.60s %s", name, keys[k].key);
        double v;
        if (strict_parse_double(what, value, &v, st) != 0)
            return -1;
        if (!(v >= 0 && v <= keys[k].max))
            return rm_fail(st, "%s: %s is out of range [0, %g]", what, value, keys[k].max);
        memcpy((char *)&a + keys[k].offset, &v, sizeof v);
        if (!p[len])
            break;
        p += len + 1;
    }
    *out = a;
    return 0;
}

/* The shortest %g form of v that reads back as v: "0.1", not "0.10000000000000001". */
static void shortest(char out[32], double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

void augment_format(const struct augment *a, char buf[AUGMENT_TEXT])
{
    char v[KEYS][32];
    for (int k = 0; k < KEYS; k++) {
        double x;
        memcpy(&x, (const char *)a + keys[k].offset, sizeof x);
        shortest(v[k], x);
    }
    int n =
        snprintf(buf, AUGMENT_TEXT, "rotate=%s,shift=%s,scale=%s,shear=%s", v[0], v[1], v[2], v[3]);
    if (a->flip != 0 && n > 0 && n < AUGMENT_TEXT)
        snprintf(buf + n, AUGMENT_TEXT - (size_t)n, ",flip=%s", v[4]);
}
