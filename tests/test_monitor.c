/*
 * monitor: calendar windows, maturity, PSI against the committed
 * numpy/scipy reference, every monitor gate kind passing and failing,
 * the two-model comparison and the summary against SQLite, and the
 * recalibration's shrinkage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_util.h"
#include "testutil.h"

#define RULES "registry/tiers/v3.2.json"

/* ---- windows ------------------------------------------------------------ */

static void test_windows(void **state)
{
    (void)state;
    char l[16];
    /* ISO 8601 weeks: Monday starts; the week belongs to its Thursday's
     * year (2026-01-01 is a Thursday, 2021-01-03 a Sunday). */
    assert_int_equal(tg_window_start(20260101, TG_WINDOW_WEEK), 20251229);
    assert_string_equal(tg_window_label(20251229, TG_WINDOW_WEEK, l), "2026-W01");
    assert_int_equal(tg_window_start(20241230, TG_WINDOW_WEEK), 20241230);
    assert_string_equal(tg_window_label(20241230, TG_WINDOW_WEEK, l), "2025-W01");
    assert_int_equal(tg_window_start(20210103, TG_WINDOW_WEEK), 20201228);
    assert_string_equal(tg_window_label(20201228, TG_WINDOW_WEEK, l), "2020-W53");
    assert_int_equal(tg_window_start(20260105, TG_WINDOW_WEEK), 20260105);
    assert_int_equal(tg_window_end(20260105, TG_WINDOW_WEEK), 20260111);
    assert_int_equal(tg_window_start(20250715, TG_WINDOW_MONTH), 20250701);
    assert_int_equal(tg_window_end(20240201, TG_WINDOW_MONTH), 20240229);
    assert_int_equal(tg_window_end(20251201, TG_WINDOW_MONTH), 20251231);
    assert_string_equal(tg_window_label(20250701, TG_WINDOW_MONTH, l), "2025-07");
    for (int d = 19700101; d < 19700110; d++)
        assert_int_equal(tg_days_to_date(tg_date_to_days(d)), d);
    assert_int_equal(tg_date_to_days(20000301) - tg_date_to_days(20000228), 2);
}

/* ---- maturity from rows ----------------------------------------------- */

/* Leads with every feature NULL are STANDARD under V3.2. Day i of March
 * 2026 (1..31) holds i leads; lead j converts when j % 3 == 0 and is
 * unlabeled when j % 7 == 6. */
static const char *march_csv(void)
{
    static char path[1024];
    FILE *f = fopen(tt_path("march.csv"), "w");
    fprintf(f, "lead_id,contacted_date,current_firm_tenure_months,"
               "industry_tenure_months,firm_net_change_12mo,"
               "firm_rep_count_at_contact,num_prior_firms,is_wirehouse,"
               "target,split\n");
    int id = 0;
    for (int day = 1; day <= 31; day++)
        for (int j = 0; j < day; j++)
            fprintf(f, "%d,2026-03-%02d,,,,,,,%s,PRODUCTION\n", ++id, day,
                    j % 7 == 6 ? "" : j % 3 == 0 ? "1" : "0");
    fprintf(f, "%d,,,,,,,,1,PRODUCTION\n", ++id); /* undated */
    fclose(f);
    snprintf(path, sizeof path, "%s", tt_path("march.csv"));
    return path;
}

static void test_maturity(void **state)
{
    (void)state;
    tg_rules *r = tt_rules(RULES);
    const char *paths[] = {march_csv()};
    tg_scan_options so = TG_SCAN_OPTIONS_INIT;
    so.paths = paths;
    so.npaths = 1;
    tg_monitor_options mo = {TG_WINDOW_WEEK, 10, 0, 0, NULL};
    tg_monitor_data d;
    assert_tg_ok(tg_monitor_scan(&d, r, &so, &mo, NULL));
    assert_int_equal(d.last_date, 20260331);
    assert_int_equal(d.cutoff, 20260321); /* 31 - 10 */
    assert_int_equal(d.undated, 1);
    /* Weeks from Monday 2026-02-23 (holding Sunday 1 March) to 30 March. */
    assert_int_equal(d.nwindows, 6);
    int def = r->ntiers - 1;
    for (int i = 0; i < d.nwindows; i++) {
        uint64_t leads = 0, mleads = 0, mlab = 0, mconv = 0;
        for (int day = 1; day <= 31; day++) {
            int date = 20260300 + day;
            if (date < d.w[i].start || date > d.w[i].end)
                continue;
            for (int j = 0; j < day; j++) {
                leads++;
                if (day > 21) /* immature: less than 10 days before the 31st */
                    continue;
                mleads++;
                mlab += j % 7 != 6;
                mconv += j % 7 != 6 && j % 3 == 0;
            }
        }
        assert_int_equal(d.w[i].all[def].leads, leads);
        assert_int_equal(d.w[i].mature[def].leads, mleads);
        assert_int_equal(d.w[i].mature[def].labeled, mlab);
        assert_int_equal(d.w[i].mature[def].conversions, mconv);
    }
    tg_monitor_baseline b;
    assert_tg_ok(tg_monitor_baseline_load(&b, NULL, r, NULL));
    tg_monitor_stats s;
    assert_tg_ok(tg_monitor_stats_compute(&s, r, NULL, &d, &b, TG_CI_WILSON,
                                          0.95, NULL));
    /* Week of 16 March: days 16-21 mature, 22 held back. */
    assert_string_equal(s.w[3].label, "2026-W12");
    assert_int_equal(s.w[3].held_back, 22);
    assert_false(s.w[3].mature);
    assert_true(s.w[2].mature);
    /* The week of 23 March is wholly immature: no rate at all. */
    assert_int_equal(s.w[4].labeled, 0);
    assert_true(isnan(s.w[4].tiers[def].rate));
    assert_int_equal(s.w[4].tiers[def].leads, 23 + 24 + 25 + 26 + 27 + 28 + 29);
    /* --since/--until select whole windows. */
    tg_monitor_options m2 = {TG_WINDOW_WEEK, 10, 20260304, 20260317, NULL};
    tg_monitor_data d2;
    assert_tg_ok(tg_monitor_scan(&d2, r, &so, &m2, NULL));
    assert_int_equal(d2.nwindows, 3);
    assert_int_equal(d2.w[0].start, 20260302);
    assert_int_equal(d2.w[2].end, 20260322);
    assert_int_equal(d2.last_date, 20260331); /* maturity from all data */
    tg_monitor_data_release(&d2);
    tg_monitor_stats_release(&s);
    tg_monitor_baseline_release(&b);
    tg_monitor_data_release(&d);
    tg_rules_free(r);
}

