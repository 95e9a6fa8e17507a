#ifndef RESNET_MNIST_CLI_H
#define RESNET_MNIST_CLI_H

/* The command line (spec section 6): `resnet-mnist train|test ...`. Parses arguments, runs the
 * command, prints results to stdout and errors to stderr as "resnet-mnist: <message>".
 * Returns the exit status: 0 success, 1 failure, 2 usage error. */
int cli_main(int argc, char **argv);

#endif
