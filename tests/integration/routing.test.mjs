// Routing and resilience against the real binaries: several mock upstreams (each made sick as a
// whole with the mock's sticky faults), models with several deployments, aliases, "auto",
// failover and retries, circuit breakers, retry-after, per-deployment caps and timeouts, key and
// account rate limits (requests, tokens, concurrency), regions and BYOK credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startGateway, removeTempDir, httpRequest, chat, openStream, readAllEvents,
  defaultMessages, sleep, pollSqlite, sqlText, closedPort, MOCK_KEY,
} from './harness.mjs';

const ADMIN_KEY = 'admin-key-for-the-routing-suite';
const BYOK_CREDENTIAL = 'sk-client-own-credential-9f8e7d';
const MASTER_KEY = 'a1'.repeat(32);
const BREAKER_COOLDOWN_MS = 1000;

let a;  // mock "a": the first choice of most models, made sick in the tests
let b;  // mock "b": the fallback
let byokMock;  // accepts only the client's own credential
let gw;
let deadPort;

const price = (input, output) => ({ input_per_m: input, output_per_m: output });
const provider = (name, mock, extra = {}) => ({
  name, type: 'openai', base_url: `${mock.url}/v1`, api_key: MOCK_KEY,
  timeouts: { connect_ms: 1000, first_byte_ms: 3000, idle_ms: 3000, total_ms: 10000 }, ...extra,
});
const deployment = (name, prov, extra = {}) => ({ name, provider: prov, upstream_model: 'gpt-4o-mini', ...extra });

