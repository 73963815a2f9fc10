// DuckDB side of the `score` benchmark: the scoring SQL that tiergate
// generates for DuckDB (`tiergate sql --dialect duckdb --emit scoring`),
// run by DuckDB as `COPY (query) TO 'out.csv'` over the same CSV export.
// The features table is a view over read_csv, so DuckDB reads, scores and
// writes within the timed statement, as `tiergate score` does. Two edits
// to the generated text: its `CREATE OR REPLACE TABLE lead_scores_v3 AS`
// becomes the COPY, and CURRENT_TIMESTAMP becomes the time tiergate is
// given with --scored-at, so the two CSVs can be compared byte for byte.
// Prints one JSON line: {"seconds": the COPY's wall time}.
//   node duckdb_score_copy.mjs CSV THREADS SCORING_SQL OUT_CSV SCORED_AT
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [file, threads, sqlFile, out, scoredAt] = process.argv.slice(2);
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;
const columns = `{'lead_id': 'VARCHAR', 'advisor_crd': 'BIGINT', 'contacted_date': 'DATE',
  'current_firm_tenure_months': 'BIGINT', 'industry_tenure_months': 'BIGINT',
  'firm_net_change_12mo': 'BIGINT', 'firm_rep_count_at_contact': 'BIGINT',
  'num_prior_firms': 'BIGINT', 'is_wirehouse': 'BOOLEAN', 'target': 'BIGINT',
  'split': 'VARCHAR'}`;

const generated = readFileSync(sqlFile, 'utf8');
const head = /CREATE OR REPLACE TABLE lead_scores_v3 AS\s*/;
if (!head.test(generated) || !generated.includes('CURRENT_TIMESTAMP')) {
  console.error(`${sqlFile}: not the scoring SQL this benchmark knows how to run`);
  process.exit(2);
}
const query = generated.split(head)[1].replace(/;\s*$/, '')
  .replace('CURRENT_TIMESTAMP', quote(scoredAt));

const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
await con.run(`CREATE VIEW lead_scoring_features_pit AS
  SELECT * FROM read_csv(${quote(file)}, header = true, columns = ${columns})`);
const t0 = performance.now();
await con.run(`COPY (${query}) TO ${quote(out)} (HEADER, DELIMITER ',')`);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds }));
