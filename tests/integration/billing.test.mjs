// Billing on the request path, against the real binary and its SQLite ledger: a request is
// reserved before dispatch and refused with a 402 in the caller's format when the balance (or
// the key's spending limit) cannot cover it; a served request is charged its exact cost, echoed
// in the response; failures cost nothing; top-ups made with the CLI reach the running gateway;
// under concurrency the wallet never overspends and the ledger always sums to the balance; two
// gateways on one database count each other's spend against a key's limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import {
  startMock, startGateway, removeTempDir, runTollgate, sqliteJson, pollSqlite, pollUntil, sqlText, httpRequest, sleep,
} from './harness.mjs';

let mock;
let gw;
let acmeKey;
const ADMIN_KEY = 'admin-key-for-the-billing-suite';

// $1,000 per 1M input tokens and $2,000 per 1M output tokens: 1,000 and 2,000 micro-USD a token.
const pricing = { input_per_m: '1000', output_per_m: '2000' };

async function cli(args) {
  const r = await runTollgate([...args, '--config', gw.configPath]);
  assert.equal(r.code, 0, `tollgate ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const micros = (usd) => Math.round(Number(usd) * 1e6);
const balanceOf = async (account) => micros(await cli(['credits', 'balance', '--account', account]));
// The ledger is written in the background (group commit within ~20 ms): let earlier requests'
// entries land before reading a balance to compare against.
const settledBalanceOf = async (account) => {
  await sleep(200);
  return balanceOf(account);
};

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      server: { ...base.server, admin_key: ADMIN_KEY },
      billing: { enabled: true, default_max_tokens: 50 },
      providers: [
        ...base.providers,
        { name: 'claude', type: 'anthropic', base_url: `${mock.url}/v1`, api_key: 'mock-upstream-key', forward_headers: ['x-mock-'] },
      ],
      models: [
        { id: 'gpt-4o-mini', provider: 'mock', upstream_model: 'gpt-4o-mini-2024-07-18', pricing },
        { id: 'claude-x', provider: 'claude', pricing },
        { id: 'painter', provider: 'mock', upstream_model: 'dall-e-3', surfaces: ['images'],
          pricing: { input_per_m: '0', output_per_m: '0', per_image: '0.04' } },
      ],
    }),
  });
  await cli(['accounts', 'create', '--name', 'acme']);
  acmeKey = (await cli(['keys', 'create', '--name', 'acme-ci', '--account', 'acme'])).split('\n')[0];
  await pollUntil(async () => (await chatAs(acmeKey, 5)).status !== 401, { timeoutMs: 3000 });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

function chatAs(key, max_tokens, headers = {}) {
  return httpRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens, messages: [{ role: 'user', content: 'Say hello.' }] }),
  });
}

const ledgerOf = (requestId) =>
  sqliteJson(gw.dbPath, `SELECT kind, amount_micros, cost_micros FROM ledger WHERE request_id = ${sqlText(requestId)} ORDER BY id`);

test('no balance: a 402 in each API\'s own error shape, and nothing reaches the upstream', async () => {
  const before = (await mock.stats()).requests;
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: acmeKey, maxRetries: 0 });
  const err = await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
    .then(() => assert.fail('expected a 402'), (e) => e);
  assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}`);
  assert.equal(err.status, 402);
  assert.equal(err.code, 'insufficient_balance');
  assert.equal(err.type, 'insufficient_quota');
  assert.match(err.message, /Insufficient balance: this request needs up to \$[\d.]+ .* the account has \$0\.00/);

  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: acmeKey, maxRetries: 0 });
  const aerr = await anthropic.messages.create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
    .then(() => assert.fail('expected a 402'), (e) => e);
  assert.ok(aerr instanceof Anthropic.APIError);
  assert.equal(aerr.status, 402);
  assert.equal(aerr.error.error.type, 'billing_error');
  assert.equal((await mock.stats()).requests, before, 'refused before any upstream call');
});

