/*
 * SQLite helpers shared by the cross-check tests.
 */
#ifndef TG_SQLITE_UTIL_H
#define TG_SQLITE_UTIL_H

#include <sqlite3.h>

/** The brief's V3.2 CASE expression, verbatim. */
extern const char *TT_BRIEF_V32_CASE;

/** Create table leads in db and load the export at path into it. */
void tt_sqlite_load(sqlite3 *db, const char *path);

#endif
