/* Tests of number_split.c on hand-drawn pictures (ink 1 where the mask is set): separate digits
 * in order with their boxes, a digit's own ink only, strokes of one digit joined (and not when
 * that step is off), touching digits cut (two and three; not when off), specks and the paper's
 * edge left out, blots off the number's line left out, a scorer deciding the cut, the number's
 * line not pulled by a far stroke, a piece of a long line and a short group left out, a bent
 * cut, a short piece not cut off, a wide ring not cut through its loop, a touching pair
 * narrower than a wide digit cut, a number beside a bright spot (digit_prep_ink's polarity),
 * and the errors. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/digit_prep.h"
#include "resnet_mnist/io/number_split.h"

struct pic {
    int w, h;
    uint8_t *mask;
    float *ink;
};

static void pic_init(struct pic *p, int w, int h)
{
    p->w = w;
    p->h = h;
    p->mask = calloc((size_t)w * h, 1);
    p->ink = calloc((size_t)w * h, sizeof *p->ink);
    assert_non_null(p->mask);
    assert_non_null(p->ink);
}

static void pic_free(struct pic *p)
{
    free(p->mask);
    free(p->ink);
}

/* Ink in [x0, x1) x [y0, y1). */
static void fill(struct pic *p, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            p->mask[(size_t)y * p->w + x] = 1;
            p->ink[(size_t)y * p->w + x] = 1.0f;
        }
}

/* A hollow rectangle with strokes t thick: a "0". */
static void ring(struct pic *p, int x0, int y0, int x1, int y1, int t)
{
    fill(p, x0, y0, x1, y0 + t);
    fill(p, x0, y1 - t, x1, y1);
    fill(p, x0, y0, x0 + t, y1);
    fill(p, x1 - t, y0, x1, y1);
}

static int split(const struct pic *p, const struct number_split_options *opt,
                 struct number_digit **d)
{
    struct rm_status st = {{0}};
    int n = -1;
    if (number_split(p->ink, p->mask, p->w, p->h, opt, d, &n, &st) != 0)
        fail_msg("%s", st.msg);
    return n;
}

static void assert_box(const struct number_digit *d, int x0, int y0, int x1, int y1)
{
    if (d->x0 != x0 || d->y0 != y0 || d->x1 != x1 || d->y1 != y1)
        fail_msg("box [%d,%d,%d,%d], expected [%d,%d,%d,%d]", d->x0, d->y0, d->x1, d->y1, x0, y0,
                 x1, y1);
}

static long ink_of(const uint8_t *img)
{
    long s = 0;
    for (int i = 0; i < DIGIT_PREP_SIZE * DIGIT_PREP_SIZE; i++)
        s += img[i];
    return s;
}

/* Three digits apart, drawn right to left: found left to right with their exact boxes. */
static void test_number_split_separate_digits_in_order(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 80);
    ring(&p, 140, 20, 170, 60, 5); /* drawn first, rightmost */
    fill(&p, 90, 18, 96, 62);      /* a "1" */
    ring(&p, 20, 22, 48, 60, 4);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 20, 22, 48, 60);
    assert_box(&d[1], 90, 18, 96, 62);
    assert_box(&d[2], 140, 20, 170, 60);
    for (int i = 0; i < n; i++)
        assert_true(ink_of(d[i].image) > 0);
    free(d);
    pic_free(&p);
}

/* A digit's image holds its own ink only: a ring beside a bar that reaches into its box (a
 * neighbour's long stroke) comes out as the ring alone does. */
static void test_number_split_digit_has_only_its_own_ink(void **state)
{
    (void)state;
    struct pic alone, both;
    pic_init(&alone, 160, 100);
    pic_init(&both, 160, 100);
    ring(&alone, 30, 20, 70, 80, 6);
    ring(&both, 30, 20, 70, 80, 6);
    /* an L whose foot runs under the ring's right half, below it (rows 84..88), not touching */
    fill(&both, 90, 20, 97, 88);
    fill(&both, 58, 84, 97, 88);
    struct number_split_options opt = number_split_defaults();
    opt.merge_strokes = 0;
    struct number_digit *a, *b;
    assert_int_equal(split(&alone, &opt, &a), 1);
    assert_int_equal(split(&both, &opt, &b), 2);
    assert_box(&b[0], 30, 20, 70, 80);
    assert_memory_equal(a[0].image, b[0].image, sizeof a[0].image);
    free(a);
    free(b);
    pic_free(&alone);
    pic_free(&both);
}

