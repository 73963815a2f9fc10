/*
 * The compiled form of a condition, shared by the parser, the
 * evaluator and the analyses that walk it (lint, SQL).
 */
#ifndef TG_COND_INTERNAL_H
#define TG_COND_INTERNAL_H

#include "tg_cond.h"

typedef enum {
    /* numeric nodes */
    TG_N_NUM,     /* num (NAN for the NULL literal) */
    TG_N_FEAT,    /* feat */
    TG_N_NEG,     /* -a */
    TG_N_ARITH,   /* a op b, op one of + - * / */
    /* boolean nodes */
    TG_N_CMP,     /* a op b, op one of the comparison codes */
    TG_N_FCMP,    /* feature op constant: the common case, one load */
    TG_N_BETWEEN, /* a BETWEEN b AND c; neg for NOT BETWEEN */
    TG_N_IN,      /* a IN (list[b] .. list[b+c-1]); neg for NOT IN */
    TG_N_ISNULL,  /* a IS NULL; neg for IS NOT NULL */
    TG_N_AND,
    TG_N_OR,
    TG_N_NOT
} tg_node_kind;

enum { TG_OP_EQ, TG_OP_NE, TG_OP_LT, TG_OP_LE, TG_OP_GT, TG_OP_GE };

typedef struct {
    unsigned char kind, op, neg;
    int a, b, c;   /* child node indices (or list offset and count) */
    int feat;      /* feature index for FEAT and FCMP */
    double num;    /* constant for NUM and FCMP */
    int pos;       /* byte offset in the source text */
} tg_node;

struct tg_cond {
    tg_node *n;
    int nn, ncap;
    int *list;     /* IN lists: node indices */
    int nl, lcap;
    int root;
};

#endif
