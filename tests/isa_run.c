/* isa_run PATH PROGRAM [ARGS...]: runs PROGRAM with RESNET_MNIST_ISA=PATH, so that its kernels
 * take that instruction-set path (ops/isa.h); CTest runs the ops and engine tests once per path
 * this way. Exits 77 (CTest's "skipped") with one line when this CPU lacks the path, 2 for an
 * unknown path name. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "resnet_mnist/ops/isa.h"

int main(int argc, char **argv)
{
    enum isa_path p;
    if (argc < 3 || isa_parse_path(argv[1], &p) != 0) {
        fprintf(stderr, "usage: isa_run avx512|avx2|baseline PROGRAM [ARGS...]\n");
        return 2;
    }
    if (!isa_path_compiled(p) || !isa_path_supported(p, isa_read_features())) {
        printf("skipped: the %s path needs %s, which this %s lacks\n", argv[1], isa_path_needs(p),
               isa_path_compiled(p) ? "CPU" : "build");
        return 77;
    }
    if (setenv("RESNET_MNIST_ISA", argv[1], 1) != 0) {
        perror("isa_run: setenv");
        return 1;
    }
    execv(argv[2], argv + 2);
    perror("isa_run: exec");
    return 1;
}
