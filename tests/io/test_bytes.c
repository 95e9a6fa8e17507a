/* Tests of include/resnet_mnist/io/bytes.h: fixed-width integers in a byte order, against
 * values worked out by hand, at unaligned addresses, and with the top bit set in every byte
 * position (where a signed promotion would smear ones into the high bits). */
#include "test_util.h"

#include <string.h>

#include "resnet_mnist/io/bytes.h"

/* 0x01..0x08 at an odd address, then bytes with the top bit set. */
static const uint8_t seq[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
static const uint8_t high[] = {0x00, 0xfe, 0xdc, 0xba, 0x98, 0x87, 0x96, 0xa5, 0xb4};

static void test_bytes_load_big_endian(void **state)
{
    (void)state;
    assert_int_equal(bytes_load_be32(seq + 1), 0x01020304u);
    assert_int_equal(bytes_load_be32(high + 1), 0xfedcba98u);
    assert_int_equal(bytes_load_be16(seq + 1), 0x0102u);
    assert_int_equal(bytes_load_be16(high + 1), 0xfedcu);
    /* The IDX magic of an images file, as it starts the file. */
    const uint8_t magic[] = {0x00, 0x00, 0x08, 0x03};
    assert_int_equal(bytes_load_be32(magic), 2051u);
}

static void test_bytes_load_little_endian(void **state)
{
    (void)state;
    assert_int_equal(bytes_load_le32(seq + 1), 0x04030201u);
    assert_int_equal(bytes_load_le32(high + 1), 0x98badcfeu);
    assert_true(bytes_load_le64(seq + 1) == UINT64_C(0x0807060504030201));
    assert_true(bytes_load_le64(high + 1) == UINT64_C(0xb4a5968798badcfe));
    /* A safetensors header length of 264 bytes. */
    const uint8_t len[] = {0x08, 0x01, 0, 0, 0, 0, 0, 0};
    assert_true(bytes_load_le64(len) == 264);
}

static void test_bytes_store(void **state)
{
    (void)state;
    uint8_t buf[10];
    memset(buf, 0xaa, sizeof buf);
    bytes_store_be32(buf + 1, 0x01020304u);
    assert_memory_equal(buf + 1, seq + 1, 4);
    assert_int_equal(buf[0], 0xaa); /* nothing written around the four bytes */
    assert_int_equal(buf[5], 0xaa);

    memset(buf, 0xaa, sizeof buf);
    bytes_store_le32(buf + 1, 0x98badcfeu);
    assert_memory_equal(buf + 1, high + 1, 4);
    assert_int_equal(buf[5], 0xaa);

    memset(buf, 0xaa, sizeof buf);
    bytes_store_le64(buf + 1, UINT64_C(0xb4a5968798badcfe));
    assert_memory_equal(buf + 1, high + 1, 8);
    assert_int_equal(buf[0], 0xaa);
    assert_int_equal(buf[9], 0xaa);
}

/* Each store is the inverse of its load, over values that set every bit somewhere. */
static void test_bytes_round_trip(void **state)
{
    (void)state;
    uint8_t buf[9];
    uint64_t v = UINT64_C(0x9e3779b97f4a7c15);
    for (int i = 0; i < 64; i++, v = v * UINT64_C(6364136223846793005) + 1) {
        bytes_store_be32(buf + 1, (uint32_t)v);
        assert_int_equal(bytes_load_be32(buf + 1), (uint32_t)v);
        assert_int_equal(bytes_load_be16(buf + 1), (uint32_t)v >> 16);
        bytes_store_le32(buf + 1, (uint32_t)(v >> 32));
        assert_int_equal(bytes_load_le32(buf + 1), (uint32_t)(v >> 32));
        bytes_store_le64(buf + 1, v);
        assert_true(bytes_load_le64(buf + 1) == v);
        assert_int_equal(bytes_load_le32(buf + 1), (uint32_t)v);
    }
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_load_big_endian),
        cmocka_unit_test(test_bytes_load_little_endian),
        cmocka_unit_test(test_bytes_store),
        cmocka_unit_test(test_bytes_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
