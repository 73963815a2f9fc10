/*
 * tiergate init: scaffold a new repository governed by tiergate.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"

enum { OPT_NO_GIT = 2100 };

static const cli_opt init_opts[] = {
    {"no-git", 0, NULL, OPT_NO_GIT, "do not create a git repository"},
    CLI_OPT_END,
};

static const cli_spec init_spec = {
    "init",
    "init DIR [--no-git]\n",
    "Create DIR (new, or an empty folder) as a repository governed by\n"
    "tiergate: a starter rule set (rules/model.json) and gate policy\n"
    "(gates/policy.json), each with a README on its language; the warehouse\n"
    "SQL generated from the rules (sql/); an empty model registry, the\n"
    "date windows of TRAIN and TEST, an empty execution log; a GitHub\n"
    "Actions workflow and a GitLab CI job that lint, check the SQL, run\n"
    "the gates and keep JUnit and the HTML report; and a pre-commit hook.\n"
    "The folder appears whole or not at all. DIR becomes a git repository\n"
    "unless it is inside one already (the execution log links each release\n"
    "to a commit).\n",
    init_opts,
    1,
    NULL,
};

/* sql/ of the new repository, written by `tiergate sql` run inside it,
 * so its header names the same command the CI job runs to check it. */
static int generate_sql(const char *staged)
{
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(staged) != 0 ||
        (mkdir(CLI_DEFAULT_SQL_DIR, 0755) != 0 && errno != EEXIST)) {
        if (here >= 0)
            close(here);
        fprintf(stderr, "tiergate init: cannot enter %s\n", staged);
        return TG_EXIT_INTERNAL;
    }
    char *argv[] = {"sql", "--rules", "rules/model.json", "--out-dir",
                    CLI_DEFAULT_SQL_DIR, NULL};
    int r = cmd_sql(5, argv);
    if (fchdir(here) != 0 && r == TG_EXIT_OK) {
        fprintf(stderr, "tiergate init: cannot return to the folder\n");
        r = TG_EXIT_INTERNAL;
    }
    close(here);
    return r;
}

int cmd_init(int argc, char **argv)
{
    int c, git = 1;
    cli_parser p;
    cli_parse_begin(&p, &init_spec, argc, argv);
    while ((c = cli_next(&p)) != CLI_END) {
        if (c == CLI_STOP)
            return p.rc;
        if (c == OPT_NO_GIT)
            git = 0;
    }
    if (p.npos != 1)
        return cli_usage("init", "give one folder to create");
    const char *dir = p.pos[0];
    tg_error err;
    tg_error_clear(&err);
    char *staged = NULL;
    if (tg_init_stage(&staged, dir, tg_init_files, CLI_DEFAULT_REGISTRY,
                      &err))
        return cli_fail(&err);
    int r = generate_sql(staged);
    if (r == TG_EXIT_OK && tg_init_commit(staged, dir, &err))
        r = cli_fail(&err);
    if (r != TG_EXIT_OK) {
        tg_init_abort(staged);
        free(staged);
        return r;
    }
    free(staged);
    int created = 0;
    if (git && tg_git_init_repo(dir, &created, &err))
        return cli_fail(&err);
    char shown[TG_PATH_JOIN_MAX];
    printf("created %s%s\n", tg_esc_term_buf(dir, shown, sizeof shown),
           created ? " (a new git repository)" : "");
    printf("  rules/model.json     the rule set (rules/README.md: the "
           "condition language)\n"
           "  gates/policy.json    the release gates (gates/README.md)\n"
           "  sql/                 warehouse SQL generated from the rules\n"
           "  registry/, reports/, EXECUTION_LOG.md   the release trail\n"
           "  .github/workflows/tiergate.yml, .gitlab-ci.yml, hooks/pre-commit\n"
           "next: put an export in data/, then\n"
           "  tiergate gate --rules rules/model.json --policy "
           "gates/policy.json --data data/leads.csv.gz\n");
    return cli_flush_stdout(TG_EXIT_OK);
}
