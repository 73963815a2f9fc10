// The gate's JUnit as three independent JUnit readers from npm see it:
// xunit-viewer (the viewer's own parser and its summary line),
// test-results-parser (the parser behind several CI reporters) and
// junit2json. For each scenario the readers' counts of passed, failed and
// skipped tests must equal what the gate's JSON result (written by the
// same run) says: a pass is passed, an outcome that blocks the release
// (or any non-pass under --strict) is failed, an outcome that neither
// passes nor blocks is skipped with a "warning (STATUS): " message. Each
// outcome's message must appear exactly once.
//   node tests/node/junit_readers.mjs TIERGATE
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import xunitParse from 'xunit-viewer/src/cli/parse.js';
import xunitDescription from 'xunit-viewer/src/cli/get-description.js';
import { parse as junit2json } from 'junit2json';

const require = createRequire(import.meta.url);
const trp = require('test-results-parser');

const tiergate = path.resolve(process.argv[2] || 'build/tiergate');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-junit-'));
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else { failed++; console.error(`FAIL ${what}`); }
};

// A copy of the release policy whose every gate only warns: the
// insufficient and inconclusive outcomes must still not read as passes.
const warnOnly = path.join(tmp, 'warn_only.json');
{
  const p = JSON.parse(fs.readFileSync('registry/gates/v3.2.json', 'utf8'));
  const walk = (x) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      if (typeof x.severity === 'string') x.severity = 'warn';
      Object.values(x).forEach(walk);
    }
  };
  walk(p);
  fs.writeFileSync(warnOnly, JSON.stringify(p));
}

const scenarios = [
  { name: 'release policy', args: ['--rules', 'registry/tiers/v3.2.json',
      '--policy', 'registry/gates/v3.2.json'] },
  { name: 'release policy --strict', args: ['--rules', 'registry/tiers/v3.2.json',
      '--policy', 'registry/gates/v3.2.json', '--strict'] },
  { name: 'warn-only policy', args: ['--rules', 'registry/tiers/v3.2.json',
      '--policy', warnOnly], expectStatus: 'PASSED_WITH_WARNINGS' },
  { name: 'hostile texts', args: ['--rules', 'tests/fixtures/hostile/hostile_rules.json',
      '--policy', 'tests/fixtures/hostile/hostile_policy.json'] },
];

// XML cannot carry control characters: the writer shows them as U+FFFD.
const xmlText = (s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g, '\ufffd');
const caseName = (g) => xmlText(
  `${g.description} [${g.tier ?? 'priority tiers'} ${g.split}${g.slice ? ' ' + g.slice : ''}]`);

