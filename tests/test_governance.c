/*
 * The registry as a lifecycle, in temporary git repositories made with
 * libgit2: candidates, rejected candidates that never touch production,
 * promotion (forced only with a recorded reason) and rollback; each
 * entry's numbers copied from its own gate result, which is kept as
 * evidence under its own run folder; `registry verify` catching every
 * hand edit by the JSON key it concerns; 8 x 10 concurrent updates all
 * kept; a killed update leaving the file intact and its temporary file
 * removed by the next run.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gitrepo.h"

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static cJSON *version_at(const cJSON *doc, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "versions"), i);
}

static int count_production(const cJSON *doc)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "versions"))
        n += !strcmp(s_of(e, "status"), "production");
    return n;
}

static const cJSON *last_transition(const cJSON *doc, int back)
{
    const cJSON *h = cJSON_GetObjectItem(doc, "history");
    return cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1 - back);
}

/* A repository with a passing and a failing gate result in data/. */
static const char *repo_with_results(const char *name, char sha[41])
{
    const char *dir = gr_make_repo(name, sha);
    gr_sh("git -C '%s' config user.name 'Release Manager' && git -C '%s' "
          "config user.email rm@example.com", dir, dir);
    gr_synth(dir, "");
    gr_gate_json(dir, "data/pass.json");
    gr_synth(dir, "--seed 1 --rows 6000");
    gr_gate_json(dir, "data/fail.json");
    char *p = gr_read(dir, "data/pass.json"), *f = gr_read(dir, "data/fail.json");
    assert_non_null(strstr(p, "\"status\":\t\"PASSED_WITH_WARNINGS\""));
    assert_non_null(strstr(f, "\"status\":\t\"FAILED\""));
    free(p);
    free(f);
    return dir;
}

#define UPDATE "registry update --rules registry/tiers/v3.2.json --result "

static void test_lifecycle(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = repo_with_results("life", sha);

    /* A failed candidate is recorded as rejected; production stays. */
    tt_run_result r = tt_run_in(dir, UPDATE "data/fail.json --date 2025-12-21");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "registered v3.2-updated-20251221 as "
                                  "rejected (production: v3.1)"));
    tt_run_free(&r);
    cJSON *doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.1");
    assert_int_equal(count_production(doc), 1);
    assert_string_equal(s_of(version_at(doc, 0), "status"), "production");
    assert_string_equal(s_of(version_at(doc, 1), "status"), "rejected");
    const cJSON *t = last_transition(doc, 0);
    assert_string_equal(s_of(t, "action"), "reject");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(t, "from")));
    assert_string_equal(s_of(t, "author"), "Release Manager <rm@example.com>");
    assert_string_equal(s_of(t, "commit"), sha);
    assert_string_equal(s_of(t, "reason"), "gate result FAILED");
    cJSON_Delete(doc);

    /* A passing one is a candidate; production still does not move. */
    r = tt_run_in(dir, UPDATE "data/pass.json --date 2025-12-22");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.1");
    assert_string_equal(s_of(version_at(doc, 2), "model_version"),
                        "v3.2-updated-20251222");
    assert_string_equal(s_of(version_at(doc, 2), "status"), "candidate");
    cJSON_Delete(doc);

    /* Promotion: refused for the failed one unless forced with a reason. */
    r = tt_run_in(dir, "registry promote v3.2-updated-20251221");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "its gate result is FAILED"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry promote v3.2-updated-20251221 --force");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--force needs --reason"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry update --force --reason x --rules "
                       "registry/tiers/v3.2.json --result data/fail.json");
    assert_int_equal(r.status, 2); /* update never overrides a gate */
    tt_run_free(&r);
    r = tt_run_in(dir, "registry promote v3.2-updated-20251222 --reason "
                       "'first V3.2'");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.2-updated-20251222");
    assert_int_equal(count_production(doc), 1);
    assert_string_equal(s_of(version_at(doc, 0), "status"), "archived");
    t = last_transition(doc, 0);
    assert_string_equal(s_of(t, "action"), "promote");
    assert_string_equal(s_of(t, "from"), "candidate");
    assert_string_equal(s_of(t, "reason"), "first V3.2");
    assert_int_equal(strlen(s_of(t, "at")), 20);
    assert_int_equal(s_of(t, "at")[19], 'Z');
    t = last_transition(doc, 1);
    assert_string_equal(s_of(t, "action"), "archive");
    assert_string_equal(s_of(t, "version"), "v3.1");
    cJSON_Delete(doc);

    r = tt_run_in(dir, "registry promote v3.2-updated-20251221 --force "
                       "--reason 'approved by the VP of sales'");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    doc = gr_registry(dir);
    t = last_transition(doc, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "forced")));
    assert_string_equal(s_of(t, "reason"), "approved by the VP of sales");
    assert_string_equal(s_of(t, "from"), "rejected");
    cJSON_Delete(doc);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);

    /* Rollback: to the one before, or to a named archived version. */
    r = tt_run_in(dir, "registry rollback --reason 'forced one misbehaves'");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    doc = gr_registry(dir);
    assert_string_equal(s_of(doc, "production"), "v3.2-updated-20251222");
    assert_string_equal(s_of(last_transition(doc, 0), "action"), "rollback");
    cJSON_Delete(doc);
    r = tt_run_in(dir, "registry rollback --to v3.2-updated-20251299");
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
    r = tt_run_in(dir, "registry rollback --to v3.1");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);

    r = tt_run_in(dir, "registry show");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "production\n  v3.1 "));
    assert_non_null(strstr(r.out, "archived\n"));
    assert_non_null(strstr(r.out, "rollback v3.1: archived -> production"));
    tt_run_free(&r);
    r = tt_run_in(dir, "registry show --format json");
    assert_int_equal(r.status, 0);
    doc = cJSON_Parse(r.out);
    assert_string_equal(s_of(cJSON_GetObjectItem(doc, "production"),
                             "model_version"), "v3.1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "archived")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")), 11);
    cJSON_Delete(doc);
    tt_run_free(&r);
}

