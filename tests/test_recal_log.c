/*
 * Recalibration entries of the execution log, in temporary git
 * repositories made with libgit2: `monitor --recalibrate --log` and
 * `log append --recalibration` record a proposal with the SHA-256
 * coreutils computes for it and its rules, the windows, the shrinkage
 * and per tier the previous rate (read here from the committed
 * calibration) against the proposed one; the entry turns "adopted" only
 * once the proposal is the calibration committed at HEAD; `log verify`
 * catches one edited number; `log list` shows the kind; bad proposals
 * exit 2 naming the file or key and leave the log byte-identical;
 * hostile strings stay text; concurrent appends of both kinds all land;
 * runs killed at random leave whole entries and whole proposals.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gitrepo.h"

#define RULES "registry/tiers/v3.2.json"
#define AT "--at 2026-04-01T00:00:00Z"

static const char *s_of(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static double n_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static char *path_in(const char *dir, const char *rel)
{
    static char buf[4][2048];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 2048, "%s/%s", dir, rel);
    return p;
}

static cJSON *read_json(const char *dir, const char *rel)
{
    char *t = gr_read(dir, rel);
    assert_non_null(t);
    cJSON *j = cJSON_Parse(t);
    free(t);
    assert_non_null(j);
    return j;
}

static cJSON *log_entries(const char *dir)
{
    tt_run_result r = tt_run_in(dir, "log list --format json");
    if (r.status != 0)
        fail_msg("log list: exit %d: %s", r.status, r.err);
    cJSON *doc = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(doc);
    return doc;
}

/* A line of text starting with lead holds each of a, b and the first 12
 * characters of c. */
static int row_has(const char *text, const char *lead, const char *a,
                   const char *b, const char *c)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1
                                                           : NULL) {
        const char *end = strchr(l, '\n');
        size_t n = end ? (size_t)(end - l) : strlen(l);
        char *line = strndup(l, n);
        char c12[13];
        snprintf(c12, sizeof c12, "%s", c);
        int ok = !strncmp(line, lead, strlen(lead)) && strstr(line, a) &&
                 strstr(line, b) && strstr(line, c12);
        free(line);
        if (ok)
            return 1;
    }
    return 0;
}

/*
 * A repository with a calibration committed (from a 3,000-lead export)
 * and twelve production weeks after it in data/ (git-ignored).
 */
static const char *recal_repo(const char *name, char sha[41])
{
    const char *dir = gr_make_repo(name, sha);
    gr_sh("mkdir -p '%s/registry/monitors' && cp '%s/registry/monitors/v3.2.json' "
          "'%s/registry/monitors/'", dir, TG_SOURCE_DIR, dir);
    gr_synth(dir, "--rows 3000");
    tt_run_result r = tt_run_in(dir, "calibrate --rules " RULES " --data "
                                     "data/leads.csv -o "
                                     "registry/tier_statistics.json");
    if (r.status != 0)
        fail_msg("calibrate: exit %d: %s", r.status, r.err);
    tt_run_free(&r);
    r = tt_run_in(dir, "synth --rows 3000 --weeks 12 --weekly-rows 400 -o "
                       "data/prod.csv");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    gr_commit_all(dir, "calibration", sha);
    return dir;
}

#define MONITOR "monitor --rules " RULES " --data data/prod.csv --since " \
                "2026-01-05 --recalibrate "

/* ---- what the entry records -------------------------------------------- */

