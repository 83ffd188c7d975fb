// The ledger under faults and crashes: a mix of served, failed, cut and abandoned requests leaves
// the ledger and the usage log in exact agreement; with `durability: sync`, a gateway killed with
// SIGKILL under load loses no request that got its answer, and the next start releases the
// reservations the crash left open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import {
  startMock, startGateway, removeTempDir, runTollgate, sqliteJson, pollSqlite, pollUntil, sqlText, sleep,
  tollgateBin, httpRequest,
} from './harness.mjs';

let mock;

before(async () => {
  mock = await startMock();
});

after(async () => {
  await mock?.stop();
});

const pricing = { input_per_m: '1000', output_per_m: '2000' };

async function billedGateway(durability) {
  const gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: { billing: { enabled: true, durability, default_max_tokens: 50 }, models: [
      { id: 'gpt-4o-mini', provider: 'mock', upstream_model: 'gpt-4o-mini-2024-07-18', pricing },
    ] },
  });
  const topup = await runTollgate(['credits', 'topup', '--config', gw.configPath, '--account', 'default', '--usd', '100', '--idempotency-key', 'start']);
  assert.equal(topup.code, 0, topup.stderr);
  // The running gateway applies the CLI's top-up within its wallet refresh interval.
  const ready = await pollUntil(async () => (await request(gw)).status === 200, { timeoutMs: 3000 });
  assert.ok(ready, 'the top-up reached the gateway');
  return gw;
}

// One chat request; `abortAfterFirstChunk` drops the connection once the stream has begun.
function request(gw, { stream = false, fault, abortAfterFirstChunk = false } = {}) {
  const body = JSON.stringify({ model: 'gpt-4o-mini', stream, max_tokens: 12, messages: [{ role: 'user', content: 'Count to ten.' }] });
  const headers = { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'x-mock-itl-ms': stream ? '5' : '0' };
  if (fault) headers['x-mock-fault'] = fault;
  return new Promise((resolve) => {
    const req = http.request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        if (abortAfterFirstChunk) req.destroy();
      });
      res.on('end', () => resolve({ status: res.statusCode, id: res.headers['x-request-id'], text, complete: true }));
      res.on('error', () => resolve({ status: res.statusCode, id: res.headers['x-request-id'], text, complete: false }));
      res.on('close', () => resolve({ status: res.statusCode, id: res.headers['x-request-id'], text, complete: res.complete }));
    });
    req.on('error', () => resolve({ status: 0, complete: false }));
    req.end(body);
  });
}

