/*
 * Lexer and recursive-descent parser of the condition language.
 *
 * Precedence, lowest first (as in SQL and SQLite's parse.y):
 *   OR
 *   AND
 *   NOT                      (right)
 *   = != <> < <= > >=  [NOT] BETWEEN  [NOT] IN  IS [NOT] NULL
 *   + -
 *   * /
 *   unary -                  (right)
 * One function per level. Each node records its byte offset so that
 * messages point at the offending text with a caret.
 *
 * Conditions arrive in pull requests, so input must not be able to
 * drive recursion past the stack: nesting (parentheses, NOT, signs) is
 * capped at TG_COND_MAX_DEPTH while parsing, a chain of AND (or OR) is
 * built as a balanced tree (depth log n, however long the chain), and
 * the finished tree's depth is checked against the same cap, which
 * bounds every recursive walk (evaluation, SQL, lint).
 */
#include "tg_cond_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tg_cond_limits.h"

typedef enum {
    T_END, T_NUM, T_IDENT, T_LPAREN, T_RPAREN, T_COMMA,
    T_PLUS, T_MINUS, T_STAR, T_SLASH,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
    T_AND, T_OR, T_NOT, T_BETWEEN, T_IN, T_IS, T_NULL, T_TRUE, T_FALSE,
    T_BAD
} tok_kind;

typedef struct {
    const char *text;
    const char *where;
    tg_cond_resolver resolve;
    void *ctx;
    tg_error *err;
    tg_cond *c;
    /* current token */
    tok_kind k;
    int pos, len;
    double num;
    int depth;     /* parentheses, NOT and unary signs open now */
} parser;

static const struct {
    const char *word;
    tok_kind kind;
} keywords[] = {
    {"AND", T_AND},   {"OR", T_OR},     {"NOT", T_NOT},   {"BETWEEN", T_BETWEEN},
    {"IN", T_IN},     {"IS", T_IS},     {"NULL", T_NULL}, {"TRUE", T_TRUE},
    {"FALSE", T_FALSE},
};

