/* The command-line driver's entry: dispatches to a command (cmd_*.c). Commands parse their own
 * options; they and cli_util.c are the only code that prints or decides exit codes. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"

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
                "\n"
                "  -h, --help     show this help and exit\n"
                "  --version      show the version and exit\n"
                "\n"
                "'" PROGRAM " COMMAND --help' describes a command's options.\n"
                "Example:\n"
                "  " PROGRAM " train --epochs 50 && " PROGRAM " test --weights best.bin\n");
}

int cli_main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given (train or test)");
    const char *cmd = argv[1];
    int rc;
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
    else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_help(stdout);
        rc = 0;
    } else if (strcmp(cmd, "--version") == 0) {
        printf("%s %s\n", PROGRAM, RESNET_MNIST_VERSION);
        rc = 0;
    } else if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'", cmd);
    else
        return usage_error(NULL, "unknown command '%s' (expected train or test)", cmd);
    return finish_stdout(rc);
}
