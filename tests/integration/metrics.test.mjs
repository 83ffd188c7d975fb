// GET /metrics in Prometheus' text format: finished requests counted by surface, model and
// status, and the usage writer's backlog as a scrape finds it (all written once the usage log
// holds every request).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startGateway, removeTempDir, httpRequest, chat, defaultMessages, pollSqlite, pollUntil } from './harness.mjs';

let mock;
let gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({ mockUrl: mock.url });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

// The value of the first sample of `name` whose labels include every pair of `labels`.
async function sample(name, labels = {}) {
  const res = await httpRequest(`${gw.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of res.text.split('\n')) {
    const space = line.lastIndexOf(' ');
    const series = line.slice(0, space);
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (wanted.every((pair) => series.includes(pair))) return Number(line.slice(space + 1));
  }
  return undefined;
}

test('requests are counted by surface, model and status, and the usage backlog drains to 0', async () => {
  const labels = { surface: 'openai.chat', model: 'gpt-4o-mini', status: '200' };
  const before = (await sample('tollgate_requests_total', labels)) ?? 0;
  for (let i = 0; i < 3; ++i) {
    const res = await chat(gw, { model: 'gpt-4o-mini', messages: defaultMessages });
    assert.equal(res.status, 200, res.text);
  }
  assert.equal(await sample('tollgate_requests_total', labels), before + 3);

  await pollSqlite(gw.dbPath, 'SELECT COUNT(*) AS n FROM usage_log', {
    predicate: (rows) => rows[0]?.n >= 3,
  });
  // Counted as written right after the commit that made the rows visible.
  await pollUntil(async () => (await sample('tollgate_usage_backlog')) === 0);
  assert.equal(await sample('tollgate_usage_backlog'), 0);
});
