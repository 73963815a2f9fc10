// The published JSON Schemas (schemas/, draft 2020-12) against what
// tiergate really reads and writes, with Ajv (strict mode, ajv-formats):
// the shipped rule sets and policies, the ones `tiergate init` writes, the
// registry, gate results, the warehouse summary DuckDB computes with the
// generated SQL, and every JSON object tiergate prints (each must carry
// format_version). Broken copies must be refused, so the checks can fail.
//   node tests/node/schemas_check.mjs TIERGATE
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DuckDBInstance } from '@duckdb/node-api';

const tiergate = path.resolve(process.argv[2] || 'build/tiergate');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-schemas-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else { failed++; console.error(`FAIL ${what}`); }
};

// Strict mode, except strictRequired, which also refuses the usual
// "anyOf: [{required: [min]}, {required: [max]}]" of a conditional.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
addFormats(ajv);
const schemas = {};
for (const f of fs.readdirSync('schemas').filter((f) => f.endsWith('.schema.json')).sort()) {
  const s = JSON.parse(fs.readFileSync(path.join('schemas', f), 'utf8'));
  check(s.$schema === 'https://json-schema.org/draft/2020-12/schema', `${f}: not draft 2020-12`);
  ajv.addSchema(s);
  schemas[f.replace('.schema.json', '')] = s.$id;
}
for (const name of ['rules', 'policy', 'gate-result', 'registry', 'registry-show', 'summary', 'output'])
  check(schemas[name], `schemas/${name}.schema.json missing`);
const validate = (name, doc, what, want = true) => {
  const v = ajv.getSchema(schemas[name]);
  const ok = v(doc);
  check(ok === want, want
    ? `${what} against ${name}: ${ajv.errorsText(v.errors)}`
    : `${what}: a broken document passed ${name}`);
};

// tiergate's stdout (exit 0 or 1 both carry the document).
const tg = (...args) => {
  try {
    return execFileSync(tiergate, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.status === 1) return e.stdout;
    throw new Error(`tiergate ${args.join(' ')}: exit ${e.status}: ${e.stderr}`);
  }
};
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const sample = 'tests/fixtures/synthetic_sample.csv';

// 1. Inputs: the shipped rule sets and policies, the hostile fixtures,
// and what `tiergate init` scaffolds.
const initDir = path.join(tmp, 'model');
tg('init', initDir, '--no-git');
const rulesFiles = ['registry/tiers/v3.1.json', 'registry/tiers/v3.2.json',
  'tests/fixtures/hostile/hostile_rules.json', path.join(initDir, 'rules/model.json')];
const policyFiles = ['registry/gates/v3.2.json', 'registry/gates/v3.2-brief.json',
  'tests/fixtures/hostile/hostile_policy.json', path.join(initDir, 'gates/policy.json')];
for (const f of rulesFiles) validate('rules', readJson(f), f);
for (const f of policyFiles) validate('policy', readJson(f), f);
validate('registry', readJson('registry/model_registry_v3.json'), 'registry/model_registry_v3.json');
const initRegistry = fs.readdirSync(path.join(initDir, 'registry'))
  .filter((f) => f.startsWith('model_registry') && f.endsWith('.json'))
  .map((f) => path.join(initDir, 'registry', f));
check(initRegistry.length > 0, 'init wrote no registry');
for (const f of initRegistry) validate('registry', readJson(f), f);

// 2. Gate results: both policies, strict, sliced, hostile texts.
const gateRuns = [
  ['--rules', 'registry/tiers/v3.2.json', '--policy', 'registry/gates/v3.2.json'],
  ['--rules', 'registry/tiers/v3.2.json', '--policy', 'registry/gates/v3.2-brief.json', '--strict'],
  ['--rules', 'registry/tiers/v3.2.json', '--policy', 'registry/gates/v3.2.json',
   '--slice', 'is_wirehouse'],
  ['--rules', 'tests/fixtures/hostile/hostile_rules.json',
   '--policy', 'tests/fixtures/hostile/hostile_policy.json'],
];
let gate;
for (const a of gateRuns) {
  const file = path.join(tmp, 'gate.json');
  const doc = JSON.parse(tg('gate', ...a, '--data', sample, '--format', 'json', '--json', file));
  validate('gate-result', doc, `gate ${a.join(' ')}`);
  validate('gate-result', readJson(file), `gate --json ${a.join(' ')}`);
  check(Object.keys(doc)[0] === 'format_version', 'gate: format_version is not the first key');
  gate ??= doc;
}

