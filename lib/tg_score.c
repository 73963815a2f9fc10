/*
 * Scoring rows and writing the change request's views. Each view is a list of
 * columns, each taking its value from the input row, from the tier's
 * attributes in the rule set, or from a small derivation (the SGA
 * view's years, the Salesforce strings) that the SQL generator mirrors.
 */
#include "tg_score.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tg_score_internal.h"
#include "tg_util.h"

static const tg_view_col DERIVED[] = {
    {"score_tier", SRC_TIER, NULL},
    {"tier_display", SRC_DISPLAY, NULL},
    {"expected_conversion_rate", SRC_RATE, NULL},
    {"expected_lift", SRC_LIFT, NULL},
    {"priority_rank", SRC_RANK, NULL},
    {"action_recommended", SRC_ACTION, NULL},
    {"tier_explanation", SRC_EXPLANATION, NULL},
    {"scored_at", SRC_SCORED_AT, NULL},
    {"model_version", SRC_MODEL_VERSION, NULL},
};

static const tg_view_col PRODUCTION[] = {
    {"lead_id", SRC_NAMED, "lead_id"},
    {"advisor_crd", SRC_NAMED, "advisor_crd"},
    {"contacted_date", SRC_NAMED, "contacted_date"},
    {"score_tier", SRC_TIER, NULL},
    {"tier_display", SRC_DISPLAY, NULL},
    {"expected_conversion_rate", SRC_RATE, NULL},
    {"expected_lift", SRC_LIFT, NULL},
    {"priority_rank", SRC_RANK, NULL},
    {"action_recommended", SRC_ACTION, NULL},
    {"tier_explanation", SRC_EXPLANATION, NULL},
    {"current_firm_tenure_months", SRC_NAMED, "current_firm_tenure_months"},
    {"industry_tenure_months", SRC_NAMED, "industry_tenure_months"},
    {"firm_net_change_12mo", SRC_NAMED, "firm_net_change_12mo"},
    {"firm_rep_count_at_contact", SRC_NAMED, "firm_rep_count_at_contact"},
    {"num_prior_firms", SRC_NAMED, "num_prior_firms"},
    {"is_wirehouse", SRC_NAMED, "is_wirehouse"},
    {"scored_at", SRC_SCORED_AT, NULL},
    {"model_version", SRC_MODEL_VERSION, NULL},
};

static const tg_view_col SALESFORCE[] = {
    {"Lead_ID__c", SRC_NAMED, "lead_id"},
    {"Lead_Score_Tier__c", SRC_TIER, NULL},
    {"Lead_Score_Display__c", SRC_DISPLAY, NULL},
    {"Expected_Conversion__c", SRC_SF_RATE, NULL},
    {"Expected_Lift__c", SRC_SF_LIFT, NULL},
    {"Lead_Priority_Rank__c", SRC_RANK, NULL},
    {"Lead_Action__c", SRC_ACTION, NULL},
    {"Lead_Score_Explanation__c", SRC_EXPLANATION, NULL},
    {"Lead_Score_Model__c", SRC_MODEL_VERSION, NULL},
    {"Lead_Scored_At__c", SRC_SCORED_AT, NULL},
};

static const tg_view_col SGA[] = {
    {"lead_id", SRC_NAMED, "lead_id"},
    {"advisor_crd", SRC_NAMED, "advisor_crd"},
    {"contacted_date", SRC_NAMED, "contacted_date"},
    {"Priority", SRC_DISPLAY, NULL},
    {"Action", SRC_ACTION, NULL},
    {"Why_Prioritized", SRC_EXPLANATION, NULL},
    {"Expected_Conv_Pct", SRC_RATE_PCT, NULL},
    {"Lift_vs_Baseline", SRC_LIFT, NULL},
    {"Tenure_Years", SRC_YEARS1, "current_firm_tenure_months"},
    {"Experience_Years", SRC_YEARS0, "industry_tenure_months"},
    {"Firm_Net_Change", SRC_NAMED, "firm_net_change_12mo"},
    {"Firm_Size", SRC_NAMED, "firm_rep_count_at_contact"},
    {"Prior_Firms", SRC_NAMED, "num_prior_firms"},
    {"scored_at", SRC_SCORED_AT, NULL},
    {"model_version", SRC_MODEL_VERSION, NULL},
};

