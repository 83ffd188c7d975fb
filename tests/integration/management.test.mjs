// The accounts, keys and billing endpoints against the real binary with billing on: the keys API
// in the AI/ML API's shape (create → list → introspect → disable → delete, scopes, another
// account's keys), the balance in its four shapes, admin top-ups that are idempotent over HTTP
// and reach the wallet at once, the credit ledger page by page, usage rollups,
// self-registration with session tokens, keys' BYOK credentials (stored sealed, shown as
// provider names only) and regions, and accounts' rate limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  startMock, startGateway, removeTempDir, runTollgate, httpRequest, chat, pollUntil, defaultMessages, sqliteJson,
} from './harness.mjs';

const ADMIN_KEY = 'admin-key-for-the-management-suite';
const JWT_SECRET = 'a-session-secret-of-at-least-32-bytes!!';
// $1,000 per 1M input tokens and $2,000 per 1M output tokens: 1,000 and 2,000 micro-USD a token.
const pricing = { input_per_m: '1000', output_per_m: '2000' };
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
// Every BYOK credential this suite stores: none of them may ever show up in a response, the
// database file, the gateway's stderr or its access log.
const storedCredentials = [];
const credential = (label) => {
  const text = `sk-byok-plaintext-${label}-${Math.random().toString(36).slice(2)}`;
  storedCredentials.push(text);
  return text;
};

let mock;
let gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      server: { ...base.server, admin_key: ADMIN_KEY },
      billing: { enabled: true, default_max_tokens: 50, low_balance_usd: '0.5' },
      auth: { registration: true, jwt_secret: JWT_SECRET, token_ttl_seconds: 600 },
      byok: { master_key: MASTER_KEY },
      providers: [{ ...base.providers[0], region: 'eu' }],
      models: [{ id: 'gpt-4o-mini', provider: 'mock', upstream_model: 'gpt-4o-mini-2024-07-18', pricing }],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