test('a fault mix leaves the ledger and the usage log in exact agreement', async () => {
  const gw = await billedGateway('batched');
  try {
    const kinds = [
      {}, { stream: true }, { fault: '500' }, { fault: '429' }, { stream: true, fault: 'cut-stream' },
      { stream: true, fault: 'stream-error' }, { stream: true, abortAfterFirstChunk: true }, { fault: 'reset' },
    ];
    const results = [];
    for (let round = 0; round < 6; round++) {
      results.push(...await Promise.all(kinds.map((k) => request(gw, k))));
    }
    const ids = results.map((r) => r.id).filter(Boolean);
    assert.ok(ids.length >= 40, `most requests got an id: ${ids.length}`);

    // Batched durability: no per-request ledger rows; each charged usage row points at the
    // settle row of its batch, and the rows sum to the charges; error answers are free.
    const rows = await pollSqlite(gw.dbPath,
      `SELECT u.request_id, u.charged_micros, u.ledger_id, u.status, u.error_code, u.usage_source,
              (SELECT COUNT(*) FROM ledger l WHERE l.request_id = u.request_id) AS request_rows
       FROM usage_log u WHERE u.request_id IN (${ids.map(sqlText).join(',')})`,
      { predicate: (r) => r.length === ids.length, timeoutMs: 5000 });
    assert.equal(rows.length, ids.length);
    for (const row of rows) {
      assert.equal(row.request_rows, 0, JSON.stringify(row));
      assert.equal(Boolean(row.ledger_id), row.charged_micros > 0, JSON.stringify(row));
      if (row.status >= 400) assert.equal(row.charged_micros, 0, `an error answer is free: ${JSON.stringify(row)}`);
    }
    const [linked] = await sqliteJson(gw.dbPath, `SELECT
        (SELECT -SUM(amount_micros) FROM ledger WHERE kind = 'settle' AND account_id = 1) AS ledger_charged,
        (SELECT SUM(charged_micros) FROM usage_log WHERE account_id = 1) AS usage_charged`);
    assert.equal(linked.ledger_charged, linked.usage_charged, 'ledger and usage log agree exactly');
    assert.ok(rows.some((r) => r.error_code === 'client_disconnected' && r.charged_micros > 0),
      'an abandoned stream pays for what was produced');
    assert.ok(rows.some((r) => r.usage_source === 'estimated' && r.charged_micros > 0),
      'a stream without usage is charged an estimate, and says so');

    const [ledger] = await sqliteJson(gw.dbPath, 'SELECT SUM(amount_micros) AS sum FROM ledger WHERE account_id = 1');
    const balance = await runTollgate(['credits', 'balance', '--config', gw.configPath, '--account', 'default']);
    assert.equal(Math.round(Number(balance.stdout.trim()) * 1e6), ledger.sum);
  } finally {
    await gw.stop('SIGKILL');
    removeTempDir(gw.dir);
  }
});

// Starts `tollgate serve` again on the same configuration and database.
async function restart(gw) {
  const child = spawn(tollgateBin(), ['serve', '--config', gw.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`restart failed (${code}): ${stderr}`)));
  });
  return { url, child, stderr: () => stderr };
}

test('durability: sync — after SIGKILL under load, every answered request is in the ledger and nothing stays reserved', async () => {
  const gw = await billedGateway('sync');
  const answered = [];
  let running = true;
  const workers = Array.from({ length: 8 }, async () => {
    while (running) {
      const r = await request(gw, { stream: Math.random() < 0.5 });
      if (r.status === 200 && r.complete && (r.text.includes('[DONE]') || r.text.includes('"usage"'))) answered.push(r.id);
    }
  });
  await sleep(1500);
  gw.proc.kill('SIGKILL');
  running = false;
  await Promise.all(workers);
  assert.ok(answered.length > 20, `requests answered before the kill: ${answered.length}`);

  const again = await restart(gw);
  try {
    // Start-up released every reservation the crash left open.
    const open = await sqliteJson(gw.dbPath, `SELECT COUNT(*) AS n FROM ledger r WHERE r.kind = 'reserve'
      AND NOT EXISTS (SELECT 1 FROM ledger s WHERE s.request_id = r.request_id AND s.kind IN ('settle', 'refund'))`);
    assert.equal(open[0].n, 0, 'no reservation is left open after the restart');
    const settled = await sqliteJson(gw.dbPath,
      `SELECT COUNT(DISTINCT request_id) AS n FROM ledger WHERE kind = 'settle' AND request_id IN (${answered.map(sqlText).join(',')})`);
    assert.equal(settled[0].n, answered.length, 'every answered request was settled in the ledger');
    const duplicates = await sqliteJson(gw.dbPath, `SELECT request_id, COUNT(*) AS n FROM ledger WHERE kind = 'settle' GROUP BY request_id HAVING n > 1`);
    assert.deepEqual(duplicates, [], 'no entry is duplicated');
    const integrity = await sqliteJson(gw.dbPath, 'PRAGMA integrity_check');
    assert.equal(integrity[0].integrity_check, 'ok');
    assert.match(again.stderr(), /released \d+ reservations|^$/m);
    const res = await httpRequest(`${again.url}/healthz`);
    assert.equal(res.status, 200);
  } finally {
    again.child.kill('SIGKILL');
    removeTempDir(gw.dir);
  }
});
