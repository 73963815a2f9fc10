// DuckDB cross-check: the duckdb dialect of the generated SQL, run by
// DuckDB over the same CSV, must give every lead_id the tier
// `tiergate score` gives it, the same Salesforce strings, summary
// counts equal to tiergate's per (split, tier), and the sweep's query
// (`sql --emit sweep`) counts equal to `tiergate sweep`'s one-pass scan
// per (variant, split, tier), also once exported and read back.
//   node tests/node/duckdb_check.mjs TIERGATE CSV...
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aliasSliceChecks } from './alias_slice.mjs';

const [bin, ...files] = process.argv.slice(2);
// TG_RULES: another rule set (the hostile-text fixture runs through here).
const rules = process.env.TG_RULES || 'registry/tiers/v3.2.json';
const tg = (...args) => execFileSync(bin, args, { maxBuffer: 1 << 30 }).toString();
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

for (const file of files) {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(`CREATE TABLE lead_scoring_features_pit AS
    SELECT * FROM read_csv('${file}', header = true, columns = ${columns})`);
  // Canaries: tables a rule set's text may try to drop.
  await con.run('CREATE TABLE important (x INTEGER); CREATE TABLE z (x INTEGER)');
  await con.run(tg('sql', '--rules', rules, '--dialect', 'duckdb', '--emit', 'scoring'));
  const texts = ['tier_display', 'action_recommended', 'tier_explanation', 'model_version'];
  const duckRows = (await con.runAndReadAll(
    `SELECT lead_id, score_tier, ${texts.join(', ')} FROM lead_scores_v3`)).getRowObjectsJson();
  const duck = new Map(duckRows.map((r) => [r.lead_id, r.score_tier]));
  const duckText = new Map(duckRows.map((r) => [r.lead_id, r]));
  const ours = JSON.parse(tg('score', '--rules', rules, '--data', file,
    '--format', 'json', '--scored-at', '2025-12-22T00:00:00Z'));
  check(ours.length === duck.size && ours.length > 0,
        `${file}: ${ours.length} rows scored by tiergate, ${duck.size} by DuckDB`);
  let same = 0;
  for (const r of ours) {
    if (duck.get(r.lead_id) === r.score_tier) same++;
    else if (failed < 20)
      console.error(`${file}: ${r.lead_id}: tiergate ${r.score_tier}, DuckDB ${duck.get(r.lead_id)}`);
  }
  check(same === ours.length, `${file}: ${ours.length - same} leads with another tier`);
  // The texts of each tier arrive as the rule set spells them.
  const badText = ours.filter((r) => texts.some((k) => duckText.get(r.lead_id)?.[k] !== r[k]));
  check(badText.length === 0,
        `${file}: ${badText.length} leads with other tier texts${badText.length ? ': ' + JSON.stringify(badText[0]) : ''}`);

  // The Salesforce strings, computed by DuckDB from the generated SQL.
  const sf = (await con.runAndReadAll(tg('sql', '--rules', rules, '--dialect',
    'duckdb', '--emit', 'salesforce-sync'))).getRowObjectsJson();
  const oursSf = JSON.parse(tg('score', '--rules', rules, '--data', file,
    '--view', 'salesforce', '--format', 'json'));
  const byId = new Map(oursSf.map((r) => [r.Lead_ID__c, r]));
  let sfSame = 0;
  for (const r of sf) {
    const o = byId.get(r.Lead_ID__c);
    if (o && o.Expected_Conversion__c === r.Expected_Conversion__c &&
        o.Expected_Lift__c === r.Expected_Lift__c &&
        o.Lead_Score_Display__c === r.Lead_Score_Display__c) sfSame++;
  }
  check(sf.length === oursSf.length && sfSame === sf.length,
        `${file}: Salesforce view ${sfSame}/${sf.length} rows equal (${oursSf.length} from tiergate)`);

  const canaries = (await con.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_name IN ('important', 'z')"))
    .getRowObjectsJson();
  check(canaries.length === 2, `${file}: the generated SQL dropped a table it does not own`);

  // Summary counts against tiergate's preview.
  const summary = (await con.runAndReadAll(tg('sql', '--rules', rules,
    '--dialect', 'duckdb', '--emit', 'summary'))).getRowObjectsJson();
  const preview = JSON.parse(tg('preview', '--rules', rules, '--data', file,
    '--format', 'json'));
  for (const p of preview.splits) {
    for (const t of p.tiers) {
      const row = summary.find((s) => s.split === p.split && s.tier === t.tier)
        || { leads: 0, labeled: 0, conversions: 0 };
      check(Number(row.leads) === t.leads && Number(row.labeled) === t.labeled &&
            Number(row.conversions) === t.conversions,
            `${file}: ${p.split} ${t.tier}: DuckDB ${row.leads}/${row.labeled}/${row.conversions}, tiergate ${t.leads}/${t.labeled}/${t.conversions}`);
    }
  }
}

// The sweep: one query, one CASE per variant, against the one-pass scan.
const sweepFile = 'registry/sweeps/v3.2-loosen.json';
const policy = 'registry/gates/v3.2.json';
const sweepDoc = (args) => {
  const r = spawnSync(bin, ['sweep', '--policy', policy, '--sweep', sweepFile,
    '--show-test-all', '--format', 'json', ...args], { maxBuffer: 1 << 30 });
  check(r.status === 0 || r.status === 1,
        `sweep ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.status <= 1 ? JSON.parse(r.stdout.toString()) : { variants: [] };
};
const tmp = mkdtempSync(join(tmpdir(), 'tg-duck-'));
for (const file of files) {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run(`CREATE TABLE lead_scoring_features_pit AS
    SELECT * FROM read_csv('${file}', header = true, columns = ${columns})`);
  const sql = tg('sql', '--emit', 'sweep', '--sweep', sweepFile, '--dialect', 'duckdb');
  const rows = (await con.runAndReadAll(sql)).getRowObjectsJson();
  const ours = sweepDoc(['--data', file]);
  check(ours.variants.length === 10, `${file}: ${ours.variants.length} variants`);
  let cells = 0;
  for (const v of ours.variants) {
    for (const [key, split] of [['train', 'TRAIN'], ['test', 'TEST']]) {
      for (const t of v[key].tiers) {
        const row = rows.find((r) => r.variant === v.name && r.split === split &&
                                     r.tier === t.tier)
          || { leads: 0, labeled: 0, conversions: 0 };
        cells++;
        check(Number(row.leads) === t.leads && Number(row.labeled) === t.labeled &&
              Number(row.conversions) === t.conversions,
              `${file}: ${v.name} ${split} ${t.tier}: DuckDB ${row.leads}/${row.labeled}/${row.conversions}, tiergate ${t.leads}/${t.labeled}/${t.conversions}`);
      }
    }
  }
  check(cells > 100, `${file}: only ${cells} sweep cells compared`);
  // Exported as CSV (as the warehouse would) and read by sweep --summary.
  const csv = join(tmp, 'sweep_summary.csv');
  await con.run(`COPY (${sql.replace(/;\s*$/, '')}) TO '${csv}' (HEADER, DELIMITER ',')`);
  const back = sweepDoc(['--summary', csv]);
  for (const v of ours.variants) {
    const w = back.variants.find((x) => x.name === v.name);
    check(w && JSON.stringify(w.train.tiers) === JSON.stringify(v.train.tiers) &&
          JSON.stringify(w.test.tiers) === JSON.stringify(v.test.tiers),
          `${file}: ${v.name}: sweep --summary differs from sweep --data`);
  }
  check(back.chosen === ours.chosen, `${file}: chosen ${back.chosen} vs ${ours.chosen}`);
}
rmSync(tmp, { recursive: true, force: true });
// A table whose features carry aliases, and sliced summaries.
for (const file of files) {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
  await aliasSliceChecks(bin, rules, file, {
    name: 'DuckDB', dialect: 'duckdb',
    load: async (file2, renames) => {
      const names = ['lead_id', 'advisor_crd', 'contacted_date', 'current_firm_tenure_months',
        'industry_tenure_months', 'firm_net_change_12mo', 'firm_rep_count_at_contact',
        'num_prior_firms', 'is_wirehouse', 'target', 'split'];
      const sel = names.map((n) => (renames[n] ? `${n} AS ${renames[n]}` : n)).join(', ');
      await con.run(`CREATE TABLE lead_scoring_features_pit AS SELECT ${sel}
        FROM read_csv('${file2}', header = true, columns = ${columns})`);
    },
    rows,
    exec: async (sql) => { await con.run(sql); },
  }, check);
}
console.log(`duckdb: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