async function cli(args) {
  const r = await runTollgate([...args, '--config', gw.configPath]);
  assert.equal(r.code, 0, `tollgate ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

// One management call; `auth` is a bearer token (admin key, API key, key:secret or JWT).
async function call(method, path, { auth, body, headers = {} } = {}) {
  const h = { ...headers };
  if (auth) h.authorization = `Bearer ${auth}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await httpRequest(`${gw.url}${path}`, {
    method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { ...res, body: res.text ? res.json() : undefined };
}

const admin = (method, path, body) => call(method, path, { auth: ADMIN_KEY, body });
const chatWith = (key, max_tokens = 5) => chat(gw, { model: 'gpt-4o-mini', max_tokens, messages: defaultMessages }, { key });
const micros = (usd) => Math.round(Number(usd) * 1e6);

function assertError(res, status, code, param) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code, res.text);
  if (param !== undefined) assert.equal(res.body.error.param, param, res.text);
}

// The key object of aimlapi-spec §3.1, plus models and expires_at.
function assertKeyObject(key, { withKey = false } = {}) {
  const fields = ['name', 'disabled', 'prefix', 'scopes', 'limit', 'created_at', 'updated_at', 'monthly_usage', 'models', 'expires_at', 'rate_limits', 'regions', 'byok'];
  assert.deepEqual(Object.keys(key), withKey ? [...fields, 'key'] : fields);
  assert.equal(typeof key.disabled, 'boolean');
  assert.match(key.prefix, /^tg-[0-9A-Za-z]{8}$/);
  assert.ok(Array.isArray(key.scopes) && Array.isArray(key.models) && Array.isArray(key.regions) && Array.isArray(key.byok));
  assert.match(key.created_at, ISO_MS);
  assert.match(key.updated_at, ISO_MS);
  assert.equal(typeof key.monthly_usage, 'number');
  if (withKey) assert.ok(key.key.startsWith(key.prefix), 'the full key starts with its prefix');
}

// ---------------------------------------------------------------------------------------------
// Keys API

test('keys API round trip with a management key: create, list, introspect, disable, delete', async () => {
  const created = await admin('POST', '/v1/keys', { name: 'manager', scopes: ['keys'] });
  assert.equal(created.status, 200, created.text);
  assertKeyObject(created.body.data, { withKey: true });
  const manager = created.body.data.key;

  const made = await call('POST', '/v1/keys', {
    auth: manager,
    body: { name: '20260202-key-for-llms', limit: { retention: 'week', threshold: 25 }, scopes: ['model:chat'], models: ['gpt-4o-mini'] },
  });
  assert.equal(made.status, 200, made.text);
  const key = made.body.data;
  assertKeyObject(key, { withKey: true });
  assert.equal(key.name, '20260202-key-for-llms');
  assert.equal(key.disabled, false);
  assert.deepEqual(key.scopes, ['model:chat']);
  assert.deepEqual(key.limit, { threshold: 25, retention: 'week' });
  assert.deepEqual(key.models, ['gpt-4o-mini']);
  assert.equal(key.expires_at, null);
  assert.equal(key.monthly_usage, 0);
  assert.equal(key.created_at, key.updated_at);

  const list = await call('GET', '/v1/keys', { auth: manager });
  assert.equal(list.status, 200, list.text);
  const prefixes = list.body.data.map((k) => k.prefix);
  assert.deepEqual(prefixes.slice(-2), [created.body.data.prefix, key.prefix], 'oldest first');
  for (const k of list.body.data) assertKeyObject(k);

  // The new key works at once and describes itself.
  assert.equal((await chatWith(key.key)).status !== 401, true);
  const self = await call('GET', '/v1/key', { auth: key.key });
  assert.equal(self.status, 200, self.text);
  const { key: _shownOnce, ...withoutKey } = key;
  assert.deepEqual({ ...self.body.data, monthly_usage: 0 }, withoutKey);

  const patched = await call('PATCH', `/v1/keys/${key.prefix}`, { auth: manager, body: { disabled: true, name: 'renamed' } });
  assert.equal(patched.status, 200, patched.text);
  assertKeyObject(patched.body.data);
  assert.equal(patched.body.data.disabled, true);
  assert.equal(patched.body.data.name, 'renamed');
  assert.ok(patched.body.data.updated_at >= key.updated_at);
  const refused = await chatWith(key.key);
  assert.equal(refused.status, 401, 'a disabled key is refused at once');
  assert.equal(refused.json().error.code, 'key_disabled');

  const deleted = await call('DELETE', `/v1/keys/${key.prefix}`, { auth: manager });
  assert.equal(deleted.status, 200, deleted.text);
  assert.deepEqual(deleted.body, { data: { prefix: key.prefix, deleted: true } });
  assertError(await call('DELETE', `/v1/keys/${key.prefix}`, { auth: manager }), 404, 'key_not_found');
  assertError(await call('GET', `/v1/keys/${key.prefix}`, { auth: manager }), 404, 'key_not_found');
  assert.ok(!(await call('GET', '/v1/keys', { auth: manager })).body.data.some((k) => k.prefix === key.prefix));
});

test('a deleted key is refused at once', async () => {
  const { body } = await admin('POST', '/v1/keys', { name: 'short-lived' });
  assert.equal((await chatWith(body.data.key)).status !== 401, true);
  assert.equal((await admin('DELETE', `/v1/keys/${body.data.prefix}`)).status, 200);
  assert.equal((await chatWith(body.data.key)).status, 401);
});

test('scopes: the keys API needs the "keys" scope; a management key cannot call models', async () => {
  assertError(await call('GET', '/v1/keys', { auth: gw.key }), 403, 'scope_not_allowed');
  assertError(await call('POST', '/v1/keys', { auth: gw.key, body: {} }), 403, 'scope_not_allowed');
  const manager = (await admin('POST', '/v1/keys', { name: 'keys-only', scopes: ['keys'] })).body.data.key;
  const res = await chatWith(manager);
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json().error.code, 'scope_not_allowed');
  // GET /v1/key takes any key; credentials are required everywhere.
  assert.equal((await call('GET', '/v1/key', { auth: gw.key })).status, 200);
  assertError(await call('GET', '/v1/keys'), 401, 'missing_api_key');
  assertError(await call('GET', '/v1/keys', { auth: 'tg-wrongwrongwrongwrongwrongwrongwrongwrongwrongwrong' }), 401, 'invalid_api_key');
  assertError(await admin('GET', '/v1/key'), 400, 'api_key_required');
});

test('another account\'s key is not found; only the admin acts for other accounts', async () => {
  await cli(['accounts', 'create', '--name', 'other']);
  const theirs = await admin('POST', '/v1/keys', { name: 'theirs', account: 'other' });
  assert.equal(theirs.status, 200, theirs.text);
  const prefix = theirs.body.data.prefix;
  const manager = (await admin('POST', '/v1/keys', { name: 'default-manager', scopes: ['keys'] })).body.data.key;
  assertError(await call('PATCH', `/v1/keys/${prefix}`, { auth: manager, body: { disabled: true } }), 404, 'key_not_found');
  assertError(await call('DELETE', `/v1/keys/${prefix}`, { auth: manager }), 404, 'key_not_found');
  assertError(await call('GET', `/v1/keys?account=other`, { auth: manager }), 403, 'admin_required');
  assertError(await call('POST', '/v1/keys', { auth: manager, body: { account: 'other' } }), 403, 'permission_denied');

  const listed = await admin('GET', '/v1/keys?account=other');
  assert.deepEqual(listed.body.data.map((k) => k.prefix), [prefix]);
  assertError(await admin('GET', '/v1/keys?account=nobody'), 404, 'account_not_found');
  assert.equal((await admin('PATCH', `/v1/keys/${prefix}`, { scopes: null })).status, 200);
});

