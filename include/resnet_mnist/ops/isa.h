#ifndef RESNET_MNIST_ISA_H
#define RESNET_MNIST_ISA_H

/* The kernels' instruction-set paths. Every ops function is compiled once per path, with that
 * path's target flags (vec.h's vector width follows them), and each public ops function calls
 * the copy of the active path: one binary runs on any x86-64 CPU and uses the widest vectors
 * the CPU has. A build with RESNET_MNIST_NATIVE=ON (or for another architecture) compiles the
 * kernels once, with the build's own flags: then its one path is the only one compiled.
 *
 * The path is chosen once, before any kernel runs: by isa_select_path, else on the first call
 * of any ops function, from $RESNET_MNIST_ISA when it names a path this CPU supports, else the
 * widest path the CPU supports. Buffer sizes the kernels report (packs, scratch) belong to the
 * path that was active: a caller that switches paths (the tests do) must size its buffers
 * again, and no kernel may be running while it switches. */

enum isa_path {
    ISA_PATH_BASELINE, /* x86-64 (SSE2), 4 floats per vector */
    ISA_PATH_AVX2,     /* x86-64-v3 (AVX2, FMA, BMI2...), 8 floats per vector */
    ISA_PATH_AVX512,   /* x86-64-v4 (AVX-512 F, BW, CD, DQ, VL), 16 floats per vector */
    ISA_PATHS
};

/* A CPU's features as far as the paths care: ISA_FEATURE_* bits. */
enum isa_feature {
    ISA_FEATURE_X86_64_V3 = 1, /* what the AVX2 path is compiled for */
    ISA_FEATURE_X86_64_V4 = 2, /* what the AVX-512 path is compiled for */
};

/* The running CPU's features, as the CPU and the operating system report them (an AVX-512
 * CPU whose OS does not save the vector registers counts as without). */
unsigned isa_read_features(void);

/* Whether path p is compiled into this program. */
int isa_path_compiled(enum isa_path p);

/* Whether a CPU with `features` can run path p (compiled or not). */
int isa_path_supported(enum isa_path p, unsigned features);

/* The widest path compiled into this program that a CPU with `features` can run. */
enum isa_path isa_best_path(unsigned features);

/* "avx512", "avx2", "baseline": the names RESNET_MNIST_ISA and --isa take. */
const char *isa_path_name(enum isa_path p);
/* "AVX-512", "AVX2+FMA", "SSE2": the vector instructions the path's kernels use. */
const char *isa_path_label(enum isa_path p);
/* What a CPU needs for the path: "AVX-512 F, BW, CD, DQ and VL (x86-64-v4)" and so on. */
const char *isa_path_needs(enum isa_path p);
/* Floats per vector: 16, 8, 4. */
int isa_path_floats(enum isa_path p);

/* Path by name (isa_path_name's, exactly): 0 and *out set, or -1 for an unknown name. */
int isa_parse_path(const char *name, enum isa_path *out);

/* Makes p the active path. -1 (and nothing changes) when p is not compiled in or the running
 * CPU lacks it; else 0. */
int isa_select_path(enum isa_path p);

/* The active path (chosen as the header comment says on the first call). */
enum isa_path isa_active_path(void);

#endif