/* ---- PSI ---------------------------------------------------------------- */

static int parse_counts(const char *s, uint64_t *out)
{
    int n = 0;
    while (*s && *s != ';') {
        out[n++] = strtoull(s, (char **)&s, 10);
        if (*s == ',')
            s++;
    }
    return n;
}

static void test_psi_reference(void **state)
{
    (void)state;
    char *text = tt_read(tt_src("tests/fixtures/monitor/psi.csv"), NULL);
    assert_non_null(text);
    int cases = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || strncmp(line, "reference", 9) == 0)
            continue;
        uint64_t p[32], q[32];
        int n = parse_counts(line, p);
        const char *obs = strchr(line, ';') + 1;
        assert_int_equal(parse_counts(obs, q), n);
        double want = strtod(strchr(obs, ';') + 1, NULL);
        double got = tg_psi(p, q, n);
        if (fabs(got - want) > 1e-12 * fmax(1, fabs(want)))
            fail_msg("PSI %s: %.17g, reference %.17g", line, got, want);
        cases++;
    }
    assert_int_equal(cases, 10);
    free(text);
    uint64_t z[2] = {0, 0}, o[2] = {1, 1};
    assert_true(isnan(tg_psi(z, o, 2)));
}

/* ---- gates, from summaries with exact counts ---------------------------- */

#define SUMMARY_HEADER                                                         \
    "window_start,split,tier,mature,maturity_days,leads,labeled,conversions,"  \
    "first_contacted_date,last_contacted_date\n"

/* Calibration: STANDARD at 10% on 100,000 labeled, TIER_2B at 10% on
 * 20,000, the rest at their counts; training distribution 90/10. */
static const char *calibration(void)
{
    tg_rules *r = tt_rules(RULES);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model_version", "v3.2");
    cJSON *t = cJSON_AddArrayToObject(j, "tiers");
    for (int k = 0; k < r->ntiers; k++) {
        cJSON *x = cJSON_CreateObject();
        int is_std = k == r->ntiers - 1;
        cJSON_AddStringToObject(x, "score_tier", r->tiers[k].name);
        cJSON_AddNumberToObject(x, "training_volume", is_std ? 90000 : 10000 / 7);
        cJSON_AddNumberToObject(x, "labeled", is_std ? 100000 : 20000);
        cJSON_AddNumberToObject(x, "conversions", is_std ? 10000 : 2000);
        cJSON_AddNumberToObject(x, "conversion_rate", 0.10);
        cJSON_AddItemToArray(t, x);
    }
    char *s = cJSON_Print(j);
    const char *p = tt_write("calibration.json", s);
    free(s);
    cJSON_Delete(j);
    tg_rules_free(r);
    return p;
}

typedef struct {
    tg_rules *r;
    tg_monitor_policy *p;
    tg_monitor_data d;
    tg_monitor_baseline b;
    tg_monitor_stats s;
    tg_monitor_result res;
} judged;

static void judge(judged *j, const char *summary, const char *policy)
{
    j->r = tt_rules(RULES);
    const char *pp = tt_write("policy.json", policy);
    tg_error err;
    if (tg_monitor_policy_load(&j->p, pp, j->r, &err) != TG_OK)
        fail_msg("%s", err.msg);
    tg_monitor_options mo = {TG_WINDOW_WEEK, 30, 0, 0, NULL};
    if (tg_monitor_summary_load(&j->d, j->r, tt_write("s.csv", summary), &mo,
                                &err) != TG_OK)
        fail_msg("%s:%ld: %s", err.file, err.line, err.msg);
    assert_tg_ok(tg_monitor_baseline_load(&j->b, calibration(), j->r, NULL));
    assert_tg_ok(tg_monitor_stats_compute(&j->s, j->r, NULL, &j->d, &j->b,
                                          TG_CI_WILSON, 0.95, NULL));
    assert_tg_ok(tg_monitor_judge(&j->res, j->p, &j->s, NULL));
}

static void unjudge(judged *j)
{
    tg_monitor_result_release(&j->res);
    tg_monitor_stats_release(&j->s);
    tg_monitor_baseline_release(&j->b);
    tg_monitor_data_release(&j->d);
    tg_monitor_policy_free(j->p);
    tg_rules_free(j->r);
}

static tg_mstatus status_of(const judged *j, const char *window, int tier)
{
    for (int i = 0; i < j->res.noutcomes; i++) {
        const tg_moutcome *o = &j->res.outcomes[i];
        if (strcmp(j->s.w[o->window].label, window) == 0 && o->tier == tier)
            return o->status;
    }
    fail_msg("no outcome for %s tier %d", window, tier);
    return TG_MSTATUS_INSUFFICIENT;
}

/* Four mature weeks of STANDARD and one immature week that sets the last
 * date (2026-03-08 - 30 days = 2026-02-06). */
static const char *std_summary(const char *w1, const char *w2, const char *w3,
                               const char *w4)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             SUMMARY_HEADER
             "2026-01-05,PRODUCTION,STANDARD,1,30,%s,2026-01-05,2026-01-11\n"
             "2026-01-12,PRODUCTION,STANDARD,1,30,%s,2026-01-12,2026-01-18\n"
             "2026-01-19,PRODUCTION,STANDARD,1,30,%s,2026-01-19,2026-01-25\n"
             "2026-01-26,PRODUCTION,STANDARD,1,30,%s,2026-01-26,2026-02-01\n"
             "2026-03-02,PRODUCTION,STANDARD,0,30,10,10,1,2026-03-02,2026-03-08\n",
             w1, w2, w3, w4);
    return buf;
}