static void test_entry_numbers_and_evidence_are_its_own(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = repo_with_results("own", sha);
    /* --dry-run shows the entry: V3.1's 3.69x / 163 / 1,804 are not in it. */
    tt_run_result r = tt_run_in(dir, UPDATE "data/pass.json --dry-run");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "3.69x"));
    assert_null(strstr(r.out, "\"tier_1_volume\""));
    assert_null(strstr(r.out, "\"total_priority_volume\""));
    assert_non_null(strstr(r.out, "\"measured_performance\""));
    tt_run_free(&r);
    assert_int_equal(gr_count(dir, "reports"), 0); /* dry run: no evidence */

    r = tt_run_in(dir, UPDATE "data/pass.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    cJSON *doc = gr_registry(dir);
    const cJSON *e = version_at(doc, 1);
    char *text = gr_read(dir, "data/pass.json");
    cJSON *gate = cJSON_Parse(text);
    /* Per tier and split, the numbers of its own gate result. */
    static const char *splits[] = {"TRAIN", "TEST"};
    for (int s = 0; s < 2; s++) {
        const cJSON *mine = cJSON_GetObjectItem(
            cJSON_GetObjectItem(e, "measured_performance"), splits[s]);
        const cJSON *theirs = cJSON_GetObjectItem(
            cJSON_GetObjectItem(gate, "splits"), splits[s]);
        const cJSON *mt = cJSON_GetObjectItem(mine, "tiers"),
                    *tt = cJSON_GetObjectItem(theirs, "tiers");
        int n = cJSON_GetArraySize(tt);
        assert_true(n > 2);
        assert_int_equal(cJSON_GetArraySize(mt), n);
        double priority = 0;
        for (int k = 0; k < n; k++) {
            const cJSON *a = cJSON_GetArrayItem(mt, k), *b = cJSON_GetArrayItem(tt, k);
            assert_string_equal(s_of(a, "tier"), s_of(b, "tier"));
            static const char *keys[] = {"leads", "labeled", "conversions",
                                         "conversion_rate", "ci_lower",
                                         "ci_upper"};
            for (int q = 0; q < 6; q++)
                assert_true(cJSON_GetObjectItem(a, keys[q])->valuedouble ==
                            cJSON_GetObjectItem(b, keys[q])->valuedouble);
            if (k < n - 1)
                priority += cJSON_GetObjectItem(b, "leads")->valuedouble;
        }
        assert_true(cJSON_GetObjectItem(mine, "priority_volume")->valuedouble ==
                    priority);
        assert_true(priority != 1804);
    }
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "training_data"),
                                    "total_leads")->valuedouble ==
                cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
                    gate, "splits"), "TRAIN"), "rows")->valuedouble);
    cJSON_Delete(gate);

    /* The evidence: a copy of the result in its own run folder, cited
     * with the SHA-256 coreutils computes for it. */
    const cJSON *ev = cJSON_GetArrayItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(e, "validation"), "evidence"), 0);
    char file[1024];
    snprintf(file, sizeof file, "%s", s_of(ev, "file"));
    assert_non_null(strstr(file, "reports/v3.2/"));
    assert_non_null(strstr(file, "/gate.json"));
    char *copy = gr_read(dir, file);
    assert_non_null(copy);
    assert_string_equal(copy, text);
    char p[2048], hex[65];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    gr_sha256sum_prefix(p, 1L << 30, hex);
    assert_string_equal(s_of(ev, "sha256"), hex);
    free(copy);
    free(text);
    cJSON_Delete(doc);

    /* The same result registered again gets a new folder, not the old. */
    r = tt_run_in(dir, UPDATE "data/pass.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    doc = gr_registry(dir);
    const char *f2 = s_of(cJSON_GetArrayItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(version_at(doc, 2), "validation"), "evidence"), 0),
        "file");
    assert_string_not_equal(f2, file);
    assert_string_not_equal(s_of(version_at(doc, 2), "model_version"),
                            s_of(version_at(doc, 1), "model_version"));
    cJSON_Delete(doc);
}