/* A "5" whose top bar is not joined to its body, and a "4" whose right stroke does not touch
 * its L, beside a whole digit: one digit each; six pieces without step 3. */
static void test_number_split_strokes_of_one_digit_join(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 220, 100);
    /* the 5: bar at rows 15..21 over columns 40..70; body an S-like path starting at row 25 */
    fill(&p, 42, 15, 72, 21);
    fill(&p, 40, 25, 46, 50);
    fill(&p, 40, 45, 70, 51);
    fill(&p, 64, 45, 70, 80);
    fill(&p, 38, 74, 70, 80);
    /* the 4: an L (down, then right) whose foot crosses the right stroke's line, and the
     * right stroke in two pieces that stop 2 pixels short of the foot, above and below */
    fill(&p, 120, 15, 126, 60);
    fill(&p, 120, 54, 162, 60);
    fill(&p, 152, 20, 158, 52);
    fill(&p, 152, 62, 158, 85);
    ring(&p, 180, 15, 214, 85, 6); /* a whole digit, as tall as the 4 */
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 38, 15, 72, 80);
    assert_box(&d[1], 120, 15, 162, 85);
    assert_box(&d[2], 180, 15, 214, 85);
    free(d);
    opt.merge_strokes = 0;
    opt.split_touching = 0;
    n = split(&p, &opt, &d);
    assert_int_equal(n, 6);
    free(d);
    pic_free(&p);
}

/* Two rings joined by a thin bridge, twice as wide as high: cut in two at the bridge; three
 * joined rings: three digits; one digit each without step 4. */
static void test_number_split_touching_digits_cut(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 260, 100);
    ring(&p, 20, 20, 56, 80, 6);
    ring(&p, 60, 20, 96, 80, 6);
    fill(&p, 56, 48, 60, 52); /* the bridge */
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 2);
    /* the cut falls in the bridge (columns 56..59): each side keeps its ring whole */
    assert_true(d[0].x0 == 20 && d[0].x1 >= 56 && d[0].x1 <= 60);
    assert_true(d[1].x0 >= 56 && d[1].x0 <= 60 && d[1].x1 == 96);
    free(d);

    pic_free(&p);
    pic_init(&p, 260, 100);
    for (int k = 0; k < 3; k++)
        ring(&p, 20 + 40 * k, 20, 56 + 40 * k, 80, 6);
    fill(&p, 56, 48, 60, 52);
    fill(&p, 96, 30, 100, 34);
    n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_true(d[1].x0 >= 56 && d[1].x0 <= 60 && d[1].x1 >= 96 && d[1].x1 <= 100);
    assert_true(d[2].x1 == 136);
    free(d);
    opt.split_touching = 0;
    n = split(&p, &opt, &d);
    assert_int_equal(n, 1);
    assert_box(&d[0], 20, 20, 136, 80);
    free(d);
    pic_free(&p);
}

/* Specks (a few pixels) and the paper's edge (ink along the picture's side) are left out. */
static void test_number_split_specks_and_edge_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 300, 120);
    fill(&p, 0, 0, 300, 8); /* the table above the paper's edge */
    ring(&p, 60, 30, 96, 90, 6);
    ring(&p, 130, 30, 166, 90, 6);
    fill(&p, 110, 100, 113, 103); /* specks */
    fill(&p, 20, 50, 22, 52);
    fill(&p, 250, 40, 254, 43);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 2);
    assert_box(&d[0], 60, 30, 96, 90);
    assert_box(&d[1], 130, 30, 166, 90);
    free(d);
    pic_free(&p);
}

/* With a scorer, the cut is the scorer's choice. A scorer that gives every digit -5 makes two
 * rings joined by a bridge one digit (one digit costs 5 plus its width, two cost 10); one that
 * gives 0 makes them two. */