static const char *one_gate(const char *gate, const char *extra)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"policy_id\": \"t\", \"min_labeled\": 30, \"min_leads\": 100%s,"
             " \"gates\": [%s]}", extra, gate);
    return buf;
}

static void test_gate_calibration_drift(void **state)
{
    (void)state;
    judged j;
    /* W02: 500/5000 (ratio 1, interval inside [0.8, 1.2]); W03, W04:
     * 250/5000 (ratio 0.5, wholly below) twice; W05: 10 labeled. */
    judge(&j, std_summary("5000,5000,500", "5000,5000,250", "5000,5000,250",
                          "20,10,1"),
          one_gate("{\"id\": \"cal\", \"description\": \"d\", \"check\": "
                   "\"calibration_drift\", \"min\": 0.8, \"max\": 1.2, "
                   "\"consecutive\": 2, \"severity\": \"block\", \"tiers\": "
                   "[\"STANDARD\"]}", ""));
    int std = j.r->ntiers - 1;
    assert_int_equal(status_of(&j, "2026-W02", std), TG_MSTATUS_PASS);
    /* The first window outside is not yet two in a row. */
    assert_int_equal(status_of(&j, "2026-W03", std), TG_MSTATUS_INCONCLUSIVE);
    assert_int_equal(status_of(&j, "2026-W04", std), TG_MSTATUS_FAIL);
    assert_int_equal(status_of(&j, "2026-W05", std), TG_MSTATUS_INSUFFICIENT);
    assert_int_equal(status_of(&j, "2026-W10", std), TG_MSTATUS_INSUFFICIENT);
    assert_int_equal(j.res.status, TG_OVERALL_FAILED);
    /* Every ratio lies inside its own interval. */
    for (int i = 0; i < j.s.nwindows; i++) {
        const tg_window_tier *t = &j.s.w[i].tiers[std];
        if (isfinite(t->ratio))
            assert_true(t->ratio_lower <= t->ratio && t->ratio <= t->ratio_upper);
    }
    unjudge(&j);
    /* Not enough evidence either way: inconclusive, a warning unless the
     * policy says inconclusive verdicts block. */
    const char *g = "{\"id\": \"cal\", \"description\": \"d\", \"check\": "
                    "\"calibration_drift\", \"min\": 0.8, \"max\": 1.2, "
                    "\"severity\": \"block\", \"tiers\": [\"STANDARD\"]}";
    judge(&j, std_summary("100,100,10", "100,100,10", "100,100,10", "100,100,10"),
          one_gate(g, ", \"inconclusive\": \"warn\""));
    assert_int_equal(status_of(&j, "2026-W02", std), TG_MSTATUS_INCONCLUSIVE);
    assert_int_equal(j.res.status, TG_OVERALL_PASSED_WITH_WARNINGS);
    unjudge(&j);
    /* As in gate policies, inconclusive blocks unless the policy says. */
    judge(&j, std_summary("100,100,10", "100,100,10", "100,100,10", "100,100,10"),
          one_gate(g, ""));
    assert_int_equal(j.res.status, TG_OVERALL_FAILED);
    unjudge(&j);
}

static void test_verdict_boundaries(void **state)
{
    (void)state;
    assert_int_equal(tg_verdict_within(0.8, 1.2, 0.8, 1.2), TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_within(0.79999, 1.0, 0.8, 1.2),
                     TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_within(0.5, 0.8, 0.8, 1.2), TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_within(0.5, 0.79999, 0.8, 1.2), TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_within(1.2, 1.5, 0.8, 1.2), TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_within(1.20001, 1.5, 0.8, 1.2), TG_VERDICT_FAIL);
    assert_int_equal(tg_verdict_within(0.1, 0.2, NAN, 0.25), TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_within(0.1, 0.3, NAN, 0.25), TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_above(0.2, 0.3, 0.1, 0.2), TG_VERDICT_INCONCLUSIVE);
    assert_int_equal(tg_verdict_above(0.20001, 0.3, 0.1, 0.2), TG_VERDICT_PASS);
    assert_int_equal(tg_verdict_above(0.01, 0.09999, 0.1, 0.2), TG_VERDICT_FAIL);
}

/* Two windows: W02 with the training shares (90% STANDARD, 10% spread
 * over the seven priority tiers), W03 with 50% priority. */
static const char *share_summary(void)
{
    static char buf[8192];
    tg_rules *r = tt_rules(RULES);
    int n = snprintf(buf, sizeof buf, SUMMARY_HEADER);
    for (int w = 0; w < 2; w++) {
        const char *start = w ? "2026-01-12" : "2026-01-05";
        const char *last = w ? "2026-01-18" : "2026-01-11";
        for (int k = 0; k < r->ntiers; k++) {
            int std = k == r->ntiers - 1;
            int leads = std ? (w ? 5000 : 9000) : (w ? 5000 : 1000) / 7;
            /* Priority tiers convert at 20%, STANDARD at 2% (W02) or the
             * other way round (W03). */
            int conv = std ? leads * (w ? 20 : 2) / 100 : leads * (w ? 1 : 20) / 100;
            n += snprintf(buf + n, sizeof buf - (size_t)n,
                          "%s,PRODUCTION,%s,1,30,%d,%d,%d,%s,%s\n", start,
                          r->tiers[k].name, leads, leads, conv, start, last);
        }
    }
    snprintf(buf + n, sizeof buf - (size_t)n,
             "2026-03-02,PRODUCTION,STANDARD,0,30,10,10,1,2026-03-02,2026-03-08\n");
    tg_rules_free(r);
    return buf;
}

