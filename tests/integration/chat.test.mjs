// Chat completions (JSON) through the gateway against the mock upstream: model rewriting both
// ways, the upstream credential, byte-level passthrough, usage accounting, and /v1/models.
// Streaming is in streaming.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock,
  startGateway,
  removeTempDir,
  chat,
  httpRequest,
  pollSqlite,
  sqlText,
  defaultMessages,
} from './harness.mjs';

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

// What the mock itself answers for `body` sent as `upstreamModel`: the reference the gateway's
// relayed answer must match (the mock is deterministic).
async function expectedFromMock(body, headers = {}) {
  const res = await mock.chat({ ...body, model: 'gpt-4o-mini-2024-07-18', stream: false, stream_options: undefined }, headers);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

test('JSON chat: public model id to the client, upstream id and upstream key to the provider, other bytes unchanged', async () => {
  // Unusual spacing, key order and extra fields: only the model string may change on the way.
  const clientBody =
    '{ "messages" : [ {"role":"user","content":"Unicode caf\\u00e9 and caf\u00e9 \u2014 kept as sent."} ],\n' +
    '  "temperature": 0.25, "model" :  "gpt-4o-mini" , "user": "tester-1", "metadata": {"k": [1, 2, {"z": null}]} }';
  const res = await chat(gw, clientBody, { headers: { 'x-mock-tokens': '7' } });
  assert.equal(res.status, 200, res.text);
  const reply = res.json();
  assert.equal(reply.model, 'gpt-4o-mini', 'the client sees the public model id');
  assert.equal(reply.object, 'chat.completion');
  assert.equal(typeof reply.choices[0].message.content, 'string');
  assert.ok(reply.choices[0].message.content.length > 0);

  const last = await mock.lastRequest();
  assert.equal(last.method, 'POST');
  assert.equal(last.target, '/v1/chat/completions');
  const upstreamBody = JSON.parse(last.body);
  assert.equal(upstreamBody.model, 'gpt-4o-mini-2024-07-18', 'the upstream sees its own model id');
  assert.equal(
    last.body,
    clientBody.replace('"gpt-4o-mini"', '"gpt-4o-mini-2024-07-18"'),
    'every byte but the model string is forwarded unchanged',
  );
  assert.equal(last.headers.authorization, 'Bearer mock-upstream-key');
  assert.ok(!JSON.stringify(last.headers).includes(gw.key), 'the client key never reaches the upstream');
  assert.equal(last.headers['x-mock-tokens'], '7', 'x-mock-* headers are forwarded (forward_headers)');

  // Usage equals the mock's own count for the same request.
  const expected = await expectedFromMock(JSON.parse(clientBody), { 'x-mock-tokens': '7' });
  assert.equal(reply.usage.completion_tokens, 7);
  assert.deepEqual(reply.usage, expected.usage);
  assert.equal(reply.choices[0].message.content, expected.choices[0].message.content);

  assert.match(res.headers['x-request-id'] ?? '', /^req_[0-9a-f]{16}$/, 'x-request-id: req_ and 16 hex digits');
  assert.match(res.headers['x-tollgate-overhead-us'] ?? '', /^\d+$/, 'x-tollgate-overhead-us is an integer');
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
});

test('JSON chat: a model without upstream_model is sent upstream under its own id', async () => {
  const res = await chat(gw, { model: 'gpt-4o', messages: defaultMessages, max_tokens: 3 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().model, 'gpt-4o');
  assert.equal(res.json().usage.completion_tokens, 3, 'max_tokens reaches the upstream');
  assert.equal(JSON.parse((await mock.lastRequest()).body).model, 'gpt-4o');
});

test('JSON chat: the usage record has the upstream counts, both model ids and the request id', async () => {
  const res = await chat(gw, { model: 'gpt-4o-mini', messages: defaultMessages }, { headers: { 'x-mock-tokens': '9' } });
  assert.equal(res.status, 200, res.text);
  const usage = res.json().usage;
  const requestId = res.headers['x-request-id'];
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1, `one usage record for request ${requestId}`);
  const row = rows[0];
  assert.equal(row.public_model, 'gpt-4o-mini');
  assert.equal(row.upstream_model, 'gpt-4o-mini-2024-07-18');
  assert.equal(row.provider, 'mock');
  assert.equal(row.prompt_tokens, usage.prompt_tokens);
  assert.equal(row.completion_tokens, 9);
  assert.equal(row.usage_source, 'upstream');
  assert.equal(row.status, 200);
  assert.equal(row.stream, 0);
  assert.equal(row.client_disconnected, 0);
});

test('GET /v1/models lists the configured models', async () => {
  const res = await httpRequest(`${gw.url}/v1/models`, { headers: gw.auth() });
  assert.equal(res.status, 200, res.text);
  const list = res.json();
  assert.equal(list.object, 'list');
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes('gpt-4o-mini'), `ids: ${ids}`);
  assert.ok(ids.includes('gpt-4o'), `ids: ${ids}`);
  assert.ok(!ids.includes('gpt-4o-mini-2024-07-18'), 'upstream ids are not listed');
  for (const m of list.data) assert.equal(m.object, 'model');
});

test('GET /v1/models/{id} returns one model, 404 for an unknown id', async () => {
  const res = await httpRequest(`${gw.url}/v1/models/gpt-4o-mini`, { headers: gw.auth() });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().id, 'gpt-4o-mini');
  assert.equal(res.json().object, 'model');

  const missing = await httpRequest(`${gw.url}/v1/models/no-such-model`, { headers: gw.auth() });
  assert.equal(missing.status, 404, missing.text);
  const err = missing.json().error;
  assert.equal(err.code, 'model_not_found');
  assert.equal(err.type, 'invalid_request_error');
  assert.equal(typeof err.message, 'string');
});

test('GET /v1/models needs a key', async () => {
  const res = await httpRequest(`${gw.url}/v1/models`);
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json().error.code, 'missing_api_key');
});
