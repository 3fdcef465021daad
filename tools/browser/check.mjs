// Real-browser checks against a running mediashare API, with Debian's chromium driven by
// playwright-core (no browser download):
//   1. {base}/docs renders the Swagger UI (operations listed), screenshot `docs.png`;
//   2. a page served from ANOTHER origin (a server of this script on its own port) plays the
//      HLS master playlist through hls.js until the video's current time passes 1 s,
//      screenshot `playback.png`.
//
//   node check.mjs --base http://127.0.0.1:3000 --hls http://…/master.m3u8 --out DIR
//
// Exits 0 when both pass; otherwise prints what the browser saw and exits 1.
// CHROMIUM (default /usr/bin/chromium) names the browser binary.

import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: { base: { type: 'string' }, hls: { type: 'string' }, out: { type: 'string' } },
});
if (!args.base || !args.hls || !args.out) {
  console.error('usage: node check.mjs --base URL --hls MASTER_PLAYLIST_URL --out DIR');
  process.exit(2);
}
// How long the video may take to pass 1 s of playback (PLAYBACK_MS; the test's limit is 90 s).
const PLAYBACK_MS = Number(process.env.PLAYBACK_MS || 45_000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`${executablePath} is missing: run \`make test\` (it installs Debian's chromium)`);
  process.exit(1);
}
// hls.js as the npm package ships it (pinned in package-lock.json).
const hlsJs = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
await mkdir(args.out, { recursive: true });

const PLAYER_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>mediashare player</title>
<link rel="icon" href="data:,">
<style>body{margin:0;background:#111;color:#eee;font:14px sans-serif}video{display:block;width:640px;height:360px;background:#000}</style>
</head><body>
<video id="v" muted playsinline autoplay></video>
<p id="state">loading</p>
<script src="/hls.min.js"></script>
<script>
  window.playerErrors = [];
  const src = new URLSearchParams(location.search).get('src');
  const video = document.getElementById('v');
  const note = (m) => { window.playerErrors.push(m); document.getElementById('state').textContent = m; };
  if (!window.Hls || !Hls.isSupported()) {
    note('hls.js cannot run here (no MediaSource with H.264/AAC)');
  } else {
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_e, d) => note('hls.js ' + d.type + ': ' + d.details + (d.fatal ? ' (fatal)' : '')));
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => note('play(): ' + e.message)));
    hls.loadSource(src);
    hls.attachMedia(video);
  }
  video.addEventListener('timeupdate', () => {
    document.getElementById('state').textContent = 'playing ' + video.currentTime.toFixed(2) + ' s';
  });
</script></body></html>`;

/** Serves the player page and hls.js on 127.0.0.1 at a free port: an origin of its own. */
async function startPlayerOrigin() {
  const script = await readFile(hlsJs);
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PLAYER_PAGE);
    } else if (path === '/hls.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Polls `probe` (in Node) until it returns a truthy value or `ms` pass. */
async function until(ms, probe) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const failures = [];
const browser = await chromium.launch({
  executablePath,
  // Root in a container has no user namespaces for the sandbox; /dev/shm may be tiny there.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
});
const player = await startPlayerOrigin();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const seen = [];
  page.on('console', (m) => seen.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => seen.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const refused = []; // every answer >= 400 the pages got (an asset the UI links must exist)
  page.on('response', (r) => r.status() >= 400 && refused.push(`${r.status()} ${r.url()}`));
  const segments = new Set(); // HLS segments the player fetched (from the media bucket's origin)
  page.on('requestfinished', (r) => r.url().endsWith('.ts') && segments.add(r.url()));

  // 1. Swagger UI: the operations of the OpenAPI document are rendered.
  await page.goto(`${args.base}/docs`, { waitUntil: 'load', timeout: 30_000 });
  const operations = await until(30_000, async () => (await page.locator('.opblock').count()) || null);
  await page.screenshot({ path: join(args.out, 'docs.png'), fullPage: false });
  if (operations) {
    console.log(`docs: Swagger UI rendered ${operations} operations`);
  } else {
    failures.push(`docs: no operation rendered within 30 s at ${args.base}/docs`);
  }
  if (refused.length) failures.push(`docs: the page loaded with refused requests: ${refused.join(', ')}`);
  refused.length = 0;

  // 2. HLS through hls.js on another origin (CORS on the media bucket is what lets it play).
  const url = `${player.origin}/?src=${encodeURIComponent(args.hls)}`;
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  const codecs = await page.evaluate(() => ({
    h264: MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E"'),
    aac: MediaSource.isTypeSupported('audio/mp4; codecs="mp4a.40.2"'),
  }));
  console.log(`playback: page origin ${player.origin}, MediaSource H.264 ${codecs.h264}, AAC ${codecs.aac}`);
  const played = await until(PLAYBACK_MS, () =>
    page.evaluate(() => {
      const v = document.getElementById('v');
      return v.currentTime > 1.0 ? v.currentTime : null;
    }),
  );
  await page.screenshot({ path: join(args.out, 'playback.png') });
  if (played) {
    const from = [...new Set([...segments].map((u) => new URL(u).origin))].join(', ');
    console.log(`playback: currentTime reached ${played.toFixed(2)} s; ${segments.size} segments from ${from}`);
  } else {
    const state = await page.evaluate(() => {
      const v = document.getElementById('v');
      return {
        currentTime: v.currentTime,
        readyState: v.readyState,
        networkState: v.networkState,
        mediaError: v.error && `${v.error.code} ${v.error.message}`,
        playerErrors: window.playerErrors,
      };
    });
    failures.push(`playback: currentTime never passed 1.0 s within ${PLAYBACK_MS / 1000} s: ${JSON.stringify({ codecs, ...state })}`);
  }
  if (refused.length) failures.push(`playback: refused requests: ${refused.join(', ')}`);
  if (failures.length) failures.push(...seen.map((s) => `  browser: ${s}`));
} catch (e) {
  failures.push(`browser check crashed: ${e.stack || e}`);
} finally {
  await browser.close();
  player.server.close();
}

if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
