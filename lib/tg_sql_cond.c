/*
 * Conditions as SQL, printed from the compiled tree (canonical feature
 * names, parentheses only where precedence needs them), so that what the
 * warehouse runs is what tiergate evaluates; and the first-match CASE
 * that assigns each lead its tier.
 */
#include <stdio.h>
#include <string.h>

#include "tg_cond_internal.h"
#include "tg_escape.h"
#include "tg_sql_internal.h"

enum { P_OR = 1, P_AND, P_NOT, P_PRED, P_ADD, P_MUL, P_UNARY, P_PRIMARY };

static int prec(const tg_node *n)
{
    switch (n->kind) {
    case TG_N_OR: return P_OR;
    case TG_N_AND: return P_AND;
    case TG_N_NOT: return P_NOT;
    case TG_N_CMP:
    case TG_N_FCMP:
    case TG_N_BETWEEN:
    case TG_N_IN:
    case TG_N_ISNULL: return P_PRED;
    case TG_N_ARITH: return (n->op == '+' || n->op == '-') ? P_ADD : P_MUL;
    case TG_N_NEG: return P_UNARY;
    default: return P_PRIMARY;
    }
}

static void feature(tg_sql_gen *g, int f)
{
    const tg_feature *ft = &g->r->features[f];
    /* Booleans are compared as 0/1, as the change request writes is_wirehouse =
     * 0; the cast makes that valid for a BOOL column too. */
    if (ft->is_boolean) {
        fputs("CAST(", g->f);
        tg_sql_feature_column(g, f);
        tg_sql_out(g, " AS %s)",
                   g->d == TG_DIALECT_BIGQUERY ? "INT64" : "INTEGER");
    } else {
        tg_sql_feature_column(g, f);
    }
}

static const char *cmp_ops[] = {"=", "<>", "<", "<=", ">", ">="};

static void expr(tg_sql_gen *g, const tg_cond *c, int i, int parent,
                 int indent);
static void chain(tg_sql_gen *g, const tg_cond *c, int i, int indent,
                  int leftmost);

static void sub(tg_sql_gen *g, const tg_cond *c, int i, int min_prec,
                int indent)
{
    int paren = prec(&c->n[i]) < min_prec;
    /* Only a chain of ANDs at the top spreads over lines. */
    if (paren || c->n[i].kind != TG_N_AND)
        indent = -1;
    if (paren)
        fputc('(', g->f);
    expr(g, c, i, min_prec, indent);
    if (paren)
        fputc(')', g->f);
}

