/*
 * tiergate report: the reviewer's HTML page (or Markdown) from a gate
 * result and, optionally, a V3.1 vs V3.2 comparison.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

enum { OPT_FROM = 9000, OPT_COMPARE, OPT_MONITOR, OPT_REPORT_SLICE, OPT_SWEEP };

static const cli_opt report_opts[] = {
    {"from", 0, "FILE", OPT_FROM, "the gate result (JSON)"},
    {"compare", 0, "FILE", OPT_COMPARE, "a comparison (JSON) to include"},
    {"slice", 0, "EXPR", OPT_REPORT_SLICE,
     "show only these slicings of the result\n"
     "(repeatable; default: every slicing it holds)"},
    {"sweep", 0, "FILE", OPT_SWEEP,
     "a sweep result (`sweep --json`) to include: its\n"
     "volume-vs-rate chart and table"},
    {"monitor", 0, "FILE", OPT_MONITOR,
     "instead of --from: the monitor page of what\n"
     "`monitor --json` writes: rate per tier per window\n"
     "with its interval and the calibration band, tier\n"
     "shares per window (stacked) with PSI, the alerts"},
    {"format", 0, "FMT", OPT_FORMAT, "html (default) or markdown"},
    CLI_OPT_OUTPUT,
    CLI_OPT_END,
};

static const cli_spec report_spec = {
    "report",
    "report --from GATE.json [--compare COMPARE.json]\n"
    "     [--sweep SWEEP.json] [--slice EXPR]...\n"
    "     [--format html|markdown] [-o FILE]\n"
    "report --monitor MONITOR.json [-o FILE]\n",
    "Render a gate result (what `gate --json` writes) for reviewers: one\n"
    "HTML file that opens offline (inline SVG charts, no scripts, fonts or\n"
    "network): the overall status as a banner, the gates table, conversion\n"
    "rate per tier with intervals (TRAIN beside TEST, baselines as lines),\n"
    "lift per tier with the gate's line, tier volumes, the calibration\n"
    "(expected vs observed), the comparison when given (what `compare\n"
    "--format json` writes), and the provenance. Every chart has a title,\n"
    "axis labels and a table with its numbers; statuses are words and\n"
    "symbols, not colour alone; it prints on A4. --format markdown gives the\n"
    "same content without charts, for a pull-request comment. A result of\n"
    "`gate --slice` adds small multiples: one panel per slice value on one\n"
    "scale, with a table of the same numbers.\n",
    report_opts,
    0,
    NULL,
};

/* Keep only the slicings named by --slice; 2 when one is not there. */
static int keep_slices(cJSON *gate, const char **want, int nwant,
                       const char *from)
{
    cJSON *sl = cJSON_GetObjectItem(gate, "slices");
    for (int i = 0; i < nwant; i++) {
        int found = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, sl)
            found |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "slice"))
                                 ? cJSON_GetStringValue(
                                       cJSON_GetObjectItem(x, "slice"))
                                 : "",
                             want[i]);
        if (!found)
            return cli_usage("report",
                             "%s holds no slicing '%s' (run `tiergate gate "
                             "--slice %s --json FILE` first)",
                             from, want[i], want[i]);
    }
    for (int k = cJSON_GetArraySize(sl) - 1; k >= 0; k--) {
        const char *e =
            cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sl, k),
                                                     "slice"));
        int keep = 0;
        for (int i = 0; i < nwant; i++)
            keep |= e && !strcmp(e, want[i]);
        if (!keep)
            cJSON_DeleteItemFromArray(sl, k);
    }
    return TG_EXIT_OK;
}

