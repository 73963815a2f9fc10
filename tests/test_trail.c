/*
 * The execution log and the release transaction, in temporary git
 * repositories made with libgit2: entries that say what this run read
 * and wrote (dirty inputs read before any write, files this run wrote,
 * inputs changed since the previous entry), `log verify` catching
 * truncation and edits of the last entry through the prefix hashes the
 * registry records, eight concurrent appends, a release killed at every
 * named step leaving registry and log both old or both new, evidence
 * never overwritten, and the tag message holding the log's hash.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gitrepo.h"

#define RELEASE "release --rules registry/tiers/v3.2.json --policy " \
                "registry/gates/v3.2.json --data data/leads.csv "

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

/* The text of entry i (0-based) of a log, from its separator. */
static const char *nth_entry(const char *log, int i)
{
    const char *p = log;
    for (int k = 0; k <= i; k++) {
        p = strstr(p, "\n---\n\n## Phase");
        if (!p)
            return NULL;
        if (k < i)
            p++;
    }
    return p;
}

static int run_ok(const char *dir, const char *cmd)
{
    tt_run_result r = tt_run_in(dir, "%s", cmd);
    int st = r.status;
    if (st != 0)
        fprintf(stderr, "%s: exit %d: %s\n", cmd, st, r.err);
    tt_run_free(&r);
    return st;
}

/* ---- log entries ------------------------------------------------------- */

static void expect_verify_kinds(const char *dir, const char *what,
                                const char *want);

/* "KIND@first,...,KIND@last" then n times "prefix_changed@-". */
static const char *kinds_from(const char *kind, int first, int last, int n)
{
    static char buf[1024];
    buf[0] = '\0';
    for (int i = first; i <= last; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s@%d",
                 *buf ? "," : "", kind, i);
    for (int i = 0; i < n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%sprefix_changed@-",
                 *buf ? "," : "");
    return buf;
}