/* ---- verify ------------------------------------------------------------ */

typedef void (*edit_fn)(cJSON *doc, const char *dir);

static cJSON *entry_val(cJSON *doc, int i)
{
    return cJSON_GetObjectItem(version_at(doc, i), "validation");
}

static void edit_failed_to_production(cJSON *doc, const char *dir)
{
    (void)dir;
    /* The rejected entry (3) made production by hand, the real one archived. */
    cJSON_ReplaceItemInObject(version_at(doc, 1), "status",
                              cJSON_CreateString("archived"));
    cJSON_ReplaceItemInObject(version_at(doc, 2), "status",
                              cJSON_CreateString("production"));
    cJSON_ReplaceItemInObject(doc, "production",
                              cJSON_CreateString(s_of(version_at(doc, 2),
                                                      "model_version")));
}

static void edit_wipe_history(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(doc, "history", cJSON_CreateArray());
}

static void edit_training_data(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *td = cJSON_GetObjectItem(version_at(doc, 1), "training_data");
    cJSON_ReplaceItemInObject(td, "total_leads", cJSON_CreateNumber(99999));
}

static void edit_zero_rules_sha(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(entry_val(doc, 1), "rules_sha256",
                              cJSON_CreateString("0000000000000000000000000000"
                                                 "000000000000000000000000000000000000"));
}

static void edit_gates_nonsense(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(entry_val(doc, 1), "gates",
                              cJSON_CreateString("nonsense"));
}

static void edit_measured(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(version_at(doc, 1), "measured_performance"),
        "TRAIN"), "tiers"), 0);
    cJSON_ReplaceItemInObject(t, "lift", cJSON_CreateNumber(4.5));
}

static void edit_gate_status(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(entry_val(doc, 2), "gate_status",
                              cJSON_CreateString("PASSED"));
}

static void edit_two_production(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(version_at(doc, 0), "status",
                              cJSON_CreateString("production"));
}

static void edit_remove_version(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(doc, "versions"), 2);
}

static void edit_evidence_file(cJSON *doc, const char *dir)
{
    const char *file = s_of(cJSON_GetArrayItem(cJSON_GetObjectItem(
        entry_val(doc, 1), "evidence"), 0), "file");
    gr_sh("cd '%s' && sed -i 's/\"PASSED_WITH_WARNINGS\"/\"PASSED\"/' '%s'",
          dir, file);
}

static void edit_history_entry(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "history"), 1);
    cJSON_ReplaceItemInObject(t, "author", cJSON_CreateString("Someone Else"));
}

static void edit_imported_added(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *e = cJSON_Duplicate(version_at(doc, 0), 1);
    cJSON_ReplaceItemInObject(e, "model_version", cJSON_CreateString("v9"));
    cJSON_ReplaceItemInObject(e, "status", cJSON_CreateString("candidate"));
    cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "versions"), e);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "at", "2025-12-30T00:00:00Z");
    cJSON_AddStringToObject(t, "action", "register");
    cJSON_AddStringToObject(t, "version", "v9");
    cJSON_AddNullToObject(t, "from");
    cJSON_AddStringToObject(t, "to", "candidate");
    cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "history"), t);
}

