// Every generated BigQuery file must parse with the BigQuery grammar of
// node-sql-parser; a deliberately broken copy must not (so the check can
// fail).   node tests/node/bigquery_parse.mjs SQL_DIR
import pkg from 'node-sql-parser';
import fs from 'node:fs';
import path from 'node:path';

const { Parser } = pkg;
const parser = new Parser();
const dir = process.argv[2] || 'sql';
let passed = 0, failed = 0;
const parses = (sql) => {
  try { parser.astify(sql, { database: 'BigQuery' }); return null; }
  catch (e) { return e.message.split('\n')[0]; }
};
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
for (const f of files) {
  const err = parses(fs.readFileSync(path.join(dir, f), 'utf8'));
  if (err) { failed++; console.error(`FAIL ${f}: ${err}`); } else passed++;
}
if (files.length < 6) { failed++; console.error(`FAIL only ${files.length} files in ${dir}`); }
// Negative control: drop the scoring file's closing parenthesis of its CTE.
const broken = fs.readFileSync(path.join(dir, 'phase_4_v3_tiered_scoring.sql'), 'utf8')
  .replace(/\n\)\nSELECT/, '\nSELECT');
if (parses(broken)) passed++;
else { failed++; console.error('FAIL a broken file parsed: the check proves nothing'); }
console.log(`bigquery parse: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
