/* Warehouse summaries (split, tier, counts, dates). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tg_rules *r = fuzz_rules();
    const char *path = fuzz_file(data, size, ".summary.csv");
    tg_error err;
    tg_tally t;
    if (tg_summary_load(&t, r, path, &err) == TG_OK)
        tg_tally_release(&t);
    unlink(path);
    return 0;
}