static void test_recalibration_entry_records_the_proposal(void **state)
{
    (void)state;
    char sha[41], sha2[41];
    const char *dir = recal_repo("recal", sha);
    cJSON *calib = read_json(dir, "registry/tier_statistics.json");

    tt_run_result r = tt_run_in(dir, MONITOR "-o data/proposal.json --log "
                                     "EXECUTION_LOG.md " AT);
    if (r.status != 0)
        fail_msg("monitor --recalibrate --log: exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.out, "recorded in EXECUTION_LOG.md as a "
                                  "proposed recalibration"));
    tt_run_free(&r);
    cJSON *prop = read_json(dir, "data/proposal.json");

    cJSON *doc = log_entries(dir);
    const cJSON *arr = cJSON_GetObjectItem(doc, "entries");
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    const cJSON *e = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(s_of(e, "kind"), "recalibration");
    assert_string_equal(s_of(e, "status"), "proposed");
    assert_string_equal(s_of(e, "commit"), sha);
    assert_string_equal(s_of(e, "executed_at"), "2026-04-01T00:00:00Z");
    assert_string_equal(s_of(e, "proposal_file"), "data/proposal.json");
    assert_string_equal(s_of(e, "rules_file"), RULES);
    /* The hashes, against coreutils. */
    char hex[65];
    gr_sha256sum_prefix(path_in(dir, "data/proposal.json"), 1L << 30, hex);
    assert_string_equal(s_of(e, "proposal_sha256"), hex);
    gr_sha256sum_prefix(path_in(dir, RULES), 1L << 30, hex);
    assert_string_equal(s_of(e, "rules_sha256"), hex);
    gr_sha256sum_prefix(path_in(dir, "registry/tier_statistics.json"), 1L << 30,
                        hex);
    assert_string_equal(s_of(cJSON_GetObjectItem(e, "previous_calibration"),
                             "sha256"), hex);
    assert_string_equal(s_of(e, "calibration_head_sha256"), hex);
    /* The windows and the shrinkage the proposal used. */
    const cJSON *pw = cJSON_GetObjectItem(cJSON_GetObjectItem(prop, "data"),
                                          "windows");
    const cJSON *ew = cJSON_GetObjectItem(e, "windows");
    assert_true(cJSON_GetArraySize(pw) >= 1);
    assert_true(cJSON_Compare(pw, ew, 1));
    double k = n_of(e, "shrinkage_strength");
    assert_true(k == n_of(cJSON_GetObjectItem(prop, "shrinkage"), "strength"));
    assert_true(k > 0);
    /* Per tier: the previous rate is the committed calibration's, the
     * proposed one the file's, inside its interval, with the weight of
     * its labeled leads n / (n + k). */
    const cJSON *et = cJSON_GetObjectItem(e, "tiers");
    const cJSON *ct = cJSON_GetObjectItem(calib, "tiers");
    const cJSON *pt = cJSON_GetObjectItem(prop, "tiers");
    assert_int_equal(cJSON_GetArraySize(et), cJSON_GetArraySize(ct));
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    int moved = 0;
    for (int i = 0; i < cJSON_GetArraySize(et); i++) {
        const cJSON *x = cJSON_GetArrayItem(et, i);
        const cJSON *c = cJSON_GetArrayItem(ct, i), *p = cJSON_GetArrayItem(pt, i);
        assert_string_equal(s_of(x, "tier"), s_of(c, "score_tier"));
        assert_true(n_of(x, "previous_rate") == n_of(c, "conversion_rate"));
        assert_true(n_of(x, "proposed_rate") == n_of(p, "conversion_rate"));
        assert_true(n_of(x, "ci_lower") <= n_of(x, "proposed_rate"));
        assert_true(n_of(x, "proposed_rate") <= n_of(x, "ci_upper"));
        double n = n_of(x, "labeled");
        assert_true(n == n_of(p, "labeled"));
        assert_true(fabs(n_of(x, "weight_of_data") - n / (n + k)) < 1e-12);
        moved += n_of(x, "proposed_rate") != n_of(x, "previous_rate");
        /* Its row in the entry's table, formatted here. */
        char row[512];
        snprintf(row, sizeof row, "| %s | %.2f%% | %.2f%% | %.2f%% – %.2f%% | "
                                  "%.1f%% | ", s_of(x, "tier"),
                 n_of(x, "previous_rate") * 100, n_of(x, "proposed_rate") * 100,
                 n_of(x, "ci_lower") * 100, n_of(x, "ci_upper") * 100,
                 n / (n + k) * 100);
        if (!strstr(log, row))
            fail_msg("no row '%s' in\n%s", row, log);
    }
    assert_true(moved > 0); /* the proposal is not the old table again */
    assert_non_null(strstr(log, "## Recalibration V3.2: Proposed Calibration"));
    assert_non_null(strstr(log, "**Status:** 📝 PROPOSED: "
                                "`registry/tier_statistics.json` as committed "
                                "at HEAD is not this proposal"));
    char want[300];
    snprintf(want, sizeof want, "**Commit:** `%s` on ", sha);
    assert_non_null(strstr(log, want));
    free(log);
    cJSON_Delete(doc);

    r = tt_run_in(dir, "log list");
    assert_int_equal(r.status, 0);
    assert_true(row_has(r.out, "1 ", "recalibration", "proposed", sha));
    tt_run_free(&r);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "1 entries verified"));
    tt_run_free(&r);

    /* Copied over the calibration but not committed: still proposed. */
    gr_sh("cp '%s/data/proposal.json' '%s/registry/tier_statistics.json'", dir,
          dir);
    r = tt_run_in(dir, "log append --recalibration registry/tier_statistics.json");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "(proposed)"));
    tt_run_free(&r);
    /* Adopted in a reviewed commit: recorded as adopted, at that commit. */
    gr_commit_all(dir, "adopt the recalibration", sha2);
    r = tt_run_in(dir, "log append --recalibration "
                       "registry/tier_statistics.json");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "(adopted)"));
    tt_run_free(&r);
    doc = log_entries(dir);
    arr = cJSON_GetObjectItem(doc, "entries");
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    assert_string_equal(s_of(cJSON_GetArrayItem(arr, 1), "status"), "proposed");
    e = cJSON_GetArrayItem(arr, 2);
    assert_string_equal(s_of(e, "status"), "adopted");
    assert_string_equal(s_of(e, "commit"), sha2);
    gr_sha256sum_prefix(path_in(dir, "data/proposal.json"), 1L << 30, hex);
    assert_string_equal(s_of(e, "proposal_sha256"), hex);
    assert_string_equal(s_of(e, "calibration_head_sha256"), hex);
    cJSON_Delete(doc);
    log = gr_read(dir, "EXECUTION_LOG.md");
    assert_non_null(strstr(log, "(the work tree's copy is: commit it to adopt)"));
    assert_non_null(strstr(log, "**Status:** ✅ ADOPTED: "
                                "`registry/tier_statistics.json` as committed "
                                "at HEAD is this proposal"));
    free(log);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "3 entries verified"));
    tt_run_free(&r);
    cJSON_Delete(prop);
    cJSON_Delete(calib);
}

