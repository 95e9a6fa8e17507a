/* Grids of MNIST digits as PNG (digit_grid.h). Each cell is drawn on a raster of its own and
 * copied into the 8-bit image, which also keeps text that does not fit out of the neighbours. */
#include "resnet_mnist/io/digit_grid.h"

#include <stdlib.h>
#include <string.h>

#include "resnet_mnist/io/png.h"
#include "resnet_mnist/io/raster.h"
#include "resnet_mnist/io/text.h"

#define GRID_TITLE_PX   20.0
#define GRID_CAPTION_PX 15.0
#define GRID_TEXT_RGB   0x111111u /* the title and the first caption line */
#define GRID_NOTE_RGB   0x444444u /* the caption's further lines */

struct digit_grid_look digit_grid_look_captioned(void)
{
    struct digit_grid_look lk = {
        .scale = DIGIT_GRID_SCALE,
        .cell_w = DIGIT_GRID_CELL_W,
        .cell_h = DIGIT_GRID_CELL_H,
        .digit_x = DIGIT_GRID_DIGIT_X,
        .digit_y = DIGIT_GRID_DIGIT_Y,
        .caption_lines = DIGIT_GRID_LINES,
        .title_h = DIGIT_GRID_TITLE_H,
        .margin = DIGIT_GRID_MARGIN,
        .min_w = DIGIT_GRID_MIN_W,
        .max_side = DIGIT_GRID_MAX_SIDE,
        .paper = 0xffffff,
        .ink = 0x000000, /* MNIST's 255 is full ink: black here */
        .frame = DIGIT_GRID_FRAME_AROUND,
        .frame_rgb = 0xc8c8c8,
    };
    return lk;
}

struct digit_grid_look digit_grid_look_tiles(int scale)
{
    struct digit_grid_look lk = {
        .scale = scale,
        .cell_w = 28 * scale,
        .cell_h = 28 * scale,
        .max_side = 65535,
        .paper = 0x000000,
        .ink = 0xffffff,
        /* at 1 or 2 pixels per MNIST pixel a ring would hide too much of the digit */
        .frame = scale > 2 ? DIGIT_GRID_FRAME_EDGE : DIGIT_GRID_FRAME_NONE,
        .frame_rgb = 0x203070,
    };
    return lk;
}

static int look_ok(const struct digit_grid_look *lk)
{
    if (!lk || lk->scale < 1 || lk->scale > 1024 || lk->digit_x < 0 || lk->digit_y < 0 ||
        lk->caption_lines < 0 || lk->title_h < 0 || lk->margin < 0 || lk->min_w < 0)
        return 0;
    long side = 28L * lk->scale;
    return lk->digit_x + side <= lk->cell_w && lk->digit_y + side <= lk->cell_h;
}

/* The caption lines under the digit, each centred and shrunk to fit the cell. */
static int draw_caption(struct raster *cell, const struct text_font *font,
                        const struct digit_grid_look *lk, const char *caption)
{
    double top = lk->digit_y + 28.0 * lk->scale + DIGIT_GRID_CAPTION_GAP;
    const char *s = caption;
    for (int line = 0; line < lk->caption_lines && *s; line++) {
        char buf[128];
        size_t len = strcspn(s, "\n");
        size_t keep = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, s, keep);
        buf[keep] = '\0';
        double px = text_fit_px(font, buf, GRID_CAPTION_PX, lk->cell_w - 6.0);
        struct raster_color col = raster_color_hex(line == 0 ? GRID_TEXT_RGB : GRID_NOTE_RGB);
        if (text_draw(cell, font, buf, px, lk->cell_w / 2.0, top + line * DIGIT_GRID_LINE_H, 0.5,
                      TEXT_VALIGN_TOP, col, 0) != 0)
            return -1;
        s += len;
        if (*s == '\n')
            s++;
    }
    return 0;
}

/* One cell: the digit in its frame, the caption lines under it. Returns 0 or -1 (out of
 * memory). */
static int draw_cell(struct raster *cell, const struct text_font *font,
                     const struct digit_grid_look *lk, const uint8_t *digit, const char *caption)
{
    int S = lk->scale, x0 = lk->digit_x, y0 = lk->digit_y, side = 28 * S;
    struct raster_rect box = raster_rect_make(x0, y0, x0 + side, y0 + side);
    struct raster_color paper = raster_color_hex(lk->paper), ink = raster_color_hex(lk->ink);
    struct raster_color frame = raster_color_hex(lk->frame_rgb);
    raster_fill(cell, paper);
    if (lk->frame == DIGIT_GRID_FRAME_AROUND)
        raster_fill_rect(cell, raster_rect_grow(box, 1.0), frame, 1.0f);
    raster_fill_rect(cell, box, paper, 1.0f);
    for (int r = 0; r < 28; r++) {
        for (int q = 0; q < 28; q++) {
            float a = digit[r * 28 + q] / 255.0f;
            if (a <= 0.0f)
                continue;
            for (int dy = 0; dy < S; dy++)
                for (int dx = 0; dx < S; dx++)
                    raster_blend_pixel(cell, x0 + q * S + dx, y0 + r * S + dy, ink, a);
        }
    }
    if (lk->frame == DIGIT_GRID_FRAME_EDGE) {
        raster_fill_rect(cell, raster_rect_make(x0, y0, x0 + side, y0 + 1), frame, 1.0f);
        raster_fill_rect(cell, raster_rect_make(x0, y0 + side - 1, x0 + side, y0 + side), frame,
                         1.0f);
        raster_fill_rect(cell, raster_rect_make(x0, y0 + 1, x0 + 1, y0 + side - 1), frame, 1.0f);
        raster_fill_rect(cell, raster_rect_make(x0 + side - 1, y0 + 1, x0 + side, y0 + side - 1),
                         frame, 1.0f);
    }
    if (!caption || lk->caption_lines == 0)
        return 0;
    return draw_caption(cell, font, lk, caption);
}

