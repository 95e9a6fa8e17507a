#ifndef RESNET_MNIST_FUZZ_CONTRACT_H
#define RESNET_MNIST_FUZZ_CONTRACT_H

/* The contracts of the parsers of untrusted files, checked on one input: one copy, compiled
 * into the libFuzzer harnesses (fuzz/fuzz_<target>.c) and into the test that replays the seeds
 * and the regressions (tests/io/test_fuzz_regressions.c). */

#include <stddef.h>
#include <stdint.h>

#include "resnet_mnist/io/status.h"

/* Where a check reports. broken is called once, with one line naming the broken clause, and
 * must not return: the harness aborts (libFuzzer saves the input as a crash), the test fails
 * its case (cmocka jumps out). refused, when not NULL, sees the message of every refusal the
 * parsers give, so that the test can tell why an input was refused. */
struct contract_report {
    void (*broken)(void *ctx, const char *what);
    void (*refused)(void *ctx, const char *msg);
    void *ctx;
};

/* The IDX readers (idx.h) on data[0..size): idx_parse_images and idx_parse_labels with the
 * limits 0 (all), 1 and 3, then idx_read_file on path, a file that holds exactly those bytes,
 * and the same parses of what it yields when it gunzips. The contract: a result of 0 or -1; on
 * -1 NULL/0 outputs and one non-empty line "<name>: <problem>"; on 0 exactly the items the
 * header announces (the first `limit` of them), labels in 0..9; acceptance independent of the
 * limit; no buffer both an images and a labels file; a file that is not gzip read back as it
 * is; nothing gunzipped beyond 64 MiB. Returns 1 if some reading (raw or gunzipped) was a valid
 * IDX file, else 0. */
int contract_check_idx(const uint8_t *data, size_t size, const char *path,
                       const struct contract_report *r);

/* ckpt_parse (ckpt.h) on data[0..size) against a small table of its own (contract_ckpt.c): a
 * 2-D, a 1-D and a 4-D tensor, a scalar, a tensor with no elements and an optional one. Parsed
 * four times: without metadata, into metadata that already holds a key, without the optional
 * tensor in the list, and with it required. The contract: a result of 0 or -1; a refusal
 * leaves one non-empty line "<name>: <problem>" and touches no tensor data, present flag or
 * metadata; an acceptance fills every required tensor with finite values, leaves absent ones
 * as they were, gives the same result with or without metadata, and agrees with the other two
 * lists (a file holding the optional tensor is refused without it in the list, one lacking it
 * is refused when it is required). Returns 1 if the file was accepted, else 0. */
int contract_check_ckpt(const uint8_t *data, size_t size, const struct contract_report *r);

/* image_orient_from_exif (image_orient.h) on data[0..size): an orientation 1..8; then
 * image_decode (image.h) on it (a JPEG's EXIF orientation read by libexif and applied): a result
 * of 0 or -1; on -1 NULL/0 outputs and one line "fuzz-image: <problem>"; on 0 a picture
 * of 1..IMAGE_MAX_PIXELS pixels of 1..4 channels whose every byte can be read, decoded the same a
 * second time (memory never written would show), and, when small, prepared by digit_prep_pixels or
 * refused with one line. Returns 1 if the picture was decoded, else 0. */
int contract_check_image(const uint8_t *data, size_t size, const struct contract_report *r);

/* text_font_load_memory (text.h) on data[0..size), then the font measured and drawn: a font
 * always comes back (the built-in one, with a one-line reason, when the file cannot be used);
 * vertical metrics positive and within 4 em; widths finite and within 4 em of advance and 1 em
 * of kerning a byte; text_fit_px never grows; text_draw of plot-like strings (and code points
 * the font lacks) at 8.5, 18 and 40 pixels (one also turned a quarter) succeeds and leaves the
 * raster's values in 0..1. Returns 1 if the file was used, else 0. */
int contract_check_font(const uint8_t *data, size_t size, const struct contract_report *r);

/* Shared by the checks. */

/* Formats the broken clause and hands it to r->broken; aborts should that return. */
__attribute__((format(printf, 2, 3), noreturn)) void contract_fail(const struct contract_report *r,
                                                                   const char *fmt, ...);

/* A refusal of call: st->msg must be non-empty, terminated, one line, and start with
 * "<name>: ". Passes the message on to r->refused. */
void contract_check_refusal(const struct contract_report *r, const struct rm_status *st,
                            const char *name, const char *call);

#endif
