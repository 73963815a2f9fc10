/* Proposed calibration tables (`log append --recalibration`): the shape
 * check, then the match against the shipped rule set. */
#include "fuzz_common.h"
#include "tg_recal_proposal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".json");
    tg_error err;
    tg_recal_proposal p;
    if (tg_recal_proposal_load(&p, path, &err) == TG_OK) {
        tg_rules *r = (tg_rules *)fuzz_rules();
        tg_recal_proposal_match(&p, r, &err);
        tg_recal_proposal_release(&p);
    }
    return 0;
}
