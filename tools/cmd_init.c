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

static const char help[] =
    "usage: tiergate init DIR [--no-git]\n\n"
    "Create DIR (new, or an empty folder) as a repository governed by\n"
    "tiergate: a starter rule set (rules/model.json) and gate policy\n"
    "(gates/policy.json), each with a README on its language; the warehouse\n"
    "SQL generated from the rules (sql/); an empty model registry, the\n"
    "date windows of TRAIN and TEST, an empty execution log; a GitHub\n"
    "Actions workflow and a GitLab CI job that lint, check the SQL, run\n"
    "the gates and keep JUnit and the HTML report; and a pre-commit hook.\n"
    "The folder appears whole or not at all. DIR becomes a git repository\n"
    "unless it is inside one already (the execution log links each release\n"
    "to a commit).\n\n"
    "  --no-git        do not create a git repository\n"
    "  -h, --help      this help\n";

#define REGISTRY_PATH "registry/model_registry_v3.json"

/* sql/ of the new repository, written by `tiergate sql` run inside it,
 * so its header names the same command the CI job runs to check it. */
static int generate_sql(const char *staged)
{
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(staged) != 0 ||
        (mkdir("sql", 0755) != 0 && errno != EEXIST)) {
        if (here >= 0)
            close(here);
        fprintf(stderr, "tiergate init: cannot enter %s\n", staged);
        return EXIT_INTERNAL;
    }
    char *argv[] = {"sql", "--rules", "rules/model.json", "--out-dir", "sql",
                    NULL};
    int r = cmd_sql(5, argv);
    if (fchdir(here) != 0 && r == EXIT_OK) {
        fprintf(stderr, "tiergate init: cannot return to the folder\n");
        r = EXIT_INTERNAL;
    }
    close(here);
    return r;
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"no-git", no_argument, NULL, 'g'},
        {NULL, 0, NULL, 0},
    };
    int c, git = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': return cli_help(help);
        case 'g': git = 0; break;
        default: return cli_usage("init", "bad option");
        }
    }
    if (optind != argc - 1)
        return cli_usage("init", "give one folder to create");
    const char *dir = argv[optind];
    tg_error err;
    tg_error_clear(&err);
    char *staged = NULL;
    if (tg_init_stage(&staged, dir, tg_init_files, REGISTRY_PATH, &err))
        return cli_fail(&err);
    int r = generate_sql(staged);
    if (r == EXIT_OK && tg_init_commit(staged, dir, &err))
        r = cli_fail(&err);
    if (r != EXIT_OK) {
        tg_init_abort(staged);
        free(staged);
        return r;
    }
    free(staged);
    int created = 0;
    if (git && tg_git_init_repo(dir, &created, &err))
        return cli_fail(&err);
    printf("created %s%s\n", dir,
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
    return cli_flush_stdout(EXIT_OK);
}