static void test_log_entries_say_what_this_run_did(void **state)
{
    (void)state;
    char sha1[41], sha2[41];
    const char *dir = gr_make_repo("entries", sha1);
    gr_synth(dir, "--rows 3000");
    gr_gate_json(dir, "data/gate.json");
    gr_sh("echo draft > '%s/draft.txt'", dir); /* not an input */

    /* --rules defaults to the rule file the result names. */
    tt_run_result r = tt_run_in(dir, "log append --result data/gate.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    char want[256];
    snprintf(want, sizeof want, "**Commit:** `%s` on ", sha1);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, " by Test Author &lt;author@example.com> (with "
                                "uncommitted changes)"));
    /* A first entry does not list HEAD's own commit (the whole tree). */
    assert_null(strstr(log, "| `registry/gates/v3.2.json` |"));
    assert_null(strstr(log, "| `.gitignore` |"));
    assert_null(strstr(log, "| `draft.txt` |"));
    assert_non_null(strstr(log, "| (none) | |"));
    assert_non_null(strstr(log, "**Uncommitted inputs:** none"));
    char dc[2048], hex[65];
    snprintf(dc, sizeof dc, "%s/registry/date_config.json", dir);
    gr_sha256sum_prefix(dc, 1L << 30, hex);
    char prov[300];
    snprintf(prov, sizeof prov, "**Provenance:** tiergate %s · rules SHA-256 ",
             TG_VERSION);
    assert_non_null(strstr(log, prov));
    assert_non_null(strstr(log, hex));
    assert_non_null(strstr(log, "| V3.2.1 | Tier 1A conversion >= 10% | "));
    free(log);

    /* An uncommitted input is named, in the entry and its marker. */
    gr_sh("printf '\\n' >> '%s/registry/gates/v3.2.json'", dir);
    gr_gate_json(dir, "data/gate2.json");
    r = tt_run_in(dir, "log append --result data/gate2.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    log = gr_read(dir, "EXECUTION_LOG.md");
    const char *second = nth_entry(log, 1);
    assert_non_null(second);
    assert_non_null(strstr(second, "**Uncommitted inputs:** "
                                   "`registry/gates/v3.2.json`"));
    assert_non_null(strstr(second, "| `registry/gates/v3.2.json` | input with "
                                   "uncommitted changes |"));
    assert_non_null(strstr(second, "\"dirty_inputs\":[\"registry/gates/v3.2.json\"]"));
    free(log);

    /* Committed since the previous entry: listed as such; a file that is
     * not an input is not. */
    gr_sh("echo '# notes' > '%s/NOTES.md'", dir);
    gr_commit_all(dir, "policy and notes", sha2);
    r = tt_run_in(dir, "log append --result data/gate2.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    log = gr_read(dir, "EXECUTION_LOG.md");
    const char *third = nth_entry(log, 2);
    assert_non_null(third);
    assert_non_null(strstr(third, sha2));
    assert_non_null(strstr(third, "| `registry/gates/v3.2.json` | input changed "
                                  "since the previous entry's commit |"));
    assert_null(strstr(third, "NOTES.md"));
    assert_non_null(strstr(third, "**Uncommitted inputs:** none"));
    free(log);

    /* A rule file that is not the one the result was produced from. */
    gr_sh("printf '\\n' >> '%s/registry/tiers/v3.2.json'", dir);
    r = tt_run_in(dir, "log append --result data/gate2.json");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "provenance.rules_sha256"));
    tt_run_free(&r);
    gr_sh("cd '%s' && git checkout -q registry/tiers/v3.2.json", dir);

    r = tt_run_in(dir, "log list --format json");
    assert_int_equal(r.status, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_true(cJSON_GetObjectItem(doc, "format_version")->valuedouble == 1);
    cJSON *arr = cJSON_GetObjectItem(doc, "entries");
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    assert_string_equal(s_of(cJSON_GetArrayItem(arr, 2), "commit"), sha2);
    assert_string_equal(s_of(cJSON_GetArrayItem(arr, 0), "tiergate_version"),
                        TG_VERSION);
    cJSON_Delete(doc);
    tt_run_free(&r);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "3 entries verified"));
    tt_run_free(&r);

    /* A commit that does not exist is caught. */
    gr_sh("cd '%s' && sed -i 's/%s/%s/' EXECUTION_LOG.md", dir, sha2,
          "0123456789abcdef0123456789abcdef01234567");
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "commit 0123456789abcdef0123456789abcdef01234567 "
                                  "does not exist"));
    tt_run_free(&r);
    /* (the commit is in the marker, so the entry reads as edited too) */
    expect_verify_kinds(dir, "missing commit", "edited@3,missing_commit@3");
}

static void test_log_outside_git(void **state)
{
    (void)state;
    const char *dir = tt_path("nogit");
    gr_sh("rm -rf '%s' && mkdir -p '%s/registry/tiers' '%s/data' && cp "
          "'%s/registry/tiers/v3.2.json' '%s/registry/tiers/' && cp -r "
          "'%s/registry/gates' '%s/registry/'", dir, dir, dir, TG_SOURCE_DIR,
          dir, TG_SOURCE_DIR, dir);
    gr_synth(dir, "--rows 3000");
    gr_gate_json(dir, "data/gate.json");
    tt_run_result r = tt_run_in(dir, "log append --rules "
                                     "registry/tiers/v3.2.json --result "
                                     "data/gate.json --log new-log.md");
    /* Said on stderr, exit 2, and nothing written: no log, no lock. */
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not inside a git repository"));
    assert_string_equal(r.out, "");
    tt_run_free(&r);
    char p[1200];
    snprintf(p, sizeof p, "%s/new-log.md", dir);
    assert_int_not_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/new-log.md.tiergate.lock", dir);
    assert_int_not_equal(access(p, F_OK), 0);
}

