// API keys (missing, wrong, created and revoked through the CLI while the gateway runs), the
// usage log and `tollgate usage`, pricing, `tollgate config check`, and keys kept out of the
// access log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  startMock,
  startGateway,
  removeTempDir,
  chat,
  httpRequest,
  createKey,
  runTollgate,
  pollUntil,
  pollSqlite,
  sqliteJson,
  sqlText,
  toYaml,
  defaultMessages,
  openStream,
  readAllEvents,
} from './harness.mjs';

let mock;
let gw;
const presentedKeys = []; // every key sent in this file, checked against the access log at the end

before(async () => {
  mock = await startMock();
  gw = await startGateway({ mockUrl: mock.url });
  presentedKeys.push(gw.key);
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

const okBody = { model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 3 };
const models = (key) => httpRequest(`${gw.url}/v1/models`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

// ---------------------------------------------------------------------------------------------
// Authentication

test('no Authorization header: 401 missing_api_key', async () => {
  const res = await chat(gw, okBody, { key: null });
  assert.equal(res.status, 401, res.text);
  const err = res.json().error;
  assert.equal(err.code, 'missing_api_key');
  assert.equal(err.type, 'invalid_request_error');
});

test('a wrong key: 401 invalid_api_key, never echoed back', async () => {
  const wrong = gw.key.slice(0, 11) + 'x'.repeat(Math.max(8, gw.key.length - 11));
  presentedKeys.push(wrong);
  for (const key of [wrong, 'sk-not-a-tollgate-key-at-all']) {
    const res = await chat(gw, okBody, { key });
    assert.equal(res.status, 401, res.text);
    const err = res.json().error;
    assert.equal(err.code, 'invalid_api_key');
    assert.equal(err.type, 'invalid_request_error');
    assert.ok(!res.text.includes(key), 'the presented key is not echoed in the error');
  }
  presentedKeys.push('sk-not-a-tollgate-key-at-all');
});

test('a key in another scheme (Basic) or an empty Bearer is rejected with 401', async () => {
  for (const authorization of [`Basic ${gw.key}`, 'Bearer ', 'Bearer']) {
    const res = await httpRequest(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(okBody),
    });
    assert.equal(res.status, 401, `${authorization}: ${res.text}`);
    assert.match(res.json().error.code, /^(missing|invalid)_api_key$/);
  }
});

test('an unauthenticated request never reaches the upstream', async () => {
  const before = (await mock.stats()).requests;
  await chat(gw, okBody, { key: null });
  await chat(gw, okBody, { key: 'wrong' });
  assert.equal((await mock.stats()).requests, before);
});

test('a key created with the CLI while the gateway runs works within 2 s; revoked, it fails within 2 s', async () => {
  const key = await createKey(gw.configPath, 'created-while-running');
  presentedKeys.push(key);
  assert.notEqual(key, gw.key);
  const accepted = await pollUntil(async () => (await models(key)).status === 200, { timeoutMs: 2000 });
  assert.ok(accepted, 'the new key is accepted within 2 s');
  const res = await chat(gw, okBody, { key });
  assert.equal(res.status, 200, res.text);

  const prefix = key.slice(0, 11);
  const list = await runTollgate(['keys', 'list', '--config', gw.configPath]);
  assert.equal(list.code, 0, list.stderr);
  assert.ok(list.stdout.includes(prefix), `keys list shows ${prefix}:\n${list.stdout}`);
  assert.ok(!list.stdout.includes(key), 'keys list never shows a whole key');

  const revoke = await runTollgate(['keys', 'revoke', '--config', gw.configPath, prefix]);
  assert.equal(revoke.code, 0, `revoke: ${revoke.stdout} ${revoke.stderr}`);
  const rejected = await pollUntil(async () => (await models(key)).status === 401, { timeoutMs: 2000 });
  assert.ok(rejected, 'the revoked key is refused within 2 s');
  const after = await chat(gw, okBody, { key });
  assert.equal(after.status, 401);
  assert.equal(after.json().error.code, 'invalid_api_key');

  assert.equal((await chat(gw, okBody)).status, 200, 'other keys are unaffected');
  const listAfter = await runTollgate(['keys', 'list', '--config', gw.configPath]);
  const line = listAfter.stdout.split('\n').find((l) => l.includes(prefix));
  assert.match(line ?? '', /revoked/i, `keys list marks ${prefix} revoked:\n${listAfter.stdout}`);
});

test('revoking an unknown prefix fails with exit code 1', async () => {
  const r = await runTollgate(['keys', 'revoke', '--config', gw.configPath, 'tg-NoSuchKy']);
  assert.equal(r.code, 1, `${r.stdout} ${r.stderr}`);
  assert.match(r.stderr, /tg-NoSuchKy/);
});

// ---------------------------------------------------------------------------------------------
// Usage log, pricing, `tollgate usage`

test('usage records: tokens, key prefix and exact cost from the configured prices', async () => {
  const res = await chat(gw, { model: 'gpt-4o', messages: defaultMessages }, { headers: { 'x-mock-tokens': '1000' } });
  assert.equal(res.status, 200, res.text);
  const usage = res.json().usage;
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.key_prefix, gw.key.slice(0, 11));
  assert.equal(row.public_model, 'gpt-4o');
  assert.equal(row.prompt_tokens, usage.prompt_tokens);
  assert.equal(row.completion_tokens, 1000);
  assert.equal(row.surface, 'openai.chat');
  // gpt-4o: $2.50 per 1M input, $10.00 per 1M output → micro-dollars per token 2.5 and 10.
  const exact = usage.prompt_tokens * 2.5 + 1000 * 10;
  assert.ok(
    row.cost_micros >= Math.floor(exact) && row.cost_micros <= Math.ceil(exact),
    `cost_micros ${row.cost_micros}, expected ${exact} (rounded)`,
  );
  assert.ok(row.latency_us > 0);
  assert.ok(row.overhead_us >= 0);
  assert.ok(row.created_at > 1.6e12, 'created_at is in Unix milliseconds');
});

test('the waits of a stream for its upstream tokens are upstream time, not the gateway overhead', async () => {
  // Ten tokens 40 ms apart: about 400 ms of the request is spent waiting on the upstream.
  const stream = await openStream(gw, { model: 'gpt-4o-mini', messages: defaultMessages, stream: true },
    { headers: { 'x-mock-tokens': '10', 'x-mock-itl-ms': '40' } });
  assert.equal(stream.status, 200);
  const { error } = await readAllEvents(stream);
  assert.equal(error, null);
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(stream.headers['x-request-id'])}`);
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.ok(row.latency_us >= 350_000, `latency_us ${row.latency_us}`);
  assert.ok(row.overhead_us < row.latency_us / 2, `overhead_us ${row.overhead_us} of latency_us ${row.latency_us}`);
});

test('`tollgate usage` lists each model with its request count', async () => {
  for (let i = 0; i < 2; i++) assert.equal((await chat(gw, okBody)).status, 200);
  const totals = await pollSqlite(gw.dbPath, 'SELECT public_model, COUNT(*) AS n FROM usage_log GROUP BY public_model', {
    predicate: (rows) => (rows.find((r) => r.public_model === 'gpt-4o-mini')?.n ?? 0) >= 2,
  });
  // Wait until the writer is idle: two reads in a row agree.
  let stable = totals;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const again = await sqliteJson(gw.dbPath, 'SELECT public_model, COUNT(*) AS n FROM usage_log GROUP BY public_model');
    if (JSON.stringify(again) === JSON.stringify(stable)) break;
    stable = again;
  }
  const count = Object.fromEntries(stable.map((r) => [r.public_model, r.n]));
  assert.equal(count['gpt-4o'], 1, 'one gpt-4o request was made in this file');
  assert.ok(count['gpt-4o-mini'] >= 2);

  const r = await runTollgate(['usage', '--config', gw.configPath]);
  assert.equal(r.code, 0, r.stderr);
  const totalsSection = r.stdout.slice(r.stdout.indexOf('Totals per model'));
  assert.ok(totalsSection.length > 0 && r.stdout.includes('Totals per model'), r.stdout);
  for (const model of ['gpt-4o-mini', 'gpt-4o']) {
    const line = totalsSection.split('\n').find((l) => l.split(/\s+/)[0] === model);
    assert.ok(line, `a totals line for ${model}:\n${r.stdout}`);
    assert.equal(Number(line.split(/\s+/)[1]), count[model], `request count for ${model}: ${line}`);
  }
  // The recent-requests part lists the requests themselves.
  const recent = r.stdout.slice(0, r.stdout.indexOf('Totals per model'));
  assert.match(recent, /gpt-4o-mini/);
  assert.ok(recent.includes(gw.key.slice(0, 11)), 'recent requests show the key prefix');
  assert.ok(!r.stdout.includes(gw.key), 'never the whole key');
});

// ---------------------------------------------------------------------------------------------
// `tollgate config check`

test('`tollgate config check` accepts a good file', async () => {
  const r = await runTollgate(['config', 'check', gw.configPath]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok: 1 providers?, 2 models?$/m);
});

test('`tollgate config check` rejects a bad file with exit 1 and the path of the problem', async () => {
  const badProvider = structuredClone(gw.config);
  badProvider.models[0].provider = 'no-such-provider';
  const badType = structuredClone(gw.config);
  badType.server.max_body_bytes = 'lots';
  const cases = [
    [badProvider, 'models[0].provider'],
    [badType, 'server.max_body_bytes'],
  ];
  for (const [config, problemPath] of cases) {
    const file = path.join(gw.dir, `bad-${problemPath.replace(/\W/g, '_')}.yaml`);
    writeFileSync(file, toYaml(config) + '\n');
    const r = await runTollgate(['config', 'check', file]);
    assert.equal(r.code, 1, `${problemPath}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.ok((r.stdout + r.stderr).includes(problemPath), `names ${problemPath}:\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout, /^ok:/m);
  }
  const syntax = path.join(gw.dir, 'broken.yaml');
  writeFileSync(syntax, 'server: { listen: "127.0.0.1:0"\nmodels: [\n');
  const r = await runTollgate(['config', 'check', syntax]);
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
});

test('usage rows wait store.usage_batch_ms for company, and a graceful stop writes them at once', async () => {
  const batched = await startGateway({ mockUrl: mock.url, configOverrides: { store: { usage_batch_ms: 20000 } } });
  const rowCount = async () => (await sqliteJson(batched.dbPath, 'SELECT COUNT(*) AS n FROM usage_log'))[0].n;
  try {
    const res = await chat(batched, okBody);
    assert.equal(res.status, 200, res.text);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await rowCount(), 0, 'the row waits for the batch (with the default 20 ms it is there by now)');
    const stopping = Date.now();
    assert.equal(await batched.stop('SIGTERM'), 0);
    // Far below the 20 s batch delay: the stop wakes the writer instead of waiting it out.
    assert.ok(Date.now() - stopping < 10000, `stopped in ${Date.now() - stopping} ms`);
    assert.equal(await rowCount(), 1, 'nothing is lost at the stop');
  } finally {
    await batched.stop('SIGKILL');
    removeTempDir(batched.dir);
  }
});

// ---------------------------------------------------------------------------------------------
// Last: stops the gateway so the asynchronous access log is flushed.

test('presented keys never appear in the access log', async () => {
  assert.equal((await chat(gw, okBody)).status, 200);
  assert.equal(await gw.stop('SIGTERM'), 0);
  const log = gw.readAccessLog();
  const lines = log.trim().split('\n');
  assert.ok(lines.length >= 10, `the access log has the requests of this file (${lines.length} lines)`);
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line}`);
  assert.ok(log.includes('/v1/chat/completions'));
  for (const key of presentedKeys) {
    assert.ok(!log.includes(key), `key ${key.slice(0, 6)}… found in the access log`);
    if (key.length > 11) assert.ok(!log.includes(key.slice(11)), 'the secret part of a key is not in the access log');
  }
});
