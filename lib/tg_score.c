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

typedef enum {
    SRC_INPUT,      /* a header column, by position (arg) */
    SRC_NAMED,      /* an input column by name, or a feature's column */
    SRC_TIER,       /* score_tier */
    SRC_DISPLAY,
    SRC_RATE,
    SRC_LIFT,
    SRC_RANK,
    SRC_ACTION,
    SRC_EXPLANATION,
    SRC_SCORED_AT,
    SRC_MODEL_VERSION,
    SRC_RATE_PCT,   /* ROUND(rate * 100, 1) */
    SRC_SF_RATE,    /* "15.0%" */
    SRC_SF_LIFT,    /* "3.5x" */
    SRC_YEARS1,     /* ROUND(feature / 12.0, 1) */
    SRC_YEARS0      /* ROUND(feature / 12.0, 0) */
} src_kind;

typedef struct {
    const char *name;
    src_kind kind;
    const char *input;  /* SRC_NAMED / SRC_YEARS*: column or feature name */
} view_col;

static const view_col DERIVED[] = {
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

static const view_col PRODUCTION[] = {
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

static const view_col SALESFORCE[] = {
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

static const view_col SGA[] = {
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

char *tg_fmt_number(double v, char buf[32])
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    /* Plain decimals, never exponents: "60", "0.15", "-10". */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, 32, "%.0f", v);
        return buf;
    }
    for (int d = 1; d <= 17 && fabs(v) < 1e15; d++) {
        snprintf(buf, 32, "%.*f", d, v);
        if (strtod(buf, NULL) == v)
            return buf;
    }
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

void tg_salesforce_rate(double rate, char buf[32])
{
    /* The change request's CAST(rate * 100 AS STRING) prints 15.000000000000002
     * for 0.15; one decimal is what a CRM field should show. */
    snprintf(buf, 32, "%.1f%%", rate * 100);
}

void tg_salesforce_lift(double lift, char buf[32])
{
    tg_fmt_number(lift, buf);
    strcat(buf, "x");
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

/* ---- writing values ---------------------------------------------------- */

static void csv_text(FILE *f, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void json_text(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

typedef struct {
    FILE *f;
    tg_score_format fmt;
    int col;
} writer;

static void put_sep(writer *w, const char *name)
{
    if (w->fmt == TG_SCORE_CSV) {
        if (w->col++)
            fputc(',', w->f);
        return;
    }
    fputs(w->col++ ? ", " : "{", w->f);
    json_text(w->f, name, strlen(name));
    fputs(": ", w->f);
}

static void put_text(writer *w, const char *name, const char *s, size_t n)
{
    put_sep(w, name);
    if (w->fmt == TG_SCORE_CSV)
        csv_text(w->f, s, n);
    else if (n == 0)
        fputs("null", w->f);
    else
        json_text(w->f, s, n);
}

static void put_number(writer *w, const char *name, double v)
{
    char buf[32];
    put_sep(w, name);
    if (!isfinite(v))
        fputs(w->fmt == TG_SCORE_CSV ? "" : "null", w->f);
    else
        fputs(tg_fmt_number(v, buf), w->f);
}

/* A feature's raw text: a number, a boolean, or NULL. */
static void put_feature(writer *w, const char *name, const char *raw,
                        size_t n, double v)
{
    if (w->fmt == TG_SCORE_CSV || n == 0 || isnan(v)) {
        put_text(w, name, raw, isnan(v) ? 0 : n);
        return;
    }
    if ((n == 4 || n == 5) && (strncasecmp(raw, "true", n) == 0 ||
                               strncasecmp(raw, "false", n) == 0)) {
        put_sep(w, name);
        fputs(v != 0 ? "true" : "false", w->f);
        return;
    }
    put_number(w, name, v);
}

/* Round half away from zero to d decimals, as BigQuery's ROUND does. */
static double round_to(double v, int d)
{
    double m = pow(10, d);
    return round(v * m) / m;
}

/* ---- the columns of one file ------------------------------------------- */

typedef struct {
    const view_col *cols;
    int ncols;
    int *in_col;   /* per output column: input column, or -1 */
    int *feat;     /* per output column: feature index, or -1 */
    char **names;  /* scores view: output names (input header + derived) */
    int nnames;
} layout;

static int find_col(const tg_schema *s, const char *name)
{
    for (int i = 0; i < s->ncols; i++)
        if (strcasecmp(s->header[i], name) == 0)
            return i;
    return -1;
}

/* Bind output columns to the current file's header. */
static int layout_bind(layout *l, const tg_rules *r, const tg_schema *s)
{
    for (int c = 0; c < l->ncols; c++) {
        const view_col *vc = &l->cols[c];
        const char *want = vc->kind == SRC_INPUT ? l->names[c] : vc->input;
        l->in_col[c] = l->feat[c] = -1;
        if (!want)
            continue;
        int f = tg_rules_feature_index(r, want, strlen(want));
        if (f >= 0) {
            l->feat[c] = f;
            l->in_col[c] = s->feature_col[f];
        } else {
            l->in_col[c] = find_col(s, want);
        }
    }
    return TG_OK;
}

static void layout_release(layout *l)
{
    if (l->names)
        for (int i = 0; i < l->nnames; i++)
            free(l->names[i]);
    free(l->names);
    free(l->in_col);
    free(l->feat);
    if (l->cols && l->names)
        free((void *)l->cols);
}

/* The scores view: the first file's header, then the derived columns. */
static int layout_scores(layout *l, const tg_schema *s)
{
    int n = s->ncols + (int)(sizeof DERIVED / sizeof *DERIVED);
    view_col *cols = calloc((size_t)n, sizeof *cols);
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

static void write_row(writer *w, const layout *l, const tg_rules *r,
                      tg_csv *csv, const tg_row *row, const char *scored_at)
{
    const tg_tier *t = &r->tiers[row->tier];
    char buf[32];
    w->col = 0;
    for (int c = 0; c < l->ncols; c++) {
        const view_col *vc = &l->cols[c];
        size_t n = 0;
        const char *raw = "";
        if (l->in_col[c] >= 0)
            raw = tg_csv_field(csv, (size_t)l->in_col[c], &n);
        if (!raw) {
            raw = "";
            n = 0;
        }
        double v = l->feat[c] >= 0 ? row->values[l->feat[c]] : NAN;
        switch (vc->kind) {
        case SRC_INPUT:
        case SRC_NAMED:
            if (l->feat[c] >= 0)
                put_feature(w, vc->name, raw, n, v);
            else
                put_text(w, vc->name, raw, n);
            break;
        case SRC_TIER: put_text(w, vc->name, t->name, strlen(t->name)); break;
        case SRC_DISPLAY:
            put_text(w, vc->name, t->display, strlen(t->display));
            break;
        case SRC_RATE: put_number(w, vc->name, t->expected_conversion_rate); break;
        case SRC_LIFT: put_number(w, vc->name, t->expected_lift); break;
        case SRC_RANK: put_number(w, vc->name, t->priority_rank); break;
        case SRC_ACTION: put_text(w, vc->name, t->action, strlen(t->action)); break;
        case SRC_EXPLANATION:
            put_text(w, vc->name, t->explanation, strlen(t->explanation));
            break;
        case SRC_SCORED_AT:
            put_text(w, vc->name, scored_at, strlen(scored_at));
            break;
        case SRC_MODEL_VERSION:
            put_text(w, vc->name, r->model_version, strlen(r->model_version));
            break;
        case SRC_RATE_PCT:
            put_number(w, vc->name,
                       round_to(t->expected_conversion_rate * 100, 1));
            break;
        case SRC_SF_RATE:
            tg_salesforce_rate(t->expected_conversion_rate, buf);
            put_text(w, vc->name, buf, strlen(buf));
            break;
        case SRC_SF_LIFT:
            tg_salesforce_lift(t->expected_lift, buf);
            put_text(w, vc->name, buf, strlen(buf));
            break;
        case SRC_YEARS1:
        case SRC_YEARS0:
            put_number(w, vc->name,
                       round_to(v / 12.0, vc->kind == SRC_YEARS1 ? 1 : 0));
            break;
        }
    }
    fputs(w->fmt == TG_SCORE_CSV ? "\n" : "}", w->f);
}

/* The output columns of the view, from the first file's header. */
static int layout_for_view(layout *l, tg_view view, const tg_schema *s,
                           tg_error *err)
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
    if (!l->in_col || !l->feat)
        return tg_error_oom(err, NULL);
    return TG_OK;
}

/* The CSV header line, or the opening of the JSON array. */
static void write_header(FILE *out, const layout *l, tg_score_format fmt)
{
    if (fmt == TG_SCORE_CSV)
        for (int c = 0; c < l->ncols; c++)
            csv_text(out, l->cols[c].name, strlen(l->cols[c].name)),
                fputc(c + 1 < l->ncols ? ',' : '\n', out);
    else
        fputs("[\n", out);
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
static void record_skips(const tg_score_options *o, tg_reader *rd)
{
    if (!o->skips)
        return;
    o->skips->skipped = tg_reader_skipped(rd, &o->skips->first);
    for (int k = 0; k < TG_SKIP_NREASONS; k++)
        o->skips->skipped_by[k] = tg_reader_skipped_by(rd, k);
}

/* One scoring run over the rows. */
typedef struct {
    FILE *out;
    const tg_rules *r;
    const tg_score_options *o;
    const char *scored_at;
    int ordered, priority_only, def;
    layout l;
    tg_score_parts p;
    uint64_t rows;
} score_run;

/* Every row of rd into the output or its tier's file. */
static int score_rows(score_run *s, tg_reader *rd, tg_error *err)
{
    const tg_score_options *o = s->o;
    writer w = {s->out, o->format, 0};
    const tg_row *row;
    int header_done = 0, file = -1, rc;
    while ((rc = tg_reader_next(rd, &row, err)) == 1) {
        if (tg_reader_file_index(rd) != file) {
            file = tg_reader_file_index(rd);
            const tg_schema *sc = tg_reader_schema(rd);
            if (!s->l.cols && (rc = layout_for_view(&s->l, o->view, sc, err)))
                return rc;
            layout_bind(&s->l, s->r, sc);
        }
        if (!header_done) {
            write_header(s->out, &s->l, o->format);
            header_done = 1;
        }
        if (s->priority_only && row->tier == s->def)
            continue;
        /* JSON objects are separated by ",\n": each is written with its
         * separator in front, and the very first one's is dropped. */
        tg_score_parts *p = &s->p;
        w.f = !s->ordered ? s->out
              : p->shared ? p->mem
                          : p->parts[p->part_of[row->tier]];
        if (p->shared)
            fseek(p->mem, 0, SEEK_SET);
        if (o->format == TG_SCORE_JSON && (s->ordered || s->rows > 0))
            fputs(",\n", w.f);
        write_row(&w, &s->l, s->r, tg_reader_csv(rd), row, s->scored_at);
        if (p->shared && (rc = tg_score_parts_put(p, row->tier, err)))
            return rc;
        s->rows++;
    }
    if (rc < 0)
        return rc;
    /* No rows at all: still a valid, empty document. */
    if (!header_done && o->format == TG_SCORE_JSON)
        fputs("[\n", s->out);
    return TG_OK;
}

int tg_score_write(FILE *out, const tg_rules *r, const tg_scan_options *scan,
                   const tg_score_options *o, uint64_t *rows_out,
                   tg_error *err)
{
    char now[32];
    score_run s = {.out = out, .r = r, .o = o};
    s.scored_at = scored_at_of(o, now);
    s.ordered = o->view != TG_VIEW_SCORES;
    s.priority_only = o->priority_only || s.ordered;
    s.def = tg_rules_default(r);
    tg_reader *rd = NULL;
    int rc = tg_reader_open(&rd, r, scan, err);
    if (rc)
        return rc;
    if (s.ordered)
        rc = tg_score_parts_open(&s.p, r, err);
    if (rc == TG_OK)
        rc = score_rows(&s, rd, err);
    if (rc == TG_OK && s.ordered)
        rc = tg_score_parts_copy(&s.p, r, out, o->format, err);
    if (rc == TG_OK) {
        if (o->format == TG_SCORE_JSON)
            fputs(s.rows ? "\n]\n" : "]\n", out);
        *rows_out = s.rows;
        record_skips(o, rd);
    }
    tg_score_parts_close(&s.p);
    layout_release(&s.l);
    tg_reader_free(rd);
    return rc;
}
