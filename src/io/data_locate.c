/* The data folder's search order: see data_locate.h. */
#include "resnet_mnist/io/data_locate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resnet_mnist/io/dataset_fetch.h"
#include "resnet_mnist/io/idx.h"

/* 1 when dir holds the test split, and the training split too when train_too. */
static int holds_dataset(const char *dir, int train_too, struct rm_status *st)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rm_fail(st, "%s: no such folder", dir) + 1;
    for (int split = !train_too; split < 2; split++) {
        char *images = NULL, *labels = NULL;
        int rc = mnist_find_split(dir, split ? MNIST_SPLIT_TEST : MNIST_SPLIT_TRAIN, &images,
                                  &labels, st);
        free(images);
        free(labels);
        if (rc != 0)
            return 0;
    }
    return 1;
}

static int copy_out(const char *dir, char *out, size_t out_size, struct rm_status *st)
{
    if (strlen(dir) >= out_size)
        return rm_fail(st, "%s: path too long", dir);
    memcpy(out, dir, strlen(dir) + 1);
    return 0;
}

int data_user_dir(const char *dataset, char *out, size_t out_size, struct rm_status *st)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    /* the XDG base directory spec: a relative $XDG_DATA_HOME is invalid and ignored */
    if (xdg && xdg[0] == '/')
        n = snprintf(out, out_size, "%s/resnet-mnist/%s", xdg, dataset);
    else if (home && home[0])
        n = snprintf(out, out_size, "%s/.local/share/resnet-mnist/%s", home, dataset);
    else
        return rm_fail(st, "neither XDG_DATA_HOME nor HOME is set: no user data folder for %s",
                       dataset);
    if (n < 0 || (size_t)n >= out_size)
        return rm_fail(st, "the user data folder for %s: path too long", dataset);
    return 0;
}

int data_fetch_dir(const char *dataset, const char *flag_dir, char *out, size_t out_size,
                   struct rm_status *st)
{
    const char *env = getenv(DATA_ENV);
    if (flag_dir)
        return copy_out(flag_dir, out, out_size, st);
    if (env && env[0])
        return copy_out(env, out, out_size, st);
    return data_user_dir(dataset, out, out_size, st);
}

int data_locate(const char *dataset, const char *flag_dir, char *out, size_t out_size,
                struct rm_status *st)
{
    return data_locate_splits(dataset, flag_dir, 1, out, out_size, st);
}

int data_locate_splits(const char *dataset, const char *flag_dir, int train_too, char *out,
                       size_t out_size, struct rm_status *st)
{
    if (flag_dir) {
        if (holds_dataset(flag_dir, train_too, st) != 1)
            return -1;
        return copy_out(flag_dir, out, out_size, st);
    }
    if (!dataset[0] || strchr(dataset, '/') || strlen(dataset) > 64)
        return rm_fail(st, "'%s' is not a dataset name", dataset);
    char local[80], user[4096], system[96];
    const char *dirs[4];
    int n = 0;
    const char *env = getenv(DATA_ENV);
    if (env && env[0])
        dirs[n++] = env;
    snprintf(local, sizeof local, "data/%s", dataset);
    dirs[n++] = local;
    struct rm_status ignored;
    if (data_user_dir(dataset, user, sizeof user, &ignored) == 0)
        dirs[n++] = user;
    snprintf(system, sizeof system, "/usr/share/datasets/%s", dataset);
    dirs[n++] = system;
    for (int i = 0; i < n; i++)
        if (holds_dataset(dirs[i], train_too, &ignored) == 1)
            return copy_out(dirs[i], out, out_size, st);
    char hint[160];
    if (dataset_fetch_find(dataset))
        snprintf(hint, sizeof hint, "get them with 'resnet-mnist fetch %s', or give --data DIR",
                 dataset);
    else
        snprintf(hint, sizeof hint, "give --data DIR; 'resnet-mnist fetch' knows only %s",
                 dataset_fetch_names());
    /* rm_fail keeps the end of a long line, where the hint is */
    return rm_fail(st, "no %s files in %s%s%s%s%s%s%s (%s)", dataset, dirs[0], n > 1 ? ", " : "",
                   n > 1 ? dirs[1] : "", n > 2 ? ", " : "", n > 2 ? dirs[2] : "", n > 3 ? ", " : "",
                   n > 3 ? dirs[3] : "", hint);
}