static void test_log_eight_concurrent_appends(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("concurrent", sha);
    gr_synth(dir, "--rows 3000");
    gr_gate_json(dir, "data/gate.json");
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout))
                _exit(90);
            execl(TIERGATE_BIN, "tiergate", "log", "append", "--result",
                  "data/gate.json", (char *)NULL);
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
    /* The locks are gone with their last holders. */
    char lock[1200];
    snprintf(lock, sizeof lock, "%s/EXECUTION_LOG.md.tiergate.lock", dir);
    assert_int_not_equal(access(lock, F_OK), 0);
    snprintf(lock, sizeof lock, "%s/registry/model_registry_v3.json.tiergate.lock",
             dir);
    assert_int_not_equal(access(lock, F_OK), 0);
}

/* ---- the log's end ------------------------------------------------------ */

static void write_text(const char *dir, const char *rel, const char *text,
                       size_t len)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(text, 1, len, f);
    fclose(f);
}

static void expect_log_verify_fails(const char *dir, const char *what,
                                    const char *needle)
{
    tt_run_result r = tt_run_in(dir, "log verify");
    if (r.status != 1 || !strstr(r.err, needle))
        fail_msg("%s: exit %d, stderr '%s' lacks '%s'", what, r.status, r.err,
                 needle);
    tt_run_free(&r);
}

/* `log verify --format json` names every problem by its kind and entry:
 * "kind@entry,..." (entry "-" for the registry's records) must be want
 * exactly, and each problem's message must also be on stderr. */
static void expect_verify_kinds(const char *dir, const char *what,
                                const char *want)
{
    tt_run_result r = tt_run_in(dir, "log verify --format json");
    cJSON *doc = cJSON_Parse(r.out);
    if (r.status != (*want ? 1 : 0) || !doc)
        fail_msg("%s: exit %d, stdout '%s'", what, r.status, r.out);
    char got[1024] = "";
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "problems"))
    {
        const cJSON *e = cJSON_GetObjectItem(x, "entry");
        size_t k = strlen(got);
        if (cJSON_IsNumber(e))
            snprintf(got + k, sizeof got - k, "%s%s@%d", k ? "," : "",
                     s_of(x, "kind"), e->valueint);
        else
            snprintf(got + k, sizeof got - k, "%s%s@-", k ? "," : "",
                     s_of(x, "kind"));
        if (!strstr(r.err, s_of(x, "message")))
            fail_msg("%s: '%s' not on stderr", what, s_of(x, "message"));
    }
    if (strcmp(got, want))
        fail_msg("%s: problems '%s', expected '%s'", what, got, want);
    assert_true(cJSON_IsBool(cJSON_GetObjectItem(doc, "verified")) &&
                cJSON_IsTrue(cJSON_GetObjectItem(doc, "verified")) == !*want);
    cJSON_Delete(doc);
    tt_run_free(&r);
}

