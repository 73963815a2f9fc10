/*
 * The governance trail: registry updates (history, unknown keys,
 * status, --force, atomicity under a crash, corrupt files untouched),
 * the commit-linked log in temporary git repositories made with libgit2
 * (HEAD and the files changed, verification of edits and of commits,
 * eight concurrent appends), and release (dry run, failure, a corrupt
 * log stopping it before any write, tagging).
 */
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* ---- temporary git repositories --------------------------------------- */

static char repo_dir[1024];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* Commit every file of the work tree; returns HEAD's hex SHA. */
static void commit_all(const char *dir, const char *message, char sha[41])
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

/* A repository holding the rules, policy, registry and log, committed. */
static const char *make_repo(const char *name, char sha[41])
{
    snprintf(repo_dir, sizeof repo_dir, "%s", tt_path(name));
    sh("rm -rf '%s' && mkdir -p '%s/registry/tiers' '%s/registry/gates' "
       "'%s/data'", repo_dir, repo_dir, repo_dir, repo_dir);
    sh("cp '%s/registry/tiers/v3.2.json' '%s/registry/tiers/' && "
       "cp '%s/registry/gates/v3.2.json' '%s/registry/gates/' && "
       "cp '%s/registry/model_registry_v3.json' '%s/registry/' && "
       "cp '%s/registry/date_config.json' '%s/registry/' && "
       "printf '# Execution log\\n' > '%s/EXECUTION_LOG.md' && "
       "printf '*.tiergate.lock\\n*.tmp.*\\n/data/\\n' > '%s/.gitignore'",
       TG_SOURCE_DIR, repo_dir, TG_SOURCE_DIR, repo_dir, TG_SOURCE_DIR,
       repo_dir, TG_SOURCE_DIR, repo_dir, repo_dir, repo_dir);
    git_repository *repo = NULL;
    git_libgit2_init();
    assert_int_equal(git_repository_init(&repo, repo_dir, 0), 0);
    git_repository_free(repo);
    commit_all(repo_dir, "initial", sha);
    return repo_dir;
}

static void synth_into(const char *dir, const char *args)
{
    tt_run_result r = tt_run_in(dir, "synth %s -o data/leads.csv", args);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

static void gate_json(const char *dir, const char *out)
{
    tt_run_result r = tt_run_in(dir, "gate --rules registry/tiers/v3.2.json "
                                     "--policy registry/gates/v3.2.json --data "
                                     "data/leads.csv --json %s", out);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
}

static char *read_in(const char *dir, const char *rel)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return tt_read(p, NULL);
}

static int git_dirty(const char *dir)
{
    tg_git_facts f;
    assert_tg_ok(tg_git_facts_get(&f, dir, NULL, NULL));
    int d = f.dirty;
    tg_git_facts_release(&f);
    return d;
}

/* ---- registry ---------------------------------------------------------- */

