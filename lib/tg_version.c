/*
 * Library versions as the linked libraries report them at run time (not
 * the headers' macros, which describe the build machine): an audit needs
 * what actually ran.
 */
#include "tg_version.h"

#include "tg_git.h"
#include "tg_stream.h"
#include "tg_scan.h"

#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <zlib.h>

const char *tg_version(void) { return TG_VERSION; }

char *tg_library_versions(char *buf, size_t size)
{
    int major = 0, minor = 0, rev = 0;
    tg_git_library_version(&major, &minor, &rev);
    snprintf(buf, size,
             "GSL %s\n"
             "cJSON %s\n"
             "libgit2 %d.%d.%d\n"
             "zlib %s\n"
             "libcrypto %s\n"
             "gzip inflater: %s\n"
             "scan separators: %s\n",
             gsl_version, cJSON_Version(), major, minor, rev, zlibVersion(),
             OpenSSL_version(OPENSSL_VERSION), tg_stream_inflater_name(),
             tg_scan_simd_name());
    return buf;
}
