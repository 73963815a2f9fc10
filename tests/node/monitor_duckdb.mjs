// Monitor summary on DuckDB: the duckdb dialect of the generated
// monitor-summary SQL, run by DuckDB over synthetic production weeks,
// exported as CSV, must give `tiergate monitor --summary` exactly the
// result `tiergate monitor --data` gives from the rows.
//   node tests/node/monitor_duckdb.mjs TIERGATE
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [bin] = process.argv.slice(2);
const rules = 'registry/tiers/v3.2.json';
const policy = 'registry/monitors/v3.2.json';
const run = (args) => {
  try {
    return { status: 0, out: execFileSync(bin, args, { maxBuffer: 1 << 30 }).toString() };
  } catch (e) {
    return { status: e.status, out: e.stdout.toString(), err: e.stderr.toString() };
  }
};
const dir = mkdtempSync(join(tmpdir(), 'tg-monitor-duckdb-'));
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else { failed++; console.error('FAIL ' + what); }
};
const columns = `{'lead_id': 'VARCHAR', 'advisor_crd': 'BIGINT', 'contacted_date': 'DATE',
  'current_firm_tenure_months': 'BIGINT', 'industry_tenure_months': 'BIGINT',
  'firm_net_change_12mo': 'BIGINT', 'firm_rep_count_at_contact': 'BIGINT',
  'num_prior_firms': 'BIGINT', 'is_wirehouse': 'BOOLEAN', 'target': 'BIGINT',
  'split': 'VARCHAR'}`;
const strip = (text) => {
  const j = JSON.parse(text);
  delete j.generated_at;
  delete j.provenance;
  return JSON.stringify(j);
};

try {
  const data = join(dir, 'prod.csv'), cal = join(dir, 'cal.json');
  run(['synth', '--rows', '5000', '--seed', '3', '--weeks', '10', '--weekly-rows',
       '1500', '--drift', 'rate:tenure_1_3y*0.5@5', '-o', data]);
  run(['calibrate', '--rules', rules, '--data', data, '-o', cal]);
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(`CREATE TABLE lead_scoring_features_pit AS
    SELECT * FROM read_csv('${data}', header = true, columns = ${columns})`);
  for (const [by, maturity] of [['week', '30'], ['month', '14']]) {
    const sql = run(['sql', '--rules', rules, '--dialect', 'duckdb', '--emit',
                     'monitor-summary', '--by', by, '--maturity', maturity]).out;
    const summary = join(dir, `summary-${by}.csv`);
    await con.run(`COPY (${sql.replace(/;\s*$/, '').replace(/^--.*$/gm, '')})
                   TO '${summary}' (HEADER, DELIMITER ',', DATEFORMAT '%Y-%m-%d')`);
    const common = ['monitor', '--rules', rules, '--policy', policy,
                    '--calibration', cal, '--by', by, '--maturity', maturity,
                    '--format', 'json'];
    const a = run([...common, '--data', data]);
    const b = run([...common, '--summary', summary]);
    check(a.status === b.status && (a.status === 0 || a.status === 1),
          `${by}: exit ${a.status} from rows, ${b.status} from the summary ${b.err || ''}`);
    const windows = a.status <= 1 ? JSON.parse(a.out).windows.length : 0;
    check(windows > 2, `${by}: ${windows} windows`);
    check(a.status <= 1 && b.status <= 1 && strip(a.out) === strip(b.out),
          `${by}: the summary's result differs from the rows'`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`monitor duckdb: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