static void test_registry_update_history_status_force(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = make_repo("reg", sha);
    synth_into(dir, "");
    gate_json(dir, "data/gate.json");
    /* A key tiergate does not know survives the update. */
    sh("cd '%s' && sed -i 's/\"model_type\"/\"owner\": \"sales-ops\", "
       "\"model_type\"/' registry/model_registry_v3.json", dir);
    tt_run_result r = tt_run_in(dir, "registry update --rules "
                                     "registry/tiers/v3.2.json --result "
                                     "data/gate.json --date 2025-12-22");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *text = read_in(dir, "registry/model_registry_v3.json");
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_string_equal(cJSON_GetObjectItem(j, "model_version")->valuestring,
                        "v3.2-updated-20251222");
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring,
                        "production");
    assert_string_equal(cJSON_GetObjectItem(j, "owner")->valuestring,
                        "sales-ops");
    const cJSON *ch = cJSON_GetObjectItem(j, "changes_from_v3.1");
    assert_int_equal(cJSON_GetArraySize(ch), 6);
    const cJSON *td = cJSON_GetObjectItem(j, "training_data");
    assert_string_equal(cJSON_GetObjectItem(td, "start_date")->valuestring,
                        "2024-02-01");
    assert_string_equal(cJSON_GetObjectItem(td, "end_date")->valuestring,
                        "2025-07-03");
    assert_true(cJSON_GetObjectItem(td, "total_leads")->valuedouble == 30727);
    const cJSON *val = cJSON_GetObjectItem(j, "validation");
    assert_string_equal(cJSON_GetObjectItem(val, "commit")->valuestring, sha);
    assert_string_equal(cJSON_GetObjectItem(val, "gate_status")->valuestring,
                        "PASSED_WITH_WARNINGS");
    const cJSON *h = cJSON_GetObjectItem(j, "history");
    assert_int_equal(cJSON_GetArraySize(h), 1);
    const cJSON *v31 = cJSON_GetArrayItem(h, 0);
    assert_string_equal(cJSON_GetObjectItem(v31, "model_version")->valuestring,
                        "v3.1");
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(v31,
                "measured_performance"), "tier_1_volume")->valuedouble == 163);
    cJSON_Delete(j);

    /* A failed gate (too few leads to decide): rejected, unless forced
     * with a recorded reason. */
    synth_into(dir, "--seed 1 --rows 6000");
    gate_json(dir, "data/failed.json");
    r = tt_run_in(dir, "registry update --rules registry/tiers/v3.2.json "
                       "--result data/failed.json --date 2025-12-23");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    text = read_in(dir, "registry/model_registry_v3.json");
    j = cJSON_Parse(text);
    free(text);
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring,
                        "rejected");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "history")), 2);
    /* Same model: created_date is kept, updated_date moves. */
    assert_string_equal(cJSON_GetObjectItem(j, "created_date")->valuestring,
                        "2025-12-22");
    assert_string_equal(cJSON_GetObjectItem(j, "updated_date")->valuestring,
                        "2025-12-23");
    cJSON_Delete(j);
    r = tt_run_in(dir, "registry update --rules registry/tiers/v3.2.json "
                       "--result data/failed.json --force");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--force needs --reason"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry update --rules registry/tiers/v3.2.json "
                       "--result data/failed.json --force --reason "
                       "'approved by the VP of sales'");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    text = read_in(dir, "registry/model_registry_v3.json");
    assert_non_null(strstr(text, "\"reason\":\t\"approved by the VP of sales\""));
    assert_non_null(strstr(text, "\"status\":\t\"production\""));
    free(text);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

static void test_registry_crash_and_corruption_leave_it_intact(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = make_repo("crash", sha);
    synth_into(dir, "");
    gate_json(dir, "data/gate.json");
    char *before = read_in(dir, "registry/model_registry_v3.json");
    /* Killed after the temporary file is written, before the rename. */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && TIERGATE_TEST_CRASH_BEFORE_RENAME=1 "
             "'%s' registry update --rules registry/tiers/v3.2.json --result "
             "data/gate.json >/dev/null 2>&1", dir, TIERGATE_BIN);
    int st = system(cmd);
    assert_int_equal(WEXITSTATUS(st), 99);
    char *after = read_in(dir, "registry/model_registry_v3.json");
    assert_string_equal(before, after);
    free(after);
    tt_run_result r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);

    /* Corrupt: exit 2, named, byte-identical afterwards. */
    static const char *bad[] = {"{\"model_id\": \"x\",\n  \"status\": }",
                                "{\"model_id\": \"x\", \"model_version\": "
                                "\"v\", \"status\": \"production\"}"};
    static const char *msg[] = {"model_registry_v3.json:2:13: invalid JSON",
                                "key 'model_type': missing"};
    for (int k = 0; k < 2; k++) {
        sh("printf '%%s' '%s' > '%s/registry/model_registry_v3.json'", bad[k],
           dir);
        char *b = read_in(dir, "registry/model_registry_v3.json");
        r = tt_run_in(dir, "registry update --rules registry/tiers/v3.2.json "
                           "--result data/gate.json");
        assert_int_equal(r.status, 2);
        if (!strstr(r.err, msg[k]))
            fail_msg("stderr '%s' lacks '%s'", r.err, msg[k]);
        tt_run_free(&r);
        char *a = read_in(dir, "registry/model_registry_v3.json");
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    free(before);
}

/* ---- log --------------------------------------------------------------- */

