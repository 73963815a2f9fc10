/*
 * Shared CLI plumbing. Messages go to stderr, results to stdout or to a
 * file replaced atomically.
 */
#include "cli.h"
#include "tg_render.h"
#include "tg_textfit.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Text that may come from input, on a terminal: each line escaped
 * (tg_esc_term), the line breaks and tabs of the message kept. */
static void term_lines(FILE *f, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, "\n\t");
        char *part = strndup(s, n);
        tg_esc_term(f, part ? part : "");
        free(part);
        s += n;
        if (*s)
            fputc(*s++, f);
    }
}

int cli_fail(const tg_error *err)
{
    char buf[2048];
    fputs("tiergate: ", stderr);
    term_lines(stderr, tg_error_format(err, buf, sizeof buf));
    fputc('\n', stderr);
    return tg_error_exit_code(err->code ? err->code : TG_EINTERNAL);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tiergate%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nsee 'tiergate %s%s--help'\n", cmd ? cmd : "",
            cmd ? " " : "");
    return TG_EXIT_USAGE;
}

/* Columns of the terminal stderr shows on, else $COLUMNS, else 0: a
 * log or a pipe with no width asked for keeps each message on one line,
 * for grep. */
/* The width of the terminal on fd, else $COLUMNS, else fallback. */
static int width_of(int fd, int fallback)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (!*end && v > 0 && v < 10000)
            return (int)v;
    }
    return fallback;
}

static int stderr_width(void)
{
    return width_of(STDERR_FILENO, 0);
}

void cli_warn(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Escaped (it may quote a data row), then wrapped between words to
     * the terminal's width like the tables on stdout. */
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        fputs("tiergate: warning: ", stderr);
        term_lines(stderr, buf);
        fputc('\n', stderr);
        return;
    }
    fputs("tiergate: warning: ", m);
    term_lines(m, buf);
    fclose(m);
    int w = stderr_width();
    if (w > 0)
        tg_text_wrap(stderr, text, w < 40 ? 40 : w, 0, 2);
    else
        fprintf(stderr, "%s\n", text);
    free(text);
}

int cli_out_open(cli_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    o->f = open_memstream(&o->buf, &o->len);
    if (!o->f) {
        fprintf(stderr, "tiergate: out of memory\n");
        return TG_EXIT_INTERNAL;
    }
    return TG_EXIT_OK;
}

int cli_out_close(cli_out *o)
{
    int rc = TG_EXIT_OK;
    if (!o->f)
        return TG_EXIT_INTERNAL;
    if (fclose(o->f) != 0) {
        fprintf(stderr, "tiergate: out of memory\n");
        free(o->buf);
        return TG_EXIT_INTERNAL;
    }
    o->f = NULL;
    if (!o->path || strcmp(o->path, "-") == 0) {
        if (o->len && fwrite(o->buf, 1, o->len, stdout) != o->len)
            rc = TG_EXIT_INTERNAL;
    } else {
        tg_error err;
        tg_error_clear(&err);
        if (tg_write_atomic(o->path, o->buf, o->len, &err) != TG_OK)
            rc = cli_fail(&err);
    }
    free(o->buf);
    o->buf = NULL;
    return rc;
}

void cli_out_discard(cli_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
}

int cli_format_parse(const char *name, unsigned allowed)
{
    static const char *names[] = {"text", "json", "markdown", "csv", "html"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0 && (allowed & FMT_BIT(i)))
            return i;
    if (strcmp(name, "md") == 0 && (allowed & FMT_BIT(FMT_MARKDOWN)))
        return FMT_MARKDOWN;
    return -1;
}

int cli_format_option(const char *cmd, const char *arg, unsigned allowed,
                      int *fmt)
{
    static const char *names[] = {"text", "json", "markdown", "csv", "html"};
    int f = cli_format_parse(arg, allowed);
    if (f >= 0) {
        *fmt = f;
        return TG_EXIT_OK;
    }
    char list[96] = "", shown[96];
    int n = 0, total = 0;
    for (int i = 0; i < 5; i++)
        total += (allowed & FMT_BIT(i)) != 0;
    for (int i = 0; i < 5; i++)
        if (allowed & FMT_BIT(i)) {
            n++;
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     n == 1 ? "" : n == total ? " or " : ", ", names[i]);
        }
    return cli_usage(cmd, "--format takes %s, not '%s'", list,
                     tg_esc_term_buf(arg, shown, sizeof shown));
}

int cli_next_option(cli_parser *p, cli_data *d, tg_plan_options *plan)
{
    int c;
    while ((c = cli_next(p)) != CLI_END && c != CLI_STOP) {
        const char *cmd = p->spec->name;
        int used = d ? cli_data_option(d, cmd, c, p->arg) : 0;
        if (!used && plan)
            used = cli_plan_option(plan, cmd, c, p->arg);
        if (used < 0) {
            p->rc = TG_EXIT_USAGE;
            return CLI_STOP;
        }
        if (!used)
            return c;
    }
    return c;
}

