/*
 * Text that fits a terminal: display widths, clipping and word wrapping
 * that never break inside a word. The callers choose the width (the CLI
 * asks the terminal); these functions only lay text out.
 */
#ifndef TG_TEXTFIT_H
#define TG_TEXTFIT_H

#include <stddef.h>
#include <stdio.h>

/** Columns s takes on a terminal: one per UTF-8 character. */
int tg_text_width(const char *s);

/**
 * s clipped to at most width columns into buf: cut at the last space that
 * fits and ended with "…", so no word is broken (a single word longer
 * than width is cut and ended with "…"). Returns buf.
 */
const char *tg_text_clip(const char *s, int width, char *buf, size_t n);

/**
 * Write s word-wrapped to width columns: the first line starts at the
 * current column `first` (what the caller already printed), following
 * lines are indented by `indent` spaces. Existing line breaks are kept.
 * Ends with a newline.
 */
void tg_text_wrap(FILE *out, const char *s, int width, int first, int indent);

/** tg_text_wrap keeping s's leading blanks (tg_text_wrap drops them). */
void tg_text_wrap_lead(FILE *out, const char *s, int width, int first,
                       int indent);

/** Write s then pad with spaces to width columns (left aligned). */
void tg_text_pad(FILE *out, const char *s, int width);
/** Pad with spaces to width columns, then write s (right aligned). */
void tg_text_rpad(FILE *out, const char *s, int width);



/**
 * A table of nrows rows of ncols cells (row-major; row 0 the header),
 * each line starting with indent spaces, columns one space apart and as
 * wide as their widest cell; align[c] is 'l' or 'r'. When the rows do
 * not fit width (> 0), the first cell of each row goes on a line of its
 * own and the others follow on the next (on more when they need it),
 * indented two more: nothing is broken.
 */
void tg_text_table(FILE *out, const char *const *cells, int nrows, int ncols,
                   const char *align, int indent, int width);

/**
 * tg_text_table with the split chosen by the caller: when the rows do
 * not fit width, the first `head` cells of each row go on a line of their
 * own (the last of them wrapped between words if still too wide) and
 * the others follow `sub` columns in, on as few lines as keep them within
 * width, packed the same way for every row so they stay aligned.
 * tg_text_table is head 1, sub indent + 2.
 */
void tg_text_table_ex(FILE *out, const char *const *cells, int nrows,
                      int ncols, const char *align, int indent, int width,
                      int head, int sub);
/**
 * A table built cell by cell before it is laid out, so that each column
 * is as wide as its widest cell: init for nrows x ncols (row 0 the
 * header), set cells (formatted; text already made safe for a terminal;
 * a cell never set shows empty), then out, which lays it out with
 * tg_text_table_ex and frees it.
 */
typedef struct {
    char **cell;
    int nrows, ncols;
} tg_text_cells;
int tg_text_cells_init(tg_text_cells *t, int nrows, int ncols);
void tg_text_cells_set(tg_text_cells *t, int r, int c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tg_text_cells_out(FILE *out, tg_text_cells *t, const char *align,
                       int indent, int width, int head, int sub);

#endif