/* Scan one token at p->pos + p->len; returns its kind and sets pos/len. */
static tok_kind lex(parser *p)
{
    const char *s = p->text;
    int i = p->pos + p->len;
    for (;;) {
        while (s[i] && isspace((unsigned char)s[i]))
            i++;
        if (s[i] == '-' && s[i + 1] == '-') {  /* SQL line comment */
            while (s[i] && s[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    p->pos = i;
    p->len = 1;
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
    case '\0': p->len = 0; return p->k = T_END;
    case '(': return p->k = T_LPAREN;
    case ')': return p->k = T_RPAREN;
    case ',': return p->k = T_COMMA;
    case '+': return p->k = T_PLUS;
    case '-': return p->k = T_MINUS;
    case '*': return p->k = T_STAR;
    case '/': return p->k = T_SLASH;
    case '=': return p->k = T_EQ;
    case '!':
        if (s[i + 1] == '=') {
            p->len = 2;
            return p->k = T_NE;
        }
        return p->k = T_BAD;
    case '<':
        if (s[i + 1] == '=' || s[i + 1] == '>') {
            p->len = 2;
            return p->k = s[i + 1] == '=' ? T_LE : T_NE;
        }
        return p->k = T_LT;
    case '>':
        if (s[i + 1] == '=') {
            p->len = 2;
            return p->k = T_GE;
        }
        return p->k = T_GT;
    default:
        break;
    }
    if (isdigit(ch) || (ch == '.' && isdigit((unsigned char)s[i + 1]))) {
        char *e;
        p->num = strtod(s + i, &e);
        p->len = (int)(e - (s + i));
        /* "12abc" is one bad token, not a number and a name. */
        if (isalpha((unsigned char)*e) || *e == '_') {
            while (isalnum((unsigned char)s[i + p->len]) || s[i + p->len] == '_')
                p->len++;
            return p->k = T_BAD;
        }
        /* 1e999 would be infinity, which no column holds. */
        if (!isfinite(p->num))
            return p->k = T_BAD;
        return p->k = T_NUM;
    }
    if (isalpha(ch) || ch == '_') {
        int n = 0;
        while (isalnum((unsigned char)s[i + n]) || s[i + n] == '_')
            n++;
        p->len = n;
        for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
            if ((int)strlen(keywords[k].word) == n &&
                strncasecmp(keywords[k].word, s + i, (size_t)n) == 0)
                return p->k = keywords[k].kind;
        return p->k = T_IDENT;
    }
    return p->k = T_BAD;
}

/* Report a problem at byte offset at of the text. */
static int fail_at(parser *p, int at, const char *fmt, const char *arg)
{
    const char *s = p->text;
    long line = 1;
    int ls = 0;
    for (int i = 0; i < at; i++)
        if (s[i] == '\n') {
            line++;
            ls = i + 1;
        }
    int le = ls;
    while (s[le] && s[le] != '\n')
        le++;
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    tg_error_set(p->err, TG_EINVAL, p->where, line, at - ls + 1, "%s", msg);
    tg_error_context(p->err, s + ls, (size_t)(le - ls), at - ls);
    return -1;
}

static int fail_tok(parser *p, const char *what)
{
    char tok[64];
    if (p->k == T_END)
        return fail_at(p, p->pos, "%s, found the end of the condition", what);
    snprintf(tok, sizeof tok, "%.*s", p->len > 40 ? 40 : p->len,
             p->text + p->pos);
    char fmt[160];
    snprintf(fmt, sizeof fmt, "%s, found '%%s'", what);
    return fail_at(p, p->pos, fmt, tok);
}

static int new_node(parser *p, tg_node_kind kind, int pos)
{
    tg_cond *c = p->c;
    if (c->nn >= TG_COND_MAX_NODES)
        return fail_at(p, pos, "condition too large: more than %s terms",
                       TG_COND_MAX_NODES_TEXT);
    if (c->nn == c->ncap) {
        int ncap = c->ncap ? c->ncap * 2 : 16;
        tg_node *nn = realloc(c->n, (size_t)ncap * sizeof *nn);
        if (!nn) {
            tg_error_oom(p->err, p->where);
            return -1;
        }
        c->n = nn;
        c->ncap = ncap;
    }
    tg_node *n = &c->n[c->nn];
    memset(n, 0, sizeof *n);
    n->kind = (unsigned char)kind;
    n->pos = pos;
    n->a = n->b = n->c = n->feat = -1;
    return c->nn++;
}

static int is_bool(const parser *p, int node)
{
    return p->c->n[node].kind >= TG_N_CMP;
}

static int parse_or(parser *p);
static int parse_sum(parser *p);

/* A numeric operand; name what was expected on failure. */
static int want_number(parser *p, int node, const char *ctx)
{
    if (node < 0)
        return -1;
    if (is_bool(p, node))
        return fail_at(p, p->c->n[node].pos,
                       "%s needs a number, not a condition", ctx);
    return node;
}

/* Enter one level of nesting; fails past TG_COND_MAX_DEPTH. */
static int nest(parser *p)
{
    if (++p->depth > TG_COND_MAX_DEPTH)
        return fail_at(p, p->pos, "condition nested too deeply: more than "
                       "%s levels of parentheses, NOT or signs",
                       TG_COND_MAX_DEPTH_TEXT);
    return 0;
}

static int parse_primary(parser *p)
{
    int at = p->pos, n;
    switch (p->k) {
    case T_NUM:
    case T_TRUE:
    case T_FALSE:
    case T_NULL:
        if ((n = new_node(p, TG_N_NUM, at)) < 0)
            return -1;
        p->c->n[n].num = p->k == T_NUM ? p->num
                       : p->k == T_TRUE ? 1.0
                       : p->k == T_FALSE ? 0.0 : NAN;
        lex(p);
        return n;
    case T_IDENT: {
        int f = p->resolve(p->ctx, p->text + at, (size_t)p->len);
        if (f < 0) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", p->len > 100 ? 100 : p->len,
                     p->text + at);
            return fail_at(p, at, "unknown feature '%s'", name);
        }
        if ((n = new_node(p, TG_N_FEAT, at)) < 0)
            return -1;
        p->c->n[n].feat = f;
        lex(p);
        return n;
    }
    case T_LPAREN:
        if (nest(p) < 0)
            return -1;
        lex(p);
        if ((n = parse_or(p)) < 0)
            return -1;
        if (p->k != T_RPAREN)
            return fail_tok(p, "expected ')'");
        p->depth--;
        lex(p);
        return n;
    default:
        return fail_tok(p, "expected a number, a feature or '('");
    }
}

static int parse_unary(parser *p)
{
    if (p->k == T_MINUS || p->k == T_PLUS) {
        int at = p->pos, neg = p->k == T_MINUS;
        if (nest(p) < 0)
            return -1;
        lex(p);
        int a = want_number(p, parse_unary(p), "unary minus");
        p->depth--;
        if (a < 0 || !neg)
            return a;
        /* Fold "-3" into a constant so "x < -10" stays one FCMP. */
        if (p->c->n[a].kind == TG_N_NUM) {
            p->c->n[a].num = -p->c->n[a].num;
            p->c->n[a].pos = at;
            return a;
        }
        int n = new_node(p, TG_N_NEG, at);
        if (n >= 0)
            p->c->n[n].a = a;
        return n;
    }
    return parse_primary(p);
}

static int parse_arith(parser *p, int higher)
{
    int a = higher ? parse_unary(p) : parse_arith(p, 1);
    while (a >= 0 && ((higher && (p->k == T_STAR || p->k == T_SLASH)) ||
                      (!higher && (p->k == T_PLUS || p->k == T_MINUS)))) {
        char op = p->text[p->pos];
        int at = p->pos;
        char ctx[32];
        snprintf(ctx, sizeof ctx, "'%c'", op);
        if (want_number(p, a, ctx) < 0)
            return -1;
        lex(p);
        int b = want_number(p, higher ? parse_unary(p) : parse_arith(p, 1), ctx);
        if (b < 0)
            return -1;
        int n = new_node(p, TG_N_ARITH, at);
        if (n < 0)
            return -1;
        p->c->n[n].op = (unsigned char)op;
        p->c->n[n].a = a;
        p->c->n[n].b = b;
        a = n;
    }
    return a;
}

static int parse_sum(parser *p)
{
    return parse_arith(p, 0);
}

static int push_list(parser *p, int node)
{
    tg_cond *c = p->c;
    if (c->nl == c->lcap) {
        int ncap = c->lcap ? c->lcap * 2 : 8;
        int *nl = realloc(c->list, (size_t)ncap * sizeof *nl);
        if (!nl) {
            tg_error_oom(p->err, p->where);
            return -1;
        }
        c->list = nl;
        c->lcap = ncap;
    }
    c->list[c->nl++] = node;
    return 0;
}

static int parse_predicate(parser *p)
{
    int a = parse_sum(p);
    if (a < 0)
        return -1;
    int at = p->pos;
    tok_kind k = p->k;
    if (k >= T_EQ && k <= T_GE) {
        char ctx[16];
        snprintf(ctx, sizeof ctx, "'%.*s'", p->len, p->text + p->pos);
        if (want_number(p, a, ctx) < 0)
            return -1;
        lex(p);
        int b = want_number(p, parse_sum(p), ctx);
        if (b < 0)
            return -1;
        int n = new_node(p, TG_N_CMP, at);
        if (n < 0)
            return -1;
        tg_node *nd = &p->c->n[n];
        nd->op = (unsigned char)(k - T_EQ);
        nd->a = a;
        nd->b = b;
        const tg_node *na = &p->c->n[a], *nb = &p->c->n[b];
        if (na->kind == TG_N_FEAT && nb->kind == TG_N_NUM && !isnan(nb->num)) {
            nd->kind = TG_N_FCMP;
            nd->feat = na->feat;
            nd->num = nb->num;
        }
        return n;
    }
    int neg = 0;
    if (k == T_NOT) {
        /* "x NOT BETWEEN" / "x NOT IN": NOT binds to the predicate. */
        lex(p);
        if (p->k != T_BETWEEN && p->k != T_IN)
            return fail_tok(p, "expected BETWEEN or IN after NOT");
        neg = 1;
        k = p->k;
    }
    if (k == T_BETWEEN) {
        if (want_number(p, a, "BETWEEN") < 0)
            return -1;
        lex(p);
        int lo = want_number(p, parse_sum(p), "BETWEEN");
        if (lo < 0)
            return -1;
        if (p->k != T_AND)
            return fail_tok(p, "expected AND in BETWEEN");
        lex(p);
        int hi = want_number(p, parse_sum(p), "BETWEEN");
        if (hi < 0)
            return -1;
        int n = new_node(p, TG_N_BETWEEN, at);
        if (n < 0)
            return -1;
        tg_node *nd = &p->c->n[n];
        nd->a = a;
        nd->b = lo;
        nd->c = hi;
        nd->neg = (unsigned char)neg;
        return n;
    }
    if (k == T_IN) {
        if (want_number(p, a, "IN") < 0)
            return -1;
        lex(p);
        if (p->k != T_LPAREN)
            return fail_tok(p, "expected '(' after IN");
        lex(p);
        int start = p->c->nl, count = 0;
        for (;;) {
            int v = want_number(p, parse_sum(p), "IN");
            if (v < 0 || push_list(p, v) < 0)
                return -1;
            count++;
            if (p->k == T_COMMA) {
                lex(p);
                continue;
            }
            if (p->k != T_RPAREN)
                return fail_tok(p, "expected ',' or ')' in the IN list");
            lex(p);
            break;
        }
        int n = new_node(p, TG_N_IN, at);
        if (n < 0)
            return -1;
        tg_node *nd = &p->c->n[n];
        nd->a = a;
        nd->b = start;
        nd->c = count;
        nd->neg = (unsigned char)neg;
        return n;
    }
    if (k == T_IS) {
        if (want_number(p, a, "IS NULL") < 0)
            return -1;
        lex(p);
        if (p->k == T_NOT) {
            neg = 1;
            lex(p);
        }
        if (p->k != T_NULL)
            return fail_tok(p, neg ? "expected NULL after IS NOT"
                                   : "expected NULL or NOT NULL after IS");
        lex(p);
        int n = new_node(p, TG_N_ISNULL, at);
        if (n < 0)
            return -1;
        p->c->n[n].a = a;
        p->c->n[n].neg = (unsigned char)neg;
        return n;
    }
    return a;
}

static int want_condition(parser *p, int node, const char *ctx)
{
    if (node < 0)
        return -1;
    if (!is_bool(p, node))
        return fail_at(p, p->c->n[node].pos,
                       "%s needs a condition such as 'x > 1', not a number",
                       ctx);
    return node;
}

static int parse_not(parser *p)
{
    if (p->k == T_NOT) {
        int at = p->pos;
        if (nest(p) < 0)
            return -1;
        lex(p);
        int a = want_condition(p, parse_not(p), "NOT");
        p->depth--;
        if (a < 0)
            return -1;
        int n = new_node(p, TG_N_NOT, at);
        if (n >= 0)
            p->c->n[n].a = a;
        return n;
    }
    return parse_predicate(p);
}

/* Operands of one AND (or OR) chain and the offsets of its operators. */
typedef struct {
    int *node, *at;
    int n, cap;
} chain;

static int chain_push(parser *p, chain *ch, int node, int at)
{
    if (ch->n == ch->cap) {
        int ncap = ch->cap ? 2 * ch->cap : 8;
        int *nn = realloc(ch->node, (size_t)ncap * sizeof *nn);
        if (nn)
            ch->node = nn;
        int *na = realloc(ch->at, (size_t)ncap * sizeof *na);
        if (na)
            ch->at = na;
        if (!nn || !na) {
            tg_error_oom(p->err, p->where);
            return -1;
        }
        ch->cap = ncap;
    }
    ch->node[ch->n] = node;
    ch->at[ch->n] = at;
    ch->n++;
    return 0;
}

/*
 * Operands lo..hi of a chain as a balanced tree, left to right (so
 * evaluation keeps the written order). AND and OR are associative in
 * three-valued logic, so the shape does not change any result. Every
 * node but the chain's root is marked inner (neg = 1): the SQL writer
 * prints an inner node's operands as part of its parent's chain.
 */
static int chain_build(parser *p, const chain *ch, tg_node_kind kind, int lo,
                       int hi, int inner)
{
    if (lo == hi)
        return ch->node[lo];
    int mid = lo + (hi - lo + 1) / 2;
    int a = chain_build(p, ch, kind, lo, mid - 1, 1);
    int b = a < 0 ? -1 : chain_build(p, ch, kind, mid, hi, 1);
    if (b < 0)
        return -1;
    int n = new_node(p, kind, ch->at[mid]);
    if (n < 0)
        return -1;
    p->c->n[n].a = a;
    p->c->n[n].b = b;
    p->c->n[n].neg = (unsigned char)inner;
    return n;
}

static int parse_logic(parser *p, tok_kind op)
{
    tg_node_kind kind = op == T_AND ? TG_N_AND : TG_N_OR;
    const char *name = op == T_AND ? "AND" : "OR";
    int a = op == T_AND ? parse_not(p) : parse_logic(p, T_AND);
    if (a < 0 || p->k != op)
        return a;
    chain ch = {0};
    /* at[k] is the offset of the operator before operand k. */
    int rc = chain_push(p, &ch, a, p->pos);
    while (rc == 0 && p->k == op) {
        int at = p->pos;
        if (want_condition(p, ch.node[ch.n - 1], name) < 0) {
            rc = -1;
            break;
        }
        lex(p);
        int b = want_condition(
            p, op == T_AND ? parse_not(p) : parse_logic(p, T_AND), name);
        if (b < 0 || chain_push(p, &ch, b, at) < 0)
            rc = -1;
    }
    int n = rc < 0 ? -1 : chain_build(p, &ch, kind, 0, ch.n - 1, 0);
    free(ch.node);
    free(ch.at);
    return n;
}

/*
 * The depth of every node (children come before their parents in the
 * node array), checked against TG_COND_MAX_DEPTH: a long chain of
 * arithmetic, which is built left-deep, is the one way left to nest.
 */
static int check_depth(parser *p)
{
    tg_cond *c = p->c;
    unsigned short *d = malloc((size_t)c->nn * sizeof *d);
    if (!d) {
        tg_error_oom(p->err, p->where);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < c->nn && rc == 0; i++) {
        const tg_node *n = &c->n[i];
        int kids[3] = {n->a, n->b, n->c}, m = 0, nk;
        switch (n->kind) {
        case TG_N_NUM:
        case TG_N_FEAT:
        case TG_N_FCMP: nk = 0; break;
        case TG_N_NEG:
        case TG_N_NOT:
        case TG_N_ISNULL:
        case TG_N_IN: nk = 1; break;
        case TG_N_BETWEEN: nk = 3; break;
        default: nk = 2; break;
        }
        for (int k = 0; k < nk; k++)
            if (kids[k] >= 0 && d[kids[k]] > m)
                m = d[kids[k]];
        if (n->kind == TG_N_IN)
            for (int k = 0; k < n->c; k++)
                if (d[c->list[n->b + k]] > m)
                    m = d[c->list[n->b + k]];
        d[i] = (unsigned short)(m + 1);
        if (d[i] > TG_COND_MAX_DEPTH)
            rc = fail_at(p, n->pos, "condition nested too deeply: more than "
                         "%s levels (a chain of + - * / counts one per "
                         "operator)", TG_COND_MAX_DEPTH_TEXT);
    }
    free(d);
    return rc;
}

static int parse_or(parser *p)
{
    return parse_logic(p, T_OR);
}

int tg_cond_parse(tg_cond **out, const char *text, tg_cond_resolver resolve,
                  void *ctx, const char *where, tg_error *err)
{
    *out = NULL;
    size_t tlen = strlen(text);
    if (tlen > TG_COND_MAX_BYTES)
        return tg_error_set(err, TG_EINVAL, where, 1, 1,
                            "condition too large: %zu bytes, the limit is %s",
                            tlen, TG_COND_MAX_BYTES_TEXT);
    tg_cond *c = calloc(1, sizeof *c);
    if (!c)
        return tg_error_oom(err, where);
    parser p = {.text = text, .where = where, .resolve = resolve,
                .ctx = ctx, .err = err, .c = c};
    lex(&p);
    if (p.k == T_END) {
        fail_at(&p, p.pos, "%s", "empty condition");
        tg_cond_free(c);
        return TG_EINVAL;
    }
    int root = parse_or(&p);
    if (root >= 0 && p.k != T_END)
        root = fail_tok(&p, p.k == T_BAD ? "unexpected character"
                                         : "expected AND, OR or the end");
    if (root >= 0)
        root = want_condition(&p, root, "a tier's condition");
    if (root >= 0 && check_depth(&p) < 0)
        root = -1;
    if (root < 0) {
        int code = err ? err->code : TG_EINVAL;
        tg_cond_free(c);
        return code ? code : TG_EINVAL;
    }
    c->root = root;
    *out = c;
    return TG_OK;
}

void tg_cond_free(tg_cond *c)
{
    if (!c)
        return;
    free(c->n);
    free(c->list);
    free(c);
}

void tg_cond_each_feature(const tg_cond *c, void (*fn)(void *, int),
                          void *ctx)
{
    for (int i = 0; i < c->nn; i++)
        if (c->n[i].kind == TG_N_FEAT || c->n[i].kind == TG_N_FCMP)
            fn(ctx, c->n[i].feat);
}