static void test_log_links_commits_and_changed_files(void **state)
{
    (void)state;
    char sha1[41], sha2[41];
    const char *dir = make_repo("log", sha1);
    synth_into(dir, "");
    gate_json(dir, "data/gate.json");
    sh("echo draft > '%s/draft.txt'", dir); /* an uncommitted change */
    tt_run_result r = tt_run_in(dir, "log append --rules "
                                     "registry/tiers/v3.2.json --result "
                                     "data/gate.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *log = read_in(dir, "EXECUTION_LOG.md");
    /* HEAD, its author, and the uncommitted log itself; the branch name
     * depends on init.defaultBranch, so it is not spelled out here. */
    char want[256];
    snprintf(want, sizeof want, "**Commit:** `%s` on ", sha1);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, " by Test Author <author@example.com> (with "
                                "uncommitted changes)"));
    assert_non_null(strstr(log, "| `draft.txt` |"));
    assert_non_null(strstr(log, "| V3.2.1 | Tier 1A conversion >= 10% | ✅ PASS |"));
    free(log);

    /* A second commit touching one file: the next entry lists that file,
     * changed since the first entry's commit, and names the new HEAD. */
    sh("echo '# notes' > '%s/NOTES.md'", dir);
    commit_all(dir, "notes", sha2);
    r = tt_run_in(dir, "log append --rules registry/tiers/v3.2.json --result "
                       "data/gate.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    log = read_in(dir, "EXECUTION_LOG.md");
    char *second = strstr(log + 1, "\n---\n\n## Phase");
    second = second ? strstr(second + 5, "\n---\n\n## Phase") : NULL;
    assert_non_null(second);
    assert_non_null(strstr(second, sha2));
    assert_non_null(strstr(second, "| `NOTES.md` |"));
    assert_null(strstr(second, "| `registry/tiers/v3.2.json` |"));
    free(log);

    r = tt_run_in(dir, "log list --format json");
    assert_int_equal(r.status, 0);
    cJSON *arr = cJSON_Parse(r.out);
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1),
                                            "commit")->valuestring, sha2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0),
                                            "version")->valuestring, "v3.2");
    cJSON_Delete(arr);
    tt_run_free(&r);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "2 entries verified"));
    tt_run_free(&r);

    /* An edited earlier entry is caught. */
    sh("cd '%s' && cp EXECUTION_LOG.md good.md && "
       "sed -i '0,/Monitor production/s//Monitor nothing/' EXECUTION_LOG.md",
       dir);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "entry 1 (v3.2): the entry itself was edited"));
    assert_non_null(strstr(r.err, "entry 2 (v3.2): the log before it was "
                                  "rewritten"));
    tt_run_free(&r);

    /* A commit that does not exist is caught. */
    sh("cd '%s' && sed 's/%s/%s/' good.md > EXECUTION_LOG.md", dir, sha2,
       "0123456789abcdef0123456789abcdef01234567");
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "commit 0123456789abcdef0123456789abcdef01234567 "
                                  "does not exist"));
    tt_run_free(&r);
}

static void test_log_outside_git(void **state)
{
    (void)state;
    const char *dir = tt_path("nogit");
    sh("rm -rf '%s' && mkdir -p '%s/registry/tiers' '%s/data' && cp "
       "'%s/registry/tiers/v3.2.json' '%s/registry/tiers/' && cp -r "
       "'%s/registry/gates' '%s/registry/'", dir, dir, dir, TG_SOURCE_DIR, dir,
       TG_SOURCE_DIR, dir);
    /* /tmp is not inside a repository, unless TMPDIR says otherwise. */
    synth_into(dir, "--rows 3000");
    gate_json(dir, "data/gate.json");
    tt_run_result r = tt_run_in(dir, "log append --rules "
                                     "registry/tiers/v3.2.json --result "
                                     "data/gate.json --log new-log.md");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *log = read_in(dir, "new-log.md");
    assert_non_null(strstr(log, "# Execution log"));
    assert_non_null(strstr(log, "not a git repository"));
    free(log);
    r = tt_run_in(dir, "log verify --log new-log.md");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

static void test_log_eight_concurrent_appends(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = make_repo("concurrent", sha);
    synth_into(dir, "--rows 3000");
    gate_json(dir, "data/gate.json");
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout))
                _exit(90);
            execl(TIERGATE_BIN, "tiergate", "log", "append", "--rules",
                  "registry/tiers/v3.2.json", "--result", "data/gate.json",
                  (char *)NULL);
            _exit(91);
        }
    }
    for (int i = 0; i < 8; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    tt_run_result r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "8 entries verified"));
    tt_run_free(&r);
    char *log = read_in(dir, "EXECUTION_LOG.md");
    int n = 0;
    for (const char *p = log; (p = strstr(p, "### Next Steps")); p++)
        n++;
    assert_int_equal(n, 8);
    free(log);
}

