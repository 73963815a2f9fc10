// PostgreSQL cross-check: the postgres dialect of the generated SQL, run
// by a real PostgreSQL server (Debian's postgresql package; this script
// starts its cluster when it is down), must give every lead the tier,
// Salesforce strings and SGA values `tiergate score` gives, summary
// counts equal to tiergate's, the calibration `tiergate calibrate`
// computes, and a monitor summary that gives `monitor --summary` what the
// rows give `monitor --data`. Runs as root (it calls psql as the postgres user).
//   node tests/node/postgres_check.mjs TIERGATE CSV...
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import { aliasSliceChecks } from './alias_slice.mjs';
import os from 'node:os';

const [bin, ...files] = process.argv.slice(2);
// TG_RULES: another rule set (the hostile-text fixture runs through here).
const rules = process.env.TG_RULES || 'registry/tiers/v3.2.json';
const tg = (...args) => execFileSync(bin, args, { maxBuffer: 1 << 30 }).toString();
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else { failed++; console.error('FAIL ' + what); }
};

if (process.getuid() !== 0) {
  console.error('FAIL the PostgreSQL check runs psql as the postgres user: run it as root');
  process.exit(1);
}
// Only warnings and errors from the server, not its NOTICEs.
process.env.PGOPTIONS = '-c client_min_messages=warning';
// Debian's package creates the cluster "main" when it is installed; make
// one if it did not, and start it if it is down.
const installed = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => a - b);
const ver = installed[installed.length - 1];
if (!fs.existsSync(`/etc/postgresql/${ver}/main`))
  execSync(`pg_createcluster ${ver} main`, { stdio: 'ignore' });
try { execSync(`pg_ctlcluster ${ver} main status`, { stdio: 'ignore' }); }
catch { execSync(`pg_ctlcluster ${ver} main start`); }

const db = `tiergate_test_${process.pid}`;
const psql = (sql, input) => execFileSync('runuser',
  ['-u', 'postgres', '--', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
   '-d', db, '-c', sql], { input, maxBuffer: 1 << 30 }).toString();
const psqlFile = (text) => execFileSync('runuser',
  ['-u', 'postgres', '--', 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
   '-d', db, '-f', '-'], { input: text }).toString();
const json = (sql) => JSON.parse(psql(`SELECT COALESCE(json_agg(q), '[]') FROM (${sql}) AS q`));