static void test_log_tamper_at_the_end(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("tamper", sha);
    gr_synth(dir, "--rows 3000"); /* too few leads: every release FAILS */
    for (int i = 0; i < 12; i++) {
        tt_run_result r = tt_run_in(dir, RELEASE);
        assert_int_equal(r.status, 1);
        tt_run_free(&r);
    }
    tt_run_result r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "12 entries verified"));
    tt_run_free(&r);
    /* Each release recorded the log's hash through its own entry; the
     * registry's rejected entries carry it; coreutils agrees. */
    cJSON *doc = gr_registry(dir);
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "versions"), 12);
    assert_string_equal(s_of(last, "status"), "rejected");
    const cJSON *anchor = cJSON_GetObjectItem(last, "log");
    char p[2048], hex[65];
    snprintf(p, sizeof p, "%s/EXECUTION_LOG.md", dir);
    size_t len = 0;
    char *good = tt_read(p, &len);
    assert_true(cJSON_GetObjectItem(anchor, "bytes")->valuedouble == (double)len);
    gr_sha256sum_prefix(p, (long)len, hex);
    assert_string_equal(s_of(anchor, "sha256"), hex);
    cJSON_Delete(doc);

    /* Delete the last entry; the last 10; all of them. */
    const char *e12 = nth_entry(good, 11), *e3 = nth_entry(good, 2),
               *e1 = nth_entry(good, 0);
    write_text(dir, "EXECUTION_LOG.md", good, (size_t)(e12 - good));
    expect_log_verify_fails(dir, "delete last", "entries were cut off the end");
    expect_verify_kinds(dir, "delete last", "truncated@-");
    /* A release refuses a log cut short, naming what is wrong. */
    r = tt_run_in(dir, RELEASE);
    if (r.status != 2 || !strstr(r.err, "entries were cut off the end"))
        fail_msg("release on a cut log: exit %d: %s", r.status, r.err);
    tt_run_free(&r);
    write_text(dir, "EXECUTION_LOG.md", good, (size_t)(e3 - good));
    expect_log_verify_fails(dir, "delete last 10", "entries were cut off the end");
    write_text(dir, "EXECUTION_LOG.md", good, (size_t)(e1 - good));
    expect_log_verify_fails(dir, "delete all", "entries were cut off the end");

    /* Edit the last entry's marker: FAILED -> PASSED. */
    char *edited = strdup(good);
    char *m = strstr(edited + (e12 - good), "\"status\":\"FAILED\"");
    assert_non_null(m);
    memcpy(m, "\"status\":\"PASSED\"", strlen("\"status\":\"PASSED\""));
    memmove(m + strlen("\"status\":\"PASSED\""), m + strlen("\"status\":\"FAILED\""),
            strlen(m + strlen("\"status\":\"FAILED\"")) + 1);
    write_text(dir, "EXECUTION_LOG.md", edited, strlen(edited));
    expect_log_verify_fails(dir, "edit last marker",
                            "entry 12 (v3.2): the entry itself was edited");
    expect_log_verify_fails(dir, "edit last marker", "no longer have the "
                                                     "SHA-256 the registry "
                                                     "recorded");
    expect_verify_kinds(dir, "edit last marker", "edited@12,prefix_changed@-");
    free(edited);

    /* Reorder entries 5 and 6. */
    const char *e5 = nth_entry(good, 4), *e6 = nth_entry(good, 5),
               *e7 = nth_entry(good, 6);
    size_t a = (size_t)(e5 - good), b = (size_t)(e6 - good), c = (size_t)(e7 - good);
    char *re = malloc(len + 1);
    memcpy(re, good, a);
    memcpy(re + a, good + b, c - b);
    memcpy(re + a + (c - b), good + a, b - a);
    memcpy(re + c, good + c, len - c + 1);
    write_text(dir, "EXECUTION_LOG.md", re, len);
    expect_log_verify_fails(dir, "reorder", "the log before it was rewritten");
    /* Every later entry's chain breaks, and so does every registry
     * record of a prefix reaching entry 5 (those of entries 5 to 12). */
    expect_verify_kinds(dir, "reorder", kinds_from("rewritten_before", 5, 12,
                                                   8));
    free(re);

    /* Edit a middle entry's text. */
    edited = strdup(good);
    m = strstr(edited + (e6 - good), "Re-run the gates before release");
    assert_non_null(m);
    m[0] = 'X';
    write_text(dir, "EXECUTION_LOG.md", edited, len);
    expect_log_verify_fails(dir, "edit middle",
                            "entry 6 (v3.2): the entry itself was edited");
    expect_log_verify_fails(dir, "edit middle",
                            "entry 7 (v3.2): the log before it was rewritten");
    {
        char want[1024];
        snprintf(want, sizeof want, "edited@6,%s",
                 kinds_from("rewritten_before", 7, 12, 7));
        expect_verify_kinds(dir, "edit middle", want);
    }
    free(edited);

    write_text(dir, "EXECUTION_LOG.md", good, len);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    expect_verify_kinds(dir, "restored", "");
    free(good);

    /* History rewritten (the repository started afresh from its files):
     * every entry's commit is gone, which verify reports but which does
     * not stop a release (the log's text is intact). */
    gr_sh("cd '%s' && rm -rf .git && git init -q && git add -A && "
          "git -c user.name=t -c user.email=t@example.com commit -qm rewritten",
          dir);
    expect_verify_kinds(dir, "rewritten history",
                        kinds_from("missing_commit", 1, 12, 0));
    r = tt_run_in(dir, RELEASE);
    if (r.status != 1)
        fail_msg("release after a rebase: exit %d: %s", r.status, r.err);
    tt_run_free(&r);
}

