/* libFuzzer harness for the picture decoders (image.h: PNG through libpng, JPEG through
 * libjpeg-turbo and its EXIF orientation through libexif, BMP and PGM/PPM through image_bmp.c
 * and image_pnm.c), which read the pictures given to predict: each input goes through the contract
 * check of contract_image.c (contract.h says what it checks), and a broken contract aborts, which
 * libFuzzer reports as a crash like any sanitizer finding. libpng, libjpeg and libexif are the
 * system's (not instrumented): what is fuzzed is the use of them, and the two decoders of our own.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). Seeds: fuzz/corpus/image. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "contract.h"

static void fuzz_broken(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "fuzz_image: contract broken: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct contract_report report = {.broken = fuzz_broken};
    contract_check_image(data, size, &report);
    return 0;
}
