// Checks shared by the DuckDB and PostgreSQL cross-checks for a table
// whose features carry aliases (pit_firm_rep_count, prior_firm_count):
// the schema-check SQL finds them and `check-schema --columns` accepts its
// export (and refuses one with a feature dropped), the scoring SQL
// written with `sql --columns` gives every lead the tier `tiergate score`
// gives on the original export, and the sliced summary SQL's export gives
// per-slice tables equal to those tiergate computes from the rows.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ALIASES = { firm_rep_count_at_contact: 'pit_firm_rep_count',
                         num_prior_firms: 'prior_firm_count' };
export const SLICES = ['is_wirehouse', 'firm_rep_count_at_contact:0,10,50,200',
                       'contacted_date:month'];

// CSV as the warehouse exports it: NULL as an empty field, text quoted.
function toCsv(rows) {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const q = (v) => (v === null || v === undefined ? ''
    : '"' + String(v).replace(/"/g, '""') + '"');
  return [cols.join(','), ...rows.map((r) => cols.map((c) => q(r[c])).join(','))]
    .join('\n') + '\n';
}

// engine: { name, dialect, load(file, renames) -> Promise, rows(sql) -> Promise<rows>,
//           exec(sql) -> Promise }
export async function aliasSliceChecks(bin, rules, file, engine, check) {
  const tg = (...args) => execFileSync(bin, args, { maxBuffer: 1 << 30 }).toString();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-alias-'));
  const what = `${engine.name} ${file} (aliased columns)`;
  try {
    await engine.load(file, ALIASES);
    const strip = (sql) => sql.replace(/^--.*$/gm, '').replace(/;\s*$/, '');
    const cols = await engine.rows(strip(tg('sql', '--rules', rules, '--dialect',
      engine.dialect, '--emit', 'schema-check')));
    const found = (f) => cols.filter((r) => r.feature === f && r.column_name)
      .map((r) => r.column_name);
    check(found('firm_rep_count_at_contact').join() === 'pit_firm_rep_count' &&
          found('num_prior_firms').join() === 'prior_firm_count' &&
          found('target').join() === 'target',
          `${what}: schema-check rows ${JSON.stringify(cols)}`);
    const colsCsv = path.join(dir, 'columns.csv');
    fs.writeFileSync(colsCsv, toCsv(cols));
    const cs = spawnSync(bin, ['check-schema', '--rules', rules, '--columns', colsCsv]);
    check(cs.status === 0 && /pit_firm_rep_count/.test(cs.stdout),
          `${what}: check-schema --columns exit ${cs.status}: ${cs.stderr}`);
    // The same export without the firm size column under any name.
    const dropped = path.join(dir, 'dropped.csv');
    fs.writeFileSync(dropped, toCsv(cols.map((r) => (r.feature === 'firm_rep_count_at_contact'
      ? { ...r, column_name: null } : r))));
    const cd = spawnSync(bin, ['check-schema', '--rules', rules, '--columns', dropped]);
    check(cd.status === 2 && /missing column 'firm_rep_count_at_contact' \(tried 'firm_rep_count_at_contact', 'pit_firm_rep_count', 'firm_rep_count'\)/
      .test(cd.stderr), `${what}: check-schema on a missing feature: exit ${cd.status}: ${cd.stderr}`);

    // Scoring against the table's own names.
    await engine.exec(tg('sql', '--rules', rules, '--dialect', engine.dialect,
      '--emit', 'scoring', '--columns', colsCsv));
    const theirs = new Map((await engine.rows(
      'SELECT lead_id, score_tier, firm_rep_count_at_contact FROM lead_scores_v3'))
      .map((r) => [r.lead_id, r]));
    const ours = JSON.parse(tg('score', '--rules', rules, '--data', file, '--format', 'json'));
    const diff = ours.filter((r) => {
      const t = theirs.get(r.lead_id);
      return !t || t.score_tier !== r.score_tier ||
        (t.firm_rep_count_at_contact === null ? null : Number(t.firm_rep_count_at_contact)) !==
        (r.firm_rep_count_at_contact === null ? null : Number(r.firm_rep_count_at_contact));
    });
    check(ours.length > 0 && ours.length === theirs.size && diff.length === 0,
          `${what}: ${diff.length} of ${ours.length} leads differ (${theirs.size} scored)`);

    // The sliced summary, exported and read back by tiergate.
    const args = ['sql', '--rules', rules, '--dialect', engine.dialect, '--emit',
                  'summary', '--columns', colsCsv];
    for (const s of SLICES) args.push('--slice', s);
    const summary = await engine.rows(strip(tg(...args)));
    const sumCsv = path.join(dir, 'summary.csv');
    fs.writeFileSync(sumCsv, toCsv(summary));
    // Per-slice gates (both a blocking and a warning one) judged from the
    // summary and from the rows: the same outcomes, slice by slice.
    const policy = path.join(dir, 'slices.json');
    fs.writeFileSync(policy, JSON.stringify({
      policy_id: 'slice-check', min_labeled: 30, gates: [
        { id: 'lift', description: 'priority lift >= 1.5x', check: 'lift',
          tiers: 'priority', min: 1.5, severity: 'block', per_slice: true,
          min_slice_size: 200 },
        { id: 'std', description: 'STANDARD >= 1%', check: 'conversion_rate',
          tiers: ['STANDARD'], min: 0.01, severity: 'warn', per_slice: true,
          min_slice_size: 200 }] }));
    const gate = (...args) => {
      const r = spawnSync(bin, ['gate', '--rules', rules, '--policy', policy,
        '--format', 'json', ...args], { maxBuffer: 1 << 30 });
      const j = JSON.parse(r.stdout.toString());
      delete j.provenance;
      delete j.generated_at;
      return { status: r.status, j };
    };
    for (const s of SLICES) {
      const a = tg('preview', '--rules', rules, '--summary', sumCsv, '--slice', s,
                   '--format', 'json');
      const b = tg('preview', '--rules', rules, '--data', file, '--slice', s,
                   '--format', 'json');
      const nvalues = JSON.parse(b).slices[0].values.length;
      check(a === b && nvalues > 1,
            `${what}: preview --slice ${s} from the ${engine.name} summary differs from the rows`);
      const ga = gate('--summary', sumCsv, '--slice', s);
      const gb = gate('--data', file, '--slice', s);
      const judged = gb.j.gates.filter((g) => g.slice).length;
      check(ga.status === gb.status && JSON.stringify(ga.j) === JSON.stringify(gb.j) &&
            judged > 0,
            `${what}: gate --slice ${s} from the ${engine.name} summary differs from the rows ` +
            `(exit ${ga.status} vs ${gb.status}, ${judged} slice outcomes)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
