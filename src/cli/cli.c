/* The command-line driver's entry: dispatches to a command (cmd_*.c). Commands parse their own
 * options; they and cli_util.c are the only code that prints or decides exit codes. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "resnet_mnist/ops/isa.h"

static void main_help(FILE *fp)
{
    fprintf(fp, "Usage: " PROGRAM " COMMAND [OPTIONS]\n"
                "Train and evaluate the ResNet of the PyTorch MNIST tutorial, in plain C.\n"
                "\n"
                "Commands:\n"
                "  train      train on MNIST, keep the best epoch, plot the accuracy\n"
                "  test       evaluate a checkpoint on the MNIST test set\n"
                "  predict    predict the digit in pictures (PNG, JPEG, BMP, PGM)\n"
                "  bench      measure speed per layer against the machine's peak\n"
                "  fetch      download a dataset (mnist, fashion-mnist), checked by SHA-256\n"
                "\n"
                "  -h, --help     show this help and exit\n"
                "  --version      show the version and the kernels' path, and exit\n"
                "  --isa NAME     (before the command) run the kernels' avx512, avx2 or\n"
                "                 baseline path; default: $RESNET_MNIST_ISA, else the widest\n"
                "                 path this CPU has\n"
                "\n"
                "'" PROGRAM " COMMAND --help' describes a command's options.\n"
                "Example:\n"
                "  " PROGRAM " train --epochs 50 && " PROGRAM " test --weights best.bin\n");
}

/* The kernels' path (ops/isa.h) from --isa NAME, else $RESNET_MNIST_ISA (unset or empty: the
 * widest path this CPU has), chosen before any kernel runs. 0, or EXIT_USAGE after one line
 * for an unknown name, or a path this CPU or this build lacks. */
static int choose_isa(const char *flag)
{
    const char *name = flag ? flag : getenv("RESNET_MNIST_ISA");
    const char *what = flag ? "--isa" : "RESNET_MNIST_ISA";
    enum isa_path p;
    if (!name || (!flag && !*name))
        return 0;
    if (isa_parse_path(name, &p) != 0)
        return usage_error(
            NULL, "%s: unknown instruction-set path '%s' (expected avx512, avx2 or baseline)", what,
            name);
    if (!isa_path_compiled(p))
        return usage_error(
            NULL, "%s: this build has only the %s path (built with RESNET_MNIST_NATIVE=ON)", what,
            isa_path_name(isa_best_path(isa_read_features())));
    if (!isa_path_supported(p, isa_read_features()))
        return usage_error(NULL, "%s: the %s path needs %s, which this CPU lacks", what, name,
                           isa_path_needs(p));
    return isa_select_path(p) == 0 ? 0
                                   : usage_error(NULL, "%s: cannot use the %s path", what, name);
}

int cli_main(int argc, char **argv)
{
    /* global options, before the command: --isa NAME or --isa=NAME */
    const char *isa_flag = NULL;
    while (argc > 1 && strncmp(argv[1], "--isa", 5) == 0 &&
           (argv[1][5] == '\0' || argv[1][5] == '=')) {
        if (argv[1][5] == '=')
            isa_flag = argv[1] + 6;
        else if (argc < 3)
            return usage_error(NULL, "option '--isa' needs a value");
        else
            isa_flag = argv[2], argc--, argv++;
        argc--, argv++;
    }
    if (argc < 2)
        return usage_error(NULL, "no command given (train or test)");
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "--help") != 0 && strcmp(cmd, "-h") != 0 && strcmp(cmd, "help") != 0 &&
        (rc = choose_isa(isa_flag)) != 0)
        return rc;
    /* each command parses its own options, with argv[1] as its argv[0] */
    optind = 0;
    opterr = 0;
    if (strcmp(cmd, "train") == 0)
        rc = cmd_train(argc - 1, argv + 1);
    else if (strcmp(cmd, "test") == 0)
        rc = cmd_test(argc - 1, argv + 1);
    else if (strcmp(cmd, "predict") == 0)
        rc = cmd_predict(argc - 1, argv + 1);
    else if (strcmp(cmd, "bench") == 0)
        rc = cmd_bench(argc - 1, argv + 1);
    else if (strcmp(cmd, "fetch") == 0)
        rc = cmd_fetch(argc - 1, argv + 1);
    else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_help(stdout);
        rc = 0;
    } else if (strcmp(cmd, "--version") == 0) {
        printf("%s %s\n", PROGRAM, RESNET_MNIST_VERSION);
        enum isa_path isa = isa_active_path();
        printf("kernels: %s (%s, %d floats per vector)\n", isa_path_name(isa), isa_path_label(isa),
               isa_path_floats(isa));
        rc = 0;
    } else if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'", cmd);
    else
        return usage_error(NULL, "unknown command '%s' (expected train or test)", cmd);
    return finish_stdout(rc);
}