static double score_minus5(const uint8_t *image, void *ctx)
{
    (void)image;
    (*(int *)ctx)++;
    return -5.0;
}

/* number_split's defaults with a scorer (score, ctx). */
static struct number_split_options scored_options(double (*score)(const uint8_t *, void *),
                                                  void *ctx)
{
    struct number_split_options o = number_split_defaults();
    o.scorer.score = score;
    o.scorer.ctx = ctx;
    return o;
}

static double score_zero(const uint8_t *image, void *ctx)
{
    (void)image;
    (*(int *)ctx)++;
    return 0.0;
}

static void test_number_split_scorer_decides(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 100);
    ring(&p, 20, 20, 56, 80, 6);
    ring(&p, 60, 20, 96, 80, 6);
    fill(&p, 56, 48, 60, 52);
    int calls = 0;
    struct number_split_options opt = scored_options(score_minus5, &calls);
    struct number_digit *d;
    assert_int_equal(split(&p, &opt, &d), 1);
    assert_true(calls > 2);
    free(d);
    calls = 0;
    opt.scorer.score = score_zero;
    assert_int_equal(split(&p, &opt, &d), 2);
    assert_true(calls > 2);
    assert_true(d[0].x1 >= 56 && d[0].x1 <= 60);
    free(d);
    /* a digit alone, not wide: never scored */
    pic_free(&p);
    pic_init(&p, 200, 100);
    ring(&p, 20, 20, 56, 80, 6);
    calls = 0;
    assert_int_equal(split(&p, &opt, &d), 1);
    assert_int_equal(calls, 0);
    free(d);
    pic_free(&p);
}

/* Specks the size of a digit's stroke far above and below the number, and a speck below a
 * digit within its columns: left out (not joined to the digit above them). */
static void test_number_split_off_the_line_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 300, 260);
    ring(&p, 60, 100, 96, 160, 6);
    ring(&p, 130, 100, 166, 160, 6);
    ring(&p, 200, 104, 236, 164, 6);
    fill(&p, 140, 20, 170, 46);   /* a blot far above */
    fill(&p, 62, 200, 90, 228);   /* and far below the first digit */
    fill(&p, 206, 180, 232, 196); /* below the third, 16 pixels under it */
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 60, 100, 96, 160);
    assert_box(&d[1], 130, 100, 166, 160);
    assert_box(&d[2], 200, 104, 236, 164);
    free(d);
    pic_free(&p);
}

/* A filled disc of radius r centred at (cx, cy): a blot of ink. */
static void disc(struct pic *p, int cx, int cy, int r)
{
    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                fill(p, x, y, x + 1, y + 1);
}

/* Round blots two thirds and half as tall as the digits, on the number's line: left out (too
 * large for specks, but as thick as they are wide); a short thin stroke and a bold bar are
 * kept. */
static void test_number_split_blots_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 400, 200);
    ring(&p, 40, 60, 76, 120, 6);
    disc(&p, 105, 95, 20);       /* between the first two digits */
    fill(&p, 135, 60, 145, 120); /* a bold "1" */
    fill(&p, 170, 70, 200, 76);  /* a short "7": a bar... */
    fill(&p, 194, 70, 200, 115); /* ...and its stem */
    disc(&p, 230, 105, 15);      /* a dot at the foot of the line */
    ring(&p, 260, 60, 296, 120, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 4);
    assert_box(&d[0], 40, 60, 76, 120);
    assert_box(&d[1], 135, 60, 145, 120);
    assert_box(&d[2], 170, 70, 200, 115);
    assert_box(&d[3], 260, 60, 296, 120);
    free(d);
    pic_free(&p);
}

/* Pieces of ink more than 1.5 digit heights to the left of the number (the table's texture
 * beyond the paper's edge) are left out; digits 0.8 heights apart are one number, and so is a
 * "1" 1.33 heights from the next digit. */
