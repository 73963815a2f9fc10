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

enum { OPT_SPLIT = 2100 };

static const cli_opt preview_opts[] = {
    CLI_OPTS_DATA,
    {"split", 0, "S", OPT_SPLIT, "TRAIN, TEST or ALL"},
    CLI_OPT_SLICE,
    CLI_OPTS_STATS,
    CLI_OPT_BASELINE,
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json, markdown or csv"},
    CLI_OPT_OUTPUT,
    {"wide", 0, NULL, OPT_WIDE,
     "the text tables in their fixed layout (default:\n"
     "fitted to the terminal's width, COLUMNS, else 80)"},
    CLI_OPT_END,
};

static const cli_spec preview_spec = {
    "preview",
    "preview --rules FILE (--data FILE... | --summary FILE)\n"
    "        [--split TRAIN|TEST|ALL] [--ci METHOD] [--level L]\n"
    "        [--baseline R] [--slice EXPR]...\n"
    "        [--format text|json|markdown|csv] [-o FILE] [--wide]\n",
    "Show every tier in rule order (the default tier last, empty tiers too)\n"
    "with leads, labeled leads, conversions, conversion rate, lift against\n"
    "the split's own baseline and a confidence interval. Without --split,\n"
    "TRAIN and TEST are shown (JSON: {\"splits\": [...]} with the two\n"
    "objects). A row is in split S when its split column is S; other rows\n"
    "count in ALL only. With --slice, the same table follows for every value\n"
    "of each slicing (JSON: {\"splits\": [...], \"slices\": [...]}; CSV:\n"
    "leading slice,slice_value columns, empty for the whole data).\n",
    preview_opts,
    0,
    NULL,
};

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
        return TG_EXIT_INTERNAL;
    tg_render_preview_csv(m, st, n);
    if (fclose(m) != 0)
        return TG_EXIT_INTERNAL;
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
    return TG_EXIT_OK;
}

/* The text tables' heading: the model, its version and the rule file,
 * escaped (they come from the rule set) and wrapped to the width. */
static void text_heading(FILE *f, const tg_rules *rules)
{
    char a[160], b[160], p[300], line[700];
    snprintf(line, sizeof line, "%s (%s) · %s",
             tg_esc_term_buf(rules->model_id, a, sizeof a),
             tg_esc_term_buf(rules->model_version, b, sizeof b),
             tg_esc_term_buf(rules->path, p, sizeof p));
    tg_text_wrap(f, line, text_width > 0 ? text_width : 1 << 20, 0, 2);
}

/* JSON with slices: {"splits": [...], "slices": [...]}. */
static int sliced_json(FILE *f, const tg_rules *rules, const cli_data *d,
                       const tg_split_stats *st, int n, const int *splits,
                       const cli_slices *sl)
{
    tg_error err;
    tg_error_clear(&err);
    cJSON *j = tg_json_stamp(cJSON_CreateObject());
    cJSON *a = cJSON_AddArrayToObject(j, "splits");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, tg_split_stats_json(&st[i], 0));
    cJSON *sa = cJSON_AddArrayToObject(j, "slices");
    for (int k = 0; k < sl->n; k++) {
        cJSON *x = tg_slicing_json(&sl->s[k], splits, n, rules->model_version,
                                   d->ci_method, d->ci_level, 0, &err);
        if (!x) {
            cJSON_Delete(j);
            return cli_fail(&err);
        }
        cJSON_AddItemToArray(sa, x);
    }
    char *s = cJSON_Print(j);
    fprintf(f, "%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
    return TG_EXIT_OK;
}

