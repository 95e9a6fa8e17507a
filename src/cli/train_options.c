/* train's command line: see train_options.h. */
#include "train_options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "resnet_mnist/engine/run_options.h"
#include "resnet_mnist/engine/thread_pool.h"

static void train_help(FILE *fp)
{
    fprintf(fp,
            "Usage: " PROGRAM " train [OPTIONS]\n"
            "Train the tutorial's ResNet on MNIST; after every epoch evaluate it on the test set\n"
            "and keep the best epoch's weights.\n"
            "\n"
            "  --epochs N         epochs to run in all (default 50; with --resume, the run's\n"
            "                     own target)\n"
            "  --batch-size N     images per SGD step and per test batch (default 30)\n"
            "  --lr X             learning rate (default 0.005)\n"
            "  --momentum X       SGD momentum, PyTorch's form (default 0.5)\n"
            "  --seed S           seed for initialisation and shuffling (default 0)\n"
            "  --data DIR         the data folder (default: the first that holds the files\n"
            "                     of $RESNET_MNIST_DATA, data/mnist,\n"
            "                     $XDG_DATA_HOME/resnet-mnist/mnist, /usr/share/datasets/mnist)\n"
            "  --out DIR          the run's folder, made when missing (default ., or the folder\n"
            "                     of --resume); one that holds a run is refused unless\n"
            "                     --resume continues that run or --overwrite is given\n"
            "  --overwrite        start a new run in --out, replacing the run it holds\n"
            "  --limit-train N    use only the first N training images\n"
            "  --limit-test N     use only the first N test images\n"
            "  --no-shuffle       keep file order instead of reshuffling every epoch\n"
            "  --init FILE        start from the weights of a checkpoint (best.bin, last.bin\n"
            "                     or PyTorch's safetensors)\n"
            "  --resume PATH      continue the run saved in PATH (a last.bin, or its folder)\n"
            "                     with its own options and data; --epochs raises its target\n"
            "  --conv MODE        direct (default) or fast: conv2 by Winograd, fewer\n"
            "                     multiplications but not faster as a whole here; results\n"
            "                     differ by rounding (README)\n"
            "  --threads N        worker threads (default: the online CPUs); results do not\n"
            "                     depend on it\n"
            "  --log-every N      print 'epoch: E num: N Loss: L' every N batches\n"
            "                     (default 300, as the tutorial; 0 turns it off)\n"
            "  --quiet            print only one line per epoch\n"
            "  --json             print one JSON object per epoch, nothing else\n"
            "  -h, --help         show this help and exit\n"
            "\n"
            "Writes into the output folder, after every epoch: best.bin (the best epoch so\n"
            "far), last.bin (the latest state, resumable), metrics.csv, accuracy.png and\n"
            "loss.png; no two runs use one folder at once. Ctrl-C stops after the current\n"
            "batch, saves last.bin and prints the command that continues; a second Ctrl-C\n"
            "stops at once.\n"
            "\n"
            "Examples:\n"
            "  " PROGRAM " train --epochs 2 --out runs/first\n"
            "  " PROGRAM " train --resume runs/first\n"
            "  " PROGRAM " train --resume runs/first --epochs 5\n");
}

/* A flag's value read by the run's rule (run_options.h): a usage error naming the flag. */
static int by_rule(int failed, const struct rm_status *st)
{
    return failed ? usage_error("train", "%s", st->msg) : 0;
}

int train_parse(int argc, char **argv, struct train_cli *o)
{
    /* long options only: each val is a letter that is not in the short option string */
    static const struct option opts[] = {{"epochs", required_argument, 0, 'e'},
                                         {"batch-size", required_argument, 0, 'b'},
                                         {"lr", required_argument, 0, 'l'},
                                         {"momentum", required_argument, 0, 'm'},
                                         {"seed", required_argument, 0, 's'},
                                         {"data", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"overwrite", no_argument, 0, 'O'},
                                         {"limit-train", required_argument, 0, 'N'},
                                         {"limit-test", required_argument, 0, 'n'},
                                         {"no-shuffle", no_argument, 0, 'S'},
                                         {"init", required_argument, 0, 'i'},
                                         {"resume", required_argument, 0, 'r'},
                                         {"log-every", required_argument, 0, 'L'},
                                         {"threads", required_argument, 0, 't'},
                                         {"conv", required_argument, 0, 'C'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    *o = (struct train_cli){.epochs = 50,
                            .batch_size = 30,
                            .lr = 0.005f,
                            .momentum = 0.5f,
                            .seed = 0,
                            .shuffle = 1,
                            .log_every = 300,
                            .data_dir = NULL, /* searched: resolve_data_dir */
                            .out_dir = ".",
                            .threads = thread_pool_online_cpus()};
    const char *cmd = "train";
    struct rm_status st;
    int c, rc = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        o->given[c & 127] = 1;
        if (c == 'e')
            rc = by_rule(run_parse_epochs("--epochs", optarg, &o->epochs, &st), &st);
        else if (c == 'b')
            rc = by_rule(run_parse_batch_size("--batch-size", optarg, &o->batch_size, &st), &st);
        else if (c == 'l')
            rc = by_rule(run_parse_lr("--lr", optarg, &o->lr, &st), &st);
        else if (c == 'm')
            rc = by_rule(run_parse_momentum("--momentum", optarg, &o->momentum, &st), &st);
        else if (c == 's')
            rc = by_rule(run_parse_seed("--seed", optarg, &o->seed, &st), &st);
        else if (c == 'd')
            o->data_dir = optarg;
        else if (c == 'o')
            o->out_dir = optarg;
        else if (c == 'O')
            o->overwrite = 1;
        else if (c == 'N')
            rc = by_rule(run_parse_images("--limit-train", optarg, &o->limit_train, &st), &st);
        else if (c == 'n')
            rc = by_rule(run_parse_images("--limit-test", optarg, &o->limit_test, &st), &st);
        else if (c == 'S')
            o->shuffle = 0;
        else if (c == 'i')
            o->init_path = optarg;
        else if (c == 'r')
            o->resume_path = optarg;
        else if (c == 'L')
            rc = parse_int(cmd, "--log-every", optarg, 0, 1 << 30, &o->log_every);
        else if (c == 't')
            rc = parse_int(cmd, "--threads", optarg, 1, MAX_THREADS, &o->threads);
        else if (c == 'C')
            rc = by_rule(run_parse_conv("--conv", optarg, &o->conv, &st), &st);
        else if (c == 'q')
            o->quiet = 1;
        else if (c == 'j')
            o->json = 1;
        else if (c == 'h') {
            train_help(stdout);
            return -1;
        } else
            return option_error(cmd, c, argv);
    }
    if (rc)
        return rc;
    if ((rc = no_operands(cmd, argc, argv)) != 0)
        return rc;
    if (o->init_path && o->resume_path)
        return usage_error(cmd, "--init and --resume exclude each other");
    if (o->quiet && o->json)
        return usage_error(cmd, "--quiet and --json exclude each other");
    const char *term = getenv("TERM");
    o->mode = o->json                                                         ? OUT_JSON
              : o->quiet                                                      ? OUT_QUIET
              : isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0) ? OUT_LIVE
                                                                              : OUT_PLAIN;
    return 0;
}
