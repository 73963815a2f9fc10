/*
 * Suggestions for missing columns. The distance is the plain dynamic
 * programme over two rows: header names are short, and this runs once,
 * on an error.
 */
#include "tg_suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t tg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = malloc((lb + 1) * sizeof *prev);
    size_t *cur = malloc((lb + 1) * sizeof *cur);
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return la > lb ? la : lb; /* no memory: as far as can be */
    }
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int same = tolower((unsigned char)a[i - 1]) ==
                       tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (same ? 0 : 1);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

int tg_suggest_nearest(const char *want, const char *const *names, int n)
{
    int best = -1;
    size_t best_d = (size_t)-1;
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0])
            continue;
        size_t d = tg_edit_distance(want, names[i]);
        size_t longer = strlen(want) > strlen(names[i]) ? strlen(want)
                                                        : strlen(names[i]);
        size_t limit = longer / 3 > 2 ? longer / 3 : 2;
        if (d <= limit && d < best_d) {
            best = i;
            best_d = d;
        }
    }
    return best;
}

char tg_suggest_delimiter(const char *const *header, int ncols)
{
    if (ncols != 1 || !header[0])
        return 0;
    static const char candidates[] = ";\t|";
    for (const char *c = candidates; *c; c++)
        if (strchr(header[0], *c))
            return *c;
    return 0;
}

void tg_suggest_missing_column(char *buf, size_t size, const char *want,
                               const char *const *header, int ncols)
{
    size_t off = 0;
#define ADD(...)                                                             \
    do {                                                                     \
        if (off < size) {                                                    \
            int k_ = snprintf(buf + off, size - off, __VA_ARGS__);           \
            off += k_ > 0 ? (size_t)k_ : 0;                                  \
        }                                                                    \
    } while (0)
    if (size)
        buf[0] = '\0';
    char delim = tg_suggest_delimiter(header, ncols);
    if (delim) {
        ADD("; the header is one column holding %s: tiergate reads "
            "comma-separated files (export with ',' as the delimiter)",
            delim == '\t' ? "tabs" : delim == ';' ? "';'" : "'|'");
        return;
    }
    int near = tg_suggest_nearest(want, header, ncols);
    /* The outcome has no aliases: only a feature's column can be named
     * differently in the rule set. */
    if (near >= 0 && strcmp(want, "target") == 0)
        ADD("; did you mean '%s'? The outcome column must be called "
            "'target': rename it in the export", header[near]);
    else if (near >= 0)
        ADD("; did you mean '%s'? If it holds %s, add \"%s\" to that "
            "feature's \"aliases\" in the rule set",
            header[near], want, header[near]);
    ADD("; the header has %d column%s:", ncols, ncols == 1 ? "" : "s");
    for (int i = 0; i < ncols; i++) {
        size_t need = strlen(header[i]) + 8;
        if (off + need + 6 >= size) { /* leave room for the ellipsis */
            ADD(" ...");
            break;
        }
        ADD("%s '%s'", i ? "," : "", header[i]);
    }
#undef ADD
}
