/*
 * Shared by the libFuzzer targets (one per parser of untrusted input):
 * the V3.2 rule set most targets resolve against, and a scratch file for
 * the parsers that read a path. Built only with -DTG_FUZZ=ON (clang);
 * scripts/fuzz.sh runs every target.
 */
#ifndef TG_FUZZ_COMMON_H
#define TG_FUZZ_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiergate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shipped rule set, loaded once (the path is the source tree's). */
static inline const tg_rules *fuzz_rules(void)
{
    static tg_rules *r;
    if (!r && tg_rules_load(&r, TG_SOURCE_DIR "/registry/tiers/v3.2.json",
                            NULL) != TG_OK)
        abort();
    return r;
}

/* The input as a NUL-terminated string (the caller frees). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

/* The input written to this process's scratch file; returns its path. */
static inline const char *fuzz_file(const uint8_t *data, size_t size,
                                    const char *suffix)
{
    static char path[128];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/tiergate-fuzz-%d%s", dir, (int)getpid(),
             suffix);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    return path;
}

#endif
