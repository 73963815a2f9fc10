/*
 * tiergate preview: checklist step 2. Per tier and split: leads,
 * labeled, conversions, rate, lift against the split's own baseline and
 * a confidence interval.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tg_escape.h"
#include "cmd.h"
#include "tg_textfit.h"

static const char help[] =
    "usage: tiergate preview --rules FILE (--data FILE... | --summary FILE)\n"
    "                        [--split TRAIN|TEST|ALL] [--ci METHOD] "
    "[--level L]\n"
    "                        [--slice EXPR]... [--format text|json|markdown|csv]\n"
    "                        [-o FILE]\n\n"
    "Show every tier in rule order (the default tier last, empty tiers too)\n"
    "with leads, labeled leads, conversions, conversion rate, lift against\n"
    "the split's own baseline and a confidence interval. Without --split,\n"
    "TRAIN and TEST are shown (JSON: an array of the two objects). A row is\n"
    "in split S when its split column is S; other rows count in ALL "
    "only. With --slice, the same table follows for every value of each\n"
    "slicing (JSON: {\"splits\": [...], \"slices\": [...]}; CSV: leading\n"
    "slice,slice_value columns, empty for the whole data).\n\n" CLI_DATA_HELP
    "  --split S            TRAIN, TEST or ALL\n" CLI_SLICE_HELP CLI_STATS_HELP
    CLI_BASELINE_HELP
    "  --format FMT         text (default), json, markdown or csv\n"
    "  -o FILE              write to FILE (replaced atomically)\n"
    "  --wide               the text tables in their fixed layout (default:\n"
    "                       fitted to the terminal's width, COLUMNS, else 80)\n"
    "  -h, --help           this help\n";

/* Columns for the text tables: the terminal's, 80 in a file, 0 = --wide. */
static int text_width = 80;

static void preview_quality(cJSON *j, const tg_tally *t)
{
    uint64_t oor = 0;
    for (int f = 0; f < t->nfeatures && t->out_of_range; f++)
        oor += t->out_of_range[f];
    cJSON_AddNumberToObject(j, "skipped_rows", (double)t->skipped);
    tg_input_quality_json(j, t->skipped_by, t->other, t->nother,
                          t->other_more, oor);
}

/* One CSV field, quoted when it needs to be. */
static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

/* The CSV rows of st behind the slice columns (header when want_header). */
static int csv_rows(FILE *f, const tg_split_stats *st, int n,
                    const char *slice, const char *value, int want_header)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return EXIT_INTERNAL;
    tg_render_preview_csv(m, st, n);
    if (fclose(m) != 0)
        return EXIT_INTERNAL;
    char *line = buf, *nl;
    for (int first = 1; (nl = strchr(line, '\n')); line = nl + 1, first = 0) {
        if (first && !want_header)
            continue;
        if (first) {
            fputs("slice,slice_value,", f);
        } else {
            csv_field(f, slice);
            fputc(',', f);
            csv_field(f, value);
            fputc(',', f);
        }
        fwrite(line, 1, (size_t)(nl - line + 1), f);
    }
    free(buf);
    return EXIT_OK;
}

