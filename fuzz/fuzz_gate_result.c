/* Gate results (what `gate --json` writes), as report, registry and log
 * read them. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".gate.json");
    tg_error err;
    cJSON *doc = NULL;
    tg_result_load(&doc, path, NULL, &err);
    cJSON_Delete(doc);
    unlink(path);
    return 0;
}
