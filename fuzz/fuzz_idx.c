/* libFuzzer harness for the IDX readers (idx.h), which take MNIST files from outside the
 * program: each input is written to an in-memory file and goes through the contract check of
 * contract_idx.c (contract.h says what it checks); a broken contract aborts, which libFuzzer
 * reports as a crash like any sanitizer finding.
 *
 * Build and run: scripts/fuzz.sh (fuzz/CMakeLists.txt). Seeds: fuzz/corpus/idx. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "contract.h"

#define FUZZ_NAME "fuzz-idx"

static void fuzz_broken(void *ctx, const char *what)
{
    (void)ctx;
    fprintf(stderr, "fuzz_idx: contract broken: %s\n", what);
    abort();
}

static const struct contract_report fuzz_report = {.broken = fuzz_broken};

/* The file idx_read_file reads: an in-memory file (memfd) made once per process, reached through
 * /proc/self/fd so that nothing touches the disk; a deleted temporary file where memfd is
 * missing. */
static int fuzz_fd = -1;
static char fuzz_path[64];

static void fuzz_open_file(void)
{
    fuzz_fd = memfd_create(FUZZ_NAME, MFD_CLOEXEC);
    if (fuzz_fd < 0) {
        char tmp[] = "/tmp/fuzz-idx-XXXXXX";
        fuzz_fd = mkstemp(tmp);
        if (fuzz_fd < 0)
            contract_fail(&fuzz_report, "cannot create a temporary file: %s", strerror(errno));
        unlink(tmp); /* the descriptor keeps it alive; nothing is left behind */
    }
    snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
}

static void fuzz_write_file(const uint8_t *data, size_t size)
{
    if (fuzz_fd < 0)
        fuzz_open_file();
    if (ftruncate(fuzz_fd, 0) != 0)
        contract_fail(&fuzz_report, "ftruncate: %s", strerror(errno));
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            contract_fail(&fuzz_report, "pwrite: %s", n < 0 ? strerror(errno) : "wrote nothing");
        done += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(data, size);
    contract_check_idx(data, size, fuzz_path, &fuzz_report);
    return 0;
}
