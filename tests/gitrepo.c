/*
 * Temporary git repositories for the governance tests.
 */
#include "gitrepo.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gr_sh(const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

void gr_commit_all(const char *dir, const char *message, char sha[41])
{
    git_repository *repo = NULL;
    git_index *idx = NULL;
    git_oid tree_id, commit_id;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    git_reference *head = NULL;
    git_commit *parent = NULL;
    git_libgit2_init();
    assert_int_equal(git_repository_open(&repo, dir), 0);
    assert_int_equal(git_repository_index(&idx, repo), 0);
    assert_int_equal(git_index_add_all(idx, NULL, 0, NULL, NULL), 0);
    assert_int_equal(git_index_write(idx), 0);
    assert_int_equal(git_index_write_tree(&tree_id, idx), 0);
    assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
    assert_int_equal(git_signature_now(&sig, "Test Author", "author@example.com"), 0);
    int n = 0;
    if (git_repository_head(&head, repo) == 0) {
        git_object *o = NULL;
        assert_int_equal(git_reference_peel(&o, head, GIT_OBJECT_COMMIT), 0);
        parent = (git_commit *)o;
        n = 1;
    }
    const git_commit *parents[1] = {parent};
    assert_int_equal(git_commit_create(&commit_id, repo, "HEAD", sig, sig,
                                       NULL, message, tree, (size_t)n,
                                       parents), 0);
    git_oid_tostr(sha, 41, &commit_id);
    git_commit_free(parent);
    git_reference_free(head);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(idx);
    git_repository_free(repo);
}

const char *gr_make_repo(const char *name, char sha[41])
{
    static char dirs[8][1024];
    static int k;
    char *dir = dirs[k++ % 8];
    snprintf(dir, 1024, "%s", tt_path(name));
    gr_sh("rm -rf '%s' && mkdir -p '%s/registry/tiers' '%s/registry/gates' "
          "'%s/data'", dir, dir, dir, dir);
    gr_sh("cp '%s/registry/tiers/v3.1.json' '%s/registry/tiers/v3.2.json' "
          "'%s/registry/tiers/' && "
          "cp '%s/registry/gates/v3.2.json' '%s/registry/gates/' && "
          "cp '%s/registry/model_registry_v3.json' '%s/registry/' && "
          "cp '%s/registry/date_config.json' '%s/registry/' && "
          "printf '# Execution log\\n' > '%s/EXECUTION_LOG.md' && "
          "cp '%s/.gitignore' '%s/.gitignore' && "
          "printf '/data/\\n' >> '%s/.gitignore'",
          TG_SOURCE_DIR, TG_SOURCE_DIR, dir, TG_SOURCE_DIR, dir,
          TG_SOURCE_DIR, dir, TG_SOURCE_DIR, dir, dir, TG_SOURCE_DIR, dir,
          dir);
    git_repository *repo = NULL;
    git_libgit2_init();
    assert_int_equal(git_repository_init(&repo, dir, 0), 0);
    git_repository_free(repo);
    gr_commit_all(dir, "initial", sha);
    return dir;
}

void gr_synth(const char *dir, const char *args)
{
    tt_run_result r = tt_run_in(dir, "synth %s -o data/leads.csv", args);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

void gr_gate_json(const char *dir, const char *out)
{
    tt_run_result r = tt_run_in(dir, "gate --rules registry/tiers/v3.2.json "
                                     "--policy registry/gates/v3.2.json --data "
                                     "data/leads.csv --json %s", out);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
}

char *gr_read(const char *dir, const char *rel)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return tt_read(p, NULL);
}

cJSON *gr_registry(const char *dir)
{
    char *t = gr_read(dir, "registry/model_registry_v3.json");
    assert_non_null(t);
    cJSON *j = cJSON_Parse(t);
    free(t);
    assert_non_null(j);
    return j;
}

void gr_write_registry(const char *dir, const cJSON *doc)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/registry/model_registry_v3.json", dir);
    char *s = cJSON_Print(doc);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", s);
    fclose(f);
    cJSON_free(s);
}

void gr_sha256sum_prefix(const char *path, long bytes, char hex[65])
{
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "head -c %ld '%s' | sha256sum", bytes, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    hex[0] = '\0';
    if (fscanf(p, "%64s", hex) != 1)
        hex[0] = '\0';
    pclose(p);
    assert_int_equal(strlen(hex), 64);
}

int gr_count(const char *dir, const char *pattern)
{
    char cmd[2200];
    snprintf(cmd, sizeof cmd,
             "find '%s' -maxdepth 3 -name '%s' 2>/dev/null | wc -l", dir,
             pattern);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (!p || fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}
