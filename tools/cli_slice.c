/*
 * --slice: parsing the expressions and loading the overall tally with
 * the slices' tallies, from rows or from a sliced warehouse summary.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_slices_release(cli_slices *sl)
{
    for (int i = 0; i < sl->n; i++)
        tg_slicing_release(&sl->s[i]);
    free(sl->s);
    sl->s = NULL;
    sl->n = 0;
}

int cli_load_sliced(tg_tally *t, cli_slices *sl, const tg_rules *rules,
                    const cli_data *d, int fingerprint, const char *cmd)
{
    tg_error err, first_skip;
    tg_error_clear(&err);
    sl->s = NULL;
    sl->n = 0;
    if (d->nslices == 0)
        return cli_load_tally(t, rules, d, fingerprint, cmd);
    if (d->nslices > TG_SUMMARY_MAX_SLICINGS)
        return cli_usage(cmd, "at most %d --slice options",
                         TG_SUMMARY_MAX_SLICINGS);
    if (d->summary && d->ndata)
        return cli_usage(cmd, "give --data or --summary, not both");
    if (!d->summary && d->ndata == 0)
        return cli_usage(cmd, "give the data with --data FILE or a warehouse "
                              "summary with --summary FILE");
    if (!(sl->s = calloc((size_t)d->nslices, sizeof *sl->s))) {
        fprintf(stderr, "tiergate: out of memory\n");
        return TG_EXIT_INTERNAL;
    }
    for (int i = 0; i < d->nslices; i++) {
        tg_slice_spec spec;
        if (tg_slice_parse(&spec, d->slices[i], rules, &err) != TG_OK) {
            cli_slices_release(sl);
            return cli_usage(cmd, "%s", err.msg);
        }
        for (int k = 0; k < sl->n; k++)
            if (strcmp(sl->s[k].spec.expr, spec.expr) == 0) {
                cli_usage(cmd, "--slice '%s' given twice", spec.expr);
                tg_slice_spec_release(&spec);
                cli_slices_release(sl);
                return TG_EXIT_USAGE;
            }
        tg_slicing_init(&sl->s[sl->n++], &spec);
    }
    if (d->summary) {
        if (tg_summary_load_sliced(t, sl->s, sl->n, rules, d->summary, &err) !=
            TG_OK) {
            cli_slices_release(sl);
            return cli_fail(&err);
        }
        if (fingerprint &&
            tg_sha256_file(d->summary, t->input_sha256, &err) != TG_OK) {
            tg_tally_release(t);
            cli_slices_release(sl);
            return cli_fail(&err);
        }
        return TG_EXIT_OK;
    }
    if (tg_tally_init(t, rules, &err) != TG_OK) {
        cli_slices_release(sl);
        return cli_fail(&err);
    }
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d->data;
    o.npaths = d->ndata;
    o.on_bad_row = d->on_bad_row;
    o.threads = d->threads;
    o.fingerprint = fingerprint;
    o.date_config = cli_default_date_config(d);
    cli_progress_attach(&o);
    if (tg_scan_sliced(t, sl->s, sl->n, rules, &o, &first_skip, &err) !=
        TG_OK) {
        tg_tally_release(t);
        cli_slices_release(sl);
        return cli_fail(&err);
    }
    if (t->skipped) {
        char buf[2048];
        cli_warn("skipped %llu bad row%s of %llu; the first: %s",
                 (unsigned long long)t->skipped, t->skipped == 1 ? "" : "s",
                 (unsigned long long)t->rows,
                 tg_error_format(&first_skip, buf, sizeof buf));
    }
    return TG_EXIT_OK;
}
