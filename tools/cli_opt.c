/*
 * The table-driven option parser (cli_opt.h). Messages name the command
 * as the user typed it ("tiergate registry show: ...") and go to stderr
 * through cli_usage, so every usage error looks the same.
 */
#include "cli_opt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tg_escape.h"
#include "tg_suggest.h"

enum { HELP_COLUMN = 23 }; /* where option descriptions start */

void cli_parse_begin(cli_parser *p, const cli_spec *s, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = s;
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
}

int cli_parser_usage(cli_parser *p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->rc = cli_usage(p->spec->name, "%s", msg);
    return p->rc;
}

/* An option name from argv, safe to print (it may hold anything). */
static const char *shown(const char *s, char *buf, size_t n)
{
    return tg_esc_term_buf(s, buf, n);
}

static const cli_opt *find_long(const cli_spec *s, const char *name,
                                size_t len)
{
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const cli_opt *find_short(const cli_spec *s, char c)
{
    for (const cli_opt *o = s->opts; o && o->name; o++)
        if (o->letter == c)
            return o;
    return NULL;
}

/* "unknown option", with the nearest option of this command when one is
 * a likely typo. */
static int unknown(cli_parser *p, const char *written, size_t len)
{
    char name[128], buf[256];
    snprintf(name, sizeof name, "%.*s", (int)(len < 100 ? len : 100), written);
    const char *names[128];
    int n = 0;
    for (const cli_opt *o = p->spec->opts; o && o->name && n < 127; o++)
        names[n++] = o->name;
    names[n++] = "help";
    const char *bare = name + strspn(name, "-");
    int k = tg_suggest_nearest(bare, names, n);
    if (k >= 0)
        return cli_parser_usage(p, "unknown option '%s'; did you mean '--%s'?",
                                shown(name, buf, sizeof buf), names[k]);
    return cli_parser_usage(p, "unknown option '%s'",
                            shown(name, buf, sizeof buf));
}

/* The value of option o: after '=', glued to a short option, or the
 * next argument. */
static int take_value(cli_parser *p, const cli_opt *o, const char *inline_v,
                      const char *written)
{
    char buf[256];
    if (!o->arg) {
        if (inline_v)
            return cli_parser_usage(p, "--%s takes no value", o->name);
        p->arg = NULL;
        return o->id;
    }
    if (inline_v) {
        p->arg = inline_v;
        return o->id;
    }
    if (p->next >= p->argc)
        return cli_parser_usage(p, "%s needs a value (%s)",
                                shown(written, buf, sizeof buf), o->arg);
    p->arg = p->argv[p->next++];
    return o->id;
}

static int positional(cli_parser *p, const char *a)
{
    char buf[256];
    if (p->npos >= p->spec->max_positional ||
        p->npos >= CLI_MAX_POSITIONAL) {
        cli_parser_usage(p, "unexpected argument '%s'",
                         shown(a, buf, sizeof buf));
        return CLI_STOP;
    }
    p->pos[p->npos++] = a;
    return 0;
}

int cli_next(cli_parser *p)
{
    while (p->next < p->argc) {
        const char *a = p->argv[p->next++];
        if (p->done_options || a[0] != '-' || a[1] == '\0') {
            if (positional(p, a) == CLI_STOP)
                return CLI_STOP;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            p->done_options = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_print_help(stdout, p->spec);
            p->rc = cli_flush_stdout(TG_EXIT_OK);
            return CLI_STOP;
        }
        int id;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const cli_opt *o = find_long(p->spec, name, len);
            if (!o) {
                unknown(p, a, eq ? (size_t)(eq - a) : strlen(a));
                return CLI_STOP;
            }
            id = take_value(p, o, eq ? eq + 1 : NULL, a);
        } else {
            const cli_opt *o = find_short(p->spec, a[1]);
            if (!o) {
                unknown(p, a, 2);
                return CLI_STOP;
            }
            if (!o->arg && a[2]) {
                char buf[64];
                cli_parser_usage(p, "unknown option '%s' (-%c takes no value)",
                                 shown(a, buf, sizeof buf), a[1]);
                return CLI_STOP;
            }
            id = take_value(p, o, a[2] ? a + 2 : NULL, a);
        }
        return p->rc ? CLI_STOP : id;
    }
    return CLI_END;
}