test('a CLI top-up reaches the running gateway; repeating its idempotency key credits nothing more', async () => {
  assert.equal(await cli(['credits', 'topup', '--account', 'acme', '--usd', '1', '--idempotency-key', 'first']), '1.00');
  assert.equal(await cli(['credits', 'topup', '--account', 'acme', '--usd', '1', '--idempotency-key', 'first']), '1.00');
  const conflict = await runTollgate(['credits', 'topup', '--account', 'acme', '--usd', '2', '--idempotency-key', 'first', '--config', gw.configPath]);
  assert.equal(conflict.code, 1, 'the same key for another amount is refused');
  const ledger = await cli(['credits', 'ledger', '--account', 'acme']);
  assert.equal(ledger.match(/topup\s+1\.00/g)?.length, 1, ledger);
  assert.match(ledger, /balance 1\.00 USD$/);
  await pollUntil(async () => (await chatAs(acmeKey, 5)).status === 200, { timeoutMs: 3000 });
});

test('a served request is charged its exact cost, echoed in the body and headers, and the ledger agrees', async () => {
  const before = await settledBalanceOf('acme');
  const res = await chatAs(acmeKey, 8);
  assert.equal(res.status, 200, res.text);
  const body = res.json();
  const cost = body.usage.prompt_tokens * 1000 + body.usage.completion_tokens * 2000;
  assert.equal(micros(res.headers['x-tollgate-cost-usd']), cost);
  assert.equal(body.meta.usage.usd_spent, cost / 1e6);
  assert.equal(body.meta.usage.credits_used, cost * 2, '2,000,000 credits per USD');

  // Batched durability: the reservation lives in memory; the writer sums each committed batch's
  // charges into one settle row per account, which the usage row points at.
  const [usageRow] = await pollSqlite(gw.dbPath,
    `SELECT charged_micros, ledger_id FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(usageRow.charged_micros, cost);
  assert.ok(usageRow.ledger_id, 'the usage row points at its ledger row');
  const [settle] = await sqliteJson(gw.dbPath, `SELECT kind, amount_micros, cost_micros FROM ledger WHERE id = ${usageRow.ledger_id}`);
  assert.equal(settle.kind, 'settle');
  assert.equal(settle.amount_micros, -settle.cost_micros);
  assert.ok(settle.cost_micros >= cost, 'the row holds this charge (and its batch\'s others)');
  const [batch] = await sqliteJson(gw.dbPath, `SELECT SUM(charged_micros) AS charged FROM usage_log WHERE ledger_id = ${usageRow.ledger_id}`);
  assert.equal(batch.charged, settle.cost_micros, 'the row is exactly the sum of the charges pointing at it');
  assert.equal(await settledBalanceOf('acme'), before - cost);
});

test('a stream carries its cost in HTTP trailers, announced in its head', async () => {
  const { status, headers, trailers, text } = await new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acmeKey}`, 'content-type': 'application/json' },
      agent: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, trailers: res.trailers, text: body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, max_tokens: 6, messages: [{ role: 'user', content: 'hi' }] }));
  });
  assert.equal(status, 200);
  assert.equal(headers.trailer, 'x-tollgate-cost-usd, x-tollgate-credits-used');
  const usage = text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6))).find((c) => c.usage)?.usage;
  assert.ok(usage, 'the stream ends with its usage');
  const cost = usage.prompt_tokens * 1000 + usage.completion_tokens * 2000;
  assert.equal(micros(trailers['x-tollgate-cost-usd']), cost);
  assert.equal(trailers['x-tollgate-credits-used'], String(cost * 2));
});