int cli_data_option(cli_data *d, const char *cmd, int opt, const char *arg)
{
    switch (opt) {
    case OPT_RULES: d->rules = arg; return 1;
    case OPT_DATA: {
        const char **nd = realloc(d->data, (size_t)(d->ndata + 1) * sizeof *nd);
        if (!nd) {
            fprintf(stderr, "tiergate: out of memory\n");
            return -1;
        }
        d->data = nd;
        d->data[d->ndata++] = arg;
        return 1;
    }
    case OPT_SUMMARY: d->summary = arg; return 1;
    case OPT_SLICE: {
        const char **ns =
            realloc(d->slices, (size_t)(d->nslices + 1) * sizeof *ns);
        if (!ns) {
            fprintf(stderr, "tiergate: out of memory\n");
            return -1;
        }
        d->slices = ns;
        d->slices[d->nslices++] = arg;
        return 1;
    }
    case OPT_DATE_CONFIG: d->date_config = arg; return 1;
    case OPT_ON_BAD_ROW:
        if (strcmp(arg, "error") == 0)
            d->on_bad_row = TG_BAD_ROW_ERROR;
        else if (strcmp(arg, "skip") == 0)
            d->on_bad_row = TG_BAD_ROW_SKIP;
        else {
            cli_usage(cmd, "--on-bad-row takes 'error' or 'skip', not '%s'",
                      arg);
            return -1;
        }
        return 1;
    case OPT_CI: {
        int m = tg_ci_parse(arg);
        if (m < 0) {
            cli_usage(cmd,
                      "--ci takes wilson, exact, jeffreys, agresti-coull "
                      "or wald, not '%s'",
                      arg);
            return -1;
        }
        d->ci_method = (tg_ci_method)m;
        return 1;
    }
    case OPT_LEVEL: return cli_parse_level(cmd, arg, &d->ci_level) ? -1 : 1;
    case OPT_THREADS: {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > TG_SCAN_MAX_THREADS) {
            cli_usage(cmd, "--threads takes a number from 1 to %d, not '%s'",
                      TG_SCAN_MAX_THREADS, arg);
            return -1;
        }
        d->threads = (int)n;
        return 1;
    }
    default: return 0;
    }
}

int cli_load_rules(tg_rules **out, const cli_data *d, const char *cmd)
{
    *out = NULL;
    if (!d->rules)
        return cli_usage(cmd, "--rules FILE is required");
    tg_error err;
    tg_error_clear(&err);
    if (tg_rules_load(out, d->rules, &err) != TG_OK)
        return cli_fail(&err);
    return TG_EXIT_OK;
}

int cli_load_tally(tg_tally *t, const tg_rules *rules, const cli_data *d,
                   int fingerprint, const char *cmd)
{
    tg_error err, first_skip;
    tg_error_clear(&err);
    if (d->summary && d->ndata)
        return cli_usage(cmd, "give --data or --summary, not both");
    if (d->summary) {
        if (tg_summary_load(t, rules, d->summary, &err) != TG_OK)
            return cli_fail(&err);
        if (fingerprint &&
            tg_sha256_file(d->summary, t->input_sha256, &err) != TG_OK) {
            tg_tally_release(t);
            return cli_fail(&err);
        }
        return TG_EXIT_OK;
    }
    if (d->ndata == 0)
        return cli_usage(cmd, "give the data with --data FILE or a warehouse "
                              "summary with --summary FILE");
    if (tg_tally_init(t, rules, &err) != TG_OK)
        return cli_fail(&err);
    tg_scan_options o = TG_SCAN_OPTIONS_INIT;
    o.paths = d->data;
    o.npaths = d->ndata;
    o.on_bad_row = d->on_bad_row;
    o.threads = d->threads;
    o.fingerprint = fingerprint;
    o.date_config = cli_default_date_config(d);
    cli_progress_attach(&o);
    if (tg_scan(t, rules, &o, &first_skip, &err) != TG_OK) {
        tg_tally_release(t);
        return cli_fail(&err);
    }
    if (t->skipped)
        cli_warn_skipped(t->skipped, t->rows, t->skipped_by, &first_skip);
    return TG_EXIT_OK;
}

/*
 * The progress line: on a terminal's stderr only (never in a pipe, a
 * log file or CI, where a line rewritten with \r is noise), and only
 * once a scan has run for a second, so that small inputs show nothing.
 */
typedef struct {
    int shown; /* columns of the line on screen, 0 when none */
} cli_progress_line;