execFileSync('runuser', ['-u', 'postgres', '--', 'createdb', db]);
try {
  for (const file of files) {
    psql('DROP TABLE IF EXISTS lead_scoring_features_pit CASCADE');
    psql(`CREATE TABLE lead_scoring_features_pit (lead_id TEXT, advisor_crd BIGINT,
      contacted_date DATE, current_firm_tenure_months BIGINT,
      industry_tenure_months BIGINT, firm_net_change_12mo BIGINT,
      firm_rep_count_at_contact BIGINT, num_prior_firms BIGINT,
      is_wirehouse BOOLEAN, target BIGINT, split TEXT)`);
    // CSV mode reads an unquoted empty field as NULL.
    psql('\\copy lead_scoring_features_pit FROM STDIN WITH (FORMAT csv, HEADER true)',
         fs.readFileSync(file));
    // Canaries: tables a rule set's text may try to drop.
    psql('DROP TABLE IF EXISTS important, z; CREATE TABLE important (x INT); CREATE TABLE z (x INT)');
    for (const piece of ['scoring', 'production-view', 'sga-dashboard', 'calibration'])
      psqlFile(tg('sql', '--rules', rules, '--dialect', 'postgres', '--emit', piece));
    check(json("SELECT tablename FROM pg_tables WHERE tablename IN ('important', 'z')").length === 2,
          `${file}: the generated SQL dropped a table it does not own`);

    const pg = new Map(json('SELECT lead_id, score_tier FROM lead_scores_v3')
      .map((r) => [r.lead_id, r.score_tier]));
    const ours = JSON.parse(tg('score', '--rules', rules, '--data', file, '--format', 'json'));
    const diff = ours.filter((r) => pg.get(r.lead_id) !== r.score_tier);
    check(ours.length === pg.size && diff.length === 0,
          `${file}: ${diff.length} of ${ours.length} leads with another tier (${pg.size} in PostgreSQL)`);
    // The texts of each tier arrive as the rule set spells them.
    const texts = ['tier_display', 'action_recommended', 'tier_explanation', 'model_version'];
    const pgText = new Map(json(`SELECT lead_id, ${texts.join(', ')} FROM lead_scores_v3`)
      .map((r) => [r.lead_id, r]));
    const badText = ours.filter((r) => texts.some((k) => pgText.get(r.lead_id)?.[k] !== r[k]));
    check(badText.length === 0,
          `${file}: ${badText.length} leads with other tier texts${badText.length ? ': ' + JSON.stringify(badText[0]) : ''}`);

    const sf = new Map(json(tg('sql', '--rules', rules, '--dialect', 'postgres',
      '--emit', 'salesforce-sync').replace(/;\s*$/, '').replace(/^--.*$/gm, ''))
      .map((r) => [r.lead_id__c, r]));
    const oursSf = JSON.parse(tg('score', '--rules', rules, '--data', file,
      '--view', 'salesforce', '--format', 'json'));
    check(oursSf.length === sf.size && oursSf.every((r) => {
      const p = sf.get(r.Lead_ID__c);
      return p && p.expected_conversion__c === r.Expected_Conversion__c &&
        p.expected_lift__c === r.Expected_Lift__c &&
        p.lead_score_tier__c === r.Lead_Score_Tier__c;
    }), `${file}: Salesforce view differs (${oursSf.length} rows vs ${sf.size})`);

    const sga = new Map(json('SELECT * FROM sga_priority_leads_v3').map((r) => [r.lead_id, r]));
    const oursSga = JSON.parse(tg('score', '--rules', rules, '--data', file,
      '--view', 'sga', '--format', 'json'));
    const num = (v) => (v === null || v === undefined ? null : Number(v));
    const bad = oursSga.filter((r) => {
      const p = sga.get(r.lead_id);
      return !p || ['Expected_Conv_Pct', 'Lift_vs_Baseline', 'Tenure_Years', 'Experience_Years']
        .some((k) => num(p[k.toLowerCase()]) !== num(r[k]));
    });
    check(oursSga.length === sga.size && bad.length === 0,
          `${file}: ${bad.length} SGA rows differ${bad.length ? ': ' + JSON.stringify(bad[0]) : ''}`);

    const summary = json(tg('sql', '--rules', rules, '--dialect', 'postgres', '--emit',
      'summary').replace(/;\s*$/, '').replace(/^--.*$/gm, ''));
    const preview = JSON.parse(tg('preview', '--rules', rules, '--data', file, '--format', 'json'));
    for (const p of preview.splits)
      for (const t of p.tiers) {
        const row = summary.find((s) => s.split === p.split && s.tier === t.tier)
          || { leads: 0, labeled: 0, conversions: 0 };
        check(Number(row.leads) === t.leads && Number(row.labeled) === t.labeled &&
              Number(row.conversions) === t.conversions,
              `${file}: summary ${p.split} ${t.tier}`);
      }

    // The monitor summary: PostgreSQL's GROUP BY window, split, tier,
    // mature, exported as CSV, gives `monitor --summary` exactly what
    // `monitor --data` gives from the rows.
    for (const [by, maturity] of [['week', '30'], ['month', '7']]) {
      const ms = json(tg('sql', '--rules', rules, '--dialect', 'postgres', '--emit',
        'monitor-summary', '--by', by, '--maturity', maturity)
        .replace(/;\s*$/, '').replace(/^--.*$/gm, ''));
      const cols = ['window_start', 'split', 'tier', 'mature', 'maturity_days', 'leads',
        'labeled', 'conversions', 'first_contacted_date', 'last_contacted_date'];
      const csv = [cols.join(',')].concat(ms.map((r) => cols.map((c) =>
        r[c] === null ? '' : String(r[c])).join(','))).join('\n') + '\n';
      const sumPath = `${os.tmpdir()}/tg-monitor-pg-${process.pid}.csv`;
      fs.writeFileSync(sumPath, csv);
      // A policy that fits any rule set (the hostile one included).
      const polPath = `${os.tmpdir()}/tg-monitor-pg-${process.pid}.json`;
      fs.writeFileSync(polPath, JSON.stringify({ policy_id: 'pg-check', inconclusive: 'warn',
        gates: [{ id: 'psi', description: 'psi', check: 'psi', max: 0.25, severity: 'warn' },
                { id: 'cal', description: 'calibration', check: 'calibration_drift',
                  tiers: 'all', min: 0.8, max: 1.2, severity: 'block' }] }));
      const mon = (...args) => {
        try {
          return execFileSync(bin, ['monitor', '--rules', rules, '--policy', polPath, '--by', by,
            '--maturity', maturity, '--format', 'json', ...args],
          { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
        } catch (e) { return e.status === 1 ? e.stdout.toString() : `exit ${e.status}`; }
      };
      const strip = (t) => {
        try { const j = JSON.parse(t); delete j.generated_at; delete j.provenance; return JSON.stringify(j); }
        catch { return t; }
      };
      const a = strip(mon('--data', file)), b = strip(mon('--summary', sumPath));
      fs.unlinkSync(sumPath);
      fs.unlinkSync(polPath);
      check(a.startsWith('{') && a === b,
            `${file}: monitor by ${by}: the summary's result differs from the rows' (${a.slice(0, 60)} / ${b.slice(0, 60)})`);
    }

    const cal = json('SELECT score_tier, training_volume, calibrated_conversion_rate, calibrated_lift FROM tier_calibration_v3');
    const ourCal = JSON.parse(tg('calibrate', '--rules', rules, '--data', file)).tiers;
    for (const c of cal) {
      const o = ourCal.find((t) => t.score_tier === c.score_tier);
      check(o && o.training_volume === Number(c.training_volume) &&
            Math.abs(o.calibrated_conversion_rate - Number(c.calibrated_conversion_rate)) < 1e-12 &&
            Math.abs(o.calibrated_lift - Number(c.calibrated_lift)) < 1e-12,
            `${file}: calibration of ${c.score_tier}: PostgreSQL ${JSON.stringify(c)}`);
    }
  }
  // A table whose features carry aliases, and sliced summaries.
  for (const file of files)
    await aliasSliceChecks(bin, rules, file, {
      name: 'PostgreSQL', dialect: 'postgres',
      load: async (file2, renames) => {
        psql('DROP TABLE IF EXISTS lead_scoring_features_pit CASCADE');
        const r = (n) => renames[n] || n;
        psql(`CREATE TABLE lead_scoring_features_pit (lead_id TEXT, advisor_crd BIGINT,
          contacted_date DATE, current_firm_tenure_months BIGINT,
          industry_tenure_months BIGINT, firm_net_change_12mo BIGINT,
          ${r('firm_rep_count_at_contact')} BIGINT, ${r('num_prior_firms')} BIGINT,
          is_wirehouse BOOLEAN, target BIGINT, split TEXT)`);
        psql('\\copy lead_scoring_features_pit FROM STDIN WITH (FORMAT csv, HEADER true)',
             fs.readFileSync(file2));
      },
      rows: async (sql) => json(sql),
      exec: async (sql) => { psqlFile(sql); },
    }, check);
} finally {
  execFileSync('runuser', ['-u', 'postgres', '--', 'dropdb', '--if-exists', db]);
}
console.log(`postgres: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
