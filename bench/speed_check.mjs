// The correctness checks of bench/bench_speed.sh: a fast wrong answer must
// fail the benchmark. Exit 0 when the outputs agree, 1 (with the first
// differences on stderr) when they do not. Prints a one-line summary.
//
//   node speed_check.mjs tiers DUCK_JSON PREVIEW_CSV ROWS
//     DuckDB's per (split, tier) counts (duckdb_tiers.mjs), summed over
//     the splits, equal `preview --split ALL --format csv`, tier by tier
//     in both directions, and the leads add up to ROWS (the data lines
//     counted by `wc -l` or `igzip -dc | wc -l`).
//   node speed_check.mjs score OURS_CSV DUCK_CSV
//     `tiergate score` and DuckDB's COPY wrote the same rows: both CSVs
//     read by DuckDB (every column as text but the two rates, which the
//     engines print as 0.1 and 0.10), equal as multisets of rows, with
//     the same count per tier.
//   node speed_check.mjs sweep PREVIEW_JSON SWEEP_JSON VARIANTS [DUCK_JSON]
//     the sweep tried VARIANTS variants and its base's counts equal
//     preview's, split by split and tier by tier; with DUCK_JSON
//     (duckdb_sweep.mjs), every variant's TRAIN and TEST counts equal
//     DuckDB's, cell by cell in both directions.
import { readFileSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);
const fail = (msg) => { console.error('bench check: ' + msg); process.exit(1); };
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

function checkTiers([duckJson, previewCsv, rows]) {
  const duck = JSON.parse(readFileSync(duckJson, 'utf8')).cells;
  const lines = readFileSync(previewCsv, 'utf8').trim().split('\n');
  const head = lines.shift().split(',');
  const col = (name) => head.indexOf(name);
  const sum = new Map();
  for (const c of duck) {
    const s = sum.get(c.tier) || [0, 0, 0];
    s[0] += c.leads; s[1] += c.labeled; s[2] += c.conversions;
    sum.set(c.tier, s);
  }
  const ours = new Map(lines.map((l) => l.split(',')).map((r) => [r[col('tier')],
    [+r[col('leads')], +r[col('labeled')], +r[col('conversions')]]]));
  for (const tier of new Set([...sum.keys(), ...ours.keys()])) {
    const d = sum.get(tier) || [0, 0, 0], o = ours.get(tier) || [0, 0, 0];
    if (d.join() !== o.join())
      fail(`${tier}: DuckDB leads/labeled/conversions ${d}, tiergate ${o}`);
  }
  const total = [...ours.values()].reduce((a, o) => a + o[0], 0);
  if (total !== Number(rows)) fail(`tiergate counted ${total} leads, the file has ${rows} rows`);
  console.log(`same counts: ${ours.size} tiers, ${total} leads`);
}