static const char *view_names[TG_VIEW_COUNT] = {"scores", "production",
                                                "salesforce", "sga"};

int tg_view_parse(const char *name)
{
    for (int v = 0; v < TG_VIEW_COUNT; v++)
        if (strcmp(name, view_names[v]) == 0)
            return v;
    return -1;
}

const char *tg_view_name(tg_view v)
{
    return (unsigned)v < TG_VIEW_COUNT ? view_names[v] : "unknown";
}

int tg_scored_at_valid(const char *s)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    size_t len = strlen(s);
    if (len == 10)
        return tg_parse_date(s, len) != 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se,
               &n) != 6)
        return 0;
    if (!tg_parse_date(s, 10) || h > 23 || mi > 59 || se > 60)
        return 0;
    const char *rest = s + n;
    if (*rest == '.')
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    return strcmp(rest, "Z") == 0 || strcmp(rest, "+00:00") == 0;
}


/* ---- the columns of one file ------------------------------------------- */

static int find_col(const tg_schema *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcasecmp(s->header[i], name) == 0)
            return i;
    return -1;
}

/* Bind output columns to the current file's header. */
static void layout_bind(tg_score_layout *l, const tg_rules *r,
                        const tg_schema *s)
{
    for (int c = 0; c < l->ncols; c++) {
        const tg_view_col *vc = &l->cols[c];
        const char *want = vc->kind == SRC_INPUT ? l->names[c] : vc->input;
        l->in_col[c] = l->feat[c] = -1;
        if (!want)
            continue;
        int f = tg_rules_feature_index(r, want, strlen(want));
        if (f >= 0) {
            l->feat[c] = l->used[f] ? f : -1;
            l->in_col[c] = s->feature_col[f];
        } else {
            l->in_col[c] = find_col(s, want);
        }
    }
}

static void layout_release(tg_score_layout *l)
{
    if (l->names)
        for (int i = 0; i < l->nnames; i++)
            free(l->names[i]);
    free(l->names);
    free(l->in_col);
    free(l->feat);
    free(l->used);
    if (l->cols && l->names)
        free((void *)l->cols);
}

/* The scores view: the first file's header, then the derived columns. */
static int layout_scores(tg_score_layout *l, const tg_schema *s)
{
    int n = s->ncols + (int)(sizeof DERIVED / sizeof *DERIVED);
    tg_view_col *cols = calloc((size_t)n, sizeof *cols);
    l->names = calloc((size_t)n, sizeof *l->names);
    if (!cols || !l->names) {
        free(cols);
        return TG_ENOMEM;
    }
    for (int i = 0; i < s->ncols; i++) {
        if (!(l->names[i] = strdup(s->header[i]))) {
            l->nnames = i; /* layout_release frees the copies made */
            free(cols);
            return TG_ENOMEM;
        }
        cols[i].name = l->names[i];
        cols[i].kind = SRC_INPUT;
    }
    for (int i = s->ncols; i < n; i++)
        cols[i] = DERIVED[i - s->ncols];
    l->nnames = s->ncols;
    l->cols = cols;
    l->ncols = n;
    return TG_OK;
}

/* The output columns of the view, from the first file's header. */
static int layout_for_view(tg_score_layout *l, const tg_rules *r,
                           tg_view view, const tg_schema *s, tg_error *err)
{
    if (view == TG_VIEW_SCORES) {
        if (layout_scores(l, s))
            return tg_error_oom(err, NULL);
    } else {
        l->cols = view == TG_VIEW_PRODUCTION   ? PRODUCTION
                  : view == TG_VIEW_SALESFORCE ? SALESFORCE
                                               : SGA;
        l->ncols = view == TG_VIEW_PRODUCTION
                       ? (int)(sizeof PRODUCTION / sizeof *PRODUCTION)
                   : view == TG_VIEW_SALESFORCE
                       ? (int)(sizeof SALESFORCE / sizeof *SALESFORCE)
                       : (int)(sizeof SGA / sizeof *SGA);
    }
    l->in_col = calloc((size_t)l->ncols, sizeof *l->in_col);
    l->feat = calloc((size_t)l->ncols, sizeof *l->feat);
    l->used = calloc((size_t)r->nfeatures + 1, 1);
    if (!l->in_col || !l->feat || !l->used)
        return tg_error_oom(err, NULL);
    tg_rules_used_features(r, l->used);
    return TG_OK;
}

