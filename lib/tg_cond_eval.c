/*
 * Evaluation of compiled conditions with SQL semantics: NULL (NAN)
 * propagates through arithmetic, a comparison with NULL is UNKNOWN, and
 * AND/OR/NOT follow Kleene's three-valued tables.
 */
#include "tg_cond_internal.h"

#include <math.h>

static int cmp3(int op, double l, double r)
{
    if (isnan(l) || isnan(r))
        return TG_UNKNOWN;
    switch (op) {
    case TG_OP_EQ: return l == r;
    case TG_OP_NE: return l != r;
    case TG_OP_LT: return l < r;
    case TG_OP_LE: return l <= r;
    case TG_OP_GT: return l > r;
    default:       return l >= r;
    }
}

static int not3(int t)
{
    return t == TG_UNKNOWN ? TG_UNKNOWN : !t;
}

static int and3(int a, int b)
{
    if (a == TG_FALSE || b == TG_FALSE)
        return TG_FALSE;
    return (a == TG_UNKNOWN || b == TG_UNKNOWN) ? TG_UNKNOWN : TG_TRUE;
}

static double value(const tg_cond *c, int i, const double *x)
{
    const tg_node *n = &c->n[i];
    switch (n->kind) {
    case TG_N_NUM:
        return n->num;
    case TG_N_FEAT:
        return x[n->feat];
    case TG_N_NEG:
        return -value(c, n->a, x);
    default: {  /* TG_N_ARITH */
        double l = value(c, n->a, x), r = value(c, n->b, x);
        switch (n->op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        default:
            /* Division by zero yields NULL, as in SQLite; BigQuery
             * would raise an error, which no row should provoke. */
            return r == 0.0 ? NAN : l / r;
        }
    }
    }
}

static int truth(const tg_cond *c, int i, const double *x)
{
    const tg_node *n = &c->n[i];
    switch (n->kind) {
    case TG_N_FCMP:
        return cmp3(n->op, x[n->feat], n->num);
    case TG_N_CMP:
        return cmp3(n->op, value(c, n->a, x), value(c, n->b, x));
    case TG_N_BETWEEN: {
        double v = value(c, n->a, x);
        int t = and3(cmp3(TG_OP_GE, v, value(c, n->b, x)),
                     cmp3(TG_OP_LE, v, value(c, n->c, x)));
        return n->neg ? not3(t) : t;
    }
    case TG_N_IN: {
        double v = value(c, n->a, x);
        int t = TG_FALSE;
        for (int k = 0; k < n->c && t != TG_TRUE; k++) {
            int e = cmp3(TG_OP_EQ, v, value(c, c->list[n->b + k], x));
            if (e == TG_TRUE || e == TG_UNKNOWN)
                t = e;
        }
        return n->neg ? not3(t) : t;
    }
    case TG_N_ISNULL: {
        int t = isnan(value(c, n->a, x)) ? TG_TRUE : TG_FALSE;
        return n->neg ? !t : t;
    }
    case TG_N_AND: {
        int a = truth(c, n->a, x);
        if (a == TG_FALSE)
            return TG_FALSE;
        return and3(a, truth(c, n->b, x));
    }
    case TG_N_OR: {
        int a = truth(c, n->a, x);
        if (a == TG_TRUE)
            return TG_TRUE;
        int b = truth(c, n->b, x);
        if (b == TG_TRUE)
            return TG_TRUE;
        return (a == TG_UNKNOWN || b == TG_UNKNOWN) ? TG_UNKNOWN : TG_FALSE;
    }
    case TG_N_NOT:
        return not3(truth(c, n->a, x));
    default:
        return TG_UNKNOWN;  /* a numeric root is rejected by the parser */
    }
}

int tg_cond_eval(const tg_cond *c, const double *values)
{
    return truth(c, c->root, values);
}