static void test_number_split_far_pieces_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 500, 200);
    fill(&p, 20, 60, 26, 120); /* two strokes of texture, 130 pixels (2.2 heights) away */
    fill(&p, 50, 70, 56, 125);
    ring(&p, 186, 60, 222, 120, 6);
    ring(&p, 270, 60, 306, 120, 6); /* 48 pixels (0.8 heights) from the first digit */
    ring(&p, 320, 60, 356, 120, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 186, 60, 222, 120);
    assert_box(&d[1], 270, 60, 306, 120);
    assert_box(&d[2], 320, 60, 356, 120);
    free(d);
    pic_free(&p);
    /* a "1" 1.33 heights from the next digit (written at a digit's pitch) stays */
    pic_init(&p, 300, 200);
    fill(&p, 40, 60, 48, 120);
    ring(&p, 128, 60, 164, 120, 6);
    ring(&p, 200, 60, 236, 120, 6);
    n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 40, 60, 48, 120);
    free(d);
    pic_free(&p);
}

/* A digit-wide piece 1.2 digit heights left of a number whose digits are 0.23 heights apart (a
 * blot of the table's edge) is left out; digits all 1.2 heights apart stay one number. */
static void test_number_split_wide_piece_far_left_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 400, 200);
    ring(&p, 40, 60, 76, 120, 6); /* 72 pixels (1.2 heights) from the number */
    ring(&p, 148, 60, 184, 120, 6);
    ring(&p, 198, 60, 234, 120, 6);
    ring(&p, 248, 60, 284, 120, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 148, 60, 184, 120);
    free(d);
    pic_free(&p);
    /* digits spaced out as widely, all of them, are one number */
    pic_init(&p, 500, 200);
    for (int i = 0; i < 4; i++)
        ring(&p, 40 + 108 * i, 60, 76 + 108 * i, 120, 6);
    n = split(&p, &opt, &d);
    assert_int_equal(n, 4);
    free(d);
    pic_free(&p);
}

/* A slanted line as tall as two thirds of a digit far above the number (a stroke of the paper's
 * edge): it is left out and does not pull the number's line off the digits (a least-squares
 * line through all four centres passes more than 0.6 heights from them). */
static void test_number_split_line_not_pulled_by_a_far_stroke(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 300, 300);
    for (int x = 20; x < 200; x++) { /* from (20, 60) up to (200, 20), 3 pixels thick */
        int y = 60 - (x - 20) * 40 / 180;
        fill(&p, x, y - 3, x + 1, y);
    }
    ring(&p, 40, 210, 76, 270, 6);
    ring(&p, 110, 204, 146, 264, 6);
    ring(&p, 180, 200, 216, 260, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 40, 210, 76, 270);
    assert_box(&d[1], 110, 204, 146, 264);
    assert_box(&d[2], 180, 200, 216, 260);
    free(d);
    pic_free(&p);
}

/* A number of 40 digits (bars as tall as digits, spread like "1"s) and a blot far below: more
 * tall groups than the line's candidates (SPLIT_LINE_CANDIDATES, which keep a picture of
 * thousands of strokes from costing groups^3), and the line through them is still found. */
static void test_number_split_line_of_many_digits(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 1700, 200);
    for (int k = 0; k < 40; k++)
        fill(&p, 20 + 40 * k, 60 + k / 4, 28 + 40 * k, 120 + k / 4);
    fill(&p, 800, 170, 830, 196); /* a blot 50 pixels under the line */
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 40);
    for (int k = 0; k < 40; k++)
        assert_box(&d[k], 20 + 40 * k, 60 + k / 4, 28 + 40 * k, 120 + k / 4);
    free(d);
    pic_free(&p);
}

/* A number of three digits under 450 short strokes (a texture, noise): more pieces than
 * number_split takes on (SPLIT_MAX_PIECES, which keeps a picture of noise from costing minutes);
 * the ones it keeps are those with the most ink, so the digits are still found. */
static void test_number_split_digits_among_many_pieces(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 1900, 200);
    for (int k = 0; k < 450; k++)
        fill(&p, 10 + 4 * k, 10, 12 + 4 * k, 36);
    ring(&p, 800, 100, 836, 160, 6);
    ring(&p, 870, 100, 906, 160, 6);
    ring(&p, 940, 100, 976, 160, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 800, 100, 836, 160);
    assert_box(&d[1], 870, 100, 906, 160);
    assert_box(&d[2], 940, 100, 976, 160);
    free(d);
    pic_free(&p);
}