/* ---- the release transaction ------------------------------------------- */

static void test_release_killed_at_every_step(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("kill", sha);
    gr_synth(dir, "");
    static const struct {
        const char *step;
        int changed; /* 1: the next command completes it */
    } steps[] = {
        {"evidence-staged", 0},
        {"evidence", 0},
        {"locked", 0},
        {"before-rename@model_registry_v3.json.journal", 0},
        {"journal", 1},
        {"apply@tier_statistics.json", 1},
        {"before-rename@tier_statistics.json", 1},
        {"apply@phase_7_production_view.sql", 1},
        {"before-rename@phase_7_production_view.sql", 1},
        {"apply@model_registry_v3.json", 1},
        {"before-rename@model_registry_v3.json", 1},
        {"apply@EXECUTION_LOG.md", 1},
        {"before-rename@EXECUTION_LOG.md", 1},
        {"applied", 1},
        {"committed", 1},
    };
    char logpath[2048], regdir[2048], sqldir[2048];
    snprintf(logpath, sizeof logpath, "%s/EXECUTION_LOG.md", dir);
    snprintf(regdir, sizeof regdir, "%s/registry", dir);
    snprintf(sqldir, sizeof sqldir, "%s/sql", dir);
    int entries = 0, versions = 1;
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        char *reg0 = gr_read(dir, "registry/model_registry_v3.json");
        char *log0 = gr_read(dir, "EXECUTION_LOG.md");
        setenv("TIERGATE_TEST_KILL_AT", steps[k].step, 1);
        tt_run_result r = tt_run_in(dir, RELEASE);
        unsetenv("TIERGATE_TEST_KILL_AT");
        if (r.status != 128 + 9)
            fail_msg("%s: not killed (exit %d: %s)", steps[k].step, r.status,
                     r.err);
        tt_run_free(&r);

        /* The next command completes or drops the transaction. */
        r = tt_run_in(dir, "registry show");
        assert_int_equal(r.status, 0);
        tt_run_free(&r);
        char *reg1 = gr_read(dir, "registry/model_registry_v3.json");
        char *log1 = gr_read(dir, "EXECUTION_LOG.md");
        int reg_changed = strcmp(reg0, reg1) != 0;
        int log_changed = strcmp(log0, log1) != 0;
        if (reg_changed != steps[k].changed || log_changed != steps[k].changed)
            fail_msg("%s: registry %s, log %s (want both %s)", steps[k].step,
                     reg_changed ? "changed" : "unchanged",
                     log_changed ? "changed" : "unchanged",
                     steps[k].changed ? "changed" : "unchanged");
        entries += steps[k].changed;
        versions += steps[k].changed;
        cJSON *doc = gr_registry(dir);
        const cJSON *vs = cJSON_GetObjectItem(doc, "versions");
        assert_int_equal(cJSON_GetArraySize(vs), versions);
        if (steps[k].changed) {
            /* The new production cites this very log. */
            const cJSON *last = cJSON_GetArrayItem(vs, versions - 1);
            assert_string_equal(s_of(last, "status"), "production");
            const cJSON *anchor = cJSON_GetObjectItem(last, "log");
            char hex[65];
            assert_true(cJSON_GetObjectItem(anchor, "bytes")->valuedouble ==
                        (double)strlen(log1));
            gr_sha256sum_prefix(logpath, (long)strlen(log1), hex);
            assert_string_equal(s_of(anchor, "sha256"), hex);
        }
        cJSON_Delete(doc);
        /* Nothing a dead run left behind. */
        assert_null(gr_read(dir, "registry/model_registry_v3.json.journal"));
        assert_int_equal(gr_count(regdir, "*.tmp.*"), 0);
        assert_int_equal(gr_count(dir, "EXECUTION_LOG.md.tmp.*"), 0);
        assert_int_equal(gr_count(sqldir, "*.tmp.*"), 0);
        r = tt_run_in(dir, "registry verify");
        if (r.status != 0)
            fail_msg("%s: registry verify: %s", steps[k].step, r.err);
        tt_run_free(&r);
        r = tt_run_in(dir, "log verify");
        if (r.status != 0)
            fail_msg("%s: log verify: %s", steps[k].step, r.err);
        tt_run_free(&r);
        free(reg0);
        free(log0);
        free(reg1);
        free(log1);
    }
    /* A killed run's staging folder is removed by the next evidence write. */
    assert_int_equal(run_ok(dir, RELEASE), 0);
    assert_int_equal(gr_count(dir, ".staging.*"), 0);
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    int n = 0;
    for (const char *p = log; (p = strstr(p, "### Next Steps")); p++)
        n++;
    assert_int_equal(n, entries + 1);
    free(log);
}