/* ---- release ----------------------------------------------------------- */

#define RELEASE "release --rules registry/tiers/v3.2.json --policy " \
                "registry/gates/v3.2.json --data data/leads.csv "

static void test_release_dry_run_failure_and_tag(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = make_repo("release", sha);
    synth_into(dir, "");
    char *reg0 = read_in(dir, "registry/model_registry_v3.json");
    char *log0 = read_in(dir, "EXECUTION_LOG.md");

    tt_run_result r = tt_run_in(dir, RELEASE "--dry-run");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "would update registry/model_registry_v3.json: "
                                  "v3.1 -> v3.2-updated-"));
    assert_false(git_dirty(dir)); /* data/ is ignored */
    tt_run_free(&r);

    /* A corrupt log stops the release before anything is written. */
    sh("cd '%s' && printf '\\n---\\n\\n## x\\n<!-- tiergate-log {broken -->\\n' "
       ">> EXECUTION_LOG.md", dir);
    r = tt_run_in(dir, RELEASE);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "tiergate-log marker that is not a JSON"));
    tt_run_free(&r);
    char *reg1 = read_in(dir, "registry/model_registry_v3.json");
    assert_string_equal(reg0, reg1);
    free(reg1);
    assert_null(read_in(dir, "reports/v3.2/gate.json"));
    sh("cd '%s' && printf '%%s' '%s' > EXECUTION_LOG.md", dir, log0);

    /* --tag on a dirty tree is refused, before any write. */
    sh("echo x > '%s/dirty.txt'", dir);
    r = tt_run_in(dir, RELEASE "--tag");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "refusing to tag HEAD"));
    tt_run_free(&r);
    assert_null(read_in(dir, "registry/tier_statistics.json"));
    sh("rm '%s/dirty.txt'", dir);

    /* A failing release: report and FAILED entry; registry untouched. */
    synth_into(dir, "--seed 1 --rows 6000");
    r = tt_run_in(dir, RELEASE);
    assert_int_equal(r.status, 1);
    tt_run_free(&r);
    reg1 = read_in(dir, "registry/model_registry_v3.json");
    assert_string_equal(reg0, reg1);
    free(reg1);
    assert_null(read_in(dir, "registry/tier_statistics.json"));
    char *g = read_in(dir, "reports/v3.2/gate.json");
    assert_non_null(strstr(g, "\"status\":\t\"FAILED\""));
    free(g);
    char *log = read_in(dir, "EXECUTION_LOG.md");
    assert_non_null(strstr(log, "**Status:** ❌ FAILED"));
    free(log);

    /* A passing release on a clean tree, tagged. */
    synth_into(dir, "");
    commit_all(dir, "before release", sha);
    r = tt_run_in(dir, RELEASE "--tag --date 2025-12-22");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "tagged HEAD as lead-scoring-v3.2"));
    tt_run_free(&r);
    int exists = 0;
    assert_tg_ok(tg_git_tag_exists(dir, "lead-scoring-v3.2", &exists, NULL));
    assert_true(exists);
    char *reg2 = read_in(dir, "registry/model_registry_v3.json");
    assert_non_null(strstr(reg2, "v3.2-updated-20251222"));
    free(reg2);
    char *cal = read_in(dir, "registry/tier_statistics.json");
    assert_non_null(strstr(cal, "\"training_volume\""));
    free(cal);
    char *sqlf = read_in(dir, "sql/phase_4_v3_tiered_scoring.sql");
    assert_non_null(strstr(sqlf, "CREATE OR REPLACE TABLE"));
    free(sqlf);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "2 entries verified"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    free(reg0);
    free(log0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_update_history_status_force),
        cmocka_unit_test(test_registry_crash_and_corruption_leave_it_intact),
        cmocka_unit_test(test_log_links_commits_and_changed_files),
        cmocka_unit_test(test_log_outside_git),
        cmocka_unit_test(test_log_eight_concurrent_appends),
        cmocka_unit_test(test_release_dry_run_failure_and_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
