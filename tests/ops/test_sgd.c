/* SGD with momentum, step by step against PyTorch's formula (no dampening, the buffer taken
 * from the first gradient). */
#include "test_util.h"

#include <stdio.h>

#include "resnet_mnist/ops/sgd.h"

static void test_sgd_momentum_matches_pytorch_formula(void **state)
{
    (void)state;
    float p[2] = {1, -1}, buf[2] = {123, 456}; /* buf is ignored on the first step */
    const float g1[2] = {0.5f, 2}, g2[2] = {1, -1};
    sgd_step(p, buf, g1, 2, 0.1f, 0.5f, 1);
    assert_float_equal(buf[0], 0.5f, 0);
    assert_float_equal(p[0], 1 - 0.05f, 1e-7);
    assert_float_equal(p[1], -1 - 0.2f, 1e-7);
    sgd_step(p, buf, g2, 2, 0.1f, 0.5f, 0);
    assert_float_equal(buf[0], 0.5f * 0.5f + 1, 1e-7); /* no dampening */
    assert_float_equal(buf[1], 0.5f * 2 - 1, 1e-7);
    assert_float_equal(p[0], 0.95f - 0.1f * 1.25f, 1e-6);
    assert_float_equal(p[1], -1.2f - 0.0f, 1e-6);
}

/* Reads n floats after the word `key` on the next line of f. */
static void read_row(FILE *f, const char *key, float *v, int n)
{
    char word[16];
    assert_int_equal(fscanf(f, "%15s", word), 1);
    assert_string_equal(word, key);
    for (int i = 0; i < n; i++)
        assert_int_equal(fscanf(f, "%f", &v[i]), 1);
}

/* torch.optim.SGD's own steps (tests/golden/sgd_steps.txt, scripts/make_lr_golden.py): weight
 * decay with and without Nesterov, Nesterov alone, the lr and momentum changing every step. Each
 * step starts from PyTorch's parameters and buffer of the step before, so an error cannot hide
 * behind another; 2e-7 allows the rounding of a fused multiply-add, while a wrong formula (the
 * decay after the momentum, Nesterov's term left out) is off by 1e-4 or more. */
static void test_sgd_decayed_matches_pytorch_steps(void **state)
{
    (void)state;
    FILE *f = fopen(tu_golden("sgd_steps.txt"), "r");
    assert_non_null(f);
    char line[256];
    int configs = 0, c;
    while ((c = fgetc(f)) == '#')
        assert_non_null(fgets(line, sizeof line, f));
    ungetc(c, f);
    double wd;
    int nesterov, n;
    while (fscanf(f, " config %lf %d %d", &wd, &nesterov, &n) == 3) {
        assert_true(n == 5);
        float p[5], buf[5] = {0}, want_p[5], want_buf[5], g[5];
        read_row(f, "init", p, n);
        for (int k = 0; k < 4; k++) {
            double lr, mom;
            assert_int_equal(fscanf(f, " step %lf %lf", &lr, &mom), 2);
            read_row(f, "grad", g, n);
            read_row(f, "param", want_p, n);
            read_row(f, "buf", want_buf, n);
            struct sgd_options o = {(float)lr, (float)mom, (float)wd, nesterov};
            sgd_step_decayed(p, buf, g, (size_t)n, &o, k == 0);
            for (int i = 0; i < n; i++) {
                assert_float_equal(buf[i], want_buf[i], 2e-7);
                assert_float_equal(p[i], want_p[i], 2e-7);
                p[i] = want_p[i];
                buf[i] = want_buf[i];
            }
        }
        configs++;
    }
    fclose(f);
    assert_int_equal(configs, 3);
}

/* By hand from PyTorch's documented update: decay 0.1, Nesterov, momentum 0.5, lr 1. */
static void test_sgd_decayed_by_hand(void **state)
{
    (void)state;
    float p[1] = {2}, buf[1] = {99};
    const float g1[1] = {1}, g2[1] = {-1};
    struct sgd_options o = {1.0f, 0.5f, 0.1f, 1};
    sgd_step_decayed(p, buf, g1, 1, &o, 1); /* g = 1.2, buf = 1.2, step = 1.2 + 0.6 */
    assert_float_equal(buf[0], 1.2f, 1e-6);
    assert_float_equal(p[0], 2 - 1.8f, 1e-6);
    sgd_step_decayed(p, buf, g2, 1, &o, 0); /* g = -0.98, buf = -0.38, step = -1.17 */
    assert_float_equal(buf[0], -0.38f, 1e-6);
    assert_float_equal(p[0], 0.2f + 1.17f, 1e-6);
    o.nesterov = 0;                         /* plain momentum with decay: step = buf */
    sgd_step_decayed(p, buf, g1, 1, &o, 0); /* g = 1.137, buf = 0.947 */
    assert_float_equal(buf[0], 0.947f, 1e-6);
    assert_float_equal(p[0], 1.37f - 0.947f, 1e-6);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_momentum_matches_pytorch_formula),
        cmocka_unit_test(test_sgd_decayed_matches_pytorch_steps),
        cmocka_unit_test(test_sgd_decayed_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