static void human_bytes(double b, char *buf, size_t n)
{
    if (b >= 1e9)
        snprintf(buf, n, "%.1f GB", b / 1e9);
    else
        snprintf(buf, n, "%.0f MB", b / 1e6);
}

static void progress_print(void *ctx, const tg_scan_progress *p)
{
    cli_progress_line *pl = ctx;
    if (p->done || p->seconds < 1.0) {
        if (pl->shown && p->done) /* erase it: the result follows */
            fprintf(stderr, "\r%*s\r", pl->shown, "");
        if (p->done)
            pl->shown = 0;
        return;
    }
    char rows[32], done_b[32], total_b[32], line[256], fit[256];
    tg_fmt_count(p->rows, rows);
    int len = snprintf(line, sizeof line, "scanning: %s rows", rows);
    if (p->bytes > 0) {
        double share = p->total_bytes ? (double)p->bytes / p->total_bytes : 0;
        if (share > 0.99) /* a range scanned twice; never claim 100% */
            share = 0.99;
        human_bytes((double)p->bytes, done_b, sizeof done_b);
        len += snprintf(line + len, sizeof line - (size_t)len, " · %s", done_b);
        if (p->total_bytes) {
            human_bytes((double)p->total_bytes, total_b, sizeof total_b);
            len += snprintf(line + len, sizeof line - (size_t)len,
                            " of %s (%.0f%%)", total_b, 100 * share);
        }
        len += snprintf(line + len, sizeof line - (size_t)len, " · %.0f MB/s",
                        (double)p->bytes / 1e6 / p->seconds);
        if (p->total_bytes && share > 0)
            snprintf(line + len, sizeof line - (size_t)len, " · ETA %.0f s",
                     p->seconds * (1 - share) / share);
    }
    struct winsize ws;
    int width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1
                    ? ws.ws_col - 1 : 79;
    tg_text_clip(line, width, fit, sizeof fit);
    int w = tg_text_width(fit);
    fprintf(stderr, "\r%s%*s", fit, pl->shown > w ? pl->shown - w : 0, "");
    fflush(stderr);
    pl->shown = w;
}

void cli_progress_attach(tg_scan_options *o)
{
    static cli_progress_line line;
    const char *ci = getenv("CI");
    if ((ci && *ci) || !isatty(STDERR_FILENO))
        return;
    o->progress = progress_print;
    o->progress_ctx = &line;
}

void cli_warn_skipped(uint64_t skipped, uint64_t rows,
                      const uint64_t *skipped_by, const tg_error *first)
{
    char buf[2048], reasons[256] = "";
    size_t off = 0;
    for (int k = 0; k < TG_SKIP_NREASONS && off < sizeof reasons; k++)
        if (skipped_by[k])
            off += (size_t)snprintf(reasons + off, sizeof reasons - off,
                                    "%s%s %llu", off ? ", " : " (",
                                    tg_skip_reason_name(k),
                                    (unsigned long long)skipped_by[k]);
    if (off && off < sizeof reasons - 1)
        strcat(reasons, ")");
    cli_warn("skipped %llu bad row%s of %llu%s; the first: %s",
             (unsigned long long)skipped, skipped == 1 ? "" : "s",
             (unsigned long long)rows, reasons,
             tg_error_format(first, buf, sizeof buf));
}

int cli_help(const char *text)
{
    fputs(text, stdout);
    return cli_flush_stdout(TG_EXIT_OK);
}

int cli_flush_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tiergate: cannot write to standard output: %s\n",
                strerror(errno));
        return rc == TG_EXIT_OK ? TG_EXIT_INTERNAL : rc;
    }
    return rc;
}

int cli_write_file(const char *path, const char *text, size_t len)
{
    tg_error err;
    tg_error_clear(&err);
    if (strcmp(path, "-") == 0)
        return len && fwrite(text, 1, len, stdout) != len ? TG_EXIT_INTERNAL
                                                          : TG_EXIT_OK;
    if (tg_write_atomic(path, text, len, &err) != TG_OK)
        return cli_fail(&err);
    return TG_EXIT_OK;
}

int cli_write_json(const char *path, const cJSON *doc)
{
    char *s = cJSON_Print(doc);
    if (!s) {
        fprintf(stderr, "tiergate: out of memory\n");
        return TG_EXIT_INTERNAL;
    }
    size_t n = strlen(s);
    s[n] = '\n'; /* cJSON_Print's buffer ends in one NUL: write n + 1 */
    int rc = cli_write_file(path, s, n + 1);
    cJSON_free(s);
    return rc;
}

/* -1 auto, 0 never, 1 always: one command runs per process. */
static int color_mode = -1;

