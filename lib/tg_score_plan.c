/*
 * Each tier's row, compiled once: what a row holds besides the values
 * read from the input (separators, JSON keys, the tier's attributes, the
 * time stamp, the model version) is formatted and escaped when the plan
 * is built, so that writing a row is a few copies of constant bytes
 * between the input's fields. The texts are those the views have always
 * had: CSV fields quoted only when they must be, JSON null for an empty
 * value, numbers as tg_fmt_number writes them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_score_internal.h"

/* ---- values, as the views write them ----------------------------------- */

static void put_text(tg_outbuf *o, tg_score_format fmt, const char *s,
                     size_t n)
{
    if (fmt == TG_SCORE_CSV)
        tg_outbuf_csv_text(o, s, n);
    else if (n == 0)
        tg_outbuf_put(o, "null", 4);
    else
        tg_outbuf_json_text(o, s, n);
}

static void put_str(tg_outbuf *o, tg_score_format fmt, const char *s)
{
    put_text(o, fmt, s, strlen(s));
}

/* NaN and the infinities are NULL: empty in CSV, null in JSON. */
static void put_null(tg_outbuf *o, tg_score_format fmt)
{
    if (fmt == TG_SCORE_JSON)
        tg_outbuf_put(o, "null", 4);
}

static void put_number(tg_outbuf *o, tg_score_format fmt, double v)
{
    if (isfinite(v))
        tg_outbuf_number(o, v);
    else
        put_null(o, fmt);
}

/* A feature's raw text: CSV keeps it as read (empty when it is not a
 * value); JSON writes a number, a boolean, or null. */
static void put_feature(tg_outbuf *o, tg_score_format fmt, const char *raw,
                        size_t n, double v)
{
    if (fmt == TG_SCORE_CSV || n == 0 || isnan(v)) {
        put_text(o, fmt, raw, isnan(v) ? 0 : n);
        return;
    }
    if ((n == 4 || n == 5) && (strncasecmp(raw, "true", n) == 0 ||
                               strncasecmp(raw, "false", n) == 0)) {
        if (v != 0)
            tg_outbuf_put(o, "true", 4);
        else
            tg_outbuf_put(o, "false", 5);
        return;
    }
    put_number(o, fmt, v);
}

/* Round half away from zero to d decimals, as BigQuery's ROUND does. */
static double round_to(double v, int d)
{
    double m = pow(10, d);
    return round(v * m) / m;
}

