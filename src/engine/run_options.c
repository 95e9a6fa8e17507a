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

int run_parse_monitor(const char *name, const char *text, enum run_monitor *out,
                      struct rm_status *st)
{
    if (strcmp(text, "accuracy") == 0)
        *out = RUN_MONITOR_ACCURACY;
    else if (strcmp(text, "loss") == 0)
        *out = RUN_MONITOR_LOSS;
    else
        return rm_fail(st, "%s: '%s' is neither accuracy nor loss", name, text);
    return 0;
}

const char *run_monitor_name(enum run_monitor monitor)
{
    return monitor == RUN_MONITOR_LOSS ? "loss" : "accuracy";
}

int run_parse_patience(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 1, RUN_MAX_EPOCHS, out, st);
}

int run_parse_step_size(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 1, RUN_MAX_EPOCHS, out, st);
}

int run_parse_warmup(const char *name, const char *text, int *out, struct rm_status *st)
{
    return strict_parse_int(name, text, 0, RUN_MAX_EPOCHS - 1, out, st);
}

int run_parse_gamma(const char *name, const char *text, float *out, struct rm_status *st)
{
    return strict_parse_float(name, text, 0, 1, 1, out, st);
}

int run_parse_min_lr(const char *name, const char *text, float *out, struct rm_status *st)
{
    return strict_parse_float(name, text, 0, 0, RUN_MAX_LR, out, st);
}

int run_parse_weight_decay(const char *name, const char *text, float *out, struct rm_status *st)
{
    return strict_parse_float(name, text, 0, 0, 1, out, st);
}

void run_schedule(const struct run_options *o, int epochs, int batches, struct lr_schedule *s)
{
    *s = (struct lr_schedule){.kind = o->schedule,
                              .lr = o->lr,
                              .momentum = o->momentum,
                              .step_size = o->step_size,
                              .gamma = o->gamma,
                              .warmup = o->warmup,
                              .min_lr = o->min_lr,
                              .epochs = epochs,
                              .batches = batches};
}

int run_check_options(const struct run_options *o, int epochs, const char *what,
                      struct rm_status *st)
{
    struct lr_schedule s;
    run_schedule(o, epochs, 1, &s);
    if (lr_schedule_check(&s, what, st) != 0)
        return -1;
    if (o->nesterov && o->momentum == 0 && o->schedule != LR_SCHEDULE_ONECYCLE)
        return rm_fail(st, "%s: Nesterov momentum needs a momentum above 0", what);
    return 0;
}

int run_parse_recipe(const char *name, const char *text, char out[16], struct rm_status *st)
{
    if (strcmp(text, "tutorial") && strcmp(text, "fast") && strcmp(text, "accurate"))
        return rm_fail(st, "%s: '%s' is not a recipe (tutorial, fast or accurate)", name, text);
    strcpy(out, text);
    return 0;
}