/* The monitor page from a monitor document, checked for its shape. */
static int monitor_page(const char *path, const char *out_path, int fmt)
{
    if (fmt != FMT_HTML)
        return cli_usage("report", "--monitor renders HTML; for Markdown run "
                                   "`tiergate monitor --format markdown`");
    tg_error err;
    tg_error_clear(&err);
    cJSON *m = NULL;
    if (tg_json_load(&m, path, &err) != TG_OK)
        return cli_fail(&err);
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(m, "kind"));
    if (!kind || strcmp(kind, "tiergate-monitor") != 0 ||
        !cJSON_IsArray(cJSON_GetObjectItem(m, "windows")) ||
        !cJSON_IsArray(cJSON_GetObjectItem(m, "tiers"))) {
        fprintf(stderr, "tiergate: %s: key 'kind': not a monitor result (what "
                        "`tiergate monitor --json` writes)\n", path);
        cJSON_Delete(m);
        return TG_EXIT_USAGE;
    }
    cli_out o;
    int r = cli_out_open(&o, out_path);
    if (r == TG_EXIT_OK) {
        tg_report_monitor_html(o.f, m);
        r = cli_out_close(&o);
    }
    cJSON_Delete(m);
    return r;
}

int cmd_report(int argc, char **argv)
{
    const char *from = NULL, *compare_path = NULL, *out_path = NULL,
               *monitor = NULL, *sweep_path = NULL;
    int fmt = FMT_HTML, c, r = TG_EXIT_OK;
    cJSON *gate = NULL, *compare = NULL, *sweep = NULL;
    const char *want[16];
    int nwant = 0;
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &report_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        switch (c) {
        case CLI_STOP: return p.rc;
        case OPT_OUTPUT: out_path = p.arg; break;
        case OPT_FROM: from = p.arg; break;
        case OPT_COMPARE: compare_path = p.arg; break;
        case OPT_SWEEP: sweep_path = p.arg; break;
        case OPT_REPORT_SLICE:
            if (nwant == 16)
                return cli_usage("report", "at most 16 --slice options");
            want[nwant++] = p.arg;
            break;
        case OPT_MONITOR: monitor = p.arg; break;
        case OPT_FORMAT:
            if (cli_format_option("report", p.arg,
                                  FMT_BIT(FMT_HTML) | FMT_BIT(FMT_MARKDOWN),
                                  &fmt))
                return TG_EXIT_USAGE;
            break;
        }
    }
    if (monitor && (from || compare_path || sweep_path || nwant))
        return cli_usage("report", "--monitor takes none of --from, "
                                   "--compare, --sweep, --slice");
    if (monitor)
        return cli_flush_stdout(monitor_page(monitor, out_path, fmt));
    if (!from)
        return cli_usage("report", "--from GATE.json (or --monitor "
                                   "MONITOR.json) is required");
    if (tg_result_load(&gate, from, NULL, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (nwant && (r = keep_slices(gate, want, nwant, from)))
        goto done;
    if (compare_path) {
        if (tg_json_load(&compare, compare_path, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        if (!cJSON_GetObjectItem(compare, "migration") ||
            !cJSON_GetObjectItem(compare, "metrics")) {
            fprintf(stderr,
                    "tiergate: %s: not a comparison (what `tiergate "
                    "compare --format json` writes)\n",
                    compare_path);
            r = TG_EXIT_USAGE;
            goto done;
        }
    }
    if (sweep_path) {
        if (tg_json_load(&sweep, sweep_path, &err) != TG_OK) {
            r = cli_fail(&err);
            goto done;
        }
        if (!cJSON_IsArray(cJSON_GetObjectItem(sweep, "variants")) ||
            !cJSON_GetObjectItem(sweep, "variants_tried")) {
            fprintf(stderr, "tiergate: %s: not a sweep result (what `tiergate "
                            "sweep --format json` writes)\n", sweep_path);
            r = TG_EXIT_USAGE;
            goto done;
        }
    }
    cli_out o;
    if ((r = cli_out_open(&o, out_path)))
        goto done;
    if (fmt == FMT_HTML)
        tg_report_html_with(o.f, gate, compare, sweep);
    else {
        tg_report_markdown(o.f, gate, compare);
        if (sweep)
            tg_sweep_render_markdown(o.f, sweep);
    }
    r = cli_out_close(&o);
done:
    cJSON_Delete(gate);
    cJSON_Delete(compare);
    cJSON_Delete(sweep);
    return cli_flush_stdout(r);
}