/* The table of value v of slicing x, in the text, Markdown or CSV. */
static int slice_value(FILE *f, const tg_slicing *x, int v,
                       const tg_split_stats *vs, int n, int fmt)
{
    char label[TG_SLICE_MAX_NAME + TG_SLICE_MAX_KEY + 8];
    tg_slice_label(x, v, label, sizeof label);
    if (fmt == FMT_CSV)
        return csv_rows(f, vs, n, x->spec.expr,
                        x->values[v].value ? x->values[v].value : "", 0);
    if (fmt == FMT_MARKDOWN) {
        fputs("\n## Slice ", f);
        tg_esc_md_code(f, x->spec.expr);
        fputs(": ", f);
        tg_esc_md(f, label);
        fputs("\n\n", f);
        tg_render_preview_markdown(f, vs, n);
        return TG_EXIT_OK;
    }
    /* The label is data: escaped (shown, never obeyed), then clipped
     * between words to the width. */
    char esc[sizeof label * 4], hd[sizeof esc + 32], clip[sizeof hd];
    snprintf(hd, sizeof hd, "── slice %s ──",
             tg_esc_term_buf(label, esc, sizeof esc));
    fprintf(f, "\n%s\n",
            text_width > 0 ? tg_text_clip(hd, text_width, clip, sizeof clip)
                           : hd);
    tg_render_preview_text(f, vs, n, text_width);
    return TG_EXIT_OK;
}

/* The overall tables, then the same per value of every slicing. */
static int sliced(cli_out *o, const tg_rules *rules, const cli_data *d,
                  const tg_split_stats *st, int n, const int *splits,
                  const cli_slices *sl, int fmt)
{
    tg_error err;
    tg_error_clear(&err);
    if (fmt == FMT_JSON)
        return sliced_json(o->f, rules, d, st, n, splits, sl);
    if (fmt == FMT_CSV) {
        if (csv_rows(o->f, st, n, "", "", 1))
            return TG_EXIT_INTERNAL;
    } else if (fmt == FMT_MARKDOWN) {
        tg_render_preview_markdown(o->f, st, n);
    } else {
        text_heading(o->f, rules);
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
            int rc = slice_value(o->f, x, v, vs, n, fmt);
            for (int i = 0; i < nv; i++)
                tg_split_stats_release(&vs[i]);
            if (rc)
                return rc;
        }
    }
    return TG_EXIT_OK;
}

/* The tables without slices. JSON: one split's object, or several as
 * {"splits": [...]} (as a sliced preview writes them, so the document
 * has its format_version); each also says what was not counted. */
