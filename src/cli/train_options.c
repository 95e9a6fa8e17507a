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
#include "resnet_mnist/io/strict_number.h"

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
            "                     of $RESNET_MNIST_DATA, data/NAME,\n"
            "                     $XDG_DATA_HOME/resnet-mnist/NAME, /usr/share/datasets/NAME;\n"
            "                     NAME: --dataset-name, else mnist)\n"
            "  --out DIR          the run's folder, made when missing (default ., or the folder\n"
            "                     of --resume); one that holds a run is refused unless\n"
            "                     --resume continues that run or --overwrite is given\n"
            "  --overwrite        start a new run in --out, replacing the run it holds\n"
            "  --limit-train N    use only the first N training images\n"
            "  --limit-test N     use only the first N test images\n"
            "  --classes N        number of classes (default: 10 for MNIST and Fashion-MNIST,\n"
            "                     else the largest training label + 1)\n"
            "  --mean X, --std Y  input normalisation (default: MNIST's for MNIST, else\n"
            "                     computed over the training images)\n"
            "  --class-names FILE the classes' names, one per line (default: built in for\n"
            "                     MNIST and Fashion-MNIST, else 0..N-1)\n"
            "  --dataset-name S   the data set's name (default: mnist or fashion-mnist when\n"
            "                     recognised, else the data folder's name)\n"
            "  --kind KIND        digits (predict prepares pictures as MNIST's digits; the\n"
            "                     default for MNIST) or images (a plain resize; the default\n"
            "                     for other data)\n"
            "  --transpose        the images are stored transposed (EMNIST)\n"
            "  --val N            hold out N training images, chosen by the seed, to validate\n"
            "                     on every epoch and choose best.bin (without it best.bin is\n"
            "                     chosen on the test set, as the tutorial does)\n"
            "  --monitor WHAT     accuracy (default) or loss: what on validation chooses\n"
            "                     best.bin (the highest accuracy or the lowest loss; the\n"
            "                     earliest epoch on ties); needs --val\n"
            "  --patience N       stop when the monitored value has not improved for N epochs;\n"
            "                     needs --val\n");
    fprintf(fp,
            "  --schedule NAME    the lr schedule, as PyTorch's: constant (default), step\n"
            "                     (StepLR, per epoch), cosine (CosineAnnealingLR to --min-lr\n"
            "                     over the epochs, per epoch) or onecycle (OneCycleLR with its\n"
            "                     defaults, --lr its peak, per batch; it also cycles the\n"
            "                     momentum from 0.95 to 0.85 and back)\n"
            "  --step-size N      step: epochs between decays (default 10)\n"
            "  --gamma X          step: the decay factor (default 0.1)\n"
            "  --min-lr X         cosine: the final lr (default 0)\n"
            "  --warmup N         first N epochs warm up linearly from lr/3 (LinearLR), then\n"
            "                     the schedule starts (not with onecycle; default 0)\n"
            "  --weight-decay X   SGD's L2 weight decay, PyTorch's form (default 0)\n"
            "  --nesterov         Nesterov momentum, PyTorch's form\n"
            "  --augment [SPEC]   random affine transforms of every training image, as\n"
            "                     torchvision's RandomAffine; SPEC sets the ranges (default\n"
            "                     rotate=10,shift=2,scale=0.1,shear=0: degrees, pixels,\n"
            "                     1 +- scale, degrees); flip=P also mirrors left to right\n"
            "                     with probability P first (clothes, not digits)\n"
            "  --recipe NAME      tutorial (the defaults), fast or accurate: a set of the\n"
            "                     options above (README, Recipes); options given override it\n");
    fprintf(fp, "  --no-shuffle       keep file order instead of reshuffling every epoch\n"
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

/* The flags each recipe stands for (README, "Recipes"), put before the command line's own so
 * that an option given explicitly, parsed later, overrides the recipe's. */
// clang-format off
static const char *const recipe_fast[] = {
    "--epochs", "2", "--batch-size", "128", "--schedule", "onecycle", "--lr", "0.1",
    "--nesterov", "--weight-decay", "5e-4", NULL};
static const char *const recipe_accurate[] = {
    "--epochs", "12", "--batch-size", "128", "--schedule", "onecycle", "--lr", "0.1",
    "--nesterov", "--weight-decay", "5e-4", "--augment", "--val", "5000", NULL};
// clang-format on

static int train_parse_once(int argc, char **argv, struct train_cli *o, int expanded);

/* The schedule's, SGD's, augmentation's and the recipe's options (train_cli.training). */
static int parse_training(int c, int argc, char **argv, struct run_options *t)
{
    struct rm_status st;
    if (c == 'A' && !optarg && optind < argc && argv[optind][0] != '-')
        optarg = argv[optind++]; /* "--augment SPEC" as well as "--augment=SPEC" */
    if (c == 'K')
        return by_rule(lr_schedule_parse_kind("--schedule", optarg, &t->schedule, &st), &st);
    if (c == 'Z')
        return by_rule(run_parse_step_size("--step-size", optarg, &t->step_size, &st), &st);
    if (c == 'g')
        return by_rule(run_parse_gamma("--gamma", optarg, &t->gamma, &st), &st);
    if (c == 'x')
        return by_rule(run_parse_min_lr("--min-lr", optarg, &t->min_lr, &st), &st);
    if (c == 'w')
        return by_rule(run_parse_warmup("--warmup", optarg, &t->warmup, &st), &st);
    if (c == 'W')
        return by_rule(run_parse_weight_decay("--weight-decay", optarg, &t->weight_decay, &st),
                       &st);
    if (c == 'y')
        t->nesterov = 1;
    else if (c == 'A') {
        t->augment = 1;
        t->aug = AUGMENT_DEFAULT;
        if (optarg)
            return by_rule(augment_parse("--augment", optarg, &t->aug, &st), &st);
    } else if (c == 'R')
        return by_rule(run_parse_recipe("--recipe", optarg, t->recipe, &st), &st);
    return 0;
}

/* A schedule's options apply to that schedule only: a usage error for one given without it. */
static int check_training(const struct train_cli *o)
{
    const struct run_options *t = &o->training;
    const struct {
        int letter, applies;
        const char *flag, *needs;
    } rules[] = {{'Z', t->schedule == LR_SCHEDULE_STEP, "--step-size", "--schedule step"},
                 {'g', t->schedule == LR_SCHEDULE_STEP, "--gamma", "--schedule step"},
                 {'x', t->schedule == LR_SCHEDULE_COSINE, "--min-lr", "--schedule cosine"},
                 {'m', t->schedule != LR_SCHEDULE_ONECYCLE, "--momentum",
                  "a schedule other than onecycle, which cycles the momentum itself"}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (o->given[rules[i].letter] && !rules[i].applies)
            return usage_error("train", "%s needs %s", rules[i].flag, rules[i].needs);
    if (o->resume_path && t->recipe[0])
        return usage_error("train", "--recipe starts a run; --resume continues one with its own "
                                    "options");
    struct run_options k = *t;
    k.lr = o->lr;
    k.momentum = o->momentum;
    struct rm_status st;
    if (!o->resume_path && run_check_options(&k, o->epochs, "train", &st) != 0)
        return usage_error("train", "%s", st.msg + strlen("train: "));
    return 0;
}

/* With --recipe: argv again, the recipe's flags first (see recipe_fast). */
static int expand_recipe(int argc, char **argv, struct train_cli *o)
{
    const char *const *flags = strcmp(o->training.recipe, "fast") == 0       ? recipe_fast
                               : strcmp(o->training.recipe, "accurate") == 0 ? recipe_accurate
                                                                             : NULL;
    if (!flags)
        return 0;
    int nf = 0;
    while (flags[nf])
        nf++;
    char **all = malloc((size_t)(argc + nf + 1) * sizeof *all);
    if (!all) {
        error_line("out of memory");
        return 1;
    }
    all[0] = argv[0];
    for (int i = 0; i < nf; i++)
        all[1 + i] = (char *)flags[i];
    for (int i = 1; i <= argc; i++)
        all[nf + i] = argv[i];
    optind = 0; /* getopt starts again */
    int rc = train_parse_once(argc + nf, all, o, 1);
    free(all); /* o keeps pointers to the strings, never to the array */
    return rc;
}

int train_parse(int argc, char **argv, struct train_cli *o)
{
    return train_parse_once(argc, argv, o, 0);
}

static int train_parse_once(int argc, char **argv, struct train_cli *o, int expanded)
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
                                         {"val", required_argument, 0, 'V'},
                                         {"monitor", required_argument, 0, 'M'},
                                         {"patience", required_argument, 0, 'P'},
                                         {"init", required_argument, 0, 'i'},
                                         {"resume", required_argument, 0, 'r'},
                                         {"log-every", required_argument, 0, 'L'},
                                         {"threads", required_argument, 0, 't'},
                                         {"conv", required_argument, 0, 'C'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"json", no_argument, 0, 'j'},
                                         /* the data set's: digits, unlikely to clash */
                                         {"classes", required_argument, 0, '1'},
                                         {"mean", required_argument, 0, '2'},
                                         {"std", required_argument, 0, '3'},
                                         {"class-names", required_argument, 0, '4'},
                                         {"dataset-name", required_argument, 0, '5'},
                                         {"kind", required_argument, 0, '6'},
                                         {"transpose", no_argument, 0, '7'},
                                         {"schedule", required_argument, 0, 'K'},
                                         {"step-size", required_argument, 0, 'Z'},
                                         {"gamma", required_argument, 0, 'g'},
                                         {"min-lr", required_argument, 0, 'x'},
                                         {"warmup", required_argument, 0, 'w'},
                                         {"weight-decay", required_argument, 0, 'W'},
                                         {"nesterov", no_argument, 0, 'y'},
                                         {"augment", optional_argument, 0, 'A'},
                                         {"recipe", required_argument, 0, 'R'},
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
                            .threads = thread_pool_online_cpus(),
                            .training = {.step_size = 10, .gamma = 0.1f},
                            .dataset = {.kind = -1}};
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
        else if (c == 'V')
            rc = by_rule(run_parse_images("--val", optarg, &o->val, &st), &st);
        else if (c == 'M')
            rc = by_rule(run_parse_monitor("--monitor", optarg, &o->monitor, &st), &st);
        else if (c == 'P')
            rc = by_rule(run_parse_patience("--patience", optarg, &o->patience, &st), &st);
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
        else if (c == '1')
            rc = parse_int(cmd, "--classes", optarg, 1, MODEL_MAX_CLASSES, &o->dataset.classes);
        else if (c == '2')
            rc = by_rule(strict_parse_float("--mean", optarg, 0, 0, 1, &o->dataset.mean, &st), &st);
        else if (c == '3')
            rc = by_rule(strict_parse_float("--std", optarg, 0, 1, 1, &o->dataset.std, &st), &st);
        else if (c == '4')
            o->dataset.names_file = optarg;
        else if (c == '5')
            o->dataset.name = optarg;
        else if (c == '6')
            rc = by_rule(dataset_parse_kind("--kind", optarg, &o->dataset.kind, &st), &st);
        else if (c == '7')
            o->dataset.transpose = 1;
        else if (c == 'K' || c == 'Z' || c == 'g' || c == 'x' || c == 'w' || c == 'W' || c == 'y' ||
                 c == 'A' || c == 'R')
            rc = parse_training(c, argc, argv, &o->training);
        else if (c == 'h') {
            train_help(stdout);
            return -1;
        } else
            return option_error(cmd, c, argv);
    }
    if (rc)
        return rc;
    if (o->training.recipe[0] && !expanded)
        return expand_recipe(argc, argv, o);
    if ((rc = no_operands(cmd, argc, argv)) != 0)
        return rc;
    if (o->init_path && o->resume_path)
        return usage_error(cmd, "--init and --resume exclude each other");
    /* without --val best.bin is chosen on the test set, which must not also decide when to stop
     * (a resumed run's --val is its own: checked when it is read) */
    if (!o->resume_path && !o->val && (o->given['M'] || o->given['P']))
        return usage_error(cmd,
                           "%s needs --val: without validation images only the test set could "
                           "be monitored, and it must not choose",
                           o->given['M'] ? "--monitor" : "--patience");
    if (o->quiet && o->json)
        return usage_error(cmd, "--quiet and --json exclude each other");
    if ((rc = check_training(o)) != 0)
        return rc;
    const char *term = getenv("TERM");
    o->mode = o->json                                                         ? OUT_JSON
              : o->quiet                                                      ? OUT_QUIET
              : isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0) ? OUT_LIVE
                                                                              : OUT_PLAIN;
    return 0;
}