/* "  -o, --output FILE" or "  --policy FILE", then the description at
 * HELP_COLUMN, its later lines indented to the same column. */
static void print_option(FILE *out, const cli_opt *o)
{
    char head[96];
    if (o->letter)
        snprintf(head, sizeof head, "  -%c, --%s%s%s", o->letter, o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
    else
        snprintf(head, sizeof head, "  --%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    int w = (int)strlen(head);
    fputs(head, out);
    if (w + 1 > HELP_COLUMN) {
        fputc('\n', out);
        w = 0;
    }
    const char *h = o->help ? o->help : "";
    int first = 1;
    while (*h || first) {
        const char *nl = strchr(h, '\n');
        size_t n = nl ? (size_t)(nl - h) : strlen(h);
        fprintf(out, "%*s%.*s\n", first ? HELP_COLUMN - w : HELP_COLUMN, "",
                (int)n, h);
        first = 0;
        h += n + (nl ? 1 : 0);
        if (!nl)
            break;
    }
}

void cli_print_help(FILE *out, const cli_spec *s)
{
    const char *u = s->usage ? s->usage : "";
    /* A synopsis line names the command again ("tiergate log list"); a
     * line starting with spaces continues the one above. */
    fprintf(out, "usage: tiergate ");
    for (const char *c = u; *c; c++) {
        fputc(*c, out);
        if (*c == '\n' && c[1])
            fputs(c[1] == ' ' ? "                " : "       tiergate ", out);
    }
    if (!*u || u[strlen(u) - 1] != '\n')
        fputc('\n', out);
    if (s->about)
        fprintf(out, "\n%s", s->about);
    fputs("\noptions:\n", out);
    for (const cli_opt *o = s->opts; o && o->name; o++)
        print_option(out, o);
    static const cli_opt help = {"help", 'h', NULL, 0, "this help"};
    print_option(out, &help);
    if (s->epilogue)
        fprintf(out, "\n%s", s->epilogue);
}

static void print_subcommands(FILE *out, const char *cmd, const char *about,
                              const cli_subcommand_def *subs)
{
    fprintf(out, "usage: tiergate %s <subcommand> [options]\n", cmd);
    if (about)
        fprintf(out, "\n%s", about);
    fputs("\nsubcommands:\n", out);
    for (const cli_subcommand_def *d = subs; d->name; d++)
        fprintf(out, "  %-10s %s\n", d->name, d->summary);
    fprintf(out, "\n'tiergate %s <subcommand> --help' describes each.\n", cmd);
}

int cli_run_subcommand(const char *cmd, const char *about,
                       const cli_subcommand_def *subs, int argc, char **argv)
{
    if (argc < 2) {
        print_subcommands(stderr, cmd, about, subs);
        return TG_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
        strcmp(a, "help") == 0) {
        print_subcommands(stdout, cmd, about, subs);
        return cli_flush_stdout(TG_EXIT_OK);
    }
    const char *names[32] = {NULL};
    int n = 0;
    for (const cli_subcommand_def *d = subs; d->name && n < 32; d++) {
        if (strcmp(d->name, a) == 0)
            return d->run(argc - 1, argv + 1);
        names[n++] = d->name;
    }
    char buf[256];
    int k = tg_suggest_nearest(a, names, n);
    if (k >= 0)
        return cli_usage(cmd, "unknown subcommand '%s'; did you mean '%s'?",
                         tg_esc_term_buf(a, buf, sizeof buf), names[k]);
    /* The choices are in the help the message points to. */
    return cli_usage(cmd, "unknown subcommand '%s'",
                     tg_esc_term_buf(a, buf, sizeof buf));
}
