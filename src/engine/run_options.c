/* The rules of a run's options: see run_options.h. */
#include "resnet_mnist/engine/run_options.h"

#include <string.h>

#include "resnet_mnist/io/strict_number.h"

int run_parse_epochs(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 1, RUN_MAX_EPOCHS, out, st);
}

int run_parse_batch_size(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 1, RUN_MAX_BATCH, out, st);
}

int run_parse_lr(const char *name, const char *text, float *out, struct rm_status *st)
{
    return strict_parse_float(name, text, 0, 1, RUN_MAX_LR, out, st);
}

int run_parse_momentum(const char *name, const char *text, float *out, struct rm_status *st)
{
    return strict_parse_float(name, text, 0, 0, 1, out, st);
}

int run_parse_seed(const char *name, const char *text, uint64_t *out, struct rm_status *st)
{
    return strict_parse_u64(name, text, out, st);
}

int run_parse_images(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 1, RUN_MAX_IMAGES, out, st);
}

int run_parse_conv(const char *name, const char *text, enum model_conv *out, struct rm_status *st)
{
    if (strcmp(text, "direct") == 0)
        *out = MODEL_CONV_DIRECT;
    else if (strcmp(text, "fast") == 0)
        *out = MODEL_CONV_FAST;
    else
        return rm_fail(st, "%s: '%s' is neither direct nor fast", name, text);
    return 0;
}

const char *run_conv_name(enum model_conv conv)
{
    return conv == MODEL_CONV_FAST ? "fast" : "direct";
}
