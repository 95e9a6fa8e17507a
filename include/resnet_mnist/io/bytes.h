#ifndef RESNET_MNIST_BYTES_H
#define RESNET_MNIST_BYTES_H

#include <stdint.h>

/* Fixed-width integers in a byte order, read from or written to unaligned bytes: the one copy
 * of each for every file format here (IDX is big-endian, safetensors and the font tables
 * little- and big-endian, PNG big-endian). */

static inline uint32_t bytes_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint16_t bytes_load_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t bytes_load_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

static inline uint64_t bytes_load_le64(const uint8_t *p)
{
    return (uint64_t)bytes_load_le32(p + 4) << 32 | bytes_load_le32(p);
}

static inline void bytes_store_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static inline void bytes_store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void bytes_store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
