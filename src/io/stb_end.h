/* Closes the scope that stb_begin.h opened. */
#pragma GCC diagnostic pop
