#ifndef RESNET_MNIST_UTF8_H
#define RESNET_MNIST_UTF8_H

#include <stddef.h>

/* UTF-8 as RFC 3629 defines it, for text that comes from outside (checkpoint metadata, class
 * names, messages): no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. */

/* The length (1 to 4) of the character at s, which has n >= 1 bytes, with its code point in *cp
 * (cp may be NULL); 0 when the bytes there are not UTF-8: a stray continuation byte, an
 * overlong form, a surrogate, a code point above U+10FFFF, or a sequence cut short by n. */
size_t utf8_char_length(const unsigned char *s, size_t n, unsigned *cp);
/* The offset of the first byte of s[0..n) that is not part of a valid character, or n. */
size_t utf8_valid_prefix(const unsigned char *s, size_t n);
/* 1 if the NUL-terminated string s is valid UTF-8, else 0. */
int utf8_valid(const char *s);

#endif