static void test_gate_psi_volume_below(void **state)
{
    (void)state;
    judged j;
    judge(&j, share_summary(),
          "{\"policy_id\": \"t\", \"gates\": ["
          "{\"id\": \"psi\", \"description\": \"d\", \"check\": \"psi\", "
          "\"max\": 0.25, \"severity\": \"block\"},"
          "{\"id\": \"vol\", \"description\": \"d\", \"check\": "
          "\"volume_share\", \"min\": 0.05, \"max\": 0.15, \"severity\": "
          "\"warn\"},"
          "{\"id\": \"below\", \"description\": \"d\", \"check\": "
          "\"below_reference\", \"tiers\": [\"TIER_2B*\"], \"severity\": "
          "\"block\"}]}");
    int t2b = tg_rules_tier_index(j.r, "TIER_2B_MODERATE_BLEEDER");
    for (int i = 0; i < j.res.noutcomes; i++) {
        const tg_moutcome *o = &j.res.outcomes[i];
        const char *w = j.s.w[o->window].label;
        int first = strcmp(w, "2026-W02") == 0, second = strcmp(w, "2026-W03") == 0;
        if (!first && !second) {
            assert_int_equal(o->status, TG_MSTATUS_INSUFFICIENT);
            continue;
        }
        if (o->gate->check == TG_MCHECK_BELOW_REFERENCE)
            assert_int_equal(o->tier, t2b);
        /* W02 matches training and priority beats STANDARD; W03 does not. */
        assert_int_equal(o->status, first ? TG_MSTATUS_PASS : TG_MSTATUS_FAIL);
        if (second && o->gate->check == TG_MCHECK_PSI)
            assert_true(o->actual > 0.25);
    }
    assert_int_equal(j.res.fail, 3);
    assert_int_equal(j.res.status, TG_OVERALL_FAILED);
    unjudge(&j);
}

static void test_policy_errors(void **state)
{
    (void)state;
    static const struct {
        const char *policy, *msg;
    } cases[] = {
        {"{\"policy_id\": \"t\", \"gates\": [{\"id\": \"a\", \"description\": "
         "\"d\", \"check\": \"psi\", \"severity\": \"block\"}]}",
         "gate 'a': key 'max': check 'psi' needs 'max'"},
        {"{\"policy_id\": \"t\", \"gates\": [{\"id\": \"a\", \"description\": "
         "\"d\", \"check\": \"psi\", \"max\": 0.1, \"severity\": \"block\", "
         "\"maxx\": 1}]}",
         "gate 'a': key 'maxx': unknown key"},
        {"{\"policy_id\": \"t\", \"gates\": [{\"id\": \"a\", \"description\": "
         "\"d\", \"check\": \"calibration_drift\", \"min\": 0.8, \"severity\": "
         "\"block\", \"tiers\": [\"TIER_9*\"]}]}",
         "gate 'a': key 'tiers': 'TIER_9*' matches no tier"},
        {"{\"policy_id\": \"t\", \"inconclusive\": \"maybe\", \"gates\": []}",
         "key 'inconclusive': expected \"warn\" or \"block\""},
    };
    tg_rules *r = tt_rules(RULES);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tg_monitor_policy *p = NULL;
        tg_error err;
        tg_error_clear(&err);
        assert_int_equal(tg_monitor_policy_parse(&p, cases[i].policy,
                                                 strlen(cases[i].policy), "p.json",
                                                 r, &err),
                         TG_EINVAL);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
    }
    tg_rules_free(r);
}

