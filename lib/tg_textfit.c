/*
 * Terminal text layout: widths counted in characters, not bytes (the
 * tables use "·" and "…"), and breaks only between words, because a tier
 * name split over two lines reads as two names.
 */
#include "tg_textfit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int tg_text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Bytes of the first `cols` characters of s. */
static size_t bytes_for(const char *s, int cols)
{
    size_t i = 0;
    int w = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cols)
                break;
            w++;
        }
        i++;
    }
    return i;
}

/* A buffer too small for the text is cut at n - 1 bytes, which may be
 * inside a character: drop the partial character at the end. */
static const char *whole_chars(char *buf)
{
    size_t len = strlen(buf), start = len;
    while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return buf;
    unsigned char lead = (unsigned char)buf[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (start - 1) < need)
        buf[start - 1] = '\0';
    return buf;
}

const char *tg_text_clip(const char *s, int width, char *buf, size_t n)
{
    if (!n)
        return buf;
    if (tg_text_width(s) <= width || width < 1) {
        snprintf(buf, n, "%s", width < 1 ? "" : s);
        return whole_chars(buf);
    }
    /* Room for the text and the one-column "…". */
    size_t keep = bytes_for(s, width - 1);
    size_t cut = keep;
    while (cut > 0 && s[cut] != ' ')
        cut--;
    if (cut == 0 && s[keep] != ' ')
        cut = keep; /* one word longer than the width: no better place */
    while (cut > 0 && s[cut - 1] == ' ')
        cut--;
    snprintf(buf, n, "%.*s…", (int)cut, s);
    return whole_chars(buf);
}

static void new_line(FILE *out, int indent)
{
    fputc('\n', out);
    for (int i = 0; i < indent; i++)
        fputc(' ', out);
}

void tg_text_wrap(FILE *out, const char *s, int width, int first, int indent)
{
    if (indent >= width)
        indent = 0;
    int col = first, at_start = 1; /* nothing of s on this line yet */
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        if (*s == '\n') {
            new_line(out, indent);
            col = indent;
            at_start = 1;
            s++;
            continue;
        }
        size_t wl = strcspn(s, " \n");
        int ww = 0;
        for (size_t i = 0; i < wl; i++)
            ww += ((unsigned char)s[i] & 0xC0) != 0x80;
        if (!at_start && col + 1 + ww > width) {
            new_line(out, indent);
            col = indent;
            at_start = 1;
        }
        if (!at_start) {
            fputc(' ', out);
            col++;
        }
        if (col + ww > width) {
            /* A word wider than the whole line: clipped, never split. */
            char word[512], buf[520];
            snprintf(word, sizeof word, "%.*s", (int)(wl < 511 ? wl : 511), s);
            fputs(tg_text_clip(word, width - col, buf, sizeof buf), out);
            col = width;
        } else {
            fwrite(s, 1, wl, out);
            col += ww;
        }
        at_start = 0;
        s += wl;
    }
    fputc('\n', out);
}

void tg_text_pad(FILE *out, const char *s, int width)
{
    fputs(s, out);
    for (int w = tg_text_width(s); w < width; w++)
        fputc(' ', out);
}

void tg_text_rpad(FILE *out, const char *s, int width)
{
    for (int w = tg_text_width(s); w < width; w++)
        fputc(' ', out);
    fputs(s, out);
}

void tg_text_table(FILE *out, const char *const *cells, int nrows, int ncols,
                   const char *align, int indent, int width)
{
    tg_text_table_ex(out, cells, nrows, ncols, align, indent, width, 1,
                     indent + 2);
}

/* One cell at its column's width: right-aligned cells padded on the left,
 * a left-aligned cell that ends its line clipped to `room` and never
 * padded (no trailing blanks). */
static void table_cell(FILE *out, const char *cell, char align, int w,
                       int ends_line, int room)
{
    if (align == 'r') {
        tg_text_rpad(out, cell, w);
    } else if (ends_line) {
        char clip[2048];
        fputs(tg_text_clip(cell, room, clip, sizeof clip), out);
    } else {
        tg_text_pad(out, cell, w);
    }
}

