/*
 * tiergate lint: static checks of a first-match rule set.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

static const cli_opt lint_opts[] = {
    CLI_OPT_RULES,
    {"format", 0, "FMT", OPT_FORMAT, "text (default) or json"},
    CLI_OPT_END,
};

static const cli_spec lint_spec = {
    "lint",
    "lint --rules FILE [--format text|json]\n",
    "Check a first-match rule set: tiers that can never match because\n"
    "earlier tiers take every lead they select, or whose condition is never\n"
    "true (such as x BETWEEN 36 AND 12) (errors); constants outside a\n"
    "feature's declared range, priority ranks that disagree with the rule\n"
    "order or with the expected conversion rates (warnings); tiers partly\n"
    "shadowed by earlier ones, with which (info). Exit 1 on an error.\n",
    lint_opts,
    0,
    NULL,
};

int cmd_lint(int argc, char **argv)
{
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = TG_EXIT_OK;
    tg_rules *rules = NULL;
    tg_lint_report rep;
    memset(&rep, 0, sizeof rep);
    tg_error err;
    tg_error_clear(&err);
    cli_parser p;
    cli_parse_begin(&p, &lint_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        if (c == OPT_RULES)
            d.rules = p.arg;
        else if (c == OPT_FORMAT &&
                 cli_format_option("lint", p.arg,
                                   FMT_BIT(FMT_TEXT) | FMT_BIT(FMT_JSON), &fmt))
            return TG_EXIT_USAGE;
    }
    if ((r = cli_load_rules(&rules, &d, "lint")))
        return r;
    if (tg_lint(&rep, rules, &err) != TG_OK) {
        r = cli_fail(&err);
        goto done;
    }
    if (fmt == FMT_JSON) {
        cJSON *j = tg_json_stamp(tg_lint_json(&rep, rules));
        char *s = cJSON_Print(j);
        printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(j);
    } else {
        static const char *sev[] = {"info", "warning", "error"};
        /* One finding per paragraph, wrapped between words to the
         * terminal's width, continuation lines indented. */
        int width = cli_term_width();
        for (int i = 0; i < rep.n; i++) {
            const tg_lint_finding *f = &rep.findings[i];
            char name[160], msg[1024], line[1400];
            snprintf(line, sizeof line, "%s: %s%s%s [%s]", sev[f->severity],
                     f->tier >= 0 ? tg_esc_term_buf(rules->tiers[f->tier].name,
                                                    name, sizeof name)
                                  : "",
                     f->tier >= 0 ? ": " : "",
                     tg_esc_term_buf(f->message, msg, sizeof msg), f->code);
            tg_text_wrap(stdout, line, width, 0, 2);
        }
        printf("%s: %d error%s, %d warning%s, %d info\n", rules->path,
               rep.errors, rep.errors == 1 ? "" : "s", rep.warnings,
               rep.warnings == 1 ? "" : "s", rep.infos);
    }
    r = rep.errors ? TG_EXIT_GATE : TG_EXIT_OK;
done:
    tg_lint_report_release(&rep);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