/* A piece of a long faint line beside the number (the paper's edge, found as ink only where it
 * is darkest): left out, though it is as tall and thin as a "1"; a "1" with blank paper above
 * and below it stays. */
static void test_number_split_edge_piece_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 300, 240);
    for (int y = 0; y < 240; y++) /* the edge, faint, from top to bottom */
        for (int x = 20; x < 23; x++)
            p.ink[(size_t)y * p.w + x] = 0.5f;
    fill(&p, 20, 90, 23, 150); /* ...and found as ink beside the digits */
    fill(&p, 60, 90, 67, 150); /* a "1" */
    ring(&p, 100, 90, 136, 150, 6);
    ring(&p, 160, 90, 196, 150, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 60, 90, 67, 150);
    assert_box(&d[1], 100, 90, 136, 150);
    assert_box(&d[2], 160, 90, 196, 150);
    free(d);
    pic_free(&p);
}

/* A long stroke of the paper's edge, three times as tall as the digits and not touching the
 * picture's border, beside a number: the digits' height comes from the digits, not from it (it
 * made every digit a speck: a photograph's "7133" at half size read as no digit at all), while
 * a digit with only specks below it still sets the height. */
static void test_number_split_lone_tall_stroke_not_the_height(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 400, 260);
    fill(&p, 330, 20, 345, 230);   /* the edge's stroke: 210 tall */
    ring(&p, 60, 100, 96, 170, 6); /* three digits 70 tall */
    ring(&p, 120, 100, 156, 170, 6);
    ring(&p, 180, 100, 216, 170, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 60, 100, 96, 170);
    assert_box(&d[2], 180, 100, 216, 170);
    free(d);
    pic_free(&p);
    /* one digit and specks: the digit is the height, the specks stay specks */
    pic_init(&p, 200, 200);
    ring(&p, 60, 60, 96, 130, 6);
    fill(&p, 130, 80, 134, 84);
    fill(&p, 140, 120, 143, 123);
    fill(&p, 20, 150, 24, 154);
    n = split(&p, &opt, &d);
    assert_int_equal(n, 1);
    assert_box(&d[0], 60, 60, 96, 130);
    free(d);
    pic_free(&p);
}

/* A scorer that dislikes pieces about as wide as high (the fitted image's ink wider than 16
 * pixels): whole pairs of digits. */
static double score_narrow(const uint8_t *image, void *ctx)
{
    (void)ctx;
    int x0 = DIGIT_PREP_SIZE, x1 = 0;
    for (int y = 0; y < DIGIT_PREP_SIZE; y++)
        for (int x = 0; x < DIGIT_PREP_SIZE; x++)
            if (image[y * DIGIT_PREP_SIZE + x] > 64) {
                x0 = x < x0 ? x : x0;
                x1 = x + 1 > x1 ? x + 1 : x1;
            }
    return x1 - x0 > 16 ? -3.0 : 0.0;
}

/* A "7" and a "1" leaning into it ("71", a pixel apart at the top, touching by a bridge lower
 * down): no column separates them (the 7's bar and the 1's foot share columns 51 to 56), but
 * a bent cut does, and each digit keeps its own box. */
static void test_number_split_bent_cut(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 120);
    fill(&p, 12, 20, 57, 26); /* the 7's bar */
    for (int y = 26; y < 80; y++) {
        int x = 45 - (y - 26) * 5 / 54; /* its stem, down to the left */
        fill(&p, x, y, x + 6, y + 1);
    }
    for (int y = 20; y < 80; y++) {
        int x = 58 - (y - 20) * 8 / 60; /* the 1, leaning right */
        fill(&p, x, y, x + 5, y + 1);
    }
    fill(&p, 48, 50, 55, 52); /* a bridge from the 7's stem to the 1 */
    struct number_split_options opt = scored_options(score_narrow, NULL);
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 2);
    assert_box(&d[0], 12, 20, 57, 80);
    assert_true(d[1].x0 >= 49 && d[1].x0 <= 51); /* where the cut crosses the bridge */
    assert_true(d[1].y0 == 20 && d[1].x1 == 63 && d[1].y1 == 80);
    free(d);
    pic_free(&p);
}

