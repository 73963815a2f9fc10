/*
 * Terminal text layout: widths counted in characters, not bytes (the
 * tables use "·" and "…"), and breaks only between words, because a tier
 * name split over two lines reads as two names.
 */
#include "tg_textfit.h"

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

const char *tg_text_clip(const char *s, int width, char *buf, size_t n)
{
    if (!n)
        return buf;
    if (tg_text_width(s) <= width || width < 1) {
        snprintf(buf, n, "%s", width < 1 ? "" : s);
        return buf;
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
    return buf;
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
    int w[32] = {0};
    if (ncols > 32)
        ncols = 32;
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            int cw = tg_text_width(cells[r * ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    int total = indent;
    for (int c = 0; c < ncols; c++)
        total += w[c] + (c ? 1 : 0);
    int split = width > 0 && total > width && ncols > 1;
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *cell = cells[r * ncols + c];
            int last = c == ncols - 1;
            if (c == 0) {
                fprintf(out, "%*s", indent, "");
                if (split) {
                    fprintf(out, "%s\n%*s", cell, indent + 2, "");
                    continue;
                }
            } else if (!(split && c == 1)) {
                fputc(' ', out);
            }
            if (align[c] == 'r')
                tg_text_rpad(out, cell, w[c]);
            else if (last)
                fputs(cell, out); /* no trailing blanks */
            else
                tg_text_pad(out, cell, w[c]);
        }
        fputc('\n', out);
    }
}