test('image generations are charged per image generated', async () => {
  const res = await httpRequest(`${gw.url}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acmeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'painter', prompt: 'a lighthouse at dusk', n: 2 }),
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().data.length, 2);
  assert.equal(res.headers['x-tollgate-cost-usd'], '0.08');
  assert.equal(res.json().meta.usage.usd_spent, 0.08);
});

test('an account\'s markup multiplies its prices', async () => {
  await cli(['accounts', 'create', '--name', 'resold', '--markup', '1.5']);
  const key = (await cli(['keys', 'create', '--name', 'resold', '--account', 'resold'])).split('\n')[0];
  await cli(['credits', 'topup', '--account', 'resold', '--usd', '1', '--idempotency-key', 'resold-1']);
  await pollUntil(async () => (await chatAs(key, 8)).status === 200, { timeoutMs: 3000 });
  const res = await chatAs(key, 8);
  const usage = res.json().usage;
  const list = usage.prompt_tokens * 1000 + usage.completion_tokens * 2000;
  assert.equal(micros(res.headers['x-tollgate-cost-usd']), list * 1.5);
});

test('a key created with a secret needs it, in either form', async () => {
  const [key, secret] = (await cli(['keys', 'create', '--name', 'paired', '--account', 'acme', '--with-secret'])).split('\n');
  assert.match(secret, /^tgs_/);
  // Until the gateway has loaded the new key it is unknown (invalid_api_key).
  const alone = await pollUntil(async () => {
    const res = await chatAs(key, 3);
    return res.json().error?.code === 'secret_required' ? res : null;
  }, { timeoutMs: 3000 });
  assert.ok(alone, 'the key alone is refused for want of its secret');
  assert.equal(alone.status, 401);
  assert.equal(alone.json().error.code, 'secret_required');
  assert.equal((await chatAs(`${key}:${secret}`, 3)).status, 200, 'Bearer <key>:<secret>');
  const headers = await httpRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'x-api-secret': secret, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(headers.status, 200, 'X-API-Key + X-API-Secret');
  assert.equal((await chatAs(`${key}:tgs_wrong`, 3)).status, 401);
});

test('an upstream failure costs nothing', async () => {
  const before = await settledBalanceOf('acme');
  const res = await chatAs(acmeKey, 8, { 'x-mock-fault': '500' });
  assert.equal(res.status, 500);
  const usage = await pollSqlite(gw.dbPath, `SELECT charged_micros FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(usage[0].charged_micros, 0);
  assert.deepEqual(await ledgerOf(res.headers['x-request-id']), [], 'nothing moved, nothing written');
  assert.equal(await settledBalanceOf('acme'), before);
});

test('a key\'s spending limit refuses with a 402 once its period\'s spend would pass it', async () => {
  const limited = (await cli(['keys', 'create', '--name', 'capped', '--account', 'acme', '--limit-usd', '0.2', '--limit-retention', 'day'])).split('\n')[0];
  await pollUntil(async () => (await chatAs(limited, 5)).status !== 401, { timeoutMs: 3000 });
  let refused;
  for (let i = 0; i < 40 && !refused; i++) {
    const res = await chatAs(limited, 20);
    if (res.status === 402) refused = res;
    else assert.equal(res.status, 200, res.text);
  }
  assert.ok(refused, 'the limit was reached');
  assert.equal(refused.json().error.code, 'key_limit_reached');
  assert.equal((await chatAs(acmeKey, 20)).status, 200, 'another key of the account still works');
});

// A second gateway on the same database file (its own port, access log and process), as a
// deployment runs several behind a load balancer.
async function startSecondGateway() {
  return startGateway({ mockUrl: mock.url, configOverrides: (base) => ({ ...gw.config, server: base.server }) });
}

function chatThrough(gateway, key, max_tokens) {
  return httpRequest(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens, messages: [{ role: 'user', content: 'Say hello.' }] }),
  });
}