test('key validation: 400 naming the parameter', async () => {
  const cases = [
    [{ limit: { threshold: 'abc' } }, 'invalid_value', 'limit.threshold'],
    [{ limit: { threshold: -1 } }, 'invalid_value', 'limit.threshold'],
    ['{"limit":{"threshold":2.5e1}}', 'invalid_value', 'limit.threshold'],  // exact decimals only
    [{ limit: { threshold: 0.0000001 } }, 'invalid_value', 'limit.threshold'],
    [{ limit: { threshold: 5, retention: 'year' } }, 'invalid_value', 'limit.retention'],
    [{ limit: { retention: 'week' } }, 'missing_parameter', 'limit.threshold'],
    [{ limit: { threshold: 5, every: 'day' } }, 'unknown_parameter', 'limit.every'],
    [{ scopes: ['model:chat', 'everything'] }, 'invalid_value', 'scopes'],
    [{ scopes: 'chat' }, 'invalid_type', 'scopes'],
    [{ models: ['gpt-5-imaginary'] }, 'invalid_value', 'models'],
    [{ expires_at: '2001-01-01T00:00:00Z' }, 'invalid_value', 'expires_at'],
    [{ expires_at: 'tomorrow' }, 'invalid_value', 'expires_at'],
    [{ name: '' }, 'invalid_value', 'name'],
    [{ with_secret: 'yes' }, 'invalid_type', 'with_secret'],
    [{ colour: 'blue' }, 'unknown_parameter', 'colour'],
  ];
  for (const [body, code, param] of cases) {
    assertError(await admin('POST', '/v1/keys', body), 400, code, param);
  }
  assertError(await admin('POST', '/v1/keys', '{"name":'), 400, 'invalid_json');
  assertError(await admin('POST', '/v1/keys', '[1]'), 400, 'invalid_type');
  // An exact decimal threshold, a string threshold and an expiry are kept exactly.
  const res = await admin('POST', '/v1/keys', { limit: { threshold: 0.000001 }, expires_at: '2099-12-31T23:59:59.5Z' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text.includes('"threshold":0.000001,'), true, res.text);
  assert.equal(res.body.data.limit.retention, 'month', 'the default retention');
  assert.equal(res.body.data.expires_at, '2099-12-31T23:59:59.500Z');
  const cleared = await admin('PATCH', `/v1/keys/${res.body.data.prefix}`, { limit: null, expires_at: null, models: [] });
  assert.equal(cleared.body.data.limit, null);
  assert.equal(cleared.body.data.expires_at, null);
  const stringThreshold = await admin('PATCH', `/v1/keys/${res.body.data.prefix}`, { limit: { threshold: '12.345678' } });
  assert.deepEqual(stringThreshold.body.data.limit, { threshold: 12.345678, retention: 'month' });
  assertError(await admin('PUT', '/v1/keys'), 405, 'method_not_allowed');
});

test('a key created with a secret authenticates as key:secret and X-API-Key + X-API-Secret only', async () => {
  const res = await admin('POST', '/v1/keys', { name: 'paired', with_secret: true });
  assert.equal(res.status, 200, res.text);
  const { key, secret } = res.body.data;
  assert.match(secret, /^tgs_[0-9A-Za-z]{40}$/);
  assertError(await call('GET', '/v1/me/balance', { auth: key }), 401, 'secret_required');
  const combined = await call('GET', '/v1/me/balance', { auth: `${key}:${secret}` });
  assert.equal(combined.status, 200, combined.text);
  const headers = await call('GET', '/v1/me/balance', { headers: { 'x-api-key': key, 'x-api-secret': secret } });
  assert.deepEqual(headers.body, combined.body);
});

// ---------------------------------------------------------------------------------------------
// Credits and balances

test('top-ups over HTTP: 201 then 200 on a replay, 409 for another amount; the wallet has it at once', async () => {
  await cli(['accounts', 'create', '--name', 'payer']);
  const key = (await cli(['keys', 'create', '--name', 'payer', '--account', 'payer'])).split('\n')[0];
  await pollUntil(async () => (await chatWith(key)).status !== 401, { timeoutMs: 3000 });
  assert.equal((await chatWith(key)).status, 402, 'nothing to spend yet');

  const first = await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: '1.00', idempotency_key: 'payer-1', note: 'welcome' });
  assert.equal(first.status, 201, first.text);
  const entry = first.body.data;
  assert.deepEqual(Object.keys(entry), ['id', 'kind', 'amount_usd', 'cost_usd', 'key', 'request_id', 'idempotency_key', 'note', 'created_at']);
  assert.equal(entry.kind, 'topup');
  assert.equal(entry.amount_usd, '1.00');
  assert.equal(entry.note, 'welcome');
  assert.equal(entry.idempotency_key, 'payer-1');
  assert.equal(first.body.balance_usd, '1.00');
  assert.equal(first.body.credits, '2000000');
  assert.equal(first.body.replayed, false);

  const again = await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: 1, idempotency_key: 'payer-1' });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body.data, entry, 'the same entry');
  assert.equal(again.body.replayed, true);
  assert.equal(again.body.balance_usd, '1.00', 'credited once');
  const conflict = await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: '2.00', idempotency_key: 'payer-1' });
  assertError(conflict, 409, 'idempotency_key_reused', 'idempotency_key');

  const served = await chatWith(key);
  assert.equal(served.status, 200, `the 402 turned into a 200 at once: ${served.text}`);

  assertError(await call('POST', '/v1/credits/topup', { auth: key, body: { amount_usd: '5', idempotency_key: 'x' } }), 403, 'admin_required');
  assertError(await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: '0', idempotency_key: 'z' }), 400, 'invalid_value', 'amount_usd');
  assertError(await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: '1.0000001', idempotency_key: 'z' }), 400, 'invalid_value', 'amount_usd');
  assertError(await admin('POST', '/v1/credits/topup', { account: 'payer', amount_usd: '1' }), 400, 'missing_parameter', 'idempotency_key');
  assertError(await admin('POST', '/v1/credits/topup', { account: 'ghost', amount_usd: '1', idempotency_key: 'g' }), 404, 'account_not_found');
});