/* Hostile summaries: every inconsistency is an error naming its line. */
static void test_summary_errors(void **state)
{
    (void)state;
    static const struct {
        const char *rows, *msg;
    } cases[] = {
        {"2026-01-05,P,TIER_9,1,30,5,5,1,2026-01-05,2026-01-05\n",
         ":2:14: unknown tier 'TIER_9'"},
        {"2026-01-06,P,STANDARD,1,30,5,5,1,2026-01-06,2026-01-06\n",
         "'2026-01-06' is not the first day of a week"},
        {"2026-01-05,P,STANDARD,2,30,5,5,1,2026-01-05,2026-01-05\n",
         "'mature' needs 0 or 1, found '2'"},
        {"2026-01-05,P,STANDARD,1,30,5,5,6,2026-01-05,2026-01-05\n",
         "conversions (6) exceed labeled (5)"},
        {"2026-01-05,P,STANDARD,1,30,5,-5,1,2026-01-05,2026-01-05\n",
         "'labeled' needs a whole count >= 0, found '-5'"},
        {"2026-01-05,P,STANDARD,1,30,5,5,1.5,2026-01-05,2026-01-05\n",
         "'conversions' needs a whole count >= 0, found '1.5'"},
        {"2026-01-05,P,STANDARD,1,30,5,5,1,2026-01-05,2026-02-30\n",
         "'last_contacted_date' needs a date (YYYY-MM-DD), found '2026-02-30'"},
        {"2026-01-05,P,STANDARD,1,30,5,5,1,2026-01-05,2026-01-20\n",
         "last_contacted_date is outside the window starting 2026-01-05"},
        {"2026-03-02,P,STANDARD,1,30,5,5,1,2026-03-02,2026-03-08\n",
         "a mature row in the window starting 2026-03-02 disagrees"},
        {"2026-02-02,P,STANDARD,1,30,5,5,1,2026-02-02,2026-02-08\n"
         "2026-03-02,P,STANDARD,0,30,5,5,1,2026-03-02,2026-03-08\n",
         "a mature row in the window starting 2026-02-02 disagrees with the "
         "last mature date 2026-02-06"},
        {"2026-01-05,P,STANDARD,0,30,5,5,1,2026-01-05,2026-01-11\n"
         "2026-03-02,P,STANDARD,0,30,5,5,1,2026-03-02,2026-03-08\n",
         "an immature row in the window starting 2026-01-05"},
        {"2026-01-05,P,STAN\033[2JDARD,1,30,5,5,1,2026-01-05,2026-01-05\n",
         "unknown tier 'STAN?[2JDARD'"},
        {"2026-01-05,P,STANDARD,1,30,5,5\n", "expected 10 fields, found 7"},
    };
    tg_rules *r = tt_rules(RULES);
    tg_monitor_options mo = {TG_WINDOW_WEEK, 30, 0, 0, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[1024];
        snprintf(text, sizeof text, SUMMARY_HEADER "%s", cases[i].rows);
        tg_monitor_data d;
        tg_error err;
        tg_error_clear(&err);
        assert_int_equal(tg_monitor_summary_load(&d, r, tt_write("bad.csv", text),
                                                 &mo, &err),
                         TG_EINVAL);
        char buf[2048];
        tg_error_format(&err, buf, sizeof buf);
        if (!strstr(buf, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, buf, cases[i].msg);
    }
    /* Columns in any position: the message names the field (a field
     * past the tenth column once read outside the name table). */
    tg_monitor_data d;
    tg_error err;
    char wide[2048];
    snprintf(wide, sizeof wide,
             "a,b,c,d,e,f,g,h,i,j,k,l," SUMMARY_HEADER
             "1,2,3,4,5,6,7,8,9,10,11,12,2026-01-05,P,STANDARD,1,30,x,5,1,"
             "2026-01-05,2026-01-05\n");
    assert_int_equal(tg_monitor_summary_load(&d, r, tt_write("wide.csv", wide),
                                             &mo, &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "'leads' needs a whole count >= 0, found 'x'"));
    tg_tally t;
    assert_int_equal(tg_summary_load(&t, r, tt_write("wide2.csv",
                     "a,b,c,d,e,f,g,h,i,j,k,l,split,tier,leads,labeled,"
                     "conversions\n1,2,3,4,5,6,7,8,9,10,11,12,TRAIN,STANDARD,"
                     "5,y,1\n"), &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "'labeled' needs a whole count >= 0"));
    /* A missing column names it; months need the first of the month. */
    assert_int_equal(tg_monitor_summary_load(&d, r, tt_write("bad.csv",
                     "window_start,tier,leads\n"), &mo, &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "missing column 'mature'"));
    tg_monitor_options mm = {TG_WINDOW_MONTH, 30, 0, 0, NULL};
    assert_int_equal(tg_monitor_summary_load(&d, r, tt_write("bad.csv",
                     SUMMARY_HEADER "2026-01-05,P,STANDARD,1,30,5,5,1,2026-01-05,"
                     "2026-01-05\n"), &mm, &err), TG_EINVAL);
    assert_non_null(strstr(err.msg, "not the first day of a month"));
    tg_rules_free(r);
}

/* Usage errors exit 2 with a message; nothing is written. */
static void test_cli_usage(void **state)
{
    (void)state;
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"--data x.csv --by day", "--by takes week or month"},
        {"--data x.csv --since 2026-13-01", "--since takes a date"},
        {"--data x.csv --maturity -1", "--maturity takes a whole number"},
        {"--data x.csv --recalibrate", "--recalibrate writes a calibration "
                                       "table: give -o FILE"},
        {"--summary x.csv --compare registry/tiers/v3.1.json",
         "--compare scores rows with both rule sets"},
        {"--data x.csv --summary y.csv", "give --data or --summary, not both"},
        {"", "give the data with --data FILE"},
        {"--data tests/fixtures/synthetic_sample.csv --calibration "
         "registry/tiers/v3.1.json",
         "key 'model_version': calibrates another model version"},
        {"--data tests/fixtures/synthetic_sample.csv --policy "
         "registry/gates/v3.2.json", "key 'judge': unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tt_run_result r = tt_run("monitor --rules " RULES " %s", cases[i].args);
        if (r.status != 2 || !strstr(r.err, cases[i].msg))
            fail_msg("case %zu: exit %d, '%s' lacks '%s'", i, r.status, r.err,
                     cases[i].msg);
        assert_string_equal(r.out, "");
        tt_run_free(&r);
    }
    tt_run_result r = tt_run("monitor --help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--maturity DAYS"));
    tt_run_free(&r);
}

/* ---- recalibration ------------------------------------------------------ */

static void test_recalibrate(void **state)
{
    (void)state;
    judged j;
    judge(&j, std_summary("1000,1000,50", "1000,1000,80", "1000,1000,60",
                          "40,40,2"),
          one_gate("{\"id\": \"psi\", \"description\": \"d\", \"check\": "
                   "\"psi\", \"max\": 0.25, \"severity\": \"warn\"}", ""));
    int std = j.r->ntiers - 1;
    for (int k = 0; k < 2; k++) {
        double strength = k ? 0 : 100;
        tg_recalibrate_options o = {2, strength, "2026-04-01T00:00:00Z"};
        cJSON *out = NULL;
        assert_tg_ok(tg_monitor_recalibrate(&out, &j.s, &o, NULL));
        /* The last two fully mature windows: W04 and W05. */
        const cJSON *w = cJSON_GetObjectItem(cJSON_GetObjectItem(out, "data"),
                                             "windows");
        assert_int_equal(cJSON_GetArraySize(w), 2);
        assert_string_equal(cJSON_GetArrayItem(w, 0)->valuestring, "2026-W04");
        assert_string_equal(cJSON_GetArrayItem(w, 1)->valuestring, "2026-W05");
        const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "tiers"), std);
        double x = 62, n = 1040, p0 = 0.10;
        double want = (x + strength * p0) / (n + strength);
        double rate = cJSON_GetObjectItem(t, "conversion_rate")->valuedouble;
        assert_true(fabs(rate - want) < 1e-15);
        assert_true(cJSON_GetObjectItem(t, "ci_lower")->valuedouble <= rate);
        assert_true(cJSON_GetObjectItem(t, "ci_upper")->valuedouble >= rate);
        assert_int_equal((int)cJSON_GetObjectItem(t, "labeled")->valuedouble, 1040);
        /* A tier without mature leads keeps the previous calibration. */
        const cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "tiers"), 0);
        if (strength > 0)
            assert_true(fabs(cJSON_GetObjectItem(t0, "conversion_rate")->valuedouble -
                             0.10) < 1e-15);
        else
            assert_true(cJSON_IsNull(cJSON_GetObjectItem(t0, "conversion_rate")));
        /* The proposal is a calibration table the monitor reads back. */
        char *s = cJSON_Print(out);
        const char *path = tt_write("recal.json", s);
        free(s);
        tg_monitor_baseline b;
        assert_tg_ok(tg_monitor_baseline_load(&b, path, j.r, NULL));
        assert_true(fabs(b.rate[std] - want) < 1e-15);
        tg_monitor_baseline_release(&b);
        cJSON_Delete(out);
    }
    unjudge(&j);
}

