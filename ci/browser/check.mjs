// What a reader sees, in Debian's headless Chromium (never a downloaded
// browser). Run by `cargo xtask browser-test` and `cargo xtask
// dhat-screenshot` (xtask/src/browser.rs), which write the plan and compare
// what this script reports: it only drives the browser.
//
//   node ci/browser/check.mjs PLAN.json
//
// PLAN: { book, dh_view, exercises, profiles: [{ exercise, path, bytes,
// blocks, screenshot, url }], quizzes: [{ page, questions: [{ kind, answer, wrong }] }],
// report }. Book (when given): every page loads with
// no console error, failed request or uncaught exception; no "{{#" is left;
// every chapter has code blocks and a "Run it" box naming an exercise; search
// finds a known term. Profiles: each is loaded into dh_view.html, the script
// waits for its total, takes the picture if asked, and reports the viewer's
// text. Quizzes: the first quiz of each page is answered wrongly, then after
// "retry" rightly. REPORT: { problems, pages, viewer_texts, quiz_reviews }.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const problems = [];
const viewerTexts = [];
const quizReviews = [];
let pageCount = 0;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function openPage(url, base, options = {}) {
  const page = await browser.newPage(options);
  const seen = [];
  page.on('console', (m) => { if (m.type() === 'error') seen.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => seen.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    if ((base && r.url().startsWith(base)) || r.url().startsWith('file:')) seen.push(`failed request: ${r.url()}`);
  });
  page.on('response', (r) => {
    if (base && r.url().startsWith(base) && r.status() >= 400) seen.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, seen };
}

if (plan.book) {
  const bookDir = path.resolve(plan.book);
  // A static file server on loopback (search needs http, not file:).
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

  // 1. Every page.
  const pages = fs.readdirSync(bookDir).filter((f) => f.endsWith('.html') && f !== '404.html').sort();
  pageCount = pages.length;
  for (const file of pages) {
    const { page, seen } = await openPage(`${base}/${file}`, base);
    const text = await page.evaluate(() => document.body.innerText);
    if (text.includes('{{#')) seen.push('an unexpanded "{{#" is in the page');
    if (/^ch\d\d-/.test(file)) {
      const blocks = await page.locator('main pre code').count();
      if (blocks === 0) seen.push('a chapter without a single code block');
      const runIt = await page.locator('main blockquote', { hasText: 'Run it' }).first().innerText().catch(() => '');
      const m = runIt.match(/cargo run --release -p (ex\d+)[\s\S]*exercises\/(ex\d+)/);
      if (!m) seen.push('no "Run it" box naming `cargo run --release -p exN` and `exercises/exN`');
      else if (m[1] !== m[2] || !plan.exercises.includes(m[1])) {
        seen.push(`"Run it" names ${m[1]} / exercises/${m[2]}, which is not an exercise of this workspace`);
      }
    }
    await page.close();
    if (seen.length) problems.push(`${file}: ${seen.join('; ')}`);
  }

  // 2. An "All measurements" fold: closed, its table hidden; opened, the
  // table shows with its rows (the evidence is folded, not missing).
  {
    const { page, seen } = await openPage(`${base}/ch04-arena-collections.html`, base);
    const fold = page.locator('main details', { has: page.locator('summary', { hasText: 'All measurements' }) }).first();
    if ((await fold.count()) === 0) {
      seen.push('no "All measurements" fold');
    } else {
      const table = fold.locator('table').first();
      if (await table.isVisible()) seen.push('the fold\'s table shows while the fold is closed');
      await fold.locator('summary').click();
      await table.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
      const rows = await table.locator('tbody tr').count();
      if (!(await table.isVisible()) || rows === 0) seen.push(`opened, the fold shows no table rows (${rows})`);
    }
    await page.close();
    if (seen.length) problems.push(`ch04-arena-collections.html fold: ${seen.join('; ')}`);
  }

  // 3. Search finds a term the book is built around.
  {
    const { page, seen } = await openPage(`${base}/index.html`, base);
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
    if ((await hits.count()) === 0) seen.push('searching for "GlobalAlloc" found nothing');
    const links = await hits.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    if (!links.some((h) => h && h.includes('ch01-tracking-allocator'))) {
      seen.push('search results for "GlobalAlloc" do not include chapter 1');
    }
    await page.close();
    if (seen.length) problems.push(`search: ${seen.join('; ')}`);
  }
  // 4. One quiz per chapter: every question answered wrongly, then (retry)
  // rightly; the review's text after each round is reported.
  for (const q of plan.quizzes || []) {
    const { page, seen } = await openPage(`${base}/${q.page}`, base);
    const quiz = page.locator('.mdbook-quiz').first();
    const review = async () => {
      const text = quiz.getByText(/You answered \d+\/\d+ questions correctly/);
      await text.waitFor({ timeout: 10000 }).catch(() => {});
      return (await quiz.innerText().catch(() => '')).replace(/\s+/g, ' ');
    };
    const answerAll = async (pick) => {
      for (const question of q.questions) {
        const form = quiz.locator('form.response');
        await form.waitFor({ timeout: 10000 });
        const value = pick(question);
        if (question.kind === 'ShortAnswer') {
          await form.locator('input[type=text]').fill(value);
        } else {
          const labels = form.locator('.choice label');
          const texts = await labels.evaluateAll((ls) => ls.map((l) => l.innerText.trim()));
          const i = texts.indexOf(value);
          if (i < 0) { seen.push(`no choice "${value}" among ${JSON.stringify(texts)}`); return; }
          await labels.nth(i).click();
        }
        await form.locator('input[type=submit]').click();
      }
    };
    let wrong = '';
    let right = '';
    try {
      await quiz.locator('button.start').click({ timeout: 10000 });
      await answerAll((question) => question.wrong);
      wrong = await review();
      await quiz.getByRole('button', { name: 'retry the quiz' }).first().click({ timeout: 10000 });
      await answerAll((question) => question.answer);
      right = await review();
    } catch (e) {
      seen.push(`quiz: ${e.message.split('\n')[0]}`);
    }
    quizReviews.push([wrong, right]);
    await page.close();
    if (seen.length) problems.push(`${q.page}: ${seen.join('; ')}`);
  }
  server.close();
}

// 4. Each dhat profile in the viewer (a fixed window, for the picture).
const WIDTH = 1200;
const HEIGHT = 900;
for (const p of plan.profiles) {
  // Through `cargo xtask view`'s server (it loads the profile itself), or
  // the system's dh_view.html with the file handed to its input.
  const { page, seen } = await openPage(p.url ?? `file://${plan.dh_view}`, p.url ?? null,
    { viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
  if (!p.url) await page.setInputFiles('input[type=file]', p.path);
  await page.getByText(`${p.bytes} bytes`).first().waitFor({ timeout: 15000 }).catch(() => {});
  viewerTexts.push(await page.evaluate(() => document.body.innerText));
  if (p.screenshot && seen.length === 0) {
    await page.screenshot({ path: p.screenshot, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
  }
  await page.close();
  if (seen.length) problems.push(`dh_view ${p.exercise}: ${seen.join('; ')}`);
}

await browser.close();
fs.writeFileSync(plan.report, JSON.stringify({ problems, pages: pageCount, viewer_texts: viewerTexts, quiz_reviews: quizReviews }));
