// DuckDB side of the benchmark: the brief's V3.2 CASE + GROUP BY over the
// same CSV file, with a fixed number of threads. Prints one JSON line:
// the query's wall time and the per (split, tier) counts, which the
// benchmark compares with tiergate's.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads] = [process.argv[2], process.argv[3] || '2'];
const tierCase = `CASE
  WHEN current_firm_tenure_months BETWEEN 12 AND 36 AND industry_tenure_months BETWEEN 60 AND 180
       AND firm_net_change_12mo < 0 AND firm_rep_count_at_contact <= 50 AND is_wirehouse = 0
  THEN 'TIER_1A_PRIME_MOVER_SMALL'
  WHEN current_firm_tenure_months BETWEEN 12 AND 36 AND firm_rep_count_at_contact <= 10 AND is_wirehouse = 0
  THEN 'TIER_1B_SMALL_FIRM'
  WHEN current_firm_tenure_months BETWEEN 12 AND 48 AND industry_tenure_months BETWEEN 60 AND 180
       AND firm_net_change_12mo < 0 AND is_wirehouse = 0
  THEN 'TIER_1C_PRIME_MOVER'
  WHEN num_prior_firms >= 3 AND industry_tenure_months >= 60 AND is_wirehouse = 0
  THEN 'TIER_2A_PROVEN_MOVER'
  WHEN firm_net_change_12mo BETWEEN -10 AND -1 AND industry_tenure_months >= 60
  THEN 'TIER_2B_MODERATE_BLEEDER'
  WHEN current_firm_tenure_months BETWEEN 12 AND 48 AND industry_tenure_months >= 240
  THEN 'TIER_3_EXPERIENCED_MOVER'
  WHEN firm_net_change_12mo < -10 AND industry_tenure_months >= 60
  THEN 'TIER_4_HEAVY_BLEEDER'
  ELSE 'STANDARD' END`;
const columns = `{'lead_id': 'VARCHAR', 'advisor_crd': 'BIGINT', 'contacted_date': 'DATE',
  'current_firm_tenure_months': 'BIGINT', 'industry_tenure_months': 'BIGINT',
  'firm_net_change_12mo': 'BIGINT', 'firm_rep_count_at_contact': 'BIGINT',
  'num_prior_firms': 'BIGINT', 'is_wirehouse': 'BOOLEAN', 'target': 'BIGINT',
  'split': 'VARCHAR'}`;
const sql = `SELECT split, ${tierCase} AS tier, COUNT(*) AS leads,
  COUNT(target) AS labeled, COALESCE(SUM(target), 0) AS conversions
  FROM read_csv('${file}', header = true, columns = ${columns})
  GROUP BY ALL ORDER BY split, tier`;

const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
const t0 = performance.now();
const reader = await con.runAndReadAll(sql);
const seconds = (performance.now() - t0) / 1000;
const cells = reader.getRowObjectsJson().map((r) => ({
  split: r.split, tier: r.tier, leads: Number(r.leads),
  labeled: Number(r.labeled), conversions: Number(r.conversions),
}));
console.log(JSON.stringify({ seconds, cells }));