/* ---- end to end: summaries from SQLite, comparison, alerts ------------- */

/* Its own copy of the path: tt_path's buffers are reused. */
static const char *synth_prod(const char *name, const char *args)
{
    static char paths[8][1024];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 1024, "%s", tt_path(name));
    tt_run_result r = tt_run("synth --rows 3000 --seed 11 %s -o '%s'", args, p);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    return p;
}

static void write_monitor_summary(const char *data, const char *out,
                                  int by_month, int maturity)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    tg_rules *r = tt_rules(RULES);
    tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, NULL, NULL, 0};
    char *sql = NULL;
    assert_tg_ok(tg_sql_generate_monitor(&sql, r, &o, by_month, maturity, NULL));
    tg_rules_free(r);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    free(sql);
    FILE *f = fopen(out, "w");
    fprintf(f, SUMMARY_HEADER);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *w = sqlite3_column_text(st, 0);
        const unsigned char *sp = sqlite3_column_text(st, 1);
        const unsigned char *a = sqlite3_column_text(st, 8);
        const unsigned char *b = sqlite3_column_text(st, 9);
        fprintf(f, "%s,%s,%s,%lld,%lld,%lld,%lld,%lld,%s,%s\n",
                w ? (const char *)w : "", sp ? (const char *)sp : "",
                sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
                sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
                a ? (const char *)a : "", b ? (const char *)b : "");
    }
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static cJSON *monitor_json(const char *args, int want_status)
{
    tt_run_result r = tt_run("monitor --rules " RULES " %s --format json", args);
    if (r.status != want_status)
        fail_msg("exit %d: %s", r.status, r.err);
    cJSON *j = cJSON_Parse(r.out);
    tt_run_free(&r);
    assert_non_null(j);
    cJSON_DeleteItemFromObject(j, "generated_at");
    cJSON_DeleteItemFromObject(j, "provenance");
    return j;
}

static void test_summary_equals_rows(void **state)
{
    (void)state;
    const char *data = synth_prod("prod.csv", "--weeks 8 --weekly-rows 1500 "
                                              "--drift rate:base*0.5@4");
    char cal[1024];
    snprintf(cal, sizeof cal, "%s", tt_path("cal.json"));
    tt_run_result c = tt_run("calibrate --rules " RULES " --data '%s' -o '%s'",
                             data, cal);
    assert_int_equal(c.status, 0);
    tt_run_free(&c);
    static const struct {
        int month, maturity;
        const char *opts;
    } cases[] = {{0, 30, ""}, {1, 10, "--by month --maturity 10"},
                 {0, 21, "--maturity 21 --since 2026-01-12"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_monitor_summary(data, tt_path("msum.csv"), cases[i].month,
                              cases[i].maturity);
        char a[2048], b[2048];
        snprintf(a, sizeof a, "--policy registry/monitors/v3.2.json "
                 "--calibration '%s' --data '%s' %s", cal, data, cases[i].opts);
        snprintf(b, sizeof b, "--policy registry/monitors/v3.2.json "
                 "--calibration '%s' --summary '%s' %s", cal,
                 tt_path("msum.csv"), cases[i].opts);
        tt_run_result ra = tt_run("monitor --rules " RULES " %s --format json", a);
        int st = ra.status;
        if (st != 0 && st != 1)
            fail_msg("exit %d: %s", st, ra.err);
        tt_run_free(&ra);
        cJSON *ja = monitor_json(a, st), *jb = monitor_json(b, st);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(ja, "windows")) > 2);
        char *sa = cJSON_Print(ja), *sb = cJSON_Print(jb);
        assert_string_equal(sa, sb);
        free(sa);
        free(sb);
        cJSON_Delete(ja);
        cJSON_Delete(jb);
    }
    /* A summary made with another maturity is refused, naming both. */
    write_monitor_summary(data, tt_path("msum.csv"), 0, 30);
    tt_run_result r = tt_run("monitor --rules " RULES " --summary '%s' "
                             "--maturity 20", tt_path("msum.csv"));
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "maturity of 30 days, the monitor uses 20"));
    tt_run_free(&r);
}

/* Per window, each model's priority-tier rate over mature leads, from
 * SQLite running each rule set's generated scoring SQL. */