/* ---- one number edited ---------------------------------------------------- */

static void write_log(const char *dir, const char *text)
{
    FILE *f = fopen(path_in(dir, "EXECUTION_LOG.md"), "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect_verify_fails(const char *dir, const char *what,
                                const char *needle)
{
    tt_run_result r = tt_run_in(dir, "log verify");
    if (r.status != 1 || !strstr(r.err, needle))
        fail_msg("%s: exit %d, stderr '%s' lacks '%s'", what, r.status, r.err,
                 needle);
    tt_run_free(&r);
}

/* Replace the first digit at or after needle's end with another digit. */
static char *edit_digit_after(const char *text, const char *from,
                              const char *needle)
{
    char *t = strdup(text);
    char *p = strstr(t + (from - text), needle);
    assert_non_null(p);
    p += strlen(needle);
    while (*p && (*p < '0' || *p > '9'))
        p++;
    assert_true(*p != '\0');
    *p = *p == '9' ? '8' : (char)(*p + 1);
    return t;
}

static void test_recalibration_entry_edit_detected(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = recal_repo("recal-edit", sha);
    tt_run_result r = tt_run_in(dir, MONITOR "-o data/proposal.json " AT);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    /* A gate entry, then two recalibration entries. */
    gr_gate_json(dir, "data/gate.json");
    r = tt_run_in(dir, "log append --result data/gate.json");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    for (int i = 0; i < 2; i++) {
        r = tt_run_in(dir, "log append --recalibration data/proposal.json " AT);
        if (r.status != 0)
            fail_msg("exit %d: %s", r.status, r.err);
        tt_run_free(&r);
    }
    r = tt_run_in(dir, "log list");
    assert_int_equal(r.status, 0);
    assert_true(row_has(r.out, "1 ", " gate ", " v3.2 ", sha));
    assert_true(row_has(r.out, "2 ", " recalibration ", " proposed ", sha));
    assert_true(row_has(r.out, "3 ", " recalibration ", " proposed ", sha));
    tt_run_free(&r);
    char *good = gr_read(dir, "EXECUTION_LOG.md");
    const char *second = strstr(good, "## Recalibration V3.2");
    assert_non_null(second);

    /* One digit of a proposed rate in the table of entry 2. */
    char *bad = edit_digit_after(good, second, "| TIER_1A_PRIME_MOVER_SMALL | ");
    write_log(dir, bad);
    expect_verify_fails(dir, "table digit", "entry 2 (recalibration of v3.2): "
                                            "the entry itself was edited");
    expect_verify_fails(dir, "table digit", "entry 3 (recalibration of v3.2): "
                                            "the log before it was rewritten");
    free(bad);
    /* One digit of a number in its marker. */
    bad = edit_digit_after(good, second, "\"proposed_rate\":");
    write_log(dir, bad);
    expect_verify_fails(dir, "marker digit", "entry 2 (recalibration of v3.2): "
                                             "the entry itself was edited");
    free(bad);
    /* The shrinkage strength, in the last entry's text. */
    const char *third = strstr(second + 1, "## Recalibration V3.2");
    assert_non_null(third);
    bad = edit_digit_after(good, third, "k = ");
    write_log(dir, bad);
    expect_verify_fails(dir, "strength", "entry 3 (recalibration of v3.2): "
                                         "the entry itself was edited");
    free(bad);
    /* Its status in the marker: proposed -> adopted. */
    bad = strdup(good);
    char *m = strstr(bad + (third - good), "\"status\":\"proposed\"");
    assert_non_null(m);
    memcpy(m, "\"status\":\"adopted\" ", strlen("\"status\":\"proposed\""));
    write_log(dir, bad);
    expect_verify_fails(dir, "status", "entry 3 (recalibration of v3.2): the "
                                       "entry itself was edited");
    free(bad);

    write_log(dir, good);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "3 entries verified"));
    tt_run_free(&r);
    free(good);
}