for (const sc of scenarios) {
  const json = path.join(tmp, 'gate.json'), xml = path.join(tmp, 'gate.xml');
  let rc = 0;
  try {
    execFileSync(tiergate, ['gate', ...sc.args, '--data', 'tests/fixtures/synthetic_sample.csv',
      '--json', json, '--junit', xml], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) { rc = e.status; }
  const res = JSON.parse(fs.readFileSync(json, 'utf8'));
  const text = fs.readFileSync(xml, 'utf8');
  check(rc === (res.status === 'FAILED' ? 1 : 0), `${sc.name}: exit ${rc} for ${res.status}`);
  if (sc.expectStatus) check(res.status === sc.expectStatus, `${sc.name}: status ${res.status}`);
  const strict = sc.args.includes('--strict');
  const fails = (g) => g.blocks || (strict && g.status !== 'pass');
  const want = { passed: 0, failed: 0, skipped: 0 };
  const wantOf = new Map(); // classname + name -> expected state
  for (const g of res.gates) {
    const st = g.status === 'pass' ? 'passed' : fails(g) ? 'failed' : 'skipped';
    want[st]++;
    wantOf.set(xmlText(g.id) + '\u0000' + caseName(g), { st, g });
  }
  // Every gate outcome is a distinct testcase (readers merge equal names).
  check(wantOf.size === res.gates.length, `${sc.name}: testcase names not unique`);
  // The scenario must exercise all three states, or it proves nothing.
  check(want.passed > 0 && (strict ? want.failed > 0 && want.skipped === 0 : want.skipped > 0),
        `${sc.name}: scenario lacks a state ${JSON.stringify(want)}`);
  const s = res.summary;
  check(want.passed === s.pass, `${sc.name}: passes ${want.passed} vs summary ${s.pass}`);

  // 1. xunit-viewer: its parser, and the summary line it prints.
  const xv = await xunitParse(text);
  const xvTests = Object.values(xv.suites).flatMap((su) => Object.values(su.tests));
  const xvCount = { passed: 0, failure: 0, skipped: 0 };
  for (const t of xvTests) xvCount[t.status] = (xvCount[t.status] ?? 0) + 1;
  check(xvTests.length === res.gates.length, `${sc.name}: xunit-viewer sees ${xvTests.length} tests, gate has ${res.gates.length}`);
  check(xvCount.passed === want.passed && xvCount.failure === want.failed &&
        xvCount.skipped === want.skipped,
        `${sc.name}: xunit-viewer ${JSON.stringify(xvCount)} vs ${JSON.stringify(want)}`);
  const desc = xunitDescription(xv);
  for (const [k, n] of [['passed', want.passed], ['failure', want.failed], ['skipped', want.skipped]])
    check(n === 0 ? !desc.includes(` ${k}`) : desc.includes(`${n} ${k}`),
          `${sc.name}: xunit-viewer summary "${desc}" lacks ${n} ${k}`);
  for (const t of xvTests) {
    const w = wantOf.get(t.classname + '\u0000' + t.name);
    if (!w) { check(false, `${sc.name}: xunit-viewer test "${t.name}" not in the result`); continue; }
    const st = { passed: 'passed', failure: 'failed', skipped: 'skipped' }[t.status];
    check(st === w.st, `${sc.name}: "${t.name}" is ${t.status}, want ${w.st}`);
    if (w.st !== 'passed') {
      const msg = xmlText(w.g.message).trim();
      const n = t.messages.filter((m) => m.includes(msg)).length;
      check(n === 1, `${sc.name}: "${t.name}" shows its message ${n} times`);
      if (w.st === 'skipped')
        check(t.messages.some((m) => m.startsWith(`warning (${w.g.status}): `)),
              `${sc.name}: "${t.name}" skipped without saying warning (${w.g.status})`);
    } else {
      check(t.messages.length === 0, `${sc.name}: passing "${t.name}" carries messages`);
    }
  }

  // 2. test-results-parser: totals and every case's status.
  const tr = trp.parse({ type: 'junit', files: [xml] });
  const trCases = tr.suites.flatMap((su) => su.cases);
  const trCount = { PASS: 0, FAIL: 0, SKIP: 0 };
  for (const c of trCases) trCount[c.status]++;
  check(trCases.length === res.gates.length, `${sc.name}: test-results-parser sees ${trCases.length} cases`);
  check(trCount.PASS === want.passed && trCount.FAIL === want.failed && trCount.SKIP === want.skipped,
        `${sc.name}: test-results-parser cases ${JSON.stringify(trCount)} vs ${JSON.stringify(want)}`);
  // Its totals come from the attributes (total excludes skipped).
  check(tr.passed === want.passed && tr.failed === want.failed && tr.skipped === want.skipped &&
        tr.total === want.passed + want.failed,
        `${sc.name}: test-results-parser totals ${tr.total}/${tr.passed}/${tr.failed}/${tr.skipped}`);
  const wantStatus = want.failed ? 'FAIL' : 'PASS';
  check(tr.status === wantStatus, `${sc.name}: test-results-parser status ${tr.status}`);
  for (const c of trCases) {
    if (c.status === 'FAIL')
      check(c.metadata['tiergate.status'] && c.failure && !c.stack_trace,
            `${sc.name}: "${c.name}" failure shown twice or without its status`);
  }

  // 3. junit2json: the structure, counted by hand.
  const j2 = await junit2json(text);
  const j2Cases = (j2.testsuite ?? []).flatMap((su) => su.testcase ?? []);
  const j2Count = {
    failed: j2Cases.filter((c) => c.failure).length,
    skipped: j2Cases.filter((c) => c.skipped && !c.failure).length,
  };
  j2Count.passed = j2Cases.length - j2Count.failed - j2Count.skipped;
  check(j2.tests === res.gates.length && j2.failures === want.failed && j2.skipped === want.skipped,
        `${sc.name}: junit2json attributes ${j2.tests}/${j2.failures}/${j2.skipped}`);
  check(j2Count.passed === want.passed && j2Count.failed === want.failed && j2Count.skipped === want.skipped,
        `${sc.name}: junit2json cases ${JSON.stringify(j2Count)} vs ${JSON.stringify(want)}`);
  // The raw text: each failing or warning message once, no system-out copy.
  check(!text.includes('<system-out>'), `${sc.name}: a system-out copy of the message`);
  console.log(`${sc.name}: ${want.passed} passed, ${want.failed} failed, ${want.skipped} skipped; xunit-viewer "${desc}"`);
}

// Negative control: the old mapping (warnings as passes, messages thrice)
// must be caught by the same checks.
{
  const before = failed;
  const bad = '<testsuites tests="2" failures="0"><testsuite name="x" tests="2" failures="0">' +
    '<testcase classname="a" name="warn"><system-out>WARN: m</system-out></testcase>' +
    '<testcase classname="b" name="fail"><failure message="m2" type="fail">m2</failure>' +
    '<system-out>FAIL: m2</system-out></testcase></testsuite></testsuites>';
  const xv = await xunitParse(bad);
  const t = Object.values(xv.suites).flatMap((su) => Object.values(su.tests));
  const warnAsPass = t.find((x) => x.name === 'warn').status === 'passed';
  const thrice = t.find((x) => x.name === 'fail').messages.filter((m) => m.includes('m2')).length;
  check(warnAsPass && thrice === 3, `negative control: old mapping not detected (${warnAsPass}, ${thrice})`);
  if (failed !== before) console.error('the checks above cannot fail');
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`junit readers: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
