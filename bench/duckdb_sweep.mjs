// DuckDB side of the `sweep` benchmark: the query that tiergate generates
// for the same sweep (`tiergate sql --emit sweep --dialect duckdb`: one
// CASE per variant, counts per variant, split and tier) over the same CSV
// export, read through a view over read_csv so that reading the file is
// inside the timed statement. Prints one JSON line: the statement's wall
// time and its rows, which the benchmark compares with `tiergate sweep`'s.
//   node duckdb_sweep.mjs CSV THREADS SWEEP_SQL
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [file, threads, sqlFile] = process.argv.slice(2);
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;
const columns = `{'lead_id': 'VARCHAR', 'advisor_crd': 'BIGINT', 'contacted_date': 'DATE',
  'current_firm_tenure_months': 'BIGINT', 'industry_tenure_months': 'BIGINT',
  'firm_net_change_12mo': 'BIGINT', 'firm_rep_count_at_contact': 'BIGINT',
  'num_prior_firms': 'BIGINT', 'is_wirehouse': 'BOOLEAN', 'target': 'BIGINT',
  'split': 'VARCHAR'}`;

const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
await con.run(`CREATE VIEW lead_scoring_features_pit AS
  SELECT * FROM read_csv(${quote(file)}, header = true, columns = ${columns})`);
const t0 = performance.now();
const reader = await con.runAndReadAll(readFileSync(sqlFile, 'utf8'));
const seconds = (performance.now() - t0) / 1000;
const cells = reader.getRowObjectsJson().map((r) => ({
  variant: r.variant, split: r.split, tier: r.tier, leads: Number(r.leads),
  labeled: Number(r.labeled), conversions: Number(r.conversions),
}));
console.log(JSON.stringify({ seconds, cells }));
