/*
 * tg_journal and tg_lock: several files replaced as one transaction.
 * A child process runs the journal and dies (_exit, as under kill -9:
 * no cleanup runs) at a chosen named step; the parent then checks what
 * the files hold -- all old, or a mix that recovery must complete -- and
 * that tg_journal_recover leaves every file new and the journal gone.
 * The expected contents are the texts the test wrote. Locks: a second
 * process waits until the holder releases, and a holder killed with
 * SIGKILL does not leave the lock held.
 */
#define _DEFAULT_SOURCE /* realpath, usleep */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const char *die_at_step;
static int die_at_count, seen;

/* Die at the die_at_count-th occurrence of step die_at_step. */
static void die_hook(const char *step, const char *detail)
{
    (void)detail;
    if (die_at_step && strcmp(step, die_at_step) == 0 && ++seen == die_at_count)
        _exit(9);
}

static char root[512], a_path[600], b_path[600], c_path[600], journal[600];

static void fresh_tree(void)
{
    char cmd[1200];
    snprintf(root, sizeof root, "%s/jr", tt_tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/sub'", root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(a_path, sizeof a_path, "%s/registry.json", root);
    snprintf(b_path, sizeof b_path, "%s/sub/log.md", root);
    snprintf(c_path, sizeof c_path, "%s/evidence.txt", root);
    snprintf(journal, sizeof journal, "%s/.journal.json", root);
    FILE *f;
    assert_non_null(f = fopen(a_path, "w"));
    fputs("A old\n", f);
    fclose(f);
    assert_non_null(f = fopen(b_path, "w"));
    fputs("B old\n", f);
    fclose(f);
    unlink(c_path);
}

static const tg_journal_file *new_files(void)
{
    static tg_journal_file files[3];
    static const char *const data[] = {"A new \"quoted\"\n",
                                       "B new\nline two\n", "C created\n"};
    const char *paths[] = {a_path, b_path, c_path};
    for (int i = 0; i < 3; i++) {
        files[i].path = paths[i];
        files[i].data = data[i];
        files[i].len = strlen(data[i]);
        files[i].locked = i == 1;
    }
    return files;
}

static int holds(const char *path, const char *want)
{
    size_t len;
    char *got = tt_read(path, &len);
    int same = got && want ? strcmp(got, want) == 0 : !got && !want;
    free(got);
    return same;
}

/* Run the journal in a child that dies at (step, count); 0 = never. */
static int run_and_die(const char *step, int count)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        die_at_step = step;
        die_at_count = count;
        seen = 0;
        tg_set_step_hook(die_hook);
        int rc = tg_journal_run(journal, root, new_files(), 3, NULL);
        _exit(rc == TG_OK ? 0 : 3);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void assert_all_new(void)
{
    const tg_journal_file *f = new_files();
    for (int i = 0; i < 3; i++)
        if (!holds(f[i].path, f[i].data))
            fail_msg("%s does not hold its new content", f[i].path);
    assert_int_not_equal(access(journal, F_OK), 0);
}

static void test_a_completed_run(void **state)
{
    (void)state;
    fresh_tree();
    assert_int_equal(run_and_die(NULL, 0), 0);
    assert_all_new();
    int completed = -1;
    assert_tg_ok(tg_journal_recover(journal, root, &completed, NULL));
    assert_int_equal(completed, 0); /* nothing to complete */
}

/*
 * Killed after the journal is durable and after 0, 1 and 2 of the 3
 * files were written: each time the files are a mix of old and new
 * (checked), and recovery makes every one new and removes the journal.
 */
static void test_killed_midway_then_recovered(void **state)
{
    (void)state;
    for (int applied = 0; applied < 3; applied++) {
        fresh_tree();
        /* the (applied+1)-th "apply" is announced before that file */
        assert_int_equal(run_and_die("apply", applied + 1), 9);
        assert_int_equal(access(journal, F_OK), 0);
        const tg_journal_file *f = new_files();
        assert_true(holds(a_path, applied >= 1 ? f[0].data : "A old\n"));
        assert_true(holds(b_path, applied >= 2 ? f[1].data : "B old\n"));
        assert_true(holds(c_path, NULL));

        char **locked = NULL;
        int nlocked = 0;
        assert_tg_ok(tg_journal_locked_files(journal, &locked, &nlocked, NULL));
        assert_int_equal(nlocked, 1);
        char real_b[4200];
        assert_non_null(realpath(b_path, real_b));
        assert_string_equal(locked[0], real_b);
        free(locked[0]);
        free(locked);

        int completed = 0;
        assert_tg_ok(tg_journal_recover(journal, root, &completed, NULL));
        assert_int_equal(completed, 1);
        assert_all_new();
    }
}

/* Killed after every file was written but before the journal was
 * removed: recovery rewrites nothing wrong and removes it. */
static void test_killed_before_commit(void **state)
{
    (void)state;
    fresh_tree();
    assert_int_equal(run_and_die("applied", 1), 9);
    assert_int_equal(access(journal, F_OK), 0);
    int completed = 0;
    assert_tg_ok(tg_journal_recover(journal, root, &completed, NULL));
    assert_int_equal(completed, 1);
    assert_all_new();
}

/* One changed byte in the journal's content: refused, nothing written,
 * the journal left for a person. */
static void test_damaged_journal_is_left_alone(void **state)
{
    (void)state;
    fresh_tree();
    assert_int_equal(run_and_die("apply", 1), 9);
    size_t len;
    char *text = tt_read(journal, &len);
    char *p = strstr(text, "C created");
    assert_non_null(p);
    p[0] = 'X';
    FILE *f = fopen(journal, "w");
    fwrite(text, 1, len, f);
    fclose(f);
    free(text);
    int completed = 0;
    tg_error err;
    tg_error_clear(&err);
    assert_int_equal(tg_journal_recover(journal, root, &completed, &err),
                     TG_EINVAL);
    assert_int_equal(completed, 0);
    assert_true(holds(a_path, "A old\n"));
    assert_true(holds(c_path, NULL));
    assert_int_equal(access(journal, F_OK), 0);
}

/* A journal naming a file outside root (made here by a run whose root
 * was wider) is refused on recovery, and the outside file not written. */
static void test_journal_outside_root_is_refused(void **state)
{
    (void)state;
    fresh_tree();
    char outside[600];
    snprintf(outside, sizeof outside, "%s/outside.txt", tt_tmpdir());
    unlink(outside);
    tg_journal_file one = {outside, "planted\n", 8, 0};
    pid_t pid = fork();
    if (pid == 0) {
        die_at_step = "journal";
        die_at_count = 1;
        seen = 0;
        tg_set_step_hook(die_hook);
        tg_journal_run(journal, tt_tmpdir(), &one, 1, NULL);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 9);
    int completed = 0;
    assert_int_equal(tg_journal_recover(journal, root, &completed, NULL),
                     TG_EINVAL);
    assert_int_not_equal(access(outside, F_OK), 0);
    /* and tg_journal_run itself refuses such a file */
    unlink(journal);
    assert_int_equal(tg_journal_run(journal, root, &one, 1, NULL), TG_EINVAL);
    assert_int_not_equal(access(outside, F_OK), 0);
    assert_int_not_equal(access(journal, F_OK), 0);
}

/*
 * A second process asking for a held lock waits: the holder writes a
 * marker file just before it releases, and the waiter, once it holds the
 * lock, must see the marker. Afterwards no lock file is left.
 */
static void test_lock_excludes_and_cleans_up(void **state)
{
    (void)state;
    fresh_tree();
    char marker[700];
    snprintf(marker, sizeof marker, "%s/released", root);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        tg_lock l = {.fd = -1};
        if (tg_lock_acquire(&l, a_path, NULL))
            _exit(3);
        if (write(ready[1], "x", 1) != 1)
            _exit(3);
        usleep(300 * 1000);
        FILE *f = fopen(marker, "w");
        if (f)
            fclose(f);
        tg_lock_release(&l);
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    tg_lock l = {.fd = -1};
    assert_tg_ok(tg_lock_acquire(&l, a_path, NULL));
    assert_int_equal(access(marker, F_OK), 0);
    tg_lock_release(&l);
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(WEXITSTATUS(status), 0);
    char lockfile[700];
    snprintf(lockfile, sizeof lockfile, "%s.tiergate.lock", a_path);
    assert_int_not_equal(access(lockfile, F_OK), 0);
    close(ready[0]);
    close(ready[1]);
}

/* A holder killed with SIGKILL does not keep the lock. */
static void test_killed_holder_releases(void **state)
{
    (void)state;
    fresh_tree();
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        tg_lock l = {.fd = -1};
        if (tg_lock_acquire(&l, b_path, NULL))
            _exit(3);
        if (write(ready[1], "x", 1) != 1)
            _exit(3);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    tg_lock l = {.fd = -1};
    assert_tg_ok(tg_lock_acquire(&l, b_path, NULL));
    assert_true(l.fd >= 0);
    tg_lock_release(&l);
    assert_int_equal(l.fd, -1);
    tg_lock_release(&l); /* releasing twice is harmless */
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_completed_run),
        cmocka_unit_test(test_killed_midway_then_recovered),
        cmocka_unit_test(test_killed_before_commit),
        cmocka_unit_test(test_damaged_journal_is_left_alone),
        cmocka_unit_test(test_journal_outside_root_is_refused),
        cmocka_unit_test(test_lock_excludes_and_cleans_up),
        cmocka_unit_test(test_killed_holder_releases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