/* The CSV header line, or the opening of the JSON array. */
static void write_header(tg_outbuf *out, const tg_score_layout *l,
                         tg_score_format fmt)
{
    if (fmt == TG_SCORE_JSON) {
        tg_outbuf_put(out, "[\n", 2);
        return;
    }
    for (int c = 0; c < l->ncols; c++) {
        tg_outbuf_csv_text(out, l->cols[c].name, strlen(l->cols[c].name));
        tg_outbuf_putc(out, c + 1 < l->ncols ? ',' : '\n');
    }
}

/* The time every row is stamped with: the options', else now (UTC). */
static const char *scored_at_of(const tg_score_options *o, char now[32])
{
    if (o->scored_at)
        return o->scored_at;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return now;
}

/* What the reader skipped, for the caller's report. */
static void record_skips(const tg_score_options *o, tg_reader *rd,
                         uint64_t rows_read)
{
    if (!o->skips)
        return;
    o->skips->rows_read = rows_read;
    o->skips->skipped = tg_reader_skipped(rd, &o->skips->first);
    for (int k = 0; k < TG_SKIP_NREASONS; k++)
        o->skips->skipped_by[k] = tg_reader_skipped_by(rd, k);
}

/* ---- one pass, every view ---------------------------------------------- */

/* One view of a scoring pass: its columns, its tiers' rows compiled, its
 * output buffer and, for an ordered view, its temporary files. */
typedef struct {
    tg_score_output *dest;
    int ordered, priority_only;
    tg_score_layout l;
    tg_row_plan *plans;
    tg_score_parts p;
    tg_outbuf out;
} view_run;

typedef struct {
    const tg_rules *r;
    const tg_score_options *o;
    const char *scored_at;
    int def;
    view_run *v;
    int nv;
    uint64_t rows_read;
} score_run;

/* A new file of the input: each view's columns bound to its header (the
 * first file also fixes the columns and compiles the rows). */
static int bind_file(score_run *s, const tg_schema *sc, tg_error *err)
{
    for (int i = 0; i < s->nv; i++) {
        view_run *v = &s->v[i];
        int rc;
        int first = v->l.cols == NULL;
        if (first && (rc = layout_for_view(&v->l, s->r, v->dest->view, sc, err)))
            return rc;
        layout_bind(&v->l, s->r, sc);
        if (first) {
            if ((rc = tg_score_plans_build(&v->plans, &v->l, s->r,
                                           s->o->format, s->scored_at, err)))
                return rc;
            write_header(&v->out, &v->l, s->o->format);
        }
    }
    return TG_OK;
}

/* One row into one view: its output, or its tier's temporary file. */
static int write_view_row(score_run *s, view_run *v, tg_csv *csv,
                          const tg_row *row, tg_error *err)
{
    if (v->priority_only && row->tier == s->def)
        return TG_OK;
    tg_outbuf *to = v->ordered ? tg_score_parts_target(&v->p, row->tier)
                               : &v->out;
    /* JSON objects are separated by ",\n": each is written with its
     * separator in front, and the very first one's is dropped (the
     * ordered views drop it when copying their files out). */
    if (s->o->format == TG_SCORE_JSON && (v->ordered || v->dest->rows > 0))
        tg_outbuf_put(to, ",\n", 2);
    tg_score_plan_write(to, &v->plans[row->tier], &v->l, s->o->format, csv,
                        row);
    v->dest->rows++;
    if (v->ordered && v->p.shared)
        return tg_score_parts_put(&v->p, row->tier, err);
    /* A full disk stops the pass at once rather than at the end. */
    if (to->err && v->ordered)
        return tg_error_set(err, TG_EIO, NULL, 0, 0,
                            "cannot write a temporary file: %s",
                            strerror(to->err));
    if (to->err)
        return tg_error_set(err, TG_EIO, NULL, 0, 0,
                            "cannot write the %s view: %s",
                            tg_view_name(v->dest->view), strerror(to->err));
    return TG_OK;
}

