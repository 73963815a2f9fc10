/* The execution log: its entries and their markers. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    tg_error err;
    tg_log log;
    if (tg_log_parse(&log, text, size, "fuzz.md", &err) == TG_OK)
        tg_log_release(&log);
    free(text);
    return 0;
}