/* A short ring (0.4 of the digits' height) joined by a thin bridge to the foot of a bold digit
 * (a loop, a flourish), the group 1.22 heights wide: not cut off as a digit of its own, since a
 * number's digits are about as tall as each other. A ring as tall as the digit is cut off. */
static void test_number_split_short_piece_not_cut_off(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 120);
    fill(&p, 20, 20, 56, 80);
    fill(&p, 56, 70, 60, 72); /* the bridge */
    ring(&p, 60, 56, 93, 80, 4);
    int calls = 0;
    struct number_split_options opt = scored_options(score_zero, &calls);
    struct number_digit *d;
    assert_int_equal(split(&p, &opt, &d), 1);
    assert_box(&d[0], 20, 20, 93, 80);
    free(d);
    pic_free(&p);
    pic_init(&p, 200, 120);
    fill(&p, 20, 20, 56, 80);
    fill(&p, 56, 70, 60, 72);
    ring(&p, 60, 20, 93, 80, 4);
    assert_int_equal(split(&p, &opt, &d), 2);
    assert_true(d[1].x0 >= 56 && d[1].x0 <= 60 && d[1].x1 == 93); /* cut in the bridge */
    free(d);
    pic_free(&p);
}

/* A wide ring (a "0" 1.2 heights wide, read as well whole as in halves): not cut into "(" and
 * ")", since every cut through it crosses two strokes; two rings joined by a bridge (crossed
 * once) still are (test_number_split_scorer_decides). */
static void test_number_split_loop_not_cut(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 120);
    ring(&p, 20, 20, 92, 80, 4);
    int calls = 0;
    struct number_split_options opt = scored_options(score_zero, &calls);
    struct number_digit *d;
    assert_int_equal(split(&p, &opt, &d), 1);
    assert_true(calls > 2);
    assert_box(&d[0], 20, 20, 92, 80);
    free(d);
    pic_free(&p);
}

/* A scorer that reads one stroke only: -3 when the middle row of the image crosses ink more
 * than once. */
static double score_one_stroke(const uint8_t *image, void *ctx)
{
    (void)ctx;
    int runs = 0;
    for (int x = 0, on = 0; x < DIGIT_PREP_SIZE; x++) {
        int now = image[(DIGIT_PREP_SIZE / 2) * DIGIT_PREP_SIZE + x] > 64;
        runs += now && !on;
        on = now;
    }
    return runs > 1 ? -3.0 : 0.0;
}

/* Two "1"s touching at their feet, 0.7 heights wide together (narrower than a wide digit): still
 * offered to the scorer, which cuts them apart. */
static void test_number_split_narrow_pair_cut(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 200, 120);
    fill(&p, 20, 20, 26, 80);
    fill(&p, 56, 20, 62, 80);
    fill(&p, 26, 74, 56, 77); /* the feet */
    struct number_split_options opt = scored_options(score_one_stroke, NULL);
    struct number_digit *d;
    assert_int_equal(split(&p, &opt, &d), 2);
    assert_true(d[0].x0 == 20 && d[1].x1 == 62);
    free(d);
    pic_free(&p);
}

/* A dash between two digits, as long as 0.43 of their height but only 5 pixels tall (a stroke
 * that joined no digit): no digit of its own. */
static void test_number_split_short_group_dropped(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 300, 120);
    ring(&p, 40, 30, 76, 90, 6);
    fill(&p, 92, 58, 118, 63);
    ring(&p, 130, 30, 166, 90, 6);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 2);
    assert_box(&d[0], 40, 30, 76, 90);
    assert_box(&d[1], 130, 30, 166, 90);
    free(d);
    pic_free(&p);
}

