/* The condition language: parse, evaluate, and write it back as SQL. */
#include "fuzz_common.h"

static int resolve(void *ctx, const char *name, size_t len)
{
    return tg_rules_feature_index(ctx, name, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    char *text = fuzz_text(data, size);
    tg_error err;
    tg_cond *c = NULL;
    if (tg_cond_parse(&c, text, resolve, (void *)r, "fuzz", &err) == TG_OK) {
        double v[6] = {24, 100, -3, 5, 0, 0};
        tg_cond_eval(c, v);
        double n[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
        tg_cond_eval(c, n);
    }
    tg_cond_free(c);
    free(text);
    return 0;
}