/* ---- bad input ------------------------------------------------------------ */

/* log append --recalibration FILE exits 2 naming needle; the log and
 * its lock are as they were. */
static void expect_refused(const char *dir, const char *file,
                           const char *needle)
{
    char *before = gr_read(dir, "EXECUTION_LOG.md");
    tt_run_result r = tt_run_in(dir, "log append --recalibration '%s'", file);
    if (r.status != 2 || !strstr(r.err, needle))
        fail_msg("%s: exit %d, stderr '%s' lacks '%s'", file, r.status, r.err,
                 needle);
    assert_string_equal(r.out, "");
    tt_run_free(&r);
    char *after = gr_read(dir, "EXECUTION_LOG.md");
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_not_equal(access(path_in(dir, "EXECUTION_LOG.md.tiergate.lock"),
                                F_OK), 0);
}

/* The proposal with one key changed by a Python expression on d. */
static void variant(const char *dir, const char *out, const char *expr)
{
    gr_sh("cd '%s' && /usr/bin/python3 -c 'import json; d = json.load(open("
          "\"data/proposal.json\")); %s; json.dump(d, open(\"%s\", \"w\"))'",
          dir, expr, out);
}

static void test_recalibration_bad_input(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = recal_repo("recal-bad", sha);
    tt_run_result r = tt_run_in(dir, MONITOR "-o data/proposal.json " AT);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);

    expect_refused(dir, "data/missing.json", "data/missing.json: cannot open");
    gr_sh("printf '{\"tiers\": [1,\\n' > '%s/data/broken.json'", dir);
    expect_refused(dir, "data/broken.json", "data/broken.json:2:");
    gr_sh("printf '[1, 2]' > '%s/data/array.json'", dir);
    expect_refused(dir, "data/array.json", "data/array.json: expected a JSON "
                                           "object");
    /* A calibration table is not a proposal. */
    expect_refused(dir, "registry/tier_statistics.json",
                   "registry/tier_statistics.json: key 'shrinkage': missing");
    variant(dir, "data/v1.json", "d[\"tiers\"] = {}");
    expect_refused(dir, "data/v1.json", "data/v1.json: key 'tiers'");
    variant(dir, "data/v2.json", "d[\"tiers\"][3][\"conversions\"] = "
                                 "d[\"tiers\"][3][\"labeled\"] + 1");
    expect_refused(dir, "data/v2.json", "key 'tiers[3].conversions': more "
                                        "conversions than labeled leads");
    variant(dir, "data/v3.json", "d[\"tiers\"][2][\"ci_upper\"] = 0.0001");
    expect_refused(dir, "data/v3.json", "key 'tiers[2].conversion_rate': "
                                        "outside its interval");
    variant(dir, "data/v4.json", "d[\"tiers\"][0][\"score_tier\"] = \"TIER_9\"");
    expect_refused(dir, "data/v4.json", "key 'tiers[0].score_tier': not a tier "
                                        "of the rules");
    variant(dir, "data/v5.json", "del d[\"data\"][\"windows\"]");
    expect_refused(dir, "data/v5.json", "key 'data.windows'");
    variant(dir, "data/v6.json", "d[\"shrinkage\"][\"strength\"] = -1");
    expect_refused(dir, "data/v6.json", "key 'shrinkage.strength'");
    variant(dir, "data/v7.json", "d[\"rules_sha256\"] = \"0\" * 64");
    expect_refused(dir, "data/v7.json", "key 'rules_sha256': the proposal was "
                                        "computed from other rules");
    variant(dir, "data/v8.json", "d[\"previous_calibration\"][\"sha256\"] = "
                                 "\"x\"");
    expect_refused(dir, "data/v8.json", "key 'previous_calibration.sha256'");
    variant(dir, "data/v9.json", "d[\"tiers\"][1][\"weight_of_data\"] = 2");
    expect_refused(dir, "data/v9.json", "key 'tiers[1].weight_of_data'");
    /* The rules the proposal names must be the ones given. */
    r = tt_run_in(dir, "log append --recalibration data/proposal.json --rules "
                       "registry/tiers/v3.1.json");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "data/proposal.json: key 'model_version'"));
    tt_run_free(&r);
    /* Usage. */
    r = tt_run_in(dir, "log append --recalibration data/proposal.json "
                       "--result data/gate.json");
    assert_int_equal(r.status, 2);
    tt_run_free(&r);
    r = tt_run_in(dir, "monitor --rules " RULES " --data data/prod.csv --log "
                       "EXECUTION_LOG.md");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--log records a recalibration"));
    tt_run_free(&r);
    /* Outside a repository: neither the proposal nor a log is written. */
    const char *out = tt_path("recal-nogit");
    gr_sh("rm -rf '%s' && mkdir -p '%s' && cp -r '%s/registry' '%s/data' '%s/'",
          out, out, dir, dir, out);
    r = tt_run_in(out, MONITOR "-o data/p2.json --log log.md");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not inside a git repository"));
    tt_run_free(&r);
    assert_int_not_equal(access(path_in(out, "data/p2.json"), F_OK), 0);
    assert_int_not_equal(access(path_in(out, "log.md"), F_OK), 0);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "0 entries verified"));
    tt_run_free(&r);
}

