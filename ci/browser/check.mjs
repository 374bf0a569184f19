// What a reader sees, checked in Debian's headless Chromium (never a
// downloaded browser): every page of the built book and the dhat viewer.
//
//   node ci/browser/check.mjs BOOK_DIR DHAT_DIR
//
// Book: every page loads with no console error, failed request or uncaught
// exception; no "{{#" is left in any page; every chapter has code blocks and
// a "Run it" box naming a crate that exists; search finds a known term.
// dhat: each profile in DHAT_DIR loads in valgrind's dh_view.html and the
// viewer shows the same totals as the file holds, and agrees with the
// tracking allocator on the exercise's workload.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [bookDir, dhatDir] = process.argv.slice(2).map((p) => path.resolve(p));
const DH_VIEW = '/usr/libexec/valgrind/dh_view.html';
const failures = [];
const fail = (msg) => failures.push(msg);
let passed = 0;

// A static file server on loopback for the book (search needs http, not file:).
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' };
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  // Chromium asks every page for /favicon.ico; mdBook pages name their own
  // icon, but toc.html (the no-JavaScript sidebar) does not.
  if (url === '/favicon.ico') { res.writeHead(204); res.end(); return; }
  let file = path.join(bookDir, url);
  if (!file.startsWith(bookDir)) { res.writeHead(403); res.end(); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function openPage(url, label) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(base) || r.url().startsWith('file:')) problems.push(`failed request: ${r.url()}`);
  });
  page.on('response', (r) => {
    if (r.url().startsWith(base) && r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems, label };
}

// 1. Every page.
const pages = fs.readdirSync(bookDir).filter((f) => f.endsWith('.html') && f !== '404.html').sort();
for (const file of pages) {
  const { page, problems } = await openPage(`${base}/${file}`, file);
  const text = await page.evaluate(() => document.body.innerText);
  if (text.includes('{{#')) problems.push('an unexpanded "{{#" is in the page');
  if (/^ch\d\d-/.test(file)) {
    const blocks = await page.locator('main pre code').count();
    if (blocks === 0) problems.push('a chapter without a single code block');
    const runIt = await page.locator('main blockquote', { hasText: 'Run it' }).first().innerText().catch(() => '');
    const m = runIt.match(/cargo run --release -p (ex\d+)[\s\S]*exercises\/(ex\d+)/);
    if (!m) problems.push('no "Run it" box naming `cargo run --release -p exN` and `exercises/exN`');
    else if (m[1] !== m[2] || !fs.existsSync(path.join(root, 'exercises', m[1], 'Cargo.toml'))) {
      problems.push(`"Run it" names ${m[1]} / exercises/${m[2]}, which is not a crate of this workspace`);
    }
  }
  await page.close();
  if (problems.length) fail(`${file}: ${problems.join('; ')}`); else passed++;
}

// 2. Search finds a term the book is built around.
{
  const { page, problems } = await openPage(`${base}/index.html`, 'search');
  await page.click('#mdbook-search-toggle');
  // The search index loads when search opens; a query typed before it has
  // loaded finds nothing until the next keystroke.
  await page.waitForLoadState('networkidle');
  const hits = page.locator('#mdbook-searchresults li');
  for (let attempt = 0; attempt < 3 && (await hits.count()) === 0; attempt++) {
    await page.fill('#mdbook-searchbar', '');
    await page.locator('#mdbook-searchbar').pressSequentially('GlobalAlloc', { delay: 20 });
    await hits.first().waitFor({ timeout: 5000 }).catch(() => {});
  }
  const n = await hits.count();
  if (n === 0) problems.push('searching for "GlobalAlloc" found nothing');
  const links = await hits.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  if (!links.some((h) => h && h.includes('ch01-tracking-allocator'))) {
    problems.push('search results for "GlobalAlloc" do not include chapter 1');
  }
  await page.close();
  if (problems.length) fail(`search: ${problems.join('; ')}`); else passed++;
}

// 3. Each dhat profile in the viewer.
const fmt = (n) => n.toLocaleString('en-US');
const profiles = fs.existsSync(dhatDir) ? fs.readdirSync(dhatDir).filter((f) => f.endsWith('.json')).sort() : [];
if (profiles.length === 0) fail(`no dhat profiles in ${dhatDir}`);
for (const f of profiles) {
  const file = path.join(dhatDir, f);
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const bytes = data.pps.reduce((s, pp) => s + pp.tb, 0);
  const blocks = data.pps.reduce((s, pp) => s + pp.tbk, 0);
  const { page, problems } = await openPage(`file://${DH_VIEW}`, f);
  await page.setInputFiles('input[type=file]', file);
  const want = `${fmt(bytes)} bytes`;
  await page.getByText(want).first().waitFor({ timeout: 15000 }).catch(() => {});
  const text = await page.evaluate(() => document.body.innerText);
  const total = text.match(/Total:\s+([\d,]+) bytes[^\n]*?in ([\d,]+) blocks/);
  if (!total) problems.push('the viewer shows no "Total: N bytes ... in M blocks"');
  else if (total[1] !== fmt(bytes) || total[2] !== fmt(blocks)) {
    problems.push(`viewer total ${total[1]} bytes in ${total[2]} blocks, file holds ${fmt(bytes)} in ${fmt(blocks)}`);
  }
  await page.close();
  if (problems.length) fail(`dh_view ${f}: ${problems.join('; ')}`); else passed++;
}

// 4. Each profile agrees with the tracking allocator. An exercise's
// ci/outputs/exN.sh names a source file with `# dhat_vs_tracker: SUBSTRING --
// ARGS`: the blocks and bytes of every program point whose stack passes
// through that file are exactly what the tracker counted for the same
// workload in its own process (`exN ARGS` prints `dhat_blocks` and
// `dhat_bytes`; dhat counts a realloc as a new block).
const trackerChecks = [];
for (const spec of fs.readdirSync(path.join(root, 'ci/outputs')).filter((f) => f.endsWith('.sh')).sort()) {
  const ex = path.basename(spec, '.sh');
  const m = fs.readFileSync(path.join(root, 'ci/outputs', spec), 'utf8')
    .match(/^# dhat_vs_tracker: (\S+) -- (.+)$/m);
  if (!m) {
    fail(`dhat vs tracker (${ex}): ci/outputs/${spec} has no '# dhat_vs_tracker: FILE -- ARGS' line`);
    continue;
  }
  trackerChecks.push(ex);
  const file = path.join(dhatDir, `dhat-heap-${ex}.json`);
  const exe = path.join(process.env.TARGET_DIR || path.join(root, 'target'), 'release', ex);
  if (!fs.existsSync(file) || !fs.existsSync(exe)) {
    fail(`dhat vs tracker (${ex}): need ${file} and the release ${ex} binary`);
    continue;
  }
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  const frames = new Set(data.ftbl.flatMap((f, i) => (f.includes(m[1]) ? [i] : [])));
  const under = data.pps.filter((pp) => pp.fs.some((i) => frames.has(i)));
  const blocks = under.reduce((s, pp) => s + pp.tbk, 0);
  const bytes = under.reduce((s, pp) => s + pp.tb, 0);
  const t = JSON.parse(execFileSync(exe, m[2].trim().split(/\s+/), { encoding: 'utf8', cwd: root }));
  if (blocks === 0) fail(`dhat vs tracker (${ex}): no allocation in the profile passes through ${m[1]}`);
  else if (blocks !== t.dhat_blocks || bytes !== t.dhat_bytes) {
    fail(`dhat vs tracker (${ex}): the profile has ${blocks} blocks / ${bytes} bytes under ${m[1]}, ` +
      `the tracker counted ${t.dhat_blocks} / ${t.dhat_bytes}`);
  } else passed++;
}

await browser.close();
server.close();
for (const f of failures) console.error(`error: ${f}`);
console.log(`browser: ${pages.length} pages, search, ${profiles.length} dhat profiles, ` +
  `dhat vs tracker for ${trackerChecks.join(', ')}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