before(async () => {
  [a, b, byokMock] = await Promise.all([
    startMock({ args: ['--name', 'a'] }),
    startMock({ args: ['--name', 'b'] }),
    startMock({ args: ['--name', 'byok', '--require-key', BYOK_CREDENTIAL] }),
  ]);
  deadPort = await closedPort();
  gw = await startGateway({
    mockUrl: a.url,
    configOverrides: (base) => ({
      ...base,
      server: { ...base.server, admin_key: ADMIN_KEY },
      billing: { byok_fee_per_m: '0.50' },
      byok: { master_key: MASTER_KEY },
      routing: {
        retries: { max_attempts: 3, backoff_ms: 20, max_backoff_ms: 200, max_retry_after_ms: 2000 },
        breaker: { failures: 3, cooldown_ms: BREAKER_COOLDOWN_MS },
        aliases: [{ id: 'smart-test', models: ['claude-on-a', 'plain-b'], description: 'failover across formats' }],
        auto: { models: ['cheap', 'tooly', 'seeing', 'longer'] },
      },
      providers: [
        ...base.providers,
        provider('mock-a', a),
        provider('mock-b', b),
        { ...provider('claude-a', a), type: 'anthropic' },
        provider('dead', { url: `http://127.0.0.1:${deadPort}` }),
        { ...provider('byok-prov', byokMock), api_key: 'the-gateway-own-key-the-mock-refuses' },
      ],
      models: [
        ...base.models,
        { id: 'failover', pricing: price('1', '1'), deployments: [
          deployment('fo-a', 'mock-a', { priority: 0 }), deployment('fo-b', 'mock-b', { priority: 1 })] },
        { id: 'unreachable', pricing: price('1', '1'), deployments: [
          deployment('un-dead', 'dead', { priority: 0 }), deployment('un-b', 'mock-b', { priority: 1 })] },
        { id: 'breaker', pricing: price('1', '1'), deployments: [
          deployment('br-a', 'mock-a', { priority: 0 }), deployment('br-b', 'mock-b', { priority: 1 })] },
        { id: 'weighted', pricing: price('1', '1'), deployments: [
          deployment('w-a', 'mock-a', { weight: 3 }), deployment('w-b', 'mock-b', { weight: 1 })] },
        { id: 'single', provider: 'mock-a', upstream_model: 'gpt-4o-mini', pricing: price('1', '1') },
        { id: 'single-long-wait', provider: 'mock-a', upstream_model: 'gpt-4o-mini', pricing: price('1', '1') },
        { id: 'cooling', pricing: price('1', '1'), deployments: [
          deployment('cool-a', 'mock-a', { priority: 0 }), deployment('cool-b', 'mock-b', { priority: 1 })] },
        { id: 'capped', pricing: price('1', '1'), deployments: [
          deployment('cap-a', 'mock-a', { priority: 0, rpm: 2 }), deployment('cap-b', 'mock-b', { priority: 1 })] },
        { id: 'slow-first', pricing: price('1', '1'), deployments: [
          deployment('slow-a', 'mock-a', { priority: 0, timeouts: { first_byte_ms: 300 } }),
          deployment('slow-b', 'mock-b', { priority: 1 })] },
        { id: 'regional', pricing: price('1', '1'), deployments: [
          deployment('reg-eu', 'mock-a', { region: 'eu' }), deployment('reg-us', 'mock-b', { region: 'us' })] },
        { id: 'claude-on-a', provider: 'claude-a', upstream_model: 'claude-haiku', pricing: price('3', '3') },
        { id: 'plain-b', provider: 'mock-b', upstream_model: 'gpt-4o-mini', pricing: price('1', '1') },
        { id: 'cheap', provider: 'mock-b', upstream_model: 'gpt-4o-mini', context_length: 1000, pricing: price('0.10', '0.10') },
        { id: 'tooly', provider: 'mock-b', upstream_model: 'gpt-4o-mini', context_length: 2000, capabilities: ['tools'], pricing: price('1', '1') },
        { id: 'seeing', provider: 'mock-b', upstream_model: 'gpt-4o', context_length: 2000, capabilities: ['tools', 'vision', 'structured_output'], pricing: price('5', '5') },
        { id: 'longer', provider: 'mock-b', upstream_model: 'gpt-4o', context_length: 1000000, capabilities: ['tools'], pricing: price('10', '10') },
        { id: 'byok-model', provider: 'byok-prov', upstream_model: 'gpt-4o-mini', pricing: price('2', '8') },
      ],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await Promise.all([a?.stop(), b?.stop(), byokMock?.stop()]);
  if (gw) removeTempDir(gw.dir);
});

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

async function setFault(mock, fault) {
  const res = await httpRequest(`${mock.url}/_mock/fault`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault),
  });
  assert.equal(res.status, 200, res.text);
}
const clearFault = (mock) => httpRequest(`${mock.url}/_mock/fault`, { method: 'DELETE' });
const requestsOf = async (mock) => (await mock.stats()).requests;

const ask = (model, opts = {}) =>
  chat(gw, { model, max_tokens: 5, messages: defaultMessages, ...(opts.body ?? {}) }, opts);

async function newKey(body) {
  const res = await httpRequest(`${gw.url}/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'routing', ...body }) });
  assert.equal(res.status, 200, res.text);
  return res.json().data.key;
}

async function metric(name, labels) {
  const text = (await httpRequest(`${gw.url}/metrics`)).text;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test('each retryable failure of the first deployment fails over: the client sees one clean answer', async () => {
  for (const fault of ['500', '503', '529', '429', 'reset', 'close']) {
    // A success in between keeps fo-a's breaker closed (it opens after 3 failures in a row).
    await clearFault(a);
    assert.equal((await ask('failover')).headers['x-tollgate-deployment'], 'fo-a');
    await a.resetStats();
    await b.resetStats();
    // No retry-after from the 429: a cooling-down fo-a would be skipped by the next round. A
    // pooled connection dropped without an answer is tried once more on a fresh connection by
    // the upstream client (it may just have gone stale), hence two of those.
    const dropped = fault === 'reset' || fault === 'close';
    await setFault(a, { fault, count: dropped ? 2 : 1, ...(fault === '429' ? { retry_after: '0' } : {}) });
    const res = await ask('failover');
    assert.equal(res.status, 200, `${fault}: ${res.text}`);
    assert.equal(res.json().model, 'failover');
    assert.ok(res.json().choices[0].message.content.length > 0);
    assert.equal(res.headers['x-tollgate-deployment'], 'fo-b', fault);
    assert.equal(res.headers['x-tollgate-provider'], 'mock-b');
    assert.equal(res.headers['x-tollgate-attempts'], '2', fault);
    assert.equal(res.headers['x-mock-instance'], undefined, 'upstream headers are not relayed');
    const onA = await requestsOf(a);
    assert.ok(dropped ? onA === 1 || onA === 2 : onA === 1, `${fault}: one attempt on a (${onA})`);
    assert.equal(await requestsOf(b), 1, `${fault}: one on b`);
  }
  await clearFault(a);
  const healthy = await ask('failover');
  assert.equal(healthy.headers['x-tollgate-deployment'], 'fo-a', 'priority 0 serves when healthy');
  assert.equal(healthy.headers['x-tollgate-attempts'], '1');
});

test('a connection refused and a first-byte timeout fail over too; the usage log records the attempts', async () => {
  const res = await ask('unreachable');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['x-tollgate-deployment'], 'un-b');
  const [row] = await pollSqlite(gw.dbPath,
    `SELECT deployment, attempts, provider, status FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.deepEqual(row, { deployment: 'un-b', attempts: 2, provider: 'mock-b', status: 200 });

  await setFault(a, { fault: 'slow-headers', count: 1 });
  const started = Date.now();
  const slow = await ask('slow-first');
  assert.equal(slow.status, 200, slow.text);
  assert.equal(slow.headers['x-tollgate-deployment'], 'slow-b');
  assert.ok(Date.now() - started < 2500, 'the deployment\'s own 300 ms first-byte timeout applied');
  await clearFault(a);
});

test('a non-retryable upstream error is answered at once, without trying elsewhere', async () => {
  await b.resetStats();
  await setFault(a, { fault: '400', count: 1 });
  const res = await ask('failover');
  assert.equal(res.status, 400);
  assert.equal(res.json().error.type, 'invalid_request_error');
  assert.equal(res.headers['x-tollgate-attempts'], '1');
  assert.equal(await requestsOf(b), 0);
});

test('a stream cut after output reached the client is not resent: it ends with an error event', async () => {
  await b.resetStats();
  await setFault(a, { fault: 'cut-stream', count: 1 });
  const stream = await openStream(gw, { model: 'failover', stream: true, max_tokens: 20, messages: defaultMessages });
  assert.equal(stream.status, 200);
  const { events } = await readAllEvents(stream);
  assert.ok(events.length > 1, 'output reached the client before the cut');
  const last = JSON.parse(events[events.length - 1].data);
  assert.ok(last.error, `last event is an error: ${JSON.stringify(last)}`);
  assert.equal(last.error.code, 'upstream_stream_interrupted');
  assert.equal(await requestsOf(b), 0, 'never resent');
});

test('when every attempt fails the client gets the last failure, after max_attempts', async () => {
  await a.resetStats();
  await b.resetStats();
  await setFault(a, { fault: '503', count: 10 });
  await setFault(b, { fault: '503', count: 10 });
  const res = await ask('failover');
  assert.equal(res.status, 503);
  assert.equal(res.headers['x-tollgate-attempts'], '3');
  assert.equal((await requestsOf(a)) + (await requestsOf(b)), 3);
  await clearFault(a);
  await clearFault(b);
});

test('retry-after is honoured: a single deployment is retried after the wait it asked for', async () => {
  await a.resetStats();
  await setFault(a, { fault: '429', count: 1, retry_after: '1' });
  const started = Date.now();
  const res = await ask('single');
  assert.equal(res.status, 200, res.text);
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
  assert.equal(res.headers['x-tollgate-attempts'], '2');

  // A wait beyond max_retry_after (2 s) is not waited for: the 429 is the answer, with its
  // retry-after. The model's only deployment is not shut off by it: the next request goes.
  await setFault(a, { fault: '429', count: 1, retry_after: '30' });
  const refused = await ask('single-long-wait');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '30');
  assert.equal(refused.headers['x-tollgate-attempts'], '1');
  assert.equal((await ask('single-long-wait')).status, 200);
});

test('a deployment cooling down after a retry-after is skipped while another can serve', async () => {
  await a.resetStats();
  await setFault(a, { fault: '429', count: 1, retry_after: '30' });
  const first = await ask('cooling');  // cool-a answers 429 + retry-after 30: cool-b serves
  assert.equal(first.headers['x-tollgate-deployment'], 'cool-b');
  for (let i = 0; i < 3; i += 1) {
    assert.equal((await ask('cooling')).headers['x-tollgate-deployment'], 'cool-b');
  }
  assert.equal(await requestsOf(a), 1, 'cool-a is left alone until its retry-after has passed');
});

test('a dead deployment is opened by the breaker, probed after the cooldown, and closed when it recovers', async () => {
  await a.resetStats();
  await setFault(a, { fault: '500' });
  for (let i = 0; i < 10; i += 1) {
    const res = await ask('breaker');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-tollgate-deployment'], 'br-b');
  }
  assert.equal(await requestsOf(a), 3, 'the breaker opened after 3 consecutive failures');
  assert.equal(await metric('tollgate_breaker_transitions_total', { deployment: 'br-a', state: 'open' }), 1);
  assert.equal(await metric('tollgate_breaker_state', { deployment: 'br-a' }), 1);

  // Still dead after the cooldown: the one probe fails and the breaker opens again.
  await sleep(BREAKER_COOLDOWN_MS + 100);
  assert.equal((await ask('breaker')).headers['x-tollgate-deployment'], 'br-b');
  assert.equal(await requestsOf(a), 4, 'exactly one probe');
  assert.equal(await metric('tollgate_breaker_transitions_total', { deployment: 'br-a', state: 'open' }), 2);

  await clearFault(a);
  await sleep(BREAKER_COOLDOWN_MS + 100);
  const probe = await ask('breaker');
  assert.equal(probe.headers['x-tollgate-deployment'], 'br-a', 'the probe is served by the recovered deployment');
  assert.equal(await metric('tollgate_breaker_transitions_total', { deployment: 'br-a', state: 'closed' }), 1);
  assert.equal(await metric('tollgate_breaker_state', { deployment: 'br-a' }), 0);
  assert.equal((await ask('breaker')).headers['x-tollgate-deployment'], 'br-a');
  assert.ok(await metric('tollgate_upstream_attempts_total', { deployment: 'br-a', outcome: 'retryable' }) >= 4);
});

test('weights are honoured within a priority', async () => {
  const n = 400;
  const counts = { 'w-a': 0, 'w-b': 0 };
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => ask('weighted')));
    for (const res of batch) counts[res.headers['x-tollgate-deployment']] += 1;
  }
  // Binomial(400, 0.75): mean 300, sd 8.7; 5 sd either side.
  assert.ok(Math.abs(counts['w-a'] - 300) <= 44, JSON.stringify(counts));
  assert.equal(counts['w-a'] + counts['w-b'], n);
});

