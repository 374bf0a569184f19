// Takes the book's picture of the dhat viewer: one heap profile loaded into
// valgrind's dh_view.html in Debian's headless Chromium (never a downloaded
// browser), clipped to the top of the page.
//
//   node ci/browser/screenshot-dhat.mjs PROFILE.json OUT.png
//
// Fails, writing nothing, if the viewer does not show the profile's totals.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const DH_VIEW = '/usr/libexec/valgrind/dh_view.html';
const WIDTH = 1200;
const HEIGHT = 900;

const [profile, out] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!profile || !out) {
  console.error('usage: node ci/browser/screenshot-dhat.mjs PROFILE.json OUT.png');
  process.exit(2);
}

// What the viewer must show once the file has loaded: the same totals the
// file holds, formatted as the viewer formats them.
const data = JSON.parse(fs.readFileSync(profile, 'utf8'));
const bytes = data.pps.reduce((s, pp) => s + pp.tb, 0).toLocaleString('en-US');
const blocks = data.pps.reduce((s, pp) => s + pp.tbk, 0).toLocaleString('en-US');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  await page.goto(`file://${DH_VIEW}`, { waitUntil: 'load' });
  await page.setInputFiles('input[type=file]', profile);
  await page.getByText(`${bytes} bytes`).first().waitFor({ timeout: 15000 }).catch(() => {});
  const text = await page.evaluate(() => document.body.innerText);
  const total = text.match(/Total:\s+([\d,]+) bytes[^\n]*?in ([\d,]+) blocks/);
  if (!total || total[1] !== bytes || total[2] !== blocks) {
    problems.push(`the viewer does not show "Total: ${bytes} bytes ... in ${blocks} blocks"`);
  }
  if (problems.length === 0) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
  }
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error(`error: ${p}`);
  process.exit(1);
}
console.log(`wrote ${path.relative(process.cwd(), out)} (${WIDTH}x${HEIGHT})`);
