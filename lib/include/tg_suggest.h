/*
 * Helping a user past a mismatch between the rules and an export: the
 * nearest column name to one that is missing, and what a header with a
 * single column says about the file's delimiter.
 */
#ifndef TG_SUGGEST_H
#define TG_SUGGEST_H

#include <stddef.h>

/**
 * Index of the name among names[0..n) closest to want (edit distance,
 * ignoring case), or -1 when none is close enough to be a likely typo or
 * renaming (distance above a third of the longer name, at least 2).
 */
int tg_suggest_nearest(const char *want, const char *const *names, int n);

/** Edit distance (Levenshtein, ignoring ASCII case). */
size_t tg_edit_distance(const char *a, const char *b);

/**
 * The likely delimiter of a file whose header came out as one column:
 * ';', '\t' or '|' when the header text holds it, else 0.
 */
char tg_suggest_delimiter(const char *const *header, int ncols);

/**
 * Write into buf a hint for a missing column want (a feature, with its
 * aliases tried): the nearest header name and how to accept it as an
 * alias (for "target", the outcome, how to rename it instead), a
 * delimiter hint, and the header's columns (clipped to fit).
 */
void tg_suggest_missing_column(char *buf, size_t size, const char *want,
                               const char *const *header, int ncols);

#endif