/* A column whose value is the tier's (or the run's): formatted once. */
static void put_constant(tg_outbuf *o, tg_score_format fmt, tg_score_src k,
                         const tg_rules *r, const tg_tier *t,
                         const char *scored_at)
{
    char buf[32];
    switch (k) {
    case SRC_TIER: put_str(o, fmt, t->name); break;
    case SRC_DISPLAY: put_str(o, fmt, t->display); break;
    case SRC_RATE: put_number(o, fmt, t->expected_conversion_rate); break;
    case SRC_LIFT: put_number(o, fmt, t->expected_lift); break;
    case SRC_RANK: put_number(o, fmt, t->priority_rank); break;
    case SRC_ACTION: put_str(o, fmt, t->action); break;
    case SRC_EXPLANATION: put_str(o, fmt, t->explanation); break;
    case SRC_SCORED_AT: put_str(o, fmt, scored_at); break;
    case SRC_MODEL_VERSION: put_str(o, fmt, r->model_version); break;
    case SRC_RATE_PCT:
        put_number(o, fmt, round_to(t->expected_conversion_rate * 100, 1));
        break;
    case SRC_SF_RATE:
        tg_salesforce_rate(t->expected_conversion_rate, buf);
        put_str(o, fmt, buf);
        break;
    case SRC_SF_LIFT:
        tg_salesforce_lift(t->expected_lift, buf);
        put_str(o, fmt, buf);
        break;
    default: break; /* the input's columns are not constants */
    }
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

/* ---- building ---------------------------------------------------------- */

typedef struct {
    tg_outbuf text;
    tg_row_op *ops;
    int nops, cap;
    size_t const_from; /* where the pending constant bytes start */
} plan_builder;

static int add_op(plan_builder *b, tg_row_op op)
{
    if (b->nops == b->cap) {
        int cap = b->cap ? b->cap * 2 : 16;
        tg_row_op *ops = realloc(b->ops, (size_t)cap * sizeof *ops);
        if (!ops)
            return -1;
        b->ops = ops;
        b->cap = cap;
    }
    b->ops[b->nops++] = op;
    return 0;
}

/* A value read from the row (or, for OP_CONST, none: the row's end),
 * after the constant bytes formatted since the last one. */
static int add_value(plan_builder *b, tg_row_op_kind kind, int col)
{
    tg_row_op op = {kind, col, b->const_from, b->text.len - b->const_from};
    b->const_from = b->text.len;
    return add_op(b, op);
}

static int build_tier(tg_row_plan *plan, const tg_score_layout *l,
                      const tg_rules *r, int tier, tg_score_format fmt,
                      const char *scored_at)
{
    plan_builder b;
    memset(&b, 0, sizeof b);
    if (tg_outbuf_init(&b.text, NULL, 256))
        return -1;
    int bad = 0;
    for (int c = 0; c < l->ncols && !bad; c++) {
        const tg_view_col *vc = &l->cols[c];
        if (fmt == TG_SCORE_CSV) {
            if (c)
                tg_outbuf_putc(&b.text, ',');
        } else {
            tg_outbuf_put(&b.text, c ? ", " : "{", c ? 2 : 1);
            tg_outbuf_json_text(&b.text, vc->name, strlen(vc->name));
            tg_outbuf_put(&b.text, ": ", 2);
        }
        if (vc->kind == SRC_INPUT || vc->kind == SRC_NAMED)
            bad = add_value(&b, OP_INPUT, c);
        else if (vc->kind == SRC_YEARS1 || vc->kind == SRC_YEARS0)
            bad = add_value(&b, vc->kind == SRC_YEARS1 ? OP_YEARS1 : OP_YEARS0,
                            c);
        else
            put_constant(&b.text, fmt, vc->kind, r, &r->tiers[tier],
                         scored_at);
    }
    tg_outbuf_putc(&b.text, fmt == TG_SCORE_CSV ? '\n' : '}');
    if (bad || add_value(&b, OP_CONST, -1) || b.text.err) {
        free(b.ops);
        tg_outbuf_free(&b.text);
        return -1;
    }
    plan->ops = b.ops;
    plan->nops = b.nops;
    plan->text = b.text.buf;
    return 0;
}

int tg_score_plans_build(tg_row_plan **plans, const tg_score_layout *l,
                         const tg_rules *r, tg_score_format fmt,
                         const char *scored_at, tg_error *err)
{
    tg_row_plan *p = calloc((size_t)r->ntiers, sizeof *p);
    if (!p)
        return tg_error_oom(err, NULL);
    for (int t = 0; t < r->ntiers; t++)
        if (build_tier(&p[t], l, r, t, fmt, scored_at)) {
            tg_score_plans_free(p, r->ntiers);
            return tg_error_oom(err, NULL);
        }
    *plans = p;
    return TG_OK;
}

void tg_score_plans_free(tg_row_plan *plans, int ntiers)
{
    if (!plans)
        return;
    for (int t = 0; t < ntiers; t++) {
        free(plans[t].ops);
        free(plans[t].text);
    }
    free(plans);
}

/* A number in a column the scan did not read (a feature no rule uses):
 * the whole text as a decimal number (digits, sign, point, exponent),
 * else NaN. */
static double unread_number(const char *raw, size_t n)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf || strspn(raw, "0123456789+-.eE") < n)
        return NAN;
    memcpy(buf, raw, n);
    buf[n] = '\0';
    double v = strtod(buf, &end);
    return *end == '\0' && isfinite(v) ? v : NAN;
}

/* ---- writing ----------------------------------------------------------- */

void tg_score_plan_write(tg_outbuf *out, const tg_row_plan *plan,
                         const tg_score_layout *l, tg_score_format fmt,
                         tg_csv *csv, const tg_row *row)
{
    tg_csv_record rec = tg_csv_current(csv);
    for (int i = 0; i < plan->nops; i++) {
        const tg_row_op *op = &plan->ops[i];
        tg_outbuf_put(out, plan->text + op->off, op->len);
        if (op->kind == OP_CONST)
            continue;
        int c = op->col, f = l->feat[c];
        size_t n = 0, in = (size_t)l->in_col[c]; /* -1: past every field */
        const char *raw = "";
        if (in < rec.nfields) {
            /* The record's bytes as they are, unless the field was
             * quoted with quotes inside (then tg_csv_field unescapes). */
            if (!rec.spans[in].escaped) {
                raw = rec.buf + rec.spans[in].off;
                n = rec.spans[in].len;
            } else {
                raw = tg_csv_field(csv, in, &n);
            }
        }
        double v = f >= 0 ? row->values[f] : NAN;
        if (op->kind != OP_INPUT) {
            if (f < 0)
                v = unread_number(raw, n);
            if (tg_outbuf_years(out, v, op->kind == OP_YEARS1 ? 1 : 0) != 0)
                put_null(out, fmt);
            continue;
        }
        if (f >= 0)
            put_feature(out, fmt, raw, n, v);
        else
            put_text(out, fmt, raw, n);
    }
}
