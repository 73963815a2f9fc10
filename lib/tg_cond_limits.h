/*
 * Limits on a condition's text, terms and nesting: conditions arrive in
 * pull requests, and none of them may exhaust the stack or the memory
 * of the tool that checks them. The README's "Input limits" lists them.
 */
#ifndef TG_COND_LIMITS_H
#define TG_COND_LIMITS_H

#define TG_COND_MAX_DEPTH 256
#define TG_COND_MAX_DEPTH_TEXT "256"
#define TG_COND_MAX_BYTES (8u << 20)
#define TG_COND_MAX_BYTES_TEXT "8 MiB"
#define TG_COND_MAX_NODES 2000000
#define TG_COND_MAX_NODES_TEXT "2,000,000"

#endif