static void edit_expected_performance(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *ep = cJSON_GetObjectItem(version_at(doc, 1), "expected_performance");
    cJSON_ReplaceItemInObject(ep, "tier_1a_lift", cJSON_CreateString("9.9x"));
}

static void edit_changes(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON *ch = cJSON_GetObjectItem(version_at(doc, 1), "changes_from_v3.1");
    cJSON_AddItemToArray(ch, cJSON_CreateString("Doubled every lift"));
}

static void edit_model_type(cJSON *doc, const char *dir)
{
    (void)dir;
    cJSON_ReplaceItemInObject(version_at(doc, 1), "model_type",
                              cJSON_CreateString("neural-network"));
}

static void test_verify_catches_hand_edits(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = repo_with_results("verify", sha);
    tt_run_result r = tt_run_in(dir, UPDATE "data/pass.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    cJSON *doc = gr_registry(dir);
    char v1[128];
    snprintf(v1, sizeof v1, "%s", s_of(version_at(doc, 1), "model_version"));
    cJSON_Delete(doc);
    r = tt_run_in(dir, "registry promote %s", v1);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run_in(dir, UPDATE "data/fail.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    gr_commit_all(dir, "registry with V3.2", sha);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char *good = gr_read(dir, "registry/model_registry_v3.json");
    char *good_ev = NULL;

    static const struct {
        edit_fn fn;
        const char *key;
    } cases[] = {
        {edit_failed_to_production, "versions[2].status: production, but its "
                                    "gate result is FAILED"},
        {edit_failed_to_production, "versions[2].status: 'production', but the "
                                    "history leaves"},
        {edit_wipe_history, "transitions at HEAD, 0 now (removed)"},
        {edit_training_data, "versions[1].training_data: differs from the "
                             "cited gate result"},
        {edit_zero_rules_sha, "versions[1].validation.rules_sha256: "
                              "0000000000"},
        {edit_gates_nonsense, "versions[1].validation.gates: differs"},
        {edit_measured, "versions[1].measured_performance: differs"},
        {edit_gate_status, "versions[2].validation.gate_status: 'PASSED', the "
                           "cited gate result says 'FAILED'"},
        {edit_two_production, "versions: 2 versions are production"},
        {edit_remove_version, "versions: 3 at HEAD, 2 now"},
        {edit_evidence_file, "versions[1].validation.evidence[0]:"},
        {edit_history_entry, "history[1]: changed since HEAD"},
        {edit_imported_added, "versions[3].imported: an entry without evidence"},
        {edit_expected_performance, "versions[1].expected_performance: differs "
                                    "from the rule file at the cited commit"},
        {edit_changes, "versions[1].changes_from_v3.1: differs from the rule "
                       "file"},
        {edit_model_type, "versions[1].model_type: 'neural-network', the rule "
                          "file at the cited commit says 'rules-based-tiers'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        doc = cJSON_Parse(good);
        if (cases[k].fn == edit_evidence_file) {
            const char *file = s_of(cJSON_GetArrayItem(cJSON_GetObjectItem(
                entry_val(doc, 1), "evidence"), 0), "file");
            good_ev = gr_read(dir, file);
        }
        cases[k].fn(doc, dir);
        gr_write_registry(dir, doc);
        r = tt_run_in(dir, "registry verify");
        if (r.status != 1 || !strstr(r.err, cases[k].key))
            fail_msg("case %zu: exit %d, stderr '%s' lacks '%s'", k, r.status,
                     r.err, cases[k].key);
        tt_run_free(&r);
        if (cases[k].fn == edit_evidence_file) {
            const char *file = s_of(cJSON_GetArrayItem(cJSON_GetObjectItem(
                entry_val(doc, 1), "evidence"), 0), "file");
            char p[2048];
            snprintf(p, sizeof p, "%s/%s", dir, file);
            FILE *f = fopen(p, "w");
            fputs(good_ev, f);
            fclose(f);
            free(good_ev);
        }
        cJSON_Delete(doc);
        gr_sh("cd '%s' && git checkout -q registry/model_registry_v3.json", dir);
    }
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);

    /* rules_sha256 is checked against the rule file at the cited commit:
     * a result gated on uncommitted rules does not match that commit. */
    gr_sh("cd '%s' && sed -i '0,/\"model_type\"/s//\"owner\": \"sales-ops\", "
          "\"model_type\"/' registry/tiers/v3.2.json", dir);
    gr_gate_json(dir, "data/dirty.json");
    r = tt_run_in(dir, UPDATE "data/dirty.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "versions[3].validation.rules_sha256: "));
    assert_non_null(strstr(r.err, "but registry/tiers/v3.2.json at commit"));
    tt_run_free(&r);
    free(good);
}

/* ---- concurrency and crashes ------------------------------------------ */

static void test_eighty_concurrent_updates(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("conc", sha);
    gr_synth(dir, "--rows 3000");
    gr_gate_json(dir, "data/gate.json");
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout))
                _exit(90);
            for (int k = 0; k < 10; k++) {
                pid_t c = fork();
                if (c == 0) {
                    execl(TIERGATE_BIN, "tiergate", "registry", "update",
                          "--rules", "registry/tiers/v3.2.json", "--result",
                          "data/gate.json", (char *)NULL);
                    _exit(91);
                }
                int st;
                waitpid(c, &st, 0);
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                    _exit(92);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < 8; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    cJSON *doc = gr_registry(dir);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "versions")), 81);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "history")), 81);
    /* 80 distinct versions, each with its own evidence folder. */
    for (int i = 1; i <= 80; i++)
        for (int k = i + 1; k <= 80; k++)
            assert_string_not_equal(s_of(version_at(doc, i), "model_version"),
                                    s_of(version_at(doc, k), "model_version"));
    cJSON_Delete(doc);
    char rep[2048];
    snprintf(rep, sizeof rep, "%s/reports/v3.2", dir);
    assert_int_equal(gr_count(rep, "gate.json"), 80);
    tt_run_result r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