/* Every row of rd into every view. */
static int score_rows(score_run *s, tg_reader *rd, tg_error *err)
{
    const tg_row *row;
    int file = -1, rc;
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        if (tg_reader_file_index(rd) != file) {
            file = tg_reader_file_index(rd);
            if ((rc = bind_file(s, tg_reader_schema(rd), err)))
                return rc;
        }
        tg_csv *csv = tg_reader_csv(rd);
        s->rows_read++;
        for (int i = 0; i < s->nv; i++)
            if ((rc = write_view_row(s, &s->v[i], csv, row, err)))
                return rc;
    }
    return rc < 0 ? rc : TG_OK;
}

/* The end of one view: its ordered rows, the JSON array's close, and
 * everything buffered to its file. */
static int finish_view(score_run *s, view_run *v, tg_error *err)
{
    int rc;
    if (v->ordered &&
        (rc = tg_score_parts_copy(&v->p, s->r, &v->out, s->o->format, err)))
        return rc;
    if (s->o->format == TG_SCORE_JSON) {
        /* No rows at all: still a valid, empty document. */
        if (!v->l.cols)
            tg_outbuf_put(&v->out, "[\n", 2);
        if (v->dest->rows)
            tg_outbuf_put(&v->out, "\n]\n", 3);
        else
            tg_outbuf_put(&v->out, "]\n", 2);
    }
    if (tg_outbuf_flush(&v->out) != 0)
        return tg_error_set(err, TG_EIO, NULL, 0, 0,
                            "cannot write the %s view: %s",
                            tg_view_name(v->dest->view), strerror(v->out.err));
    return TG_OK;
}

/* Each view's buffers and, for the ordered ones, temporary files. */
static int open_views(score_run *s, tg_score_output *outs, tg_error *err)
{
    for (int i = 0; i < s->nv; i++) {
        view_run *v = &s->v[i];
        v->dest = &outs[i];
        v->dest->rows = 0;
        v->ordered = outs[i].view != TG_VIEW_SCORES;
        v->priority_only = s->o->priority_only || v->ordered;
        if (tg_outbuf_init(&v->out, outs[i].out, TG_OUTBUF_SIZE))
            return tg_error_oom(err, NULL);
        int rc;
        if (v->ordered && (rc = tg_score_parts_open(&v->p, s->r, err)))
            return rc;
    }
    return TG_OK;
}

static void close_views(score_run *s)
{
    for (int i = 0; i < s->nv; i++) {
        view_run *v = &s->v[i];
        tg_score_parts_close(&v->p);
        tg_score_plans_free(v->plans, s->r->ntiers);
        layout_release(&v->l);
        tg_outbuf_free(&v->out);
    }
    free(s->v);
}

int tg_score_write_views(tg_score_output *outs, int nouts, const tg_rules *r,
                         const tg_scan_options *scan,
                         const tg_score_options *o, tg_error *err)
{
    char now[32];
    score_run s = {.r = r, .o = o, .nv = nouts};
    s.scored_at = scored_at_of(o, now);
    s.def = tg_rules_default(r);
    if (nouts < 1)
        return tg_error_set(err, TG_EINVAL, NULL, 0, 0, "no view to write");
    if (!(s.v = calloc((size_t)nouts, sizeof *s.v)))
        return tg_error_oom(err, NULL);
    tg_reader *rd = NULL;
    int rc = open_views(&s, outs, err);
    if (rc == TG_OK)
        rc = tg_reader_open(&rd, r, scan, err);
    if (rc == TG_OK)
        rc = score_rows(&s, rd, err);
    for (int i = 0; i < s.nv && rc == TG_OK; i++)
        rc = finish_view(&s, &s.v[i], err);
    if (rc == TG_OK)
        record_skips(o, rd, s.rows_read);
    close_views(&s);
    tg_reader_free(rd);
    return rc;
}

int tg_score_write(FILE *out, const tg_rules *r, const tg_scan_options *scan,
                   const tg_score_options *o, uint64_t *rows_out,
                   tg_error *err)
{
    tg_score_output one = {o->view, out, 0};
    int rc = tg_score_write_views(&one, 1, r, scan, o, err);
    if (rc == TG_OK)
        *rows_out = one.rows;
    return rc;
}
