/*
 * Tallies: cells per (split, tier), totals, ALL, merging and dates.
 */
#include "testutil.h"

static void add(tg_tally *t, int split, int tier, int target)
{
    tg_count *c = &t->cells[split * t->ntiers + tier];
    c->leads++;
    if (target >= 0) {
        c->labeled++;
        c->conversions += (uint64_t)target;
    }
}

static void test_tally_cells_totals_and_all(void **state)
{
    (void)state;
    tg_rules *r = tt_rules("registry/tiers/v3.2.json");
    tg_tally t;
    assert_tg_ok(tg_tally_init(&t, r, NULL));
    assert_int_equal(t.ntiers, 8);
    assert_string_equal(t.tier_names[7], "STANDARD");
    add(&t, TG_SPLIT_TRAIN, 0, 1);
    add(&t, TG_SPLIT_TRAIN, 0, 0);
    add(&t, TG_SPLIT_TRAIN, 0, -1);
    add(&t, TG_SPLIT_TEST, 0, 1);
    add(&t, TG_SPLIT_OTHER, 7, 0);
    tg_count c = tg_tally_cell(&t, TG_SPLIT_TRAIN, 0);
    assert_int_equal(c.leads, 3);
    assert_int_equal(c.labeled, 2);
    assert_int_equal(c.conversions, 1);
    c = tg_tally_cell(&t, TG_SPLIT_ALL, 0);
    assert_int_equal(c.leads, 4);
    assert_int_equal(c.conversions, 2);
    c = tg_tally_total(&t, TG_SPLIT_ALL);
    assert_int_equal(c.leads, 5);
    assert_int_equal(c.labeled, 4);
    c = tg_tally_total(&t, TG_SPLIT_TEST);
    assert_int_equal(c.leads, 1);

    tg_tally u;
    assert_tg_ok(tg_tally_init(&u, r, NULL));
    add(&u, TG_SPLIT_TRAIN, 0, 1);
    tg_tally_see_date(&u, TG_SPLIT_TRAIN, 20240301);
    tg_tally_see_date(&u, TG_SPLIT_TRAIN, 20240201);
    tg_tally_see_date(&u, TG_SPLIT_TRAIN, 0); /* NULL date: ignored */
    tg_tally_see_date(&t, TG_SPLIT_TRAIN, 20250703);
    u.rows = 1;
    t.rows = 5;
    tg_tally_merge(&t, &u);
    assert_int_equal(tg_tally_cell(&t, TG_SPLIT_TRAIN, 0).conversions, 2);
    assert_int_equal(t.rows, 6);
    assert_int_equal(t.first_date[TG_SPLIT_TRAIN], 20240201);
    assert_int_equal(t.last_date[TG_SPLIT_TRAIN], 20250703);
    assert_int_equal(t.first_date[TG_SPLIT_TEST], 0);
    tg_tally_release(&u);
    tg_tally_release(&t);
    tg_rules_free(r);
}

static void test_tally_split_names(void **state)
{
    (void)state;
    assert_int_equal(tg_split_parse("train"), TG_SPLIT_TRAIN);
    assert_int_equal(tg_split_parse("TEST"), TG_SPLIT_TEST);
    assert_int_equal(tg_split_parse("All"), TG_SPLIT_ALL);
    assert_int_equal(tg_split_parse("VALID"), -2);
    assert_string_equal(tg_split_name(TG_SPLIT_ALL), "ALL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_cells_totals_and_all),
        cmocka_unit_test(test_tally_split_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
