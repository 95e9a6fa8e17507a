#ifndef RESNET_MNIST_CUT_PATH_H
#define RESNET_MNIST_CUT_PATH_H

/* A cut between two digits that touch or overlap: a path from the top row of a picture to its
 * bottom row through as little ink as it can, instead of a straight column, so that a digit
 * leaning into its neighbour ("71", a "6" whose loop reaches under a "4") is cut around the
 * neighbour's strokes rather than through them. */

/* How much a step sideways (one column per row) costs, in ink (an ink map's 0..1), so that of
 * paths through equal ink the straightest wins. */
#define CUT_PATH_SHIFT_COST 0.001

/* The least-cost path down the w x h map cost (row-major, >= 0: the ink each pixel holds)
 * within the columns [lo, hi) (0 <= lo < hi <= w): one column per row, path[y], moving at most
 * one column sideways from a row to the next; a pixel costs its value, a sideways step
 * CUT_PATH_SHIFT_COST more. Ties go to the column nearer the window's middle. Returns the
 * ink the path crosses (the sum of its pixels' values, steps not counted), or -1 when out of
 * memory (path then unchanged). */
double cut_path_find(const float *cost, int w, int h, int lo, int hi, int *path);

#endif