int cli_color_option(const char *cmd, const char *arg)
{
    if (strcmp(arg, "auto") == 0)
        color_mode = -1;
    else if (strcmp(arg, "always") == 0)
        color_mode = 1;
    else if (strcmp(arg, "never") == 0)
        color_mode = 0;
    else
        return cli_usage(cmd, "--color takes auto, always or never, not '%s'",
                         arg);
    return TG_EXIT_OK;
}

int cli_color(FILE *stream)
{
    if (color_mode >= 0)
        return color_mode;
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    /* A dumb terminal shows escape sequences as text. */
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return (!nc || !*nc) && isatty(fileno(stream));
}

int cli_term_width(void)
{
    return width_of(STDOUT_FILENO, 80);
}

const char *cli_default_date_config(const cli_data *d)
{
    return cli_date_config_for(d, d->rules);
}

const char *cli_date_config_for(const cli_data *d, const char *rules_path)
{
    static char found[PATH_MAX + 32];
    if (d->date_config)
        return d->date_config;
    /* The repository the rule set belongs to, not the current folder:
     * the nearest folder above the rule set holding
     * registry/date_config.json. */
    if (!rules_path || strcmp(rules_path, "-") == 0)
        return NULL;
    char cwd[PATH_MAX];
    size_t n = strlen(rules_path) + sizeof cwd + 2;
    char *abs = malloc(n);
    if (!abs)
        return NULL;
    if (rules_path[0] == '/')
        snprintf(abs, n, "%s", rules_path);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(abs, n, "%s/%s", cwd, rules_path);
    else
        snprintf(abs, n, "./%s", rules_path);
    char *slash;
    while ((slash = strrchr(abs, '/')) != NULL) {
        *slash = '\0';
        snprintf(found, sizeof found, "%s/registry/date_config.json", abs);
        if (access(found, R_OK) == 0) {
            free(abs);
            return found;
        }
    }
    free(abs);
    return NULL;
}

int cli_parse_level(const char *cmd, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (*end || !(v > 0 && v < 1))
        return cli_usage(cmd,
                         "--level takes a number between 0 and 1, not "
                         "'%s'",
                         arg);
    *out = v;
    return 0;
}

const char *cli_subcommand(int argc, char **argv, const char *cmd,
                           const char *help, const char *choices, int *rc)
{
    if (argc < 2) {
        *rc = cli_usage(cmd, "which subcommand? (%s)", choices);
        return NULL;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        *rc = cli_help(help);
        return NULL;
    }
    return argv[1];
}

void cli_baseline_init(cli_baseline *b)
{
    b->train = b->test = b->all = NAN;
}

int cli_parse_baseline(const char *cmd, const char *arg, cli_baseline *b)
{
    const char *eq = strchr(arg, '=');
    const char *num = eq ? eq + 1 : arg;
    int split = TG_SPLIT_ALL;
    if (eq) {
        char name[16];
        size_t len = (size_t)(eq - arg);
        if (len >= sizeof name ||
            (snprintf(name, sizeof name, "%.*s", (int)len, arg),
             (split = tg_split_parse(name)) == -2) ||
            split == TG_SPLIT_OTHER)
            return cli_usage(cmd, "--baseline takes RATE or TRAIN=, TEST= or "
                                  "ALL=RATE, not '%s'", arg);
    }
    char *end;
    double v = strtod(num, &end);
    if (end == num || *end || !(v > 0 && v <= 1))
        return cli_usage(cmd, "--baseline needs a rate in (0, 1], not '%s'",
                         arg);
    if (!eq)
        b->train = b->test = b->all = v;
    else if (split == TG_SPLIT_TRAIN)
        b->train = v;
    else if (split == TG_SPLIT_TEST)
        b->test = v;
    else
        b->all = v;
    return 0;
}

/* A number in [lo, hi], the whole string. */
static int number_in(const char *arg, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end || errno || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

int cli_plan_option(tg_plan_options *o, const char *cmd, int opt,
                    const char *arg)
{
    double v;
    switch (opt) {
    case OPT_POWER:
        if (number_in(arg, 1e-9, 1 - 1e-9, &v)) {
            cli_usage(cmd, "--power takes a number between 0 and 1, not "
                           "'%s'", arg);
            return -1;
        }
        o->power = v;
        return 1;
    case OPT_DRAWS:
        if (number_in(arg, 1000, 1000000, &v) || v != floor(v)) {
            cli_usage(cmd, "--draws takes a whole number from 1000 to "
                           "1000000, not '%s'", arg);
            return -1;
        }
        o->draws = (int)v;
        return 1;
    case OPT_SEED:
        if (number_in(arg, 0, 4294967295.0, &v) || v != floor(v)) {
            cli_usage(cmd, "--seed takes a whole number from 0 to "
                           "4294967295, not '%s'", arg);
            return -1;
        }
        o->seed = (unsigned long)v;
        return 1;
    default:
        return 0;
    }
}