/* Log entries: one per completed release. */
static int entries_of(const char *dir)
{
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    int n = 0;
    for (const char *p = log; (p = strstr(p, "### Next Steps")); p++)
        n++;
    free(log);
    return n;
}

static pid_t spawn_release(const char *dir)
{
    pid_t c = fork();
    if (c == 0) {
        if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout) ||
            !freopen("/dev/null", "w", stderr))
            _exit(90);
        execl(TIERGATE_BIN, "tiergate", "release", "--rules",
              "registry/tiers/v3.2.json", "--policy", "registry/gates/v3.2.json",
              "--data", "data/leads.csv", (char *)NULL);
        _exit(91);
    }
    return c;
}

static void test_release_concurrent_and_killed_at_random(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("random", sha);
    gr_synth(dir, "--rows 3000"); /* FAILED releases: quick, still recorded */
    /* Three at once: all complete, each its own version, entry, folder. */
    pid_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = spawn_release(dir);
    for (int i = 0; i < 3; i++) {
        int st;
        waitpid(p[i], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    }
    cJSON *doc = gr_registry(dir);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "versions")), 4);
    cJSON_Delete(doc);
    assert_int_equal(entries_of(dir), 3);
    /* Killed at random moments: after the next command, one registry
     * version per log entry, and both verify. */
    srand(20251222);
    int killed = 0;
    for (int i = 0; i < 16; i++) {
        pid_t c = spawn_release(dir);
        struct timespec ts = {0, (long)(rand() % 120000) * 1000L};
        nanosleep(&ts, NULL);
        if (kill(c, SIGKILL) == 0)
            killed++;
        int st;
        waitpid(c, &st, 0);
        assert_int_equal(run_ok(dir, "registry show"), 0);
        doc = gr_registry(dir);
        int versions = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "versions"));
        cJSON_Delete(doc);
        assert_int_equal(versions - 1, entries_of(dir));
        assert_int_equal(run_ok(dir, "registry verify"), 0);
        assert_int_equal(run_ok(dir, "log verify"), 0);
    }
    assert_true(killed > 0);
    char regdir[2048];
    snprintf(regdir, sizeof regdir, "%s/registry", dir);
    assert_int_equal(gr_count(regdir, "*.tmp.*"), 0);
    assert_int_equal(gr_count(dir, "EXECUTION_LOG.md.tmp.*"), 0);
}

/* A journal is input too: a damaged one, or one naming a file outside
 * the repository, is refused and left for a person; nothing is written. */
