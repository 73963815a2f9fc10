/* Model registries: validation, and an update against a fixed result. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    tg_error err;
    cJSON *doc = NULL;
    if (tg_json_parse(&doc, text, "fuzz.json", &err) == TG_OK)
        tg_registry_validate(doc, "fuzz.json", &err);
    cJSON_Delete(doc);
    free(text);
    return 0;
}
