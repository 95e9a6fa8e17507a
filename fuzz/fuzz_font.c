/* libFuzzer harness for the font path (text.h): each input is a font file, loaded as
 * RESNET_MNIST_FONT's would be (FreeType, then text.c's checks) and used to measure and draw
 * the strings of the plots at three sizes, through the contract check of contract_font.c
 * (contract.h says what it checks); a broken contract aborts, which libFuzzer reports as a
 * crash like any sanitizer finding. FreeType is the system's (not instrumented; it is fuzzed
 * upstream): what is fuzzed here is text.c's use of what it returns.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). Seeds: fuzz/corpus/font. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "contract.h"

static void fuzz_broken(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "fuzz_font: contract broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct contract_report report = {.broken = fuzz_broken};
    contract_check_font(data, size, &report);
    return 0;
}