static void test_killed_update_and_corrupt_registry(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = gr_make_repo("crash", sha);
    gr_synth(dir, "--rows 3000");
    gr_gate_json(dir, "data/gate.json");
    char *before = gr_read(dir, "registry/model_registry_v3.json");
    /* Killed after the temporary file is written, before the rename. */
    setenv("TIERGATE_TEST_KILL_AT", "before-rename@model_registry_v3.json", 1);
    tt_run_result r = tt_run_in(dir, UPDATE "data/gate.json");
    unsetenv("TIERGATE_TEST_KILL_AT");
    assert_int_equal(r.status, 128 + 9);
    tt_run_free(&r);
    char *after = gr_read(dir, "registry/model_registry_v3.json");
    assert_string_equal(before, after);
    free(after);
    char reg[2048];
    snprintf(reg, sizeof reg, "%s/registry", dir);
    assert_int_equal(gr_count(reg, "*.tmp.*"), 1);
    r = tt_run_in(dir, "registry verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    assert_int_equal(gr_count(reg, "*.tmp.*"), 0); /* the next run removed it */

    /* Corrupt: exit 2, named, byte-identical afterwards. */
    static const char *bad[] = {"{\"tiergate_registry\": 2,\n  \"versions\": }",
                                "{\"tiergate_registry\": 2, \"production\": "
                                "null, \"versions\": [], \"history\": {}}",
                                "{\"model_id\": \"x\", \"model_version\": "
                                "\"v\", \"status\": \"production\"}"};
    static const char *msg[] = {"model_registry_v3.json:2:15: invalid JSON",
                                "key 'history': expected an array",
                                "key 'tiergate_registry': expected 2"};
    for (int k = 0; k < 3; k++) {
        gr_sh("printf '%%s' '%s' > '%s/registry/model_registry_v3.json'",
              bad[k], dir);
        char *b = gr_read(dir, "registry/model_registry_v3.json");
        r = tt_run_in(dir, UPDATE "data/gate.json");
        assert_int_equal(r.status, 2);
        if (!strstr(r.err, msg[k]))
            fail_msg("stderr '%s' lacks '%s'", r.err, msg[k]);
        tt_run_free(&r);
        char *a = gr_read(dir, "registry/model_registry_v3.json");
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_entry_numbers_and_evidence_are_its_own),
        cmocka_unit_test(test_verify_catches_hand_edits),
        cmocka_unit_test(test_eighty_concurrent_updates),
        cmocka_unit_test(test_killed_update_and_corrupt_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