test('balances in every shape agree with the wallet, exactly', async () => {
  await cli(['accounts', 'create', '--name', 'shapes', '--email', 'shapes@example.com']);
  const key = (await cli(['keys', 'create', '--name', 'shapes', '--account', 'shapes'])).split('\n')[0];
  await admin('POST', '/v1/credits/topup', { account: 'shapes', amount_usd: '0.25', idempotency_key: 's1' });
  await pollUntil(async () => (await call('GET', '/v1/me/balance', { auth: key })).status === 200, { timeoutMs: 3000 });

  const legacy = await call('GET', '/v1/billing/balance', { auth: key });
  assert.equal(legacy.status, 200, legacy.text);
  assert.deepEqual(Object.keys(legacy.body), ['balance', 'lowBalance', 'lowBalanceThreshold', 'lastUpdated', 'autoDebitStatus', 'status', 'statusExplanation']);
  assert.equal(legacy.body.balance, 500000, '$0.25 at 2,000,000 credits per USD');
  assert.equal(legacy.body.lowBalance, true, 'below low_balance_usd 0.5');
  assert.equal(legacy.body.lowBalanceThreshold, 1000000);
  assert.match(legacy.body.lastUpdated, ISO_MS);
  assert.equal(legacy.body.autoDebitStatus, 'disabled');
  assert.equal(legacy.body.status, 'current');

  assert.deepEqual((await call('GET', '/v2/billing', { auth: key })).body, { current_balance: 0.25, currency: 'USD' });
  const detail = (await call('GET', '/v2/billing/detail', { auth: key })).body;
  assert.deepEqual(Object.keys(detail), ['user_id', 'email', 'current_balance', 'currency', 'autotopup_settings']);
  assert.equal(detail.email, 'shapes@example.com');
  assert.equal(typeof detail.user_id, 'number');
  assert.equal(detail.current_balance, 0.25);
  assert.deepEqual(detail.autotopup_settings, { is_enabled: false, threshold: 0, amount: 0, currency: 'USD' });
  assert.deepEqual((await call('GET', '/v1/me/balance', { auth: key })).body, { credits: '500000' });
  // The admin reads any account's balance.
  assert.deepEqual((await admin('GET', '/v1/me/balance?account=shapes')).body, { credits: '500000' });

  // A request's exact charge shows in every shape at once.
  const res = await chatWith(key, 8);
  assert.equal(res.status, 200, res.text);
  const left = micros('0.25') - micros(res.headers['x-tollgate-cost-usd']);
  assert.deepEqual((await call('GET', '/v1/me/balance', { auth: key })).body, { credits: String(left * 2) });
  assert.equal(micros((await call('GET', '/v2/billing', { auth: key })).body.current_balance), left);
});