/* ---- hostile strings -------------------------------------------------------- */

static void test_recalibration_hostile_strings_stay_text(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = recal_repo("recal-hostile", sha);
    tt_run_result r = tt_run_in(dir, MONITOR "-o data/proposal.json " AT);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    variant(dir, "data/h.json",
            "d[\"data\"][\"windows\"][0] = \"<b>|x`\\n-->\"; "
            "d[\"calibrated_at\"] = \"[a](http://x) *y*\\u001b[31m\"; "
            "d[\"ci_method\"] = \"--> <script>\"; "
            "d[\"previous_calibration\"][\"file\"] = \"a`b\\n## Fake\"");
    r = tt_run_in(dir, "log append --recalibration data/h.json");
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    tt_run_free(&r);
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    assert_null(strstr(log, "<b>"));
    assert_null(strstr(log, "<script"));
    assert_null(strstr(log, "\n## Fake"));
    assert_null(strchr(log, '\x1b'));
    assert_non_null(strstr(log, "&lt;b>\\|x"));
    assert_non_null(strstr(log, "\\[a\\](http://x) \\*y\\*"));
    /* One marker, closed once, at the end of its line. */
    int markers = 0;
    for (const char *q = log; (q = strstr(q, "<!-- tiergate-log ")); q++) {
        markers++;
        assert_true(strstr(q, "-->") + 3 == strchr(q, '\n'));
    }
    assert_int_equal(markers, 1);
    free(log);
    cJSON *doc = log_entries(dir);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "entries"), 0);
    assert_string_equal(s_of(e, "ci_method"), "--> <script>");
    cJSON_Delete(doc);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run_in(dir, "log list");
    assert_int_equal(r.status, 0);
    assert_null(strchr(r.out, '\x1b'));
    tt_run_free(&r);
}

/* ---- concurrency ------------------------------------------------------------ */