static void test_hostile_journal_refused(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("journal", sha);
    char *reg0 = gr_read(dir, "registry/model_registry_v3.json");
    const char *outside = tt_path("planted.txt");
    char hex[65];
    gr_sh("printf 'owned' > '%s.src'", outside);
    gr_sha256sum_prefix(tt_path("planted.txt.src"), 100, hex);
    static const char *shapes[] = {
        /* content and checksum disagree */
        "{\"tiergate_journal\":1,\"files\":[{\"path\":\"%s/x\",\"sha256\":"
        "\"00\",\"content\":\"a\"}]}",
        /* well formed, but writes outside the repository */
        "{\"tiergate_journal\":1,\"files\":[{\"path\":\"%s\",\"sha256\":"
        "\"%s\",\"content\":\"owned\"}]}"};
    static const char *msg[] = {"key 'files[0]': path, sha256 and content do "
                                "not agree",
                                "key 'files[0].path': "};
    for (int k = 0; k < 2; k++) {
        char text[2048], p[1200];
        if (k == 0)
            snprintf(text, sizeof text, shapes[0], dir);
        else
            snprintf(text, sizeof text, shapes[1], outside, hex);
        snprintf(p, sizeof p, "%s/registry/model_registry_v3.json.journal", dir);
        FILE *f = fopen(p, "w");
        fputs(text, f);
        fclose(f);
        tt_run_result r = tt_run_in(dir, "registry show");
        assert_int_equal(r.status, 2);
        if (!strstr(r.err, msg[k]))
            fail_msg("stderr '%s' lacks '%s'", r.err, msg[k]);
        tt_run_free(&r);
        assert_int_equal(access(p, F_OK), 0); /* left for a person */
        assert_int_not_equal(access(outside, F_OK), 0);
        char *reg1 = gr_read(dir, "registry/model_registry_v3.json");
        assert_string_equal(reg0, reg1);
        free(reg1);
        unlink(p);
    }
    free(reg0);
}

