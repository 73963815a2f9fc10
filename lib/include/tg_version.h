/*
 * Versions: tiergate's own and those of the libraries it runs on, so a
 * bug report or an audit can say exactly what computed a verdict.
 */
#ifndef TG_VERSION_H
#define TG_VERSION_H

#include <stddef.h>

/** tiergate's version ("0.1.0"). */
const char *tg_version(void);

/**
 * One line per library, "name version\n", of the libraries linked at run
 * time (GSL, cJSON, libgit2, zlib, libcrypto). Writes at most size bytes
 * (NUL-terminated); returns buf.
 */
char *tg_library_versions(char *buf, size_t size);

#endif
