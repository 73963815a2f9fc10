/*
 * The checklist's warehouse pieces: the scoring table (step 3), the
 * production view (4), the Salesforce sync (5), the SGA dashboard (6)
 * and the calibration table (9). The tier is assigned in one CTE and its
 * attributes derived in the next (a SELECT cannot use the alias it
 * defines); Salesforce strings are literals with fixed decimals;
 * baselines are computed, never hard-coded.
 */
#include <stdio.h>
#include <string.h>

#include "tg_score.h"
#include "tg_sql_internal.h"

typedef enum {
    A_DISPLAY,
    A_RATE,
    A_LIFT,
    A_RANK,
    A_ACTION,
    A_EXPLANATION,
    A_SF_RATE,
    A_SF_LIFT
} attr;

/* CASE score_tier WHEN ... THEN <attribute> ... END */
static void attr_case(tg_sql_gen *g, const char *col, attr a, const char *pad)
{
    const tg_rules *r = g->r;
    tg_sql_out(g, "%sCASE %s\n", pad, col);
    for (int t = 0; t < r->ntiers; t++) {
        const tg_tier *x = &r->tiers[t];
        char buf[32];
        if (t < r->ntiers - 1) {
            tg_sql_out(g, "%s  WHEN ", pad);
            tg_sql_str(g, x->name);
            fputs(" THEN ", g->f);
        } else {
            tg_sql_out(g, "%s  ELSE ", pad);
        }
        switch (a) {
        case A_DISPLAY: tg_sql_str(g, x->display); break;
        case A_RATE: tg_sql_num(g, x->expected_conversion_rate); break;
        case A_LIFT: tg_sql_num(g, x->expected_lift); break;
        case A_RANK: tg_sql_out(g, "%d", x->priority_rank); break;
        case A_ACTION: tg_sql_str(g, x->action); break;
        case A_EXPLANATION: tg_sql_str(g, x->explanation); break;
        case A_SF_RATE:
            tg_salesforce_rate(x->expected_conversion_rate, buf);
            tg_sql_str(g, buf);
            break;
        case A_SF_LIFT:
            tg_salesforce_lift(x->expected_lift, buf);
            tg_sql_str(g, buf);
            break;
        }
        fputc('\n', g->f);
    }
    tg_sql_out(g, "%sEND", pad);
}

void tg_sql_gen_scoring(tg_sql_gen *g)
{
    tg_sql_create(g, "TABLE", "scores", "lead_scores_v3");
    tg_sql_out(g, "WITH tiered AS (\n  SELECT\n    f.*,\n");
    /* Features the table holds under an alias are also written under
     * their own names, which the views and tiergate's outputs use. */
    for (int k = 0; g->o->columns && k < g->r->nfeatures; k++) {
        const char *col = g->o->columns[k];
        if (!col || strcmp(col, g->r->features[k].name) == 0)
            continue;
        fputs("    f.", g->f);
        tg_sql_ident(g, col);
        tg_sql_out(g, " AS %s,\n", g->r->features[k].name);
    }
    tg_sql_tier_case(g, "    ");
    tg_sql_out(g, " AS score_tier\n  FROM ");
    tg_sql_table(g, "features", "lead_scoring_features_pit");
    tg_sql_out(g, " AS f\n)\nSELECT\n  t.*,\n");
    static const struct {
        attr a;
        const char *name;
    } cols[] = {
        {A_DISPLAY, "tier_display"},      {A_RATE, "expected_conversion_rate"},
        {A_LIFT, "expected_lift"},        {A_RANK, "priority_rank"},
        {A_ACTION, "action_recommended"}, {A_EXPLANATION, "tier_explanation"}};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
        attr_case(g, "t.score_tier", cols[k].a, "  ");
        tg_sql_out(g, " AS %s,\n", cols[k].name);
    }
    tg_sql_out(g, "  %s AS scored_at,\n  ", tg_sql_now(g));
    tg_sql_str(g, g->r->model_version);
    tg_sql_out(g, " AS model_version\nFROM tiered AS t;\n");
}

static void priority_where(tg_sql_gen *g, const char *order)
{
    tg_sql_out(g, "FROM ");
    tg_sql_table(g, "scores", "lead_scores_v3");
    tg_sql_out(g, " AS s\nWHERE s.score_tier <> ");
    tg_sql_str(g, tg_sql_default_tier(g));
    tg_sql_out(g, "\nORDER BY %s;\n", order);
}