static void test_recalibration_and_gate_appends_concurrently(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = recal_repo("recal-concurrent", sha);
    tt_run_result r = tt_run_in(dir, MONITOR "-o data/proposal.json " AT);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    gr_gate_json(dir, "data/gate.json");
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout))
                _exit(90);
            if (i % 2)
                execl(TIERGATE_BIN, "tiergate", "log", "append",
                      "--recalibration", "data/proposal.json", (char *)NULL);
            else
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
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "8 entries verified"));
    tt_run_free(&r);
    cJSON *doc = log_entries(dir);
    int recal = 0, gate = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "entries"))
    {
        recal += !strcmp(s_of(e, "kind"), "recalibration");
        gate += !strcmp(s_of(e, "kind"), "gate");
    }
    assert_int_equal(recal, 4);
    assert_int_equal(gate, 4);
    cJSON_Delete(doc);
    assert_int_not_equal(access(path_in(dir, "EXECUTION_LOG.md.tiergate.lock"),
                                F_OK), 0);
}

/* ---- kill -9 --------------------------------------------------------------- */

static int recal_entries(const char *dir)
{
    char *log = gr_read(dir, "EXECUTION_LOG.md");
    int n = 0;
    for (const char *q = log; (q = strstr(q, "\"kind\":\"recalibration\"")); q++)
        n++;
    free(log);
    return n;
}

/*
 * `monitor --recalibrate --log` killed at random moments: the log
 * always verifies, holds whole entries only, the proposal is absent or
 * whole, and the next run removes what a dead one left behind.
 */
static void test_recalibration_killed_at_random(void **state)
{
    (void)state;
    char sha[41];
    const char *dir = recal_repo("recal-kill", sha);
    /* How long one run takes here; the kills are spread over it. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tt_run_result r = tt_run_in(dir, MONITOR "-o data/kill.json --log "
                                     "EXECUTION_LOG.md");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    long run_ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
    int killed = 0, landed = 0, before = recal_entries(dir);
    assert_int_equal(before, 1);
    for (int i = 0; i < 16; i++) {
        pid_t c = fork();
        if (c == 0) {
            if (chdir(dir) != 0 || !freopen("/dev/null", "w", stdout) ||
                !freopen("/dev/null", "w", stderr))
                _exit(90);
            execl(TIERGATE_BIN, "tiergate", "monitor", "--rules", RULES,
                  "--data", "data/prod.csv", "--since", "2026-01-05",
                  "--recalibrate", "-o", "data/kill.json", "--log",
                  "EXECUTION_LOG.md", (char *)NULL);
            _exit(91);
        }
        /* The i-th sixteenth of a run (the first before it starts). */
        long wait_ns = run_ns / 16 * i;
        struct timespec ts = {wait_ns / 1000000000L, wait_ns % 1000000000L};
        nanosleep(&ts, NULL);
        kill(c, SIGKILL);
        int st;
        waitpid(c, &st, 0);
        if (WIFEXITED(st))
            assert_int_equal(WEXITSTATUS(st), 0);
        killed += WIFSIGNALED(st); /* not a run that had already ended */
        r = tt_run_in(dir, "log verify");
        if (r.status != 0)
            fail_msg("after kill %d: log verify exit %d: %s", i, r.status, r.err);
        tt_run_free(&r);
        int now = recal_entries(dir);
        assert_true(now == before || now == before + 1);
        landed += now - before;
        before = now;
        char *prop = gr_read(dir, "data/kill.json");
        if (prop) {
            cJSON *j = cJSON_Parse(prop);
            assert_non_null(j); /* never half a file */
            cJSON_Delete(j);
            free(prop);
        }
    }
    assert_true(killed > 0);
    print_message("%d of 16 runs killed before they ended, %d entries "
                  "landed\n", killed, landed);
    /* One more, left to finish: it cleans up after the dead ones. */
    r = tt_run_in(dir, MONITOR "-o data/kill.json --log "
                                     "EXECUTION_LOG.md");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    assert_int_equal(recal_entries(dir), landed + 2);
    assert_int_equal(gr_count(path_in(dir, "data"), "*.tmp.*"), 0);
    assert_int_equal(gr_count(dir, "EXECUTION_LOG.md.tmp.*"), 0);
    r = tt_run_in(dir, "log verify");
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recalibration_entry_records_the_proposal),
        cmocka_unit_test(test_recalibration_entry_edit_detected),
        cmocka_unit_test(test_recalibration_bad_input),
        cmocka_unit_test(test_recalibration_hostile_strings_stay_text),
        cmocka_unit_test(test_recalibration_and_gate_appends_concurrently),
        cmocka_unit_test(test_recalibration_killed_at_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