static void test_release_evidence_and_tag(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("release", sha);
    gr_synth(dir, "");
    char *reg0 = gr_read(dir, "registry/model_registry_v3.json");
    char *log0 = gr_read(dir, "EXECUTION_LOG.md");

    tt_run_result r = tt_run_in(dir, RELEASE "--dry-run");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "would update registry/model_registry_v3.json: "
                                  "v3.1 -> v3.2-updated-"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry show");
    tt_run_free(&r);
    tt_run_result st = tt_run_in(dir, "registry verify");
    tt_run_free(&st);
    gr_sh("cd '%s' && test -z \"$(git status --porcelain)\"", dir);

    /* A corrupt log stops the release before anything is written. */
    gr_sh("cd '%s' && printf '\\n---\\n\\n## x\\n<!-- tiergate-log {broken -->\\n' "
          ">> EXECUTION_LOG.md", dir);
    r = tt_run_in(dir, RELEASE);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "tiergate-log marker that is not a JSON"));
    tt_run_free(&r);
    char *reg1 = gr_read(dir, "registry/model_registry_v3.json");
    assert_string_equal(reg0, reg1);
    free(reg1);
    assert_int_equal(gr_count(dir, "reports"), 0);
    gr_sh("cd '%s' && git checkout -q EXECUTION_LOG.md", dir);

    /* --tag on a dirty tree is refused, before any write. */
    gr_sh("echo x > '%s/dirty.txt'", dir);
    r = tt_run_in(dir, RELEASE "--tag");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "refusing to tag HEAD"));
    tt_run_free(&r);
    assert_null(gr_read(dir, "registry/tier_statistics.json"));
    gr_sh("rm '%s/dirty.txt'", dir);

    /* A passing release on a clean tree, tagged; the entry does not claim
     * uncommitted changes it made itself. */
    r = tt_run_in(dir, RELEASE "--tag --date 2025-12-22");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "tagged HEAD as lead-scoring-v3.2"));
    tt_run_free(&r);
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    assert_null(strstr(log, "(with uncommitted changes)"));
    assert_non_null(strstr(log, "| `registry/model_registry_v3.json` | written by "
                                "this run |"));
    free(log);
    cJSON *doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.2-updated-20251222");
    const cJSON *prod = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "versions"), 1);
    const cJSON *anchor = cJSON_GetObjectItem(prod, "log");
    char msg[512];
    snprintf(msg, sizeof msg, "git -C '%s' cat-file -p lead-scoring-v3.2 | "
             "grep -q 'through this release.s entry): %s'", dir,
             s_of(anchor, "sha256"));
    gr_sh("%s", msg);
    /* The production entry's evidence, by hash. */
    const cJSON *ev = cJSON_GetObjectItem(cJSON_GetObjectItem(prod, "validation"),
                                          "evidence");
    assert_int_equal(cJSON_GetArraySize(ev), 4);
    char gate_path[2048], gate_sha[65];
    snprintf(gate_path, sizeof gate_path, "%s/%s", dir,
             s_of(cJSON_GetArrayItem(ev, 0), "file"));
    snprintf(gate_sha, sizeof gate_sha, "%s", s_of(cJSON_GetArrayItem(ev, 0),
                                                   "sha256"));
    cJSON_Delete(doc);
    char *cal = gr_read(dir, "registry/tier_statistics.json");
    assert_non_null(strstr(cal, "\"training_volume\""));
    free(cal);
    char *sqlf = gr_read(dir, "sql/phase_4_v3_tiered_scoring.sql");
    assert_non_null(strstr(sqlf, "CREATE OR REPLACE TABLE"));
    free(sqlf);

    /* A failing release afterwards: its own evidence folder; production,
     * its evidence and the calibration stay; both verifies pass. */
    char *cal0 = gr_read(dir, "registry/tier_statistics.json");
    gr_synth(dir, "--seed 1 --rows 6000");
    r = tt_run_in(dir, RELEASE "--date 2025-12-23");
    assert_int_equal(r.status, 1);
    tt_run_free(&r);
    doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.2-updated-20251222");
    const cJSON *rej = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "versions"), 2);
    assert_string_equal(s_of(rej, "status"), "rejected");
    assert_string_not_equal(
        s_of(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
            rej, "validation"), "evidence"), 0), "file"),
        gate_path + strlen(dir) + 1);
    cJSON_Delete(doc);
    char hex[65];
    gr_sha256sum_prefix(gate_path, 1L << 30, hex);
    assert_string_equal(hex, gate_sha);
    char *cal1 = gr_read(dir, "registry/tier_statistics.json");
    assert_string_equal(cal0, cal1);
    free(cal0);
    free(cal1);
    log = gr_read(dir, "EXECUTION_LOG.md");
    assert_non_null(strstr(log, "**Status:** ❌ FAILED"));
    free(log);
    assert_int_equal(run_ok(dir, "log verify"), 0);
    assert_int_equal(run_ok(dir, "registry verify"), 0);
    /* Cited paths are relative to the work tree: checked from a subfolder
     * too, and the log's anchor is still found (a cut log still shows). */
    char sub[2048];
    snprintf(sub, sizeof sub, "%s/registry", dir);
    assert_int_equal(run_ok(sub, "registry verify --registry "
                                 "model_registry_v3.json"), 0);
    assert_int_equal(run_ok(sub, "log verify --log ../EXECUTION_LOG.md "
                                 "--registry model_registry_v3.json"), 0);
    char *full = gr_read(dir, "EXECUTION_LOG.md");
    const char *second = nth_entry(full, 1);
    assert_non_null(second);
    gr_sh("cd '%s' && cp EXECUTION_LOG.md full.md && head -c %ld full.md > "
          "EXECUTION_LOG.md", dir, (long)(second - full));
    free(full);
    r = tt_run_in(sub, "log verify --log ../EXECUTION_LOG.md --registry "
                       "model_registry_v3.json");
    if (r.status != 1 || !strstr(r.err, "cut off the end"))
        fail_msg("exit %d: %s", r.status, r.err);
    tt_run_free(&r);
    gr_sh("cd '%s' && mv full.md EXECUTION_LOG.md", dir);
    char reports[2048];
    snprintf(reports, sizeof reports, "%s/reports/v3.2", dir);
    assert_int_equal(gr_count(reports, "gate.json"), 2);
    free(reg0);
    free(log0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_entries_say_what_this_run_did),
        cmocka_unit_test(test_log_outside_git),
        cmocka_unit_test(test_log_eight_concurrent_appends),
        cmocka_unit_test(test_log_tamper_at_the_end),
        cmocka_unit_test(test_release_killed_at_every_step),
        cmocka_unit_test(test_release_concurrent_and_killed_at_random),
        cmocka_unit_test(test_hostile_journal_refused),
        cmocka_unit_test(test_release_evidence_and_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