test('a deployment at its own rpm cap is skipped for the next one', async () => {
  const served = [];
  for (let i = 0; i < 4; i += 1) served.push((await ask('capped')).headers['x-tollgate-deployment']);
  assert.deepEqual(served, ['cap-a', 'cap-a', 'cap-b', 'cap-b']);
});

test('an alias tries its models in order, across wire formats, and reports the one that served', async () => {
  const listed = (await httpRequest(`${gw.url}/v1/models`, { headers: gw.auth() })).json().data;
  const alias = listed.find((m) => m.id === 'smart-test');
  assert.deepEqual(alias.models, ['claude-on-a', 'plain-b']);
  assert.equal(alias.type, 'alias');
  assert.ok(listed.find((m) => m.id === 'auto'));

  const first = await ask('smart-test');
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json().model, 'claude-on-a', 'the response names the model used');
  assert.equal(first.headers['x-tollgate-model'], 'claude-on-a');

  await setFault(a, { fault: '529', count: 1 });
  const failed_over = await ask('smart-test');
  assert.equal(failed_over.status, 200, failed_over.text);
  assert.equal(failed_over.json().model, 'plain-b');
  assert.equal(failed_over.headers['x-tollgate-attempts'], '2');
  const [row] = await pollSqlite(gw.dbPath,
    `SELECT public_model, cost_micros, prompt_tokens, completion_tokens FROM usage_log WHERE request_id = ${sqlText(failed_over.headers['x-request-id'])}`);
  assert.equal(row.public_model, 'plain-b', 'billed as the model that served');
  // plain-b: $1 per 1M input and output tokens, rounded up once to the micro-USD.
  assert.equal(row.cost_micros, Math.ceil((row.prompt_tokens + row.completion_tokens) * 1_000_000 / 1_000_000));
});