// Waits until both gateways' key caches have the key the CLI just created (each refreshes on its
// own, within 200 ms).
async function knownToBoth(key, second) {
  for (const gateway of [gw, second]) {
    await pollUntil(async () => (await httpRequest(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200, { timeoutMs: 3000 });
  }
}

// Waits until every usage row of `key` is committed: `requests` of them.
const keySpendCommitted = async (key, requests) => {
  const rows = await pollSqlite(gw.dbPath,
    `SELECT COUNT(*) AS n, COALESCE(SUM(charged_micros), 0) AS spent FROM usage_log WHERE key_prefix = ${sqlText(key.slice(0, 11))}`,
    { predicate: (r) => r[0].n === requests, timeoutMs: 3000 });
  return rows[0].spent;
};

test('two gateways on one database: a key\'s spend through either counts against its limit in both', async () => {
  const second = await startSecondGateway();
  try {
    const shared = (await cli(['keys', 'create', '--name', 'shared', '--account', 'acme', '--limit-usd', '0.2', '--limit-retention', 'day'])).split('\n')[0];
    await knownToBoth(shared, second);
    let served = 0;
    let refused;
    while (!refused && served < 40) {
      const res = await chatAs(shared, 20);
      if (res.status === 402) refused = res;
      else { assert.equal(res.status, 200, res.text); served++; }
    }
    assert.ok(refused && served >= 1, `the first gateway reached the limit after ${served} requests`);
    assert.equal(refused.json().error.code, 'key_limit_reached');
    // What is left under the limit is less than a request reserves, but that reservation alone
    // fits in it: a gateway that knew only its own spend (none) would serve the next one.
    const spent = await keySpendCommitted(shared, served);
    assert.ok(spent > 0 && spent <= 200_000, `spent ${spent}`);
    await sleep(1000);  // the second gateway's sync (every 200 ms) has read the first one's rows
    const res = await chatThrough(second, shared, 20);
    assert.equal(res.status, 402, 'alone, the second gateway would have served this: it spent nothing with the key');
    assert.equal(res.json().error.code, 'key_limit_reached');
  } finally {
    await second.stop('SIGKILL');
    removeTempDir(second.dir);
  }
});

test('a limit set on a key another gateway has been spending with counts that spend at once', async () => {
  const second = await startSecondGateway();
  try {
    const later = (await cli(['keys', 'create', '--name', 'limited-later', '--account', 'acme'])).split('\n')[0];
    await knownToBoth(later, second);
    // More than one request reserves, so that a gateway unaware of this spend would serve the
    // next request under the limit below.
    const requests = 8;
    for (let i = 0; i < requests; i++) assert.equal((await chatThrough(second, later, 20)).status, 200);
    const spent = await keySpendCommitted(later, requests);
    // Set through the first gateway's keys API: just above what the key spent today.
    const threshold = ((spent + 10) / 1e6).toFixed(6);
    const patched = await httpRequest(`${gw.url}/v1/keys/${later.slice(0, 11)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: { threshold, retention: 'day' } }),
    });
    assert.equal(patched.status, 200, patched.text);
    await sleep(1000);  // the second gateway's key refresher has seen the limit
    for (const [name, gateway] of [['the gateway that set it', gw], ['the gateway that spent', second]]) {
      const res = await chatThrough(gateway, later, 20);
      assert.equal(res.status, 402, `${name}: the day's spend already reaches the new limit`);
      assert.equal(res.json().error.code, 'key_limit_reached');
    }
  } finally {
    await second.stop('SIGKILL');
    removeTempDir(second.dir);
  }
});

test('1,000 concurrent requests against a balance for some of them: no overspend, exact to the micro-USD', async () => {
  await cli(['accounts', 'create', '--name', 'crowd']);
  const key = (await cli(['keys', 'create', '--name', 'crowd', '--account', 'crowd'])).split('\n')[0];
  await cli(['credits', 'topup', '--account', 'crowd', '--usd', '0.5', '--idempotency-key', 'crowd-1']);
  await pollUntil(async () => (await chatAs(key, 1)).status === 200, { timeoutMs: 3000 });
  const initial = await settledBalanceOf('crowd');

  const results = await Promise.all(Array.from({ length: 1000 }, () => chatAs(key, 10)));
  const served = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 402);
  assert.equal(served.length + refused.length, 1000, 'every answer is a 200 or a 402');
  assert.ok(served.length > 0 && refused.length > 0, `served ${served.length}, refused ${refused.length}`);
  for (const r of refused) assert.equal(r.json().error.code, 'insufficient_balance');
  const charged = served.reduce((sum, r) => sum + micros(r.headers['x-tollgate-cost-usd']), 0);

  // The ledger (written in the background) catches up, then balance = initial − charges exactly.
  const final = await pollUntil(async () => {
    const b = await balanceOf('crowd');
    return b === initial - charged ? b : null;
  }, { timeoutMs: 5000 });
  assert.ok(final >= 0, 'never negative');
  const [sum] = await sqliteJson(gw.dbPath, "SELECT SUM(amount_micros) AS s FROM ledger WHERE account_id = (SELECT id FROM accounts WHERE name = 'crowd')");
  assert.equal(sum.s, final, 'the balance is the ledger sum');
  const [ledgerCharges] = await sqliteJson(gw.dbPath, "SELECT -SUM(amount_micros) AS charged FROM ledger WHERE kind = 'settle' AND account_id = (SELECT id FROM accounts WHERE name = 'crowd')");
  const [usageCharges] = await sqliteJson(gw.dbPath, "SELECT SUM(charged_micros) AS charged, SUM(charged_micros > 0 AND ledger_id IS NULL) AS unlinked FROM usage_log WHERE account_id = (SELECT id FROM accounts WHERE name = 'crowd')");
  assert.equal(ledgerCharges.charged, usageCharges.charged, 'the ledger charged what the usage log says');
  assert.equal(usageCharges.unlinked, 0, 'every charged usage row points at its ledger row');
});