static void test_compare_two_models(void **state)
{
    (void)state;
    const char *data = synth_prod("cmp.csv", "--weeks 10 --weekly-rows 2000");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    tt_sqlite_load_table(db, data, "lead_scoring_features_pit");
    const char *files[] = {"registry/tiers/v3.1.json", RULES};
    for (int m = 0; m < 2; m++) {
        tg_rules *r = tt_rules(files[m]);
        tg_sql_options o = {TG_DIALECT_SQLITE, NULL, NULL, NULL, NULL, NULL, 0};
        char *sql = NULL;
        assert_tg_ok(tg_sql_generate(&sql, r, TG_EMIT_SCORING, &o, NULL));
        tt_sqlite_exec(db, sql);
        free(sql);
        tt_sqlite_exec(db, m ? "ALTER TABLE lead_scores_v3 RENAME TO new_s"
                             : "ALTER TABLE lead_scores_v3 RENAME TO old_s");
        tg_rules_free(r);
    }
    char args[1024];
    snprintf(args, sizeof args, "--policy registry/monitors/v3.2.json --data "
             "'%s' --compare registry/tiers/v3.1.json --since 2026-01-05", data);
    tt_run_result rr = tt_run("monitor --rules " RULES " %s --format json", args);
    assert_true(rr.status == 0 || rr.status == 1);
    cJSON *mj = cJSON_Parse(rr.out);
    tt_run_free(&rr);
    assert_non_null(mj);
    const cJSON *w;
    int checked = 0;
    cJSON_ArrayForEach(w, cJSON_GetObjectItem(mj, "windows"))
    {
        const char *start = cJSON_GetObjectItem(w, "start")->valuestring;
        const cJSON *c = cJSON_GetObjectItem(w, "compare");
        for (int m = 0; m < 2; m++) {
            char q[1024];
            snprintf(q, sizeof q,
                     "SELECT COUNT(s.target), COALESCE(SUM(s.target), 0) FROM %s "
                     "AS s WHERE s.score_tier <> 'STANDARD' AND "
                     "DATE(s.contacted_date) BETWEEN '%s' AND DATE('%s', '+6 "
                     "days') AND JULIANDAY((SELECT MAX(DATE(contacted_date)) FROM "
                     "lead_scoring_features_pit)) - JULIANDAY(DATE(s.contacted_"
                     "date)) >= 30", m ? "new_s" : "old_s", start, start);
            sqlite3_stmt *st;
            assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            const cJSON *x = cJSON_GetObjectItem(c, m ? "new_priority" : "old_priority");
            assert_int_equal((long long)cJSON_GetObjectItem(x, "labeled")->valuedouble,
                             sqlite3_column_int64(st, 0));
            assert_int_equal((long long)cJSON_GetObjectItem(x, "conversions")->valuedouble,
                             sqlite3_column_int64(st, 1));
            sqlite3_finalize(st);
        }
        const cJSON *diff = cJSON_GetObjectItem(c, "difference");
        if (cJSON_IsNumber(diff)) {
            double o = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "old_priority"),
                                           "rate")->valuedouble;
            double n = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "new_priority"),
                                           "rate")->valuedouble;
            assert_true(fabs(diff->valuedouble - (n - o)) < 1e-15);
            assert_true(cJSON_GetObjectItem(c, "difference_lower")->valuedouble <=
                        diff->valuedouble);
            assert_true(cJSON_GetObjectItem(c, "difference_upper")->valuedouble >=
                        diff->valuedouble);
            checked++;
        }
    }
    assert_true(checked >= 3);
    cJSON_Delete(mj);
    sqlite3_close(db);
    /* The same model on both sides: a difference of exactly 0 and an
     * interval of width 0. */
    snprintf(args, sizeof args, "--policy registry/monitors/v3.2.json --data "
             "'%s' --compare " RULES " --since 2026-01-05", data);
    rr = tt_run("monitor --rules " RULES " %s --format json", args);
    mj = cJSON_Parse(rr.out);
    tt_run_free(&rr);
    w = cJSON_GetArrayItem(cJSON_GetObjectItem(mj, "windows"), 0);
    const cJSON *c = cJSON_GetObjectItem(w, "compare");
    assert_true(cJSON_GetObjectItem(c, "difference")->valuedouble == 0);
    assert_true(cJSON_GetObjectItem(c, "difference_lower")->valuedouble == 0);
    assert_true(cJSON_GetObjectItem(c, "difference_upper")->valuedouble == 0);
    cJSON_Delete(mj);
}

/* A tier-share drift injected from week 5 raises alerts naming its
 * windows; the same data without drift raises none. */
static void test_cli_alerts(void **state)
{
    (void)state;
    const char *base = synth_prod("base.csv", "");
    char cal[1024];
    snprintf(cal, sizeof cal, "%s", tt_path("cal2.json"));
    tt_run_result c = tt_run("calibrate --rules " RULES " --data '%s' -o '%s'",
                             base, cal);
    assert_int_equal(c.status, 0);
    tt_run_free(&c);
    const char *quiet = synth_prod("quiet.csv", "--weeks 8 --weekly-rows 2000");
    const char *drift = synth_prod("drift.csv", "--weeks 8 --weekly-rows 2000 "
                                                "--drift feature:num_prior_firms+1@5");
    char args[2048];
    snprintf(args, sizeof args, "--calibration '%s' --data '%s' --since "
             "2026-01-05 --junit '%s'", cal, quiet, tt_path("junit.xml"));
    cJSON *q = monitor_json(args, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(q, "alerts")), 0);
    cJSON_Delete(q);
    snprintf(args, sizeof args, "--calibration '%s' --data '%s' --since "
             "2026-01-05 --junit '%s'", cal, drift, tt_path("junit.xml"));
    cJSON *d = monitor_json(args, 1);
    const cJSON *a;
    int psi = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(d, "alerts"))
    {
        const char *w = cJSON_GetObjectItem(a, "window")->valuestring;
        assert_true(strcmp(w, "2026-W06") >= 0); /* drift starts in week 5 */
        psi += strcmp(cJSON_GetObjectItem(a, "gate")->valuestring, "M.psi.block") == 0;
    }
    assert_int_equal(psi, 4);
    cJSON_Delete(d);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", tt_path("junit.xml"));
    assert_int_equal(system(cmd), 0);
    char *x = tt_read(tt_path("junit.xml"), NULL);
    assert_non_null(strstr(x, "<failure type=\"fail\""));
    free(x);
}

/* A tier's conversion decaying from week 3 (the moderate-bleeder signal
 * at a fifth) raises calibration alerts for that tier only, from the
 * second decayed window on; the calibration is the default export's. */
