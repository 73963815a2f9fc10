/* Rule sets: parse (conditions, tier table), lint, and generate SQL. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    tg_error err;
    tg_rules *r = NULL;
    if (tg_rules_parse(&r, text, size, "fuzz.json", &err) == TG_OK) {
        tg_lint_report lr;
        if (tg_lint(&lr, r, &err) == TG_OK)
            tg_lint_report_release(&lr);
        double v[64];
        for (int i = 0; i < 64; i++)
            v[i] = i % 7;
        if (r->nfeatures <= 64)
            tg_rules_assign(r, v);
    }
    tg_rules_free(r);
    free(text);
    return 0;
}