// 3. Every other JSON object tiergate prints carries format_version.
const outputs = {
  preview: ['preview', '--rules', 'registry/tiers/v3.2.json', '--data', sample, '--format', 'json'],
  'preview --split ALL': ['preview', '--rules', 'registry/tiers/v3.2.json', '--data', sample,
    '--split', 'ALL', '--format', 'json'],
  'preview --slice': ['preview', '--rules', 'registry/tiers/v3.2.json', '--data', sample,
    '--slice', 'is_wirehouse', '--format', 'json'],
  plan: ['plan', '--rules', 'registry/tiers/v3.2.json', '--policy', 'registry/gates/v3.2.json',
    '--data', sample, '--draws', '1000', '--format', 'json'],
  lint: ['lint', '--rules', 'registry/tiers/v3.2.json', '--format', 'json'],
  compare: ['compare', '--from', 'registry/tiers/v3.1.json', '--to', 'registry/tiers/v3.2.json',
    '--data', sample, '--format', 'json'],
  monitor: ['monitor', '--rules', 'registry/tiers/v3.2.json', '--data', sample,
    '--format', 'json'],
  sweep: ['sweep', '--policy', 'registry/gates/v3.2.json', '--sweep', 'registry/sweeps/v3.2-loosen.json',
    '--data', sample, '--format', 'json'],
  'check-schema': ['check-schema', '--rules', 'registry/tiers/v3.2.json', '--data', sample,
    '--format', 'json'],
  'log list': ['log', 'list', '--format', 'json'],
  'registry show': ['registry', 'show', '--registry', 'registry/model_registry_v3.json',
    '--format', 'json'],
};
for (const [what, args] of Object.entries(outputs)) {
  let doc;
  try { doc = JSON.parse(tg(...args)); } catch (e) { check(false, `${what}: ${e.message}`); continue; }
  validate('output', doc, what);
  if (what === 'registry show') validate('registry-show', doc, what);
}

// 4. The warehouse summary: DuckDB runs the generated summary SQL over
// the sample and writes the CSV a warehouse would export; every row fits
// the schema, and `gate --summary` reads it to the same verdict.
{
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`CREATE TABLE lead_scoring_features_pit AS
                 SELECT * FROM read_csv_auto('${sample}', header = true)`);
  const sql = tg('sql', '--rules', 'registry/tiers/v3.2.json', '--dialect', 'duckdb',
    '--emit', 'summary').trim().replace(/;\s*$/, '');
  const csv = path.join(tmp, 'summary.csv');
  await con.run(`COPY (${sql}) TO '${csv}' (HEADER, DELIMITER ',')`);
  const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
  check(rows.length >= 10, `summary: only ${rows.length} rows`);
  for (const r of rows) validate('summary', r, `summary row ${JSON.stringify(r)}`);
  const fromSummary = JSON.parse(tg('gate', '--rules', 'registry/tiers/v3.2.json', '--policy',
    'registry/gates/v3.2.json', '--summary', csv, '--format', 'json'));
  validate('gate-result', fromSummary, 'gate --summary');
  check(fromSummary.status === gate.status &&
        JSON.stringify(fromSummary.summary) === JSON.stringify(gate.summary),
        'gate --summary reaches another verdict than gate --data');
  // Negative: counts a warehouse must never export.
  validate('summary', { ...rows[0], conversions: '-1' }, 'summary row with -1', false);
  validate('summary', { ...rows[0], leads: '3.5' }, 'summary row with 3.5 leads', false);
  validate('summary', { ...rows[0], typo_column: '1' }, 'summary row with an unknown column', false);
}

// 5. Negative cases: broken copies of real documents are refused.
{
  const g = structuredClone(gate);
  delete g.format_version;
  validate('gate-result', g, 'gate result without format_version', false);
  validate('output', g, 'output without format_version', false);
  validate('gate-result', { ...gate, status: 'MAYBE' }, 'gate result with status MAYBE', false);
  const g2 = structuredClone(gate);
  g2.gates[0].status = 'pass';
  g2.gates[0].blocks = true;
  validate('gate-result', g2, 'a passing outcome that blocks', false);
  const p = readJson('registry/gates/v3.2.json');
  const p1 = structuredClone(p); delete p1.gates[0].check;
  validate('policy', p1, 'policy gate without check', false);
  const p2 = structuredClone(p); p2.gates[0].severty = p2.gates[0].severity;
  validate('policy', p2, 'policy gate with a misspelt key', false);
  const p3 = structuredClone(p); p3.gates[0].check = 'conversion';
  validate('policy', p3, 'policy gate with an unknown check', false);
  const r = readJson('registry/tiers/v3.2.json');
  const r1 = structuredClone(r); delete r1.tiers[0].when;
  validate('rules', r1, 'rule set tier without when', false);
  const r2 = structuredClone(r); r2.tiers[0].expected_conversion_rate = 15;
  validate('rules', r2, 'rule set with a rate of 15', false);
  const reg = readJson('registry/model_registry_v3.json');
  reg.versions[0].status = 'shipped';
  validate('registry', reg, 'registry with status shipped', false);
}

console.log(`schemas: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