static void test_cli_calibration_alert(void **state)
{
    (void)state;
    char base[1024], cal[1024], data[1024];
    snprintf(base, sizeof base, "%s", tt_path("default.csv"));
    snprintf(cal, sizeof cal, "%s", tt_path("default-cal.json"));
    snprintf(data, sizeof data, "%s", tt_path("decay.csv"));
    tt_run_result r = tt_run("synth -o '%s'", base);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run("calibrate --rules " RULES " --data '%s' -o '%s'", base, cal);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    r = tt_run("synth --weeks 8 --weekly-rows 20000 --drift "
               "'rate:moderate_bleed*0.2@3' -o '%s'", data);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char args[4096];
    snprintf(args, sizeof args, "--calibration '%s' --data '%s' --since "
             "2026-01-05 --maturity 14", cal, data);
    cJSON *j = monitor_json(args, 1);
    const cJSON *a;
    int cal_alerts = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(j, "alerts"))
    {
        if (strcmp(cJSON_GetObjectItem(a, "gate")->valuestring, "M.calibration"))
            continue;
        cal_alerts++;
        assert_string_equal(cJSON_GetObjectItem(a, "tier")->valuestring,
                            "TIER_2B_MODERATE_BLEEDER");
        assert_true(strcmp(cJSON_GetObjectItem(a, "window")->valuestring,
                           "2026-W05") >= 0);
        assert_true(cJSON_GetObjectItem(a, "ci_upper")->valuedouble < 0.8);
    }
    assert_true(cal_alerts >= 1);
    cJSON_Delete(j);
}

/* synth --weeks continues the export: the same bytes first, then the
 * production weeks, Monday 2026-01-05 onwards, split PRODUCTION. */
static void test_synth_weeks(void **state)
{
    (void)state;
    const char *plain = synth_prod("plain.csv", "");
    const char *weeks = synth_prod("weeks.csv", "--weeks 3 --weekly-rows 700");
    size_t la = 0, lb = 0;
    char *a = tt_read(plain, &la), *b = tt_read(weeks, &lb);
    assert_true(lb > la);
    assert_memory_equal(a, b, la);
    int rows = 0, bad = 0;
    for (char *line = strtok(b + la, "\n"); line; line = strtok(NULL, "\n")) {
        rows++;
        const char *date = strchr(strchr(line, ',') + 1, ',') + 1;
        int d = tg_parse_date(date, 10);
        bad += d < 20260105 || d > 20260125 || !strstr(line, ",PRODUCTION");
    }
    assert_int_equal(rows, 3 * 700);
    assert_int_equal(bad, 0);
    free(a);
    free(b);
    static const struct {
        const char *spec, *msg;
    } cases[] = {
        {"rate:nosuch*0.5", "unknown signal 'nosuch'"},
        {"feature:num_prior_firms+1@0", "'@' takes a week from 1 to 520"},
        {"rate:small_firm+0.5", "expected rate:SIGNAL*FACTOR"},
        {"rate:small_firm*-1", "a factor >= 0"},
        {"shift:x", "expected rate:SIGNAL*FACTOR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tt_run_result r = tt_run("synth --weeks 1 --drift '%s' -o '%s'",
                                 cases[i].spec, tt_path("x.csv"));
        if (r.status != 2 || !strstr(r.err, cases[i].msg))
            fail_msg("%s: exit %d, '%s'", cases[i].spec, r.status, r.err);
        tt_run_free(&r);
    }
    tt_run_result r = tt_run("synth --drift rate:base*2");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "need --weeks N"));
    tt_run_free(&r);
}

/* report --monitor: one well-formed offline page, a chart per tier and
 * the shares chart, every name from the document escaped. */
static void test_report_monitor(void **state)
{
    (void)state;
    const char *data = synth_prod("rep.csv", "--weeks 6 --weekly-rows 1000");
    char json[1024], html[1024];
    snprintf(json, sizeof json, "%s", tt_path("m.json"));
    snprintf(html, sizeof html, "%s", tt_path("m.html"));
    tt_run_result r = tt_run("monitor --rules " RULES " --data '%s' --since "
                             "2026-01-05 --compare registry/tiers/v3.1.json "
                             "--json '%s' >/dev/null", data, json);
    assert_true(r.status == 0 || r.status == 1);
    tt_run_free(&r);
    /* A hostile name in the document must come out as text. */
    char *text = tt_read(json, NULL);
    cJSON *m = cJSON_Parse(text);
    free(text);
    cJSON_ReplaceItemInObject(m, "model_id",
                              cJSON_CreateString("<script>alert(1)</script>"));
    cJSON *tiers = cJSON_GetObjectItem(m, "tiers");
    cJSON_ReplaceItemInArray(tiers, 0, cJSON_CreateString("T\"><b>x</b>"));
    char *s = cJSON_Print(m);
    tt_write("m2.json", s);
    free(s);
    cJSON_Delete(m);
    r = tt_run("report --monitor '%s' -o '%s'", tt_path("m2.json"), html);
    assert_int_equal(r.status, 0);
    tt_run_free(&r);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", html);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "xmllint --xpath 'count(//*[local-name()=\"svg\"]/"
             "*[local-name()=\"title\"])' '%s' > '%s'", html, tt_path("count"));
    assert_int_equal(system(cmd), 0);
    char *count = tt_read(tt_path("count"), NULL);
    assert_int_equal(atoi(count), 8 + 1); /* eight tiers and the shares */
    free(count);
    char *page = tt_read(html, NULL);
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "<b>x</b>"));
    assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(page, "src="));   /* nothing loaded from anywhere */
    assert_null(strstr(page, "href="));
    assert_null(strstr(page, "url("));
    assert_non_null(strstr(page, "Two models on the same leads"));
    free(page);
    /* Not a monitor document: exit 2. */
    r = tt_run("report --monitor registry/monitors/v3.2.json");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "not a monitor result"));
    tt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_maturity),
        cmocka_unit_test(test_psi_reference),
        cmocka_unit_test(test_verdict_boundaries),
        cmocka_unit_test(test_gate_calibration_drift),
        cmocka_unit_test(test_gate_psi_volume_below),
        cmocka_unit_test(test_policy_errors),
        cmocka_unit_test(test_summary_errors),
        cmocka_unit_test(test_cli_usage),
        cmocka_unit_test(test_recalibrate),
        cmocka_unit_test(test_summary_equals_rows),
        cmocka_unit_test(test_compare_two_models),
        cmocka_unit_test(test_cli_alerts),
        cmocka_unit_test(test_cli_calibration_alert),
        cmocka_unit_test(test_synth_weeks),
        cmocka_unit_test(test_report_monitor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
