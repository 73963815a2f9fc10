/*
 * SQLite helpers shared by the cross-check tests.
 */
#ifndef TG_SQLITE_UTIL_H
#define TG_SQLITE_UTIL_H

#include <sqlite3.h>

/** The brief's V3.2 CASE expression, verbatim. */
extern const char *TT_BRIEF_V32_CASE;

/**
 * Create table name in db with every column of the CSV at path and load
 * it: empty fields as NULL (never '' text, which SQLite orders above
 * every number), integers as integers, true/false as 1/0, the rest as
 * text.
 */
void tt_sqlite_load_table(sqlite3 *db, const char *path, const char *name);

/** tt_sqlite_load_table(db, path, "leads"). */
void tt_sqlite_load(sqlite3 *db, const char *path);

/** Run sql (several statements); fails the test with SQLite's message. */
void tt_sqlite_exec(sqlite3 *db, const char *sql);

#endif