/* The title, centred in its band, copied into the top of img (W pixels wide). */
static int draw_title(uint8_t *img, long W, const struct text_font *font,
                      const struct digit_grid_look *lk, const char *title)
{
    struct raster band;
    if (raster_init(&band, (int)W, lk->title_h) != 0)
        return -1;
    raster_fill(&band, raster_color_hex(lk->paper));
    double px = text_fit_px(font, title, GRID_TITLE_PX, (double)W - 2.0 * lk->margin);
    int rc = text_draw(&band, font, title, px, W / 2.0, lk->title_h / 2.0, 0.5,
                       TEXT_VALIGN_CENTER_DIGITS, raster_color_hex(GRID_TEXT_RGB), 0);
    if (rc == 0)
        raster_store_rgb8(&band, img, (size_t)W, 0, 0);
    raster_free(&band);
    return rc;
}

/* Draws everything into img (W x H); returns 0 or -1 (out of memory). */
static int draw_grid(uint8_t *img, long W, const struct digit_grid_look *lk, const char *title,
                     const uint8_t *images, const char *const *captions, int n, int cols)
{
    int has_title = title && *title && lk->title_h > 0;
    struct text_font *font = NULL;
    if (has_title || (captions && lk->caption_lines > 0)) {
        font = text_font_load(1); /* the cells are too narrow for the built-in font at 2 */
        if (!font)
            return -1;
    }
    struct raster cell;
    int rc = has_title ? draw_title(img, W, font, lk, title) : 0;
    if (rc == 0)
        rc = raster_init(&cell, lk->cell_w, lk->cell_h);
    if (rc == 0) {
        int left = (int)(W - (long)cols * lk->cell_w) / 2;
        for (int k = 0; k < n && rc == 0; k++) {
            rc =
                draw_cell(&cell, font, lk, images + (size_t)k * 784, captions ? captions[k] : NULL);
            raster_store_rgb8(&cell, img, (size_t)W, left + (k % cols) * lk->cell_w,
                              lk->title_h + (k / cols) * lk->cell_h);
        }
        raster_free(&cell);
    }
    text_font_free(font);
    return rc;
}

int digit_grid_write_png(const char *path, const struct digit_grid_look *look, const char *title,
                         const uint8_t *images, const char *const *captions, int n, int columns,
                         struct rm_status *st)
{
    if (!path)
        return rm_fail(st, "digit grid: no output path");
    if (!images || n < 1)
        return rm_fail(st, "%s: no digits to draw (%d)", path, n);
    if (columns < 1)
        return rm_fail(st, "%s: bad number of columns %d", path, columns);
    if (!look_ok(look))
        return rm_fail(st, "%s: bad grid look (the digit must fit its cell)", path);
    int cols = columns < n ? columns : n;
    long rows = (n + (long)cols - 1) / cols;
    long W = 2L * look->margin + (long)cols * look->cell_w;
    W = W < look->min_w ? look->min_w : W;
    long H = look->title_h + rows * look->cell_h + look->margin;
    if (W > look->max_side || H > look->max_side)
        return rm_fail(st,
                       "%s: %d digits in %d columns make a %ldx%ld image, more than %d pixels "
                       "on a side",
                       path, n, cols, W, H, look->max_side);

    size_t npx = (size_t)W * (size_t)H;
    uint8_t *img = malloc(npx * 3);
    if (!img)
        return rm_fail(st, "%s: out of memory for a %ldx%ld image", path, W, H);
    const uint8_t paper[3] = {(uint8_t)(look->paper >> 16), (uint8_t)(look->paper >> 8),
                              (uint8_t)look->paper};
    for (size_t i = 0; i < npx; i++)
        memcpy(img + 3 * i, paper, 3);
    if (draw_grid(img, W, look, title, images, captions, n, cols) != 0) {
        free(img);
        return rm_fail(st, "%s: out of memory while drawing", path);
    }
    int rc = png_write(path, img, (int)W, (int)H, 3, st);
    free(img);
    return rc;
}
