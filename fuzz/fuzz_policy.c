/* Gate policies, resolved against the V3.2 rule set. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    char *text = fuzz_text(data, size);
    tg_error err;
    tg_policy *p = NULL;
    tg_policy_parse(&p, text, size, "fuzz.json", r, &err);
    tg_policy_free(p);
    free(text);
    return 0;
}