async function checkScore([oursCsv, duckCsv]) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const header = (f) => readFileSync(f, 'utf8').slice(0, 4096).split('\n')[0];
  if (header(oursCsv) !== header(duckCsv))
    fail(`the headers differ:\n  ${header(oursCsv)}\n  ${header(duckCsv)}`);
  const numeric = new Set(['expected_conversion_rate', 'expected_lift']);
  const cols = '{' + header(oursCsv).split(',').map((c) =>
    `${quote(c)}: '${numeric.has(c) ? 'DOUBLE' : 'VARCHAR'}'`).join(', ') + '}';
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const read = (f) => `read_csv(${quote(f)}, header = true, columns = ${cols})`;
  await con.run(`CREATE TABLE ours AS SELECT * FROM ${read(oursCsv)}`);
  await con.run(`CREATE TABLE duck AS SELECT * FROM ${read(duckCsv)}`);
  const one = async (sql) => Object.values((await con.runAndReadAll(sql)).getRowObjectsJson()[0])
    .map(Number)[0];
  const n = await one('SELECT count(*) FROM ours'), m = await one('SELECT count(*) FROM duck');
  if (n !== m || n === 0) fail(`tiergate wrote ${n} rows, DuckDB ${m}`);
  const onlyOurs = await one('SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM duck)');
  const onlyDuck = await one('SELECT count(*) FROM (SELECT * FROM duck EXCEPT ALL SELECT * FROM ours)');
  if (onlyOurs || onlyDuck) {
    const eg = (await con.runAndReadAll(
      'SELECT * FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM duck) LIMIT 1')).getRowObjectsJson();
    fail(`${onlyOurs} rows only in tiergate's output, ${onlyDuck} only in DuckDB's; e.g. ${JSON.stringify(eg[0])}`);
  }
  const tiers = (await con.runAndReadAll(`SELECT a.score_tier, a.n, b.n AS m FROM
      (SELECT score_tier, count(*) AS n FROM ours GROUP BY 1) a
      FULL JOIN (SELECT score_tier, count(*) AS n FROM duck GROUP BY 1) b USING (score_tier)
      ORDER BY 1`)).getRowObjectsJson();
  for (const t of tiers)
    if (t.n !== t.m) fail(`${t.score_tier}: tiergate ${t.n} rows, DuckDB ${t.m}`);
  console.log(`same rows: ${n}, ${tiers.length} tiers (` +
    tiers.map((t) => `${t.score_tier} ${t.n}`).join(', ') + ')');
}

function checkSweep([previewJson, sweepJson, variants, duckJson]) {
  const p = JSON.parse(readFileSync(previewJson, 'utf8'));
  const s = JSON.parse(readFileSync(sweepJson, 'utf8'));
  if (s.variants_tried !== Number(variants))
    fail(`the sweep tried ${s.variants_tried} variants, not ${variants}`);
  const base = s.variants.find((v) => v.name === 'base');
  if (!base) fail('the sweep shows no base');
  for (const [i, key] of [[0, 'train'], [1, 'test']]) {
    p.splits[i].tiers.forEach((t, k) => {
      const o = base[key].tiers[k];
      if (!o || o.tier !== t.tier || o.leads !== t.leads || o.labeled !== t.labeled ||
          o.conversions !== t.conversions)
        fail(`the sweep's base and preview differ: ${key} ${t.tier}`);
    });
  }
  let cells = 0;
  if (duckJson) {
    const key = (v, split, tier) => JSON.stringify([v, split, tier]);
    const duck = new Map();
    for (const c of JSON.parse(readFileSync(duckJson, 'utf8')).cells)
      if (c.split === 'TRAIN' || c.split === 'TEST')
        duck.set(key(c.variant, c.split, c.tier), [c.leads, c.labeled, c.conversions]);
    const ours = new Map();
    for (const v of s.variants)
      for (const [k, split] of [['train', 'TRAIN'], ['test', 'TEST']])
        for (const t of v[k]?.tiers || [])
          if (t.leads) ours.set(key(v.name, split, t.tier), [t.leads, t.labeled, t.conversions]);
    if (new Set(s.variants.map((v) => v.name)).size !== Number(variants))
      fail(`the sweep shows ${s.variants.length} variants, not ${variants} (--show-test-all?)`);
    for (const k of new Set([...duck.keys(), ...ours.keys()])) {
      const d = duck.get(k) || [0, 0, 0], o = ours.get(k) || [0, 0, 0];
      if (d.join() !== o.join()) fail(`${k}: DuckDB ${d}, tiergate ${o}`);
    }
    cells = ours.size;
  }
  console.log(`${s.variants_tried} variants, the base's counts equal preview's` +
    (duckJson ? `, ${cells} (variant, split, tier) counts equal DuckDB's` : ''));
}

if (mode === 'tiers') checkTiers(args);
else if (mode === 'score') await checkScore(args);
else if (mode === 'sweep') checkSweep(args);
else fail(`unknown mode ${mode}`);
