/* Whole-array float steps (floats.h). Plain loops: compiled per path, GCC vectorises them to
 * the path's width; each element's result is the same on every path. */
#include "resnet_mnist/ops/floats.h"

#include <stdint.h>
#include <string.h>

void floats_add(float *restrict dst, const float *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] += src[i];
}

int floats_all_finite(const float *x, size_t n)
{
    /* by the exponent bits (all ones: an infinity or a NaN), without branches, so that the loop
     * vectorises; -ffinite-math-only could not then drop the test */
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        bad |= (uint32_t)((bits & 0x7f800000u) == 0x7f800000u);
    }
    return bad == 0;
}