static void unsliced(FILE *f, const tg_rules *rules, const tg_tally *t,
                     const tg_split_stats *st, int n, int fmt)
{
    if (fmt == FMT_MARKDOWN) {
        tg_render_preview_markdown(f, st, n);
    } else if (fmt == FMT_CSV) {
        tg_render_preview_csv(f, st, n);
    } else if (fmt == FMT_JSON) {
        cJSON *j;
        if (n == 1) {
            j = tg_json_stamp(tg_split_stats_json(&st[0], 0));
            preview_quality(j, t);
        } else {
            j = tg_json_stamp(cJSON_CreateObject());
            cJSON *a = cJSON_AddArrayToObject(j, "splits");
            for (int i = 0; i < n; i++) {
                cJSON *x = tg_split_stats_json(&st[i], 0);
                preview_quality(x, t);
                cJSON_AddItemToArray(a, x);
            }
        }
        char *s = cJSON_Print(j);
        fprintf(f, "%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else {
        text_heading(f, rules);
        tg_render_preview_text(f, st, n, text_width);
    }
}

/* What the command line asks for. */
typedef struct {
    cli_data d;
    cli_baseline base;
    int fmt;
    int split; /* a TG_SPLIT_*, or BOTH_SPLITS */
    int wide;
    const char *out_path;
} preview_args;

enum { BOTH_SPLITS = -3, GO_ON = -1 };

/* Read the options into a; GO_ON, or the exit code to stop with (0
 * after --help). */
static int preview_parse(preview_args *a, int argc, char **argv)
{
    cli_parser p;
    int c, r = TG_EXIT_OK;
    char shown[96];
    cli_parse_begin(&p, &preview_spec, argc, argv);
    while ((c = cli_next_option(&p, &a->d, NULL)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        switch (c) {
        case OPT_OUTPUT: a->out_path = p.arg; break;
        case OPT_WIDE: a->wide = 1; break;
        case OPT_BASELINE:
            r = cli_parse_baseline("preview", p.arg, &a->base);
            break;
        case OPT_FORMAT:
            r = cli_format_option("preview", p.arg,
                                  FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON) |
                                      FMT_BIT(FMT_MARKDOWN) | FMT_BIT(FMT_CSV),
                                  &a->fmt);
            break;
        case OPT_SPLIT:
            if ((a->split = tg_split_parse(p.arg)) == -2)
                r = cli_usage("preview",
                              "--split takes TRAIN, TEST or ALL, not '%s'",
                              tg_esc_term_buf(p.arg, shown, sizeof shown));
            break;
        }
        if (r)
            return r;
    }
    return GO_ON;
}

/* The statistics of each split asked for, with pinned baselines; *nst
 * says how many of st to release. */
static int split_stats(tg_split_stats *st, int *nst, const tg_tally *t,
                       const tg_rules *rules, const preview_args *a,
                       const int *splits, int n)
{
    tg_error err;
    tg_error_clear(&err);
    for (int i = 0; i < n; i++) {
        if (tg_split_stats_compute(&st[i], t, splits[i], rules->model_version,
                                   a->d.ci_method, a->d.ci_level,
                                   &err) != TG_OK) {
            *nst = i + 1;
            return cli_fail(&err);
        }
        *nst = i + 1;
        double pin = splits[i] == TG_SPLIT_TRAIN  ? a->base.train
                   : splits[i] == TG_SPLIT_TEST ? a->base.test
                                                : a->base.all;
        if (!isnan(pin))
            tg_split_stats_pin_baseline(&st[i], pin);
    }
    return TG_EXIT_OK;
}

int cmd_preview(int argc, char **argv)
{
    preview_args a = {CLI_DATA_INIT, {0, 0, 0}, FMT_TEXT, BOTH_SPLITS, 0,
                      NULL};
    cli_baseline_init(&a.base);
    tg_rules *rules = NULL;
    tg_tally t = {0}; /* zeroed: tg_tally_release accepts it unfilled */
    tg_split_stats st[2];
    int nst = 0;
    cli_slices sl = {NULL, 0};
    int r = preview_parse(&a, argc, argv);
    if (r != GO_ON)
        goto done;
    text_width = a.wide ? 0
                 : a.out_path && strcmp(a.out_path, "-") ? 80
                                                         : cli_term_width();
    if ((r = cli_load_rules(&rules, &a.d, "preview")))
        goto done;
    if ((r = cli_load_sliced(&t, &sl, rules, &a.d, 0, "preview")))
        goto done;
    int splits[2] = {a.split, 0}, n = 1;
    if (a.split == BOTH_SPLITS) {
        splits[0] = TG_SPLIT_TRAIN;
        splits[1] = TG_SPLIT_TEST;
        n = 2;
    }
    if ((r = split_stats(st, &nst, &t, rules, &a, splits, n)))
        goto done;
    cli_out o;
    if ((r = cli_out_open(&o, a.out_path)))
        goto done;
    if (sl.n && (r = sliced(&o, rules, &a.d, st, n, splits, &sl, a.fmt))) {
        cli_out_discard(&o);
        goto done;
    }
    if (!sl.n)
        unsliced(o.f, rules, &t, st, n, a.fmt);
    r = cli_out_close(&o);
done:
    for (int i = 0; i < nst; i++)
        tg_split_stats_release(&st[i]);
    tg_tally_release(&t);
    cli_slices_release(&sl);
    tg_rules_free(rules);
    free(a.d.data);
    free(a.d.slices);
    return cli_flush_stdout(r);
}