/* The overall tables, then the same per value of every slicing. */
static int sliced(cli_out *o, const tg_rules *rules, const cli_data *d,
                  const tg_split_stats *st, int n, const int *splits,
                  const cli_slices *sl, int fmt)
{
    tg_error err;
    tg_error_clear(&err);
    if (fmt == FMT_JSON) {
        cJSON *j = tg_json_stamp(cJSON_CreateObject());
        cJSON *a = cJSON_AddArrayToObject(j, "splits");
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(a, tg_split_stats_json(&st[i], 0));
        cJSON *sa = cJSON_AddArrayToObject(j, "slices");
        for (int k = 0; k < sl->n; k++) {
            cJSON *x = tg_slicing_json(&sl->s[k], splits, n,
                                       rules->model_version, d->ci_method,
                                       d->ci_level, 0, &err);
            if (!x) {
                cJSON_Delete(j);
                return cli_fail(&err);
            }
            cJSON_AddItemToArray(sa, x);
        }
        char *s = cJSON_Print(j);
        fprintf(o->f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
        return EXIT_OK;
    }
    if (fmt == FMT_CSV) {
        if (csv_rows(o->f, st, n, "", "", 1))
            return EXIT_INTERNAL;
    } else if (fmt == FMT_MARKDOWN) {
        tg_render_preview_markdown(o->f, st, n);
    } else {
        char a[160], b[160], p[300], line[700];
        snprintf(line, sizeof line, "%s (%s) · %s",
                 tg_esc_term_buf(rules->model_id, a, sizeof a),
                 tg_esc_term_buf(rules->model_version, b, sizeof b),
                 tg_esc_term_buf(rules->path, p, sizeof p));
        tg_text_wrap(o->f, line, text_width > 0 ? text_width : 1 << 20, 0, 2);
        tg_render_preview_text(o->f, st, n, text_width);
    }
    for (int k = 0; k < sl->n; k++) {
        const tg_slicing *x = &sl->s[k];
        for (int v = 0; v < x->nvalues; v++) {
            tg_split_stats vs[2];
            int nv = 0;
            for (; nv < n; nv++)
                if (tg_split_stats_compute(&vs[nv], &x->values[v].tally,
                                           splits[nv], rules->model_version,
                                           d->ci_method, d->ci_level,
                                           &err) != TG_OK) {
                    for (int i = 0; i < nv; i++)
                        tg_split_stats_release(&vs[i]);
                    return cli_fail(&err);
                }
            char label[TG_SLICE_MAX_NAME + TG_SLICE_MAX_KEY + 8];
            tg_slice_label(x, v, label, sizeof label);
            int rc = EXIT_OK;
            if (fmt == FMT_CSV) {
                rc = csv_rows(o->f, vs, n, x->spec.expr,
                              x->values[v].value ? x->values[v].value : "",
                              0);
            } else if (fmt == FMT_MARKDOWN) {
                fputs("\n## Slice ", o->f);
                tg_esc_md_code(o->f, x->spec.expr);
                fputs(": ", o->f);
                tg_esc_md(o->f, label);
                fputs("\n\n", o->f);
                tg_render_preview_markdown(o->f, vs, n);
            } else {
                /* The label is data: escaped (shown, never obeyed), then
                 * clipped between words to the width. */
                char esc[sizeof label * 4], hd[sizeof esc + 32], clip[sizeof hd];
                snprintf(hd, sizeof hd, "── slice %s ──",
                         tg_esc_term_buf(label, esc, sizeof esc));
                fprintf(o->f, "\n%s\n",
                        text_width > 0
                            ? tg_text_clip(hd, text_width, clip, sizeof clip)
                            : hd);
                tg_render_preview_text(o->f, vs, n, text_width);
            }
            for (int i = 0; i < nv; i++)
                tg_split_stats_release(&vs[i]);
            if (rc)
                return rc;
        }
    }
    return EXIT_OK;
}

int cmd_preview(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_DATA_LONG_OPTIONS,
        CLI_STATS_LONG_OPTIONS,
        {"baseline", required_argument, NULL, 'b'},
        CLI_SLICE_LONG_OPTION,
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"output", required_argument, NULL, 'o'},
        {"wide", no_argument, NULL, OPT_WIDE},
        {"split", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = EXIT_OK, split = -3;
    const char *out_path = NULL;
    int wide = 0;
    tg_rules *rules = NULL;
    tg_tally t;
    int have_tally = 0;
    tg_split_stats st[2];
    int nst = 0;
    cli_slices sl = {NULL, 0};
    tg_error err;
    cli_baseline base;
    cli_baseline_init(&base);
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int used = cli_data_option(&d, "preview", c, optarg);
        if (used < 0) {
            r = EXIT_USAGE;
            goto done;
        }
        if (used)
            continue;
        switch (c) {
        case 'h': {
            r = cli_help(help);
            goto done;
        }
        case 'o': out_path = optarg; break;
        case OPT_WIDE: wide = 1; break;
        case 'b':
            if ((r = cli_parse_baseline("preview", optarg, &base)))
                goto done;
            break;
        case 'f':
            fmt = cli_format_parse(
                optarg, FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                            FMT_BIT(FMT_MARKDOWN) | FMT_BIT(FMT_CSV));
            if (fmt < 0) {
                r = cli_usage("preview",
                              "--format takes text, json, "
                              "markdown or csv, not '%s'",
                              optarg);
                goto done;
            }
            break;
        case 's':
            if ((split = tg_split_parse(optarg)) == -2) {
                r = cli_usage("preview",
                              "--split takes TRAIN, TEST or ALL, "
                              "not '%s'",
                              optarg);
                goto done;
            }
            break;
        default: {
            r = cli_usage("preview", "bad option");
            goto done;
        }
        }
    }
    text_width = wide ? 0
                 : out_path && strcmp(out_path, "-") ? 80 : cli_term_width();
    if (optind < argc) {
        r = cli_usage("preview", "unexpected argument '%s'", argv[optind]);
        goto done;
    }

    tg_error_clear(&err);
    if ((r = cli_load_rules(&rules, &d, "preview")))
        goto done;
    if ((r = cli_load_sliced(&t, &sl, rules, &d, 0, "preview")))
        goto done;
    have_tally = 1;
    int splits[2] = {split, 0};
    int n = 1;
    if (split == -3) {
        splits[0] = TG_SPLIT_TRAIN;
        splits[1] = TG_SPLIT_TEST;
        n = 2;
    }
    for (int i = 0; i < n; i++, nst++)
        if (tg_split_stats_compute(&st[i], &t, splits[i], rules->model_version,
                                   d.ci_method, d.ci_level, &err) != TG_OK) {
            nst++;
            r = cli_fail(&err);
            goto done;
        } else {
            double pin = splits[i] == TG_SPLIT_TRAIN  ? base.train
                       : splits[i] == TG_SPLIT_TEST ? base.test
                                                    : base.all;
            if (!isnan(pin))
                tg_split_stats_pin_baseline(&st[i], pin);
        }
    cli_out o;
    if ((r = cli_out_open(&o, out_path)))
        goto done;
    if (sl.n) {
        r = sliced(&o, rules, &d, st, n, splits, &sl, fmt);
        if (r) {
            cli_out_discard(&o);
            goto done;
        }
        r = cli_out_close(&o);
        goto done;
    }
    switch (fmt) {
    case FMT_JSON: {
        cJSON *j;
        /* Each split object also says what was not counted. */
        if (n == 1) {
            j = tg_json_stamp(tg_split_stats_json(&st[0], 0));
            preview_quality(j, &t);
        } else {
            /* Several splits: {"splits": [...]}, as a sliced preview
             * writes them, so the document has its format_version. */
            j = tg_json_stamp(cJSON_CreateObject());
            cJSON *a = cJSON_AddArrayToObject(j, "splits");
            for (int i = 0; i < n; i++) {
                cJSON *x = tg_split_stats_json(&st[i], 0);
                preview_quality(x, &t);
                cJSON_AddItemToArray(a, x);
            }
        }
        char *s = cJSON_Print(j);
        fprintf(o.f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
        break;
    }
    case FMT_MARKDOWN: tg_render_preview_markdown(o.f, st, n); break;
    case FMT_CSV: tg_render_preview_csv(o.f, st, n); break;
    default: {
        char a[160], b[160], p[300], line[700];
        snprintf(line, sizeof line, "%s (%s) · %s",
                 tg_esc_term_buf(rules->model_id, a, sizeof a),
                 tg_esc_term_buf(rules->model_version, b, sizeof b),
                 tg_esc_term_buf(rules->path, p, sizeof p));
        tg_text_wrap(o.f, line, text_width > 0 ? text_width : 1 << 20, 0, 2);
        tg_render_preview_text(o.f, st, n, text_width);
        break;
    }
    }
    r = cli_out_close(&o);
done:
    for (int i = 0; i < nst; i++)
        tg_split_stats_release(&st[i]);
    if (have_tally)
        tg_tally_release(&t);
    cli_slices_release(&sl);
    tg_rules_free(rules);
    free(d.data);
    free(d.slices);
    return cli_flush_stdout(r);
}