void tg_sql_gen_production(tg_sql_gen *g)
{
    tg_sql_create(g, "VIEW", "production_view", "lead_scores_v3_current");
    static const char *cols[] = {"lead_id",
                                 "advisor_crd",
                                 "contacted_date",
                                 "score_tier",
                                 "tier_display",
                                 "expected_conversion_rate",
                                 "expected_lift",
                                 "priority_rank",
                                 "action_recommended",
                                 "tier_explanation",
                                 "current_firm_tenure_months",
                                 "industry_tenure_months",
                                 "firm_net_change_12mo",
                                 "firm_rep_count_at_contact",
                                 "num_prior_firms",
                                 "is_wirehouse",
                                 "scored_at",
                                 "model_version"};
    tg_sql_out(g, "SELECT\n");
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        tg_sql_out(g, "  s.%s%s\n", cols[k],
                   k + 1 < sizeof cols / sizeof *cols ? "," : "");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

void tg_sql_gen_salesforce(tg_sql_gen *g)
{
    tg_sql_out(g, "SELECT\n"
                  "  s.lead_id AS Lead_ID__c,\n"
                  "  s.score_tier AS Lead_Score_Tier__c,\n"
                  "  s.tier_display AS Lead_Score_Display__c,\n");
    attr_case(g, "s.score_tier", A_SF_RATE, "  ");
    tg_sql_out(g, " AS Expected_Conversion__c,\n");
    attr_case(g, "s.score_tier", A_SF_LIFT, "  ");
    tg_sql_out(g, " AS Expected_Lift__c,\n"
                  "  s.priority_rank AS Lead_Priority_Rank__c,\n"
                  "  s.action_recommended AS Lead_Action__c,\n"
                  "  s.tier_explanation AS Lead_Score_Explanation__c,\n"
                  "  s.model_version AS Lead_Score_Model__c,\n"
                  "  s.scored_at AS Lead_Scored_At__c\n");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

void tg_sql_gen_sga(tg_sql_gen *g)
{
    tg_sql_create(g, "VIEW", "sga_view", "sga_priority_leads_v3");
    tg_sql_out(g, "SELECT\n"
                  "  s.lead_id,\n  s.advisor_crd,\n  s.contacted_date,\n"
                  "  s.tier_display AS Priority,\n"
                  "  s.action_recommended AS Action,\n"
                  "  s.tier_explanation AS Why_Prioritized,\n  ");
    tg_sql_round_open(g);
    tg_sql_out(g, "s.expected_conversion_rate * 100");
    tg_sql_round_close(g, 1);
    tg_sql_out(g, " AS Expected_Conv_Pct,\n"
                  "  s.expected_lift AS Lift_vs_Baseline,\n  ");
    tg_sql_round_open(g);
    tg_sql_out(g, "s.current_firm_tenure_months / 12.0");
    tg_sql_round_close(g, 1);
    tg_sql_out(g, " AS Tenure_Years,\n  ");
    tg_sql_round_open(g);
    tg_sql_out(g, "s.industry_tenure_months / 12.0");
    tg_sql_round_close(g, 0);
    tg_sql_out(g, " AS Experience_Years,\n"
                  "  s.firm_net_change_12mo AS Firm_Net_Change,\n"
                  "  s.firm_rep_count_at_contact AS Firm_Size,\n"
                  "  s.num_prior_firms AS Prior_Firms,\n"
                  "  s.scored_at,\n  s.model_version\n");
    priority_where(g, "s.priority_rank, s.expected_conversion_rate DESC");
}

void tg_sql_gen_calibration(tg_sql_gen *g)
{
    tg_sql_create(g, "TABLE", "calibration", "tier_calibration_v3");
    tg_sql_out(g, "WITH train AS (\n  SELECT s.score_tier, s.target\n  FROM ");
    tg_sql_table(g, "scores", "lead_scores_v3");
    tg_sql_out(g,
               " AS s\n  WHERE s.split = 'TRAIN'\n),\n"
               "baseline AS (\n"
               "  -- computed from the data, not the change request's "
               "hard-coded 3.66%%\n"
               "  SELECT AVG(CAST(b.target AS %s)) AS rate FROM train AS b\n"
               ")\nSELECT\n"
               "  t.score_tier,\n"
               "  COUNT(*) AS training_volume,\n"
               "  COUNT(t.target) AS labeled,\n"
               "  COALESCE(SUM(t.target), 0) AS conversions,\n  ",
               tg_sql_float_type(g));
    tg_sql_round_open(g);
    tg_sql_out(g, "AVG(CAST(t.target AS %s))", tg_sql_float_type(g));
    tg_sql_round_close(g, 4);
    tg_sql_out(g, " AS calibrated_conversion_rate,\n  ");
    tg_sql_round_open(g);
    tg_sql_out(g, "AVG(CAST(t.target AS %s)) / NULLIF(MAX(b.rate), 0)",
               tg_sql_float_type(g));
    tg_sql_round_close(g, 2);
    tg_sql_out(g, " AS calibrated_lift,\n  %s AS calibrated_at,\n  ",
               tg_sql_now(g));
    tg_sql_str(g, g->r->model_version);
    tg_sql_out(g,
               " AS model_version\nFROM train AS t\nCROSS JOIN baseline AS b\n"
               "GROUP BY t.score_tier\nORDER BY t.score_tier;\n");
}