/* A number in grey ink on dim paper beside a bright spot of light (the paper 120 levels, 250 at
 * the spot's centre), as predict --number prepares it (digit_prep_ink): the median is the dim
 * paper, from which the spot reaches farther up (130 levels) than the ink reaches down (66), yet
 * the ink is the digits, not the spot (the polarity whose mask is the smaller), and the three
 * digits are found. */
static void test_number_split_lit_spot_polarity(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 320, 160);
    ring(&p, 30, 50, 60, 100, 4);
    fill(&p, 85, 50, 90, 100);
    ring(&p, 115, 50, 145, 100, 4);
    uint8_t *px = malloc((size_t)p.w * p.h);
    assert_non_null(px);
    for (int y = 0; y < p.h; y++)
        for (int x = 0; x < p.w; x++) {
            double d2 = (x - 250.0) * (x - 250.0) + (y - 80.0) * (y - 80.0);
            double paper = 120.0 + 130.0 * exp(-d2 / (2.0 * 35.0 * 35.0));
            px[(size_t)y * p.w + x] =
                (uint8_t)lround(paper * (p.mask[(size_t)y * p.w + x] ? 0.45 : 1.0));
        }
    pic_free(&p);
    struct rm_status st = {{0}};
    if (digit_prep_ink(px, p.w, p.h, 1, &p.ink, &p.mask, &st) != 0)
        fail_msg("%s", st.msg);
    free(px);
    assert_int_equal(p.mask[75 * p.w + 31], 1);  /* the first ring's stroke */
    assert_int_equal(p.mask[80 * p.w + 250], 0); /* the spot's centre */
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d;
    int n = split(&p, &opt, &d);
    assert_int_equal(n, 3);
    assert_box(&d[0], 30, 50, 60, 100);
    assert_box(&d[1], 85, 50, 90, 100);
    assert_box(&d[2], 115, 50, 145, 100);
    free(d);
    pic_free(&p);
}

static void test_number_split_errors(void **state)
{
    (void)state;
    struct pic p;
    pic_init(&p, 50, 40);
    struct number_split_options opt = number_split_defaults();
    struct number_digit *d = (struct number_digit *)p.mask;
    int n = 7;
    struct rm_status st = {{0}};
    assert_int_equal(number_split(p.ink, p.mask, p.w, p.h, &opt, &d, &n, &st), -1);
    assert_string_equal(st.msg, "no digit found");
    assert_null(d);
    assert_int_equal(n, 0);
    assert_int_equal(number_split(p.ink, p.mask, 0, 5, &opt, &d, &n, &st), -1);
    assert_string_equal(st.msg, "invalid size 0x5 for a number");
    pic_free(&p);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_split_separate_digits_in_order),
        cmocka_unit_test(test_number_split_digit_has_only_its_own_ink),
        cmocka_unit_test(test_number_split_strokes_of_one_digit_join),
        cmocka_unit_test(test_number_split_touching_digits_cut),
        cmocka_unit_test(test_number_split_specks_and_edge_dropped),
        cmocka_unit_test(test_number_split_scorer_decides),
        cmocka_unit_test(test_number_split_off_the_line_dropped),
        cmocka_unit_test(test_number_split_blots_dropped),
        cmocka_unit_test(test_number_split_far_pieces_dropped),
        cmocka_unit_test(test_number_split_wide_piece_far_left_dropped),
        cmocka_unit_test(test_number_split_line_not_pulled_by_a_far_stroke),
        cmocka_unit_test(test_number_split_line_of_many_digits),
        cmocka_unit_test(test_number_split_digits_among_many_pieces),
        cmocka_unit_test(test_number_split_edge_piece_dropped),
        cmocka_unit_test(test_number_split_lone_tall_stroke_not_the_height),
        cmocka_unit_test(test_number_split_bent_cut),
        cmocka_unit_test(test_number_split_short_piece_not_cut_off),
        cmocka_unit_test(test_number_split_loop_not_cut),
        cmocka_unit_test(test_number_split_narrow_pair_cut),
        cmocka_unit_test(test_number_split_short_group_dropped),
        cmocka_unit_test(test_number_split_lit_spot_polarity),
        cmocka_unit_test(test_number_split_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