void tg_text_table_ex(FILE *out, const char *const *cells, int nrows,
                      int ncols, const char *align, int indent, int width,
                      int head, int sub)
{
    int w[32] = {0}, group[32] = {0};
    if (ncols > 32)
        ncols = 32;
    if (head < 1)
        head = 1;
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            int cw = tg_text_width(cells[r * ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    int total = indent;
    for (int c = 0; c < ncols; c++)
        total += w[c] + (c ? 1 : 0);
    int split = width > 0 && total > width && ncols > head;
    /* Split: the columns after the head packed into as few lines as
     * keep each within width (every row uses the same packing, so the
     * columns stay aligned under the header's). */
    int ngroups = 1;
    if (split) {
        int col = sub;
        for (int c = head; c < ncols; c++) {
            if (c > head && col + 1 + w[c] > width) {
                ngroups++;
                col = sub + w[c];
            } else {
                col += (c > head ? 1 : 0) + w[c];
            }
            group[c] = ngroups - 1;
        }
    }
    for (int r = 0; r < nrows; r++) {
        const char *const *row = cells + r * ncols;
        int col = indent, lastc = split ? head - 1 : ncols - 1;
        fprintf(out, "%*s", indent, "");
        for (int c = 0; c <= lastc; c++) {
            if (c) {
                fputc(' ', out);
                col++;
            }
            if (split && c == lastc && tg_text_width(row[c]) > width - col) {
                /* A head too long for the line: wrapped between words
                 * under itself (a word longer than the line is clipped). */
                tg_text_wrap(out, row[c], width, col, col);
                col = -1;
                break;
            }
            table_cell(out, row[c], align[c], w[c], c == lastc, w[c]);
            col += w[c];
        }
        if (col >= 0)
            fputc('\n', out);
        for (int g = 0; split && g < ngroups; g++) {
            int first = 1;
            col = sub;
            fprintf(out, "%*s", sub, "");
            for (int c = head; c < ncols; c++) {
                if (group[c] != g)
                    continue;
                if (!first) {
                    fputc(' ', out);
                    col++;
                }
                first = 0;
                int ends = c == ncols - 1 || group[c + 1] != g;
                table_cell(out, row[c], align[c], w[c], ends,
                           width - col > w[c] ? w[c] : width - col);
                col += w[c];
            }
            fputc('\n', out);
        }
    }
}

int tg_text_cells_init(tg_text_cells *t, int nrows, int ncols)
{
    t->nrows = nrows;
    t->ncols = ncols;
    t->cell = calloc((size_t)(nrows > 0 ? nrows : 1) * (size_t)ncols,
                     sizeof *t->cell);
    return t->cell != NULL;
}

void tg_text_cells_set(tg_text_cells *t, int r, int c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!t->cell || r < 0 || c < 0 || r >= t->nrows || c >= t->ncols)
        return;
    free(t->cell[r * t->ncols + c]);
    t->cell[r * t->ncols + c] = strdup(buf);
}

void tg_text_cells_out(FILE *out, tg_text_cells *t, const char *align,
                       int indent, int width, int head, int sub)
{
    int n = t->cell ? t->nrows * t->ncols : 0, ok = t->cell != NULL;
    for (int i = 0; i < n; i++)
        if (!t->cell[i] && !(t->cell[i] = strdup("")))
            ok = 0;
    if (ok)
        tg_text_table_ex(out, (const char *const *)t->cell, t->nrows,
                         t->ncols, align, indent, width, head, sub);
    for (int i = 0; i < n; i++)
        free(t->cell[i]);
    free(t->cell);
    t->cell = NULL;
}

void tg_text_wrap_lead(FILE *out, const char *s, int width, int first,
                       int indent)
{
    while (*s == ' ') {
        fputc(' ', out);
        first++;
        s++;
    }
    tg_text_wrap(out, s, width, first, indent);
}
