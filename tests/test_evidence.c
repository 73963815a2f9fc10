/*
 * tg_evidence: evidence folders are never overwritten. Each write gets
 * a folder of its own (the run id, then "-2", "-3" ...), earlier
 * folders keep their bytes, names that could leave the reports folder
 * are refused, a run killed while staging leaves no folder in place and
 * its staging folder is removed by the next run, and each citation's
 * SHA-256 equals sha256sum of the file written.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char reports[512];

static void fresh_reports(void)
{
    char cmd[1200];
    snprintf(reports, sizeof reports, "%s/ev/reports", tt_tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s/ev' && mkdir -p '%s'", tt_tmpdir(),
             reports);
    assert_int_equal(system(cmd), 0);
}

/* Entries in dir (". " and ".." not counted). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* The run id format of tg_evidence.h: the time's digits with T and Z,
 * a dash, the first 12 hex digits of the data's SHA-256. */
static void test_run_id(void **state)
{
    (void)state;
    char id[96];
    assert_string_equal(tg_run_id(id, "2025-12-22T10:00:00Z",
                                  "3f2a9c01b7e4aaaaaaaaaaaaaaaaaaaa"),
                        "20251222T100000Z-3f2a9c01b7e4");
    assert_string_equal(tg_run_id(id, "2025-12-22T10:00:00Z", NULL),
                        "20251222T100000Z-nodata");
    assert_true(tg_safe_path_component(id));
}

static void test_a_name_is_never_reused(void **state)
{
    (void)state;
    fresh_reports();
    tg_evidence_file one = {"gate.json", "{\"run\": 1}\n", 11};
    tg_evidence_file two = {"gate.json", "{\"run\": 2}\n", 11};
    char d1[4096], d2[4096], d3[4096], want[4200];
    assert_tg_ok(tg_evidence_write(d1, sizeof d1, reports, "v3.2", "RUN", &one,
                                   1, NULL));
    snprintf(want, sizeof want, "%s/v3.2/RUN", reports);
    assert_string_equal(d1, want);
    assert_tg_ok(tg_evidence_write(d2, sizeof d2, reports, "v3.2", "RUN", &two,
                                   1, NULL));
    snprintf(want, sizeof want, "%s/v3.2/RUN-2", reports);
    assert_string_equal(d2, want);
    /* An empty folder that takes the next name is skipped, not filled. */
    snprintf(want, sizeof want, "%s/v3.2/RUN-3", reports);
    assert_int_equal(mkdir(want, 0755), 0);
    assert_tg_ok(tg_evidence_write(d3, sizeof d3, reports, "v3.2", "RUN", &two,
                                   1, NULL));
    snprintf(want, sizeof want, "%s/v3.2/RUN-4", reports);
    assert_string_equal(d3, want);
    snprintf(want, sizeof want, "%s/v3.2/RUN-3", reports);
    assert_int_equal(entries(want), 0);

    char path[4200];
    size_t len;
    snprintf(path, sizeof path, "%s/gate.json", d1);
    char *text = tt_read(path, &len);
    assert_string_equal(text, "{\"run\": 1}\n"); /* the first run's, intact */
    free(text);
    /* nothing but the four folders in the version's folder */
    snprintf(path, sizeof path, "%s/v3.2", reports);
    assert_int_equal(entries(path), 4);
}

static void test_hostile_names_are_refused(void **state)
{
    (void)state;
    fresh_reports();
    tg_evidence_file f = {"gate.json", "x", 1};
    tg_evidence_file bad_file = {"../escape.json", "x", 1};
    static const char *const versions[] = {"../x", "a/b", ".hidden", "-v", "",
                                           "v 1", "caf\xc3\xa9"};
    char d[4096];
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++)
        assert_int_equal(tg_evidence_write(d, sizeof d, reports, versions[i],
                                           "RUN", &f, 1, NULL), TG_EINVAL);
    assert_int_equal(tg_evidence_write(d, sizeof d, reports, "v1", "../RUN",
                                       &f, 1, NULL), TG_EINVAL);
    assert_int_not_equal(tg_evidence_write(d, sizeof d, reports, "v1", "RUN",
                                           &bad_file, 1, NULL), TG_OK);
    /* Nothing was put in place, and nothing written beside reports. */
    char path[700];
    snprintf(path, sizeof path, "%s/v1", reports);
    assert_int_equal(entries(path) <= 0, 1);
    snprintf(path, sizeof path, "%s/ev", tt_tmpdir());
    assert_int_equal(entries(path), 1); /* reports/ only */
    snprintf(path, sizeof path, "%s/escape.json", reports);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void die_hook(const char *step, const char *detail)
{
    (void)detail;
    if (strcmp(step, "evidence-staged") == 0)
        _exit(9);
}

/* Killed once the staging folder is complete but before the rename: no
 * folder under the run id; the next run removes the dead staging folder
 * and takes the run id itself. */
static void test_killed_while_staging(void **state)
{
    (void)state;
    fresh_reports();
    tg_evidence_file f = {"gate.json", "{}\n", 3};
    pid_t pid = fork();
    if (pid == 0) {
        char d[4096];
        tg_set_step_hook(die_hook);
        tg_evidence_write(d, sizeof d, reports, "v1", "RUN", &f, 1, NULL);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 9);
    char path[700], d[4096];
    snprintf(path, sizeof path, "%s/v1", reports);
    assert_int_equal(entries(path), 1); /* the staging folder only */
    snprintf(path, sizeof path, "%s/v1/RUN", reports);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_tg_ok(tg_evidence_write(d, sizeof d, reports, "v1", "RUN", &f, 1,
                                   NULL));
    assert_string_equal(d, path);
    snprintf(path, sizeof path, "%s/v1", reports);
    assert_int_equal(entries(path), 1); /* RUN, the staging folder gone */
}

/* Each citation: the file's path and sha256sum of the bytes written. */
static void test_cite_matches_sha256sum(void **state)
{
    (void)state;
    fresh_reports();
    tg_evidence_file files[] = {{"gate.json", "{\"a\": 1}\n", 9},
                                {"junit.xml", "<testsuite/>\n", 13},
                                {"empty.txt", "", 0}};
    char d[4096];
    assert_tg_ok(tg_evidence_write(d, sizeof d, reports, "v2", "R", files, 3,
                                   NULL));
    cJSON *cite = tg_evidence_cite(d, files, 3, NULL);
    assert_int_equal(cJSON_GetArraySize(cite), 3);
    for (int i = 0; i < 3; i++) {
        cJSON *c = cJSON_GetArrayItem(cite, i);
        const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(c, "file"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItem(c, "sha256"));
        char want_path[4200], cmd[4400], want[65] = {0};
        snprintf(want_path, sizeof want_path, "%s/%s", d, files[i].name);
        assert_string_equal(file, want_path);
        snprintf(cmd, sizeof cmd, "sha256sum '%s'", file);
        FILE *p = popen(cmd, "r");
        assert_int_equal(fscanf(p, "%64s", want), 1);
        assert_int_equal(pclose(p), 0);
        assert_string_equal(sha, want);
    }
    cJSON_Delete(cite);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_id),
        cmocka_unit_test(test_a_name_is_never_reused),
        cmocka_unit_test(test_hostile_names_are_refused),
        cmocka_unit_test(test_killed_while_staging),
        cmocka_unit_test(test_cite_matches_sha256sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
