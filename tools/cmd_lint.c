/*
 * tiergate lint: static checks of a first-match rule set.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "tg_textfit.h"

static const char help[] =
    "usage: tiergate lint --rules FILE [--format text|json]\n\n"
    "Check a first-match rule set: tiers that can never match because\n"
    "earlier tiers take every lead they select, or whose condition is never\n"
    "true (such as x BETWEEN 36 AND 12) (errors); constants outside a\n"
    "feature's declared range, priority ranks that disagree with the rule\n"
    "order or with the expected conversion rates (warnings); tiers partly\n"
    "shadowed by earlier ones, with which (info). Exit 1 on an error.\n\n"
    "  --rules FILE     rule set (JSON)\n"
    "  --format FMT     text (default) or json\n"
    "  -h, --help       this help\n";

int cmd_lint(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"rules", required_argument, NULL, OPT_RULES},
        {NULL, 0, NULL, 0},
    };
    cli_data d = CLI_DATA_INIT;
    int fmt = FMT_TEXT, c, r = EXIT_OK;
    tg_rules *rules = NULL;
    tg_lint_report rep;
    memset(&rep, 0, sizeof rep);
    tg_error err;
    tg_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': return cli_help(help);
        case OPT_RULES: d.rules = optarg; break;
        case 'f':
            if ((fmt = cli_format_parse(optarg, FMT_BIT(FMT_TEXT) |
                                                    FMT_BIT(FMT_JSON))) < 0)
                return cli_usage("lint", "--format takes text or json");
            break;
        default: return cli_usage("lint", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage("lint", "unexpected argument '%s'", argv[optind]);
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
    r = rep.errors ? EXIT_GATE : EXIT_OK;
done:
    tg_lint_report_release(&rep);
    tg_rules_free(rules);
    return cli_flush_stdout(r);
}