test('auto picks the cheapest model that can serve the request', async () => {
  const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
  const image = [{ role: 'user', content: [{ type: 'text', text: 'What is this?' },
    { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }];
  const long = [{ role: 'user', content: 'word '.repeat(2500) }];
  const cases = [
    [{}, 'cheap'],
    [{ tools: [tool] }, 'tooly'],
    [{ messages: image }, 'seeing'],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }, 'seeing'],
    [{ messages: long }, 'longer'],
  ];
  for (const [body, expected] of cases) {
    const res = await ask('auto', { body });
    assert.equal(res.status, 200, `${expected}: ${res.text}`);
    assert.equal(res.json().model, expected, JSON.stringify(body).slice(0, 80));
    assert.equal(res.headers['x-tollgate-model'], expected);
  }
  // Vision and a long context: the models with vision have 2,000 tokens, the long one no vision.
  const impossible = await ask('auto', { body: { messages: [{ role: 'user', content: [
    { type: 'text', text: 'word '.repeat(2500) }, ...image[0].content.slice(1)] }] } });
  assert.equal(impossible.status, 400);
  assert.equal(impossible.json().error.code, 'no_capable_model');
});

test('regions: a key restricted to one region is routed there; a header prefers one', async () => {
  const euKey = await newKey({ regions: ['eu'] });
  for (let i = 0; i < 10; i += 1) {
    assert.equal((await ask('regional', { key: euKey })).headers['x-tollgate-deployment'], 'reg-eu');
  }
  for (let i = 0; i < 10; i += 1) {
    const res = await ask('regional', { headers: { 'x-tollgate-region': 'us' } });
    assert.equal(res.headers['x-tollgate-deployment'], 'reg-us');
  }
  const bad = await ask('regional', { headers: { 'x-tollgate-region': 'mars' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.code, 'invalid_region');
  const nowhere = await ask('failover', { key: euKey });
  assert.equal(nowhere.status, 403);
  assert.equal(nowhere.json().error.code, 'region_not_allowed');
});

test('BYOK: the key\'s own credential is sent upstream, billed at the routing fee, and never shown', async () => {
  const plain = await ask('byok-model');
  assert.equal(plain.status, 401, 'the gateway\'s own credential is refused by this upstream');

  const key = await newKey({ byok: { 'byok-prov': BYOK_CREDENTIAL } });
  const res = await ask('byok-model', { key });
  assert.equal(res.status, 200, res.text);
  assert.ok(!res.text.includes(BYOK_CREDENTIAL));
  assert.ok(!JSON.stringify(res.headers).includes(BYOK_CREDENTIAL));
  const seen = await byokMock.lastRequest();
  assert.equal(seen.headers.authorization, `Bearer ${BYOK_CREDENTIAL}`);

  const [row] = await pollSqlite(gw.dbPath,
    `SELECT byok, cost_micros, prompt_tokens, completion_tokens FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(row.byok, 1);
  const tokens = row.prompt_tokens + row.completion_tokens;
  assert.equal(row.cost_micros, Math.ceil(tokens * 500_000 / 1_000_000), 'the $0.50/M routing fee, not the model price');

  const listing = await httpRequest(`${gw.url}/v1/keys`, { headers: admin });
  assert.ok(!listing.text.includes(BYOK_CREDENTIAL));
  assert.ok(!gw.readAccessLog().includes(BYOK_CREDENTIAL));
  assert.ok(!gw.proc.stderrText.includes(BYOK_CREDENTIAL));
});

test('tokens per minute: the estimate is reserved, then settled to the real count', async () => {
  // Each request is estimated at its prompt (~10 tokens) plus max_tokens 100: a 250-token
  // limit admits two, refuses the third. The mock's answers are far smaller than 100 tokens, so
  // settling gives most of the estimate back and requests pass again within the minute.
  const key = await newKey({ rate_limits: { tpm: 250 } });
  const statuses = [];
  for (let i = 0; i < 3; i += 1) {
    statuses.push((await ask('plain-b', { key, body: { max_tokens: 100 } })).status);
  }
  assert.deepEqual(statuses.slice(0, 2), [200, 200]);
  // Two requests settled to ~30 tokens each: the third fits now.
  assert.equal(statuses[2], 200, 'settled usage gave the estimate back');
  const big = await ask('plain-b', { key, body: { max_tokens: 240 } });
  assert.equal(big.status, 429);
  assert.equal(big.json().error.code, 'token_rate_limit_exceeded');
  assert.equal(big.headers['x-ratelimit-limit-tokens'], '250');
  assert.ok(Number(big.headers['retry-after']) >= 1);
});

test('account limits are shared by the account\'s keys', async () => {
  const created = await httpRequest(`${gw.url}/v1/accounts`, {
    method: 'POST', headers: admin, body: JSON.stringify({ name: 'limited-account', rate_limits: { rpm: 2 } }),
  });
  assert.ok([200, 201].includes(created.status), created.text);
  const one = await newKey({ account: 'limited-account' });
  const two = await newKey({ account: 'limited-account' });
  assert.equal((await ask('plain-b', { key: one })).status, 200);
  assert.equal((await ask('plain-b', { key: two })).status, 200);
  const third = await ask('plain-b', { key: one });
  assert.equal(third.status, 429);
  assert.match(third.json().error.message, /this account/);
});

test('an Anthropic client fails over from its own format (passthrough) to a translated upstream', async () => {
  const messages = (extra = {}) => httpRequest(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smart-test', max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }], ...extra }),
  });
  const direct = await messages();
  assert.equal(direct.status, 200, direct.text);
  assert.equal(direct.json().model, 'claude-on-a');
  assert.equal(direct.json().type, 'message');

  await setFault(a, { fault: '500', count: 1 });
  const res = await messages();
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().type, 'message', 'still an Anthropic message, translated from OpenAI');
  assert.equal(res.json().model, 'plain-b');
  assert.ok(res.json().content[0].text.length > 0);
  assert.equal(res.headers['x-tollgate-attempts'], '2');

  await setFault(a, { fault: '503', count: 1 });
  const stream = await messages({ stream: true });
  assert.equal(stream.status, 200);
  assert.match(stream.text, /event: message_start/);
  assert.match(stream.text, /"model":"plain-b"/);
  assert.match(stream.text, /event: message_stop/);
});

test('a stream fails over before its first byte: the client sees one clean stream', async () => {
  await setFault(a, { fault: '503', count: 1 });
  const stream = await openStream(gw, { model: 'failover', stream: true, max_tokens: 20, messages: defaultMessages });
  assert.equal(stream.status, 200);
  assert.equal(stream.headers['x-tollgate-deployment'], 'fo-b');
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  assert.equal(events[events.length - 1].data, '[DONE]');
  assert.ok(events.every((e) => e.data === '[DONE]' || !JSON.parse(e.data).error));
});