static void expr(tg_sql_gen *g, const tg_cond *c, int i, int parent, int indent)
{
    const tg_node *n = &c->n[i];
    (void)parent;
    switch (n->kind) {
    case TG_N_NUM: tg_sql_num(g, n->num); break;
    case TG_N_FEAT: feature(g, n->feat); break;
    case TG_N_NEG:
        fputc('-', g->f);
        sub(g, c, n->a, P_UNARY, indent);
        break;
    case TG_N_ARITH:
        if (n->op == '/') {
            /* Division by zero is NULL in tiergate (and SQLite); integer
             * division truncates in SQLite and PostgreSQL: avoid both. */
            if (g->d == TG_DIALECT_BIGQUERY) {
                fputs("SAFE_DIVIDE(", g->f);
                sub(g, c, n->a, P_OR, indent);
                fputs(", ", g->f);
                sub(g, c, n->b, P_OR, indent);
                fputc(')', g->f);
            } else {
                tg_sql_out(g, "(CAST(");
                sub(g, c, n->a, P_OR, indent);
                tg_sql_out(g, " AS %s) / NULLIF(", tg_sql_float_type(g));
                sub(g, c, n->b, P_OR, indent);
                fputs(", 0))", g->f);
            }
            break;
        }
        sub(g, c, n->a, prec(n), indent);
        tg_sql_out(g, " %c ", n->op);
        sub(g, c, n->b, prec(n) + 1, indent);
        break;
    case TG_N_FCMP:
        feature(g, n->feat);
        tg_sql_out(g, " %s ", cmp_ops[n->op]);
        tg_sql_num(g, n->num);
        break;
    case TG_N_CMP:
        sub(g, c, n->a, P_ADD, indent);
        tg_sql_out(g, " %s ", cmp_ops[n->op]);
        sub(g, c, n->b, P_ADD, indent);
        break;
    case TG_N_BETWEEN:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " NOT BETWEEN " : " BETWEEN ", g->f);
        sub(g, c, n->b, P_ADD, indent);
        fputs(" AND ", g->f);
        sub(g, c, n->c, P_ADD, indent);
        break;
    case TG_N_IN:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " NOT IN (" : " IN (", g->f);
        for (int k = 0; k < n->c; k++) {
            if (k)
                fputs(", ", g->f);
            sub(g, c, c->list[n->b + k], P_ADD, indent);
        }
        fputc(')', g->f);
        break;
    case TG_N_ISNULL:
        sub(g, c, n->a, P_ADD, indent);
        fputs(n->neg ? " IS NOT NULL" : " IS NULL", g->f);
        break;
    case TG_N_NOT:
        fputs("NOT ", g->f);
        sub(g, c, n->a, P_NOT, indent);
        break;
    case TG_N_AND:
        /* A top-level conjunction goes one condition per line, as the
         * brief writes them; everything inside stays on its line. */
        chain(g, c, i, indent, 1);
        break;
    case TG_N_OR: chain(g, c, i, -1, 1); break;
    }
}

/*
 * The operands of an AND (or OR) chain, written as one flat chain: the
 * parser builds a long chain as a balanced tree (its inner nodes have
 * neg set), which reads back as "a AND b AND c", as written. The first
 * operand binds like a left operand, the others like right ones.
 */
static void chain(tg_sql_gen *g, const tg_cond *c, int i, int indent,
                  int leftmost)
{
    const tg_node *n = &c->n[i];
    int p = n->kind == TG_N_AND ? P_AND : P_OR;
    const tg_node *l = &c->n[n->a], *r = &c->n[n->b];
    if (l->kind == n->kind && l->neg)
        chain(g, c, n->a, indent, leftmost);
    else
        sub(g, c, n->a, leftmost ? p : p + 1, indent);
    if (n->kind == TG_N_OR)
        fputs(" OR ", g->f);
    else if (indent >= 0)
        tg_sql_out(g, "\n%*sAND ", indent, "");
    else
        fputs(" AND ", g->f);
    if (r->kind == n->kind && r->neg)
        chain(g, c, n->b, indent, 0);
    else
        sub(g, c, n->b, p + 1, indent);
}

/* The first-match CASE that assigns score_tier. */
void tg_sql_tier_case(tg_sql_gen *g, const char *pad)
{
    const tg_rules *r = g->r;
    tg_sql_out(g, "%sCASE\n", pad);
    for (int t = 0; t < r->ntiers - 1; t++) {
        const tg_tier *x = &r->tiers[t];
        const tg_cond *c = x->cond;
        /* The display is text from the rule set: escaped, so that no
         * character of it can end the comment. */
        tg_sql_out(g, "%s  -- ", pad);
        tg_esc_sql_comment(g->f, x->display);
        tg_sql_out(g, "\n%s  WHEN ", pad);
        /* A top-level OR keeps its lines but must not be split into
         * separate WHENs; conjunction lines align under WHEN. */
        int indent = (int)strlen(pad) + 7;
        if (c->n[c->root].kind == TG_N_AND)
            expr(g, c, c->root, 0, indent);
        else
            expr(g, c, c->root, 0, -1);
        tg_sql_out(g, "\n%s  THEN ", pad);
        tg_sql_str(g, x->name);
        fputc('\n', g->f);
    }
    tg_sql_out(g, "%s  ELSE ", pad);
    tg_sql_str(g, r->tiers[r->ntiers - 1].name);
    tg_sql_out(g, "\n%sEND", pad);
}