test('the credit ledger, newest first, page by page', async () => {
  await cli(['accounts', 'create', '--name', 'pager']);
  for (let i = 1; i <= 5; i++) {
    assert.equal((await admin('POST', '/v1/credits/topup', { account: 'pager', amount_usd: `0.0${i}`, idempotency_key: `p${i}` })).status, 201);
  }
  const seen = [];
  let before = null;
  for (let page = 0; page < 5; page++) {
    const res = await admin('GET', `/v1/credits?account=pager&limit=2${before ? `&before=${before}` : ''}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.balance_usd, '0.15');
    assert.equal(res.body.credits, '300000');
    seen.push(...res.body.data);
    assert.equal(res.body.has_more, res.body.next_before !== null);
    if (!res.body.has_more) break;
    assert.equal(res.body.data.length, 2);
    before = res.body.next_before;
  }
  assert.deepEqual(seen.map((e) => e.amount_usd), ['0.05', '0.04', '0.03', '0.02', '0.01']);
  assert.deepEqual(seen.map((e) => e.idempotency_key), ['p5', 'p4', 'p3', 'p2', 'p1']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].id < seen[i - 1].id, 'ids descend');
  assertError(await admin('GET', '/v1/credits?account=pager&limit=0'), 400, 'invalid_value', 'limit');
  assertError(await admin('GET', '/v1/credits?account=pager&limit=1001'), 400, 'invalid_value', 'limit');
  assertError(await admin('GET', '/v1/credits?account=pager&before=x'), 400, 'invalid_value', 'before');
});

test('usage rollups per day and model after a few requests, for the account or one key', async () => {
  await cli(['accounts', 'create', '--name', 'user']);
  const key = (await cli(['keys', 'create', '--name', 'user', '--account', 'user'])).split('\n')[0];
  await admin('POST', '/v1/credits/topup', { account: 'user', amount_usd: '5', idempotency_key: 'u1' });
  await pollUntil(async () => (await chatWith(key, 3)).status === 200, { timeoutMs: 3000 });
  const responses = [await chatWith(key, 4), await chatWith(key, 6)];
  for (const r of responses) assert.equal(r.status, 200, r.text);

  const today = new Date().toISOString().slice(0, 10);
  const res = await pollUntil(async () => {
    const r = await call('GET', `/v1/usage?from=${today}&to=${today}`, { auth: key });
    return r.status === 200 && r.body.totals.requests === 3 ? r : null;
  }, { timeoutMs: 3000 });
  assert.ok(res, 'three requests rolled up');
  assert.equal(res.body.from, today);
  assert.equal(res.body.to, today);
  assert.equal(res.body.data.length, 1);
  const row = res.body.data[0];
  assert.deepEqual(Object.keys(row), ['date', 'model', 'requests', 'errors', 'input_tokens', 'output_tokens', 'cached_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_usd', 'charged_usd']);
  assert.equal(row.date, today);
  assert.equal(row.model, 'gpt-4o-mini');
  assert.equal(row.requests, 3);
  assert.equal(row.errors, 0);
  const last2 = responses.map((r) => r.json().usage);
  assert.ok(row.output_tokens >= last2.reduce((s, u) => s + u.completion_tokens, 0));
  assert.equal(micros(row.cost_usd), row.input_tokens * 1000 + row.output_tokens * 2000, 'priced exactly');
  assert.equal(row.charged_usd, row.cost_usd);
  assert.equal(res.body.totals.cost_usd, row.cost_usd);

  const prefix = key.slice(0, 11);
  const byKey = await call('GET', `/v1/usage?key=${prefix}`, { auth: key });
  assert.equal(byKey.body.totals.requests, 3);
  assertError(await call('GET', `/v1/usage?key=${gw.key.slice(0, 11)}`, { auth: key }), 404, 'key_not_found', 'key');
  assertError(await call('GET', '/v1/usage?from=2026-02-30', { auth: key }), 400, 'invalid_value', 'from');
  assertError(await call('GET', '/v1/usage?from=2026-03-02&to=2026-03-01', { auth: key }), 400, 'invalid_value', 'from');
  assertError(await call('GET', '/v1/usage?from=2024-01-01&to=2026-01-01', { auth: key }), 400, 'invalid_value', 'from');
  const empty = await call('GET', '/v1/usage?from=2001-01-01&to=2001-01-31', { auth: key });
  assert.deepEqual(empty.body.data, []);
});

// ---------------------------------------------------------------------------------------------
// Registration and sessions

test('register, log in, and use the session token for the keys API and credits', async () => {
  const registered = await call('POST', '/auth/register', { body: { email: 'ada@example.com', password: 'correct horse battery', name: 'ada' } });
  assert.equal(registered.status, 201, registered.text);
  assert.deepEqual(Object.keys(registered.body), ['account', 'token', 'expires_at']);
  assert.deepEqual(Object.keys(registered.body.account), ['id', 'name', 'email']);
  assert.equal(registered.body.account.name, 'ada');
  assert.equal(registered.body.account.email, 'ada@example.com');
  assert.match(registered.body.expires_at, ISO_MS);

  const login = await call('POST', '/auth/login', { body: { email: 'ada@example.com', password: 'correct horse battery' } });
  assert.equal(login.status, 200, login.text);
  assert.deepEqual(Object.keys(login.body), ['token', 'expires_at']);
  const token = login.body.token;
  const expiresIn = Date.parse(login.body.expires_at) - Date.now();
  assert.ok(expiresIn > 590_000 && expiresIn <= 601_000, `token_ttl_seconds 600: ${expiresIn} ms`);

  const made = await call('POST', '/v1/keys', { auth: token, body: { name: 'ada-key' } });
  assert.equal(made.status, 200, made.text);
  const keys = await call('GET', '/v1/keys', { auth: token });
  assert.deepEqual(keys.body.data.map((k) => k.name), ['ada-key'], 'only the account\'s own keys');
  const credits = await call('GET', '/v1/credits', { auth: token });
  assert.equal(credits.status, 200, credits.text);
  assert.deepEqual(credits.body, { balance_usd: '0.00', credits: '0', data: [], has_more: false, next_before: null });
  // The key works for the account: no credit yet, so a 402.
  assert.equal((await chatWith(made.body.data.key)).status, 402);
  assertError(await call('POST', '/v1/credits/topup', { auth: token, body: {} }), 403, 'admin_required');
  assertError(await call('GET', '/v1/keys', { auth: `${token.slice(0, -2)}xx` }), 401, 'invalid_token');
  // A session token is no model-API credential.
  const res = await chat(gw, { model: 'gpt-4o-mini', messages: defaultMessages }, { key: token });
  assert.equal(res.status, 401);
});

test('login: a wrong password and an unknown email get the same 401', async () => {
  await call('POST', '/auth/register', { body: { email: 'bob@example.com', password: 'bobs password' } });
  const wrong = await call('POST', '/auth/login', { body: { email: 'bob@example.com', password: 'not bobs password' } });
  const unknown = await call('POST', '/auth/login', { body: { email: 'nobody@example.com', password: 'not bobs password' } });
  assertError(wrong, 401, 'invalid_credentials');
  assert.deepEqual(unknown.body.error, wrong.body.error);
});

test('registration: duplicate email 409, password policy 400, bad email 400', async () => {
  const first = await call('POST', '/auth/register', { body: { email: 'cy@example.com', password: 'long enough' } });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.account.name, 'cy@example.com', 'the name defaults to the email');
  assertError(await call('POST', '/auth/register', { body: { email: 'CY@example.com', password: 'long enough' } }), 409, 'email_taken', 'email');
  assertError(await call('POST', '/auth/register', { body: { email: 'dee@example.com', password: 'short' } }), 400, 'password_too_short', 'password');
  assertError(await call('POST', '/auth/register', { body: { email: 'dee@example.com', password: '          ' } }), 400, 'password_blank', 'password');
  assertError(await call('POST', '/auth/register', { body: { email: 'not-an-email', password: 'long enough' } }), 400, 'invalid_value', 'email');
  assertError(await call('POST', '/auth/register', { body: { email: 'dee@example.com' } }), 400, 'missing_parameter', 'password');
});

test('registration off (the default): /auth/register and /auth/login answer 404 as if absent', async () => {
  const other = await startGateway({ mockUrl: mock.url });
  try {
    for (const path of ['/auth/register', '/auth/login']) {
      const res = await httpRequest(`${other.url}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.co', password: 'long enough' }),
      });
      assert.equal(res.status, 404, res.text);
      assert.equal(res.json().error.code, 'unknown_url');
    }
    // No admin key configured: a bearer that is not a key is just a wrong key.
    const res = await httpRequest(`${other.url}/v1/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 401);
  } finally {
    await other.stop('SIGKILL');
    removeTempDir(other.dir);
  }
});

test('the admin creates, lists and updates accounts; a disabled account\'s keys stop at once', async () => {
  let res = await admin('POST', '/v1/accounts', { name: 'reseller', email: 'ops@reseller.test', markup: '1.2' });
  assert.equal(res.status, 201, res.text);
  const created = res.json().data;
  assert.equal(created.name, 'reseller');
  assert.equal(created.markup, 1.2);
  assert.equal(created.balance_usd, '0.00');
  assert.equal(created.disabled, false);
  assert.match(created.created_at, ISO_MS);
  res = await admin('POST', '/v1/accounts', { name: 'reseller' });
  assert.equal(res.status, 409);
  assert.equal(res.json().error.code, 'name_taken');
  res = await admin('POST', '/v1/accounts', { email: 'x@y.test' });
  assert.equal(res.status, 400);

  res = await admin('GET', '/v1/accounts');
  assert.ok(res.json().data.some((a) => a.name === 'reseller' && a.id === created.id));

  res = await admin('POST', '/v1/keys?account=reseller', { name: 'reseller-key' });
  assert.equal(res.status, 200, res.text);
  const key = res.json().data.key;
  res = await admin('POST', '/v1/credits/topup', { account: 'reseller', amount_usd: '1', idempotency_key: 'reseller-1' });
  assert.equal(res.status, 201, res.text);
  assert.equal((await chatWith(key)).status, 200);

  res = await call('POST', '/v1/accounts', { auth: key, body: { name: 'nope' } });
  assert.equal(res.status, 403, 'only the admin manages accounts');

  res = await admin('PATCH', '/v1/accounts/reseller', { disabled: true });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().data.disabled, true);
  const refused = await chatWith(key);
  assert.equal(refused.status, 401);
  assert.equal(refused.json().error.code, 'key_disabled');
  res = await admin('PATCH', '/v1/accounts/reseller', { disabled: false, markup: 1.5 });
  assert.equal(res.json().data.markup, 1.5);
  assert.equal((await chatWith(key)).status, 200);
  assert.equal((await admin('PATCH', '/v1/accounts/ghost', { disabled: true })).status, 404);
});

test('keys carry per-key rate-limit settings (enforced by the rate limiter)', async () => {
  let res = await admin('POST', '/v1/keys', { name: 'limited', rate_limits: { rpm: 60, tpm: 100000 } });
  assert.equal(res.status, 200, res.text);
  const { prefix, rate_limits } = res.json().data;
  assert.deepEqual(rate_limits, { rpm: 60, tpm: 100000 });
  res = await admin('PATCH', `/v1/keys/${prefix}`, { rate_limits: { concurrency: 4 } });
  assert.deepEqual(res.json().data.rate_limits, { concurrency: 4 });
  res = await admin('PATCH', `/v1/keys/${prefix}`, { rate_limits: null });
  assert.equal(res.json().data.rate_limits, null);
  res = await admin('PATCH', `/v1/keys/${prefix}`, { rate_limits: { rpm: 0 } });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.param, 'rate_limits.rpm');
  res = await admin('PATCH', `/v1/keys/${prefix}`, { rate_limits: { rph: 1 } });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.code, 'unknown_parameter');
});

// ---------------------------------------------------------------------------------------------
// BYOK credentials, regions, account rate limits

// The bytes of the database file and its write-ahead log, where fresh rows are.
function databaseBytes(dbPath) {
  return Buffer.concat([dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p)));
}

test('BYOK credentials are sealed at rest, shown as provider names only, replaced and removed', async () => {
  const first = credential('first');
  const res = await admin('POST', '/v1/keys', { name: 'own-keys', byok: { mock: first }, regions: ['eu'] });
  assert.equal(res.status, 200, res.text);
  assertKeyObject(res.body.data, { withKey: true });
  const { prefix } = res.body.data;
  assert.deepEqual(res.body.data.byok, ['mock'], 'names only');
  assert.deepEqual(res.body.data.regions, ['eu']);
  assert.ok(!res.text.includes(first), 'never in a response');

  const described = await admin('GET', `/v1/keys/${prefix}`);
  assert.deepEqual(described.body.data.byok, ['mock']);
  assert.ok(!described.text.includes(first));
  const [row] = await sqliteJson(gw.dbPath, `SELECT byok FROM api_keys WHERE prefix = '${prefix}'`);
  assert.match(row.byok, /^\{"mock":"v1\.[A-Za-z0-9_-]+"\}$/, 'sealed: version and base64url');
  assert.ok(!databaseBytes(gw.dbPath).includes(first), 'the plaintext is nowhere in the database file');

  const second = credential('second');
  let patched = await admin('PATCH', `/v1/keys/${prefix}`, { byok: { mock: second } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.body.data.byok, ['mock']);
  const [replaced] = await sqliteJson(gw.dbPath, `SELECT byok FROM api_keys WHERE prefix = '${prefix}'`);
  assert.notEqual(replaced.byok, row.byok, 'sealed anew');
  patched = await admin('PATCH', `/v1/keys/${prefix}`, { name: 'still-own-keys' });
  assert.deepEqual(patched.body.data.byok, ['mock'], 'a PATCH without byok keeps them');
  patched = await admin('PATCH', `/v1/keys/${prefix}`, { byok: { mock: null } });
  assert.deepEqual(patched.body.data.byok, [], 'null removes that provider');
  patched = await admin('PATCH', `/v1/keys/${prefix}`, { byok: { mock: credential('third') } });
  assert.deepEqual(patched.body.data.byok, ['mock']);
  patched = await admin('PATCH', `/v1/keys/${prefix}`, { byok: null, regions: null });
  assert.deepEqual(patched.body.data.byok, [], '"byok": null removes them all');
  assert.deepEqual(patched.body.data.regions, []);
  const [cleared] = await sqliteJson(gw.dbPath, `SELECT byok, regions FROM api_keys WHERE prefix = '${prefix}'`);
  assert.deepEqual(cleared, { byok: null, regions: null });

  // A management key of the account stores credentials the same way.
  const manager = (await admin('POST', '/v1/keys', { name: 'byok-manager', scopes: ['keys'] })).body.data.key;
  const own = await call('POST', '/v1/keys', { auth: manager, body: { name: 'self-service', byok: { mock: credential('self') } } });
  assert.equal(own.status, 200, own.text);
  assert.deepEqual(own.body.data.byok, ['mock']);
});

test('BYOK validation: configured providers only, visible credentials, never echoed', async () => {
  const secret = credential('refused');
  let res = await admin('POST', '/v1/keys', { byok: { openai: secret } });
  assertError(res, 400, 'invalid_value', 'byok.openai');
  assert.match(res.body.error.message, /configured providers are mock/);
  res = await admin('POST', '/v1/keys', { byok: { mock: `${secret} with spaces` } });
  assertError(res, 400, 'invalid_value', 'byok.mock');
  assert.ok(!res.text.includes(secret), 'the refused credential is not echoed');
  assertError(await admin('POST', '/v1/keys', { byok: { mock: '' } }), 400, 'invalid_value', 'byok.mock');
  assertError(await admin('POST', '/v1/keys', { byok: { mock: 42 } }), 400, 'invalid_value', 'byok.mock');
  assertError(await admin('POST', '/v1/keys', { byok: ['mock'] }), 400, 'invalid_type', 'byok');
  const { prefix } = (await admin('POST', '/v1/keys', { name: 'byok-patch' })).body.data;
  assertError(await admin('PATCH', `/v1/keys/${prefix}`, { byok: { openai: null } }), 400, 'invalid_value', 'byok.openai');
  assertError(await admin('PATCH', `/v1/keys/${prefix}`, { byok: 'sk-x' }), 400, 'invalid_type', 'byok');
  const unchanged = await sqliteJson(gw.dbPath, `SELECT byok FROM api_keys WHERE prefix = '${prefix}'`);
  assert.deepEqual(unchanged, [{ byok: null }], 'a refused PATCH writes nothing');
});

test('regions: only regions the configuration\'s deployments have', async () => {
  let res = await admin('POST', '/v1/keys', { regions: ['mars'] });
  assertError(res, 400, 'invalid_value', 'regions');
  assert.match(res.body.error.message, /Unknown region "mars".*deployments are in eu/);
  assertError(await admin('POST', '/v1/keys', { regions: 'eu' }), 400, 'invalid_type', 'regions');
  res = await admin('POST', '/v1/keys', { name: 'eu-only', regions: ['eu'] });
  assert.equal(res.status, 200, res.text);
  const { prefix } = res.body.data;
  assertError(await admin('PATCH', `/v1/keys/${prefix}`, { regions: ['eu', 'us'] }), 400, 'invalid_value', 'regions');
  res = await admin('PATCH', `/v1/keys/${prefix}`, { regions: [] });
  assert.deepEqual(res.body.data.regions, [], '[] is any region');
});

test('the CLI creates keys with BYOK credentials and regions, and accounts with rate limits', async () => {
  const secret = credential('cli');
  let r = await runTollgate(['keys', 'create', '--config', gw.configPath, '--name', 'cli-byok', '--byok', `mock=${secret}`, '--regions', 'eu']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'never printed');
  const prefix = r.stdout.trim().slice(0, 11);
  const shown = await pollUntil(async () => {
    const res = await admin('GET', `/v1/keys/${prefix}`);
    return res.status === 200 ? res : null;
  }, { timeoutMs: 3000 });
  assert.deepEqual(shown.body.data.byok, ['mock']);
  assert.deepEqual(shown.body.data.regions, ['eu']);

  r = await runTollgate(['keys', 'create', '--config', gw.configPath, '--name', 'x', '--byok', `openai=${secret}`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no provider named "openai"/);
  assert.ok(!r.stderr.includes(secret));
  r = await runTollgate(['keys', 'create', '--config', gw.configPath, '--name', 'x', '--regions', 'mars']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown region "mars"/);

  await cli(['accounts', 'create', '--name', 'cli-limited', '--rpm', '5', '--concurrency', '2']);
  const accounts = (await admin('GET', '/v1/accounts')).body.data;
  assert.deepEqual(accounts.find((a) => a.name === 'cli-limited').rate_limits, { rpm: 5, concurrency: 2 });
  r = await runTollgate(['accounts', 'create', '--config', gw.configPath, '--name', 'zero', '--rpm', '0']);
  assert.notEqual(r.code, 0);
});

test('accounts carry rate limits shared by their keys: set, shown, replaced, cleared', async () => {
  let res = await admin('POST', '/v1/accounts', { name: 'rate-limited', rate_limits: { rpm: 100, concurrency: 3 } });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.body.data.rate_limits, { rpm: 100, concurrency: 3 });
  res = await admin('PATCH', '/v1/accounts/rate-limited', { rate_limits: { tpm: 50000 } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.data.rate_limits, { tpm: 50000 });
  res = await admin('PATCH', '/v1/accounts/rate-limited', { markup: 1.1 });
  assert.deepEqual(res.body.data.rate_limits, { tpm: 50000 }, 'unchanged when not given');
  const listed = (await admin('GET', '/v1/accounts')).body.data.find((a) => a.name === 'rate-limited');
  assert.deepEqual(listed.rate_limits, { tpm: 50000 });
  res = await admin('PATCH', '/v1/accounts/rate-limited', { rate_limits: null });
  assert.equal(res.body.data.rate_limits, null);
  assertError(await admin('PATCH', '/v1/accounts/rate-limited', { rate_limits: { rpm: 0 } }), 400, 'invalid_value', 'rate_limits.rpm');
  assertError(await admin('POST', '/v1/accounts', { name: 'bad-limits', rate_limits: { rph: 1 } }), 400, 'unknown_parameter', 'rate_limits.rph');
  assertError(await admin('POST', '/v1/accounts', { name: 'bad-limits', rate_limits: 5 }), 400, 'invalid_type', 'rate_limits');
});

test('without byok.master_key credentials are refused; without regions in the config, regions are', async () => {
  const plain = await startGateway({ mockUrl: mock.url, configOverrides: { server: { admin_key: ADMIN_KEY } } });
  try {
    const post = (body) => httpRequest(`${plain.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let res = await post({ byok: { mock: credential('unconfigured') } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().error.code, 'byok_not_configured');
    assert.match(res.json().error.message, /set byok\.master_key in the config/);
    res = await post({ regions: ['eu'] });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json().error.message, /no deployment of the configuration has a region/);
    assert.equal((await post({ byok: null, regions: null })).status, 200, 'null asks for nothing');

    const r = await runTollgate(['keys', 'create', '--config', plain.configPath, '--name', 'x', '--byok', `mock=${credential('cli-unconfigured')}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs byok\.master_key/);
  } finally {
    await plain.stop('SIGKILL');
    removeTempDir(plain.dir);
  }
});

test('no stored credential ever reaches the database file, stderr or the access log', async () => {
  assert.ok(storedCredentials.length >= 5);
  // The keys with credentials were opened by the key cache: no "left out" line.
  assert.ok(!gw.proc.stderrText.includes('left out'), gw.proc.stderrText);
  const bytes = databaseBytes(gw.dbPath);
  const logs = gw.proc.stderrText + gw.proc.stdoutText + gw.readAccessLog();
  for (const secret of storedCredentials) {
    assert.ok(!bytes.includes(secret), 'not in the database file');
    assert.ok(!logs.includes(secret), 'not in the logs');
  }
});
