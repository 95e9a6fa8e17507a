#include "resnet_mnist/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
