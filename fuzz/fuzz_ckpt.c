/* libFuzzer harness for ckpt_parse (ckpt.h, spec section 5), the reader of safetensors
 * checkpoints, which come from outside the program: each input goes through the contract check
 * of contract_ckpt.c (contract.h says what it checks), and a broken contract aborts, which
 * libFuzzer reports as a crash like any sanitizer finding.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). Seeds: fuzz/corpus/ckpt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "contract.h"

static void fuzz_broken(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "fuzz_ckpt: contract broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct contract_report report = {.broken = fuzz_broken};
    contract_check_ckpt(data, size, &report);
    return 0;
}
