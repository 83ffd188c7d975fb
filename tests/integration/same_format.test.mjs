// Anthropic → Anthropic and Gemini → Gemini take the same-format passthrough: the client's body
// reaches the upstream byte for byte but for the model, fields the IR does not know included;
// the answer comes back as the upstream wrote it but for the model the client sees; usage is
// metered on the way; upstream errors are relayed as they are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startGateway, removeTempDir, httpRequest, pollSqlite, sqlText,
  mockAnthropic, mockGemini, sseEvents, familyProviders,
} from './harness.mjs';

let mock;
let gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      providers: [
        ...base.providers,
        ...familyProviders(mock.url),
      ],
      models: [
        ...base.models,
        { id: 'claude-x', provider: 'claude', upstream_model: 'claude-upstream', pricing: { input_per_m: '3', output_per_m: '15' } },
        { id: 'gemini-x', provider: 'google', upstream_model: 'gemini-upstream', pricing: { input_per_m: '1', output_per_m: '2' } },
      ],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

const post = (path, body, headers = {}) =>
  httpRequest(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const lastRequest = async () => (await httpRequest(`${mock.url}/_mock/last-request`)).json();
const usageRow = (requestId) =>
  pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`).then((rows) => rows[0]);

// Spacing, key order and a field no translator knows: all must survive.
const anthropicBody = (stream) =>
  `{ "model" : "claude-x", "max_tokens": 9, "stream": ${stream},\n` +
  `  "messages": [{"role": "user", "content": "hello"}], "metadata": {"user_id": "u-1"}, "inference_geo": "eu" }`;

test('messages → anthropic: the body reaches the upstream unchanged but for the model', async () => {
  const body = anthropicBody(false);
  const res = await post('/v1/messages', body, { 'x-api-key': gw.key, 'anthropic-beta': 'some-beta-2025' });
  assert.equal(res.status, 200, res.text);
  const upstream = await lastRequest();
  assert.equal(upstream.format, 'anthropic');
  assert.equal(upstream.body, body.replace('"claude-x"', '"claude-upstream"'));
  assert.equal(upstream.headers['anthropic-beta'], 'some-beta-2025', 'beta flags reach an Anthropic upstream');
  assert.equal(upstream.headers['x-api-key'], 'mock-upstream-key', 'the provider key, never the client key');

  // The answer is the mock's own, but for the model.
  const direct = await mockAnthropic(mock.url, JSON.parse(body.replace('"claude-x"', '"claude-upstream"')));
  const expected = direct.json();
  const got = res.json();
  assert.equal(got.model, 'claude-x');
  assert.deepEqual({ ...got, model: expected.model, id: expected.id }, expected);

  const row = await usageRow(res.headers['x-request-id']);
  assert.equal(row.surface, 'anthropic.messages');
  assert.equal(row.usage_source, 'upstream');
  assert.equal(row.completion_tokens, got.usage.output_tokens);
  assert.equal(row.prompt_tokens, got.usage.input_tokens);
});

test('messages → anthropic, streamed: events relayed, message_start carries the public model', async () => {
  const res = await post('/v1/messages', anthropicBody(true), { 'x-api-key': gw.key, 'x-mock-cached-tokens': '2' });
  assert.equal(res.status, 200, res.text);
  const events = sseEvents(res.text);
  const direct = sseEvents((await mockAnthropic(mock.url, JSON.parse(anthropicBody(true).replace('"claude-x"', '"claude-upstream"')), { 'x-mock-cached-tokens': '2' })).text);
  assert.deepEqual(events.map((e) => e.event), direct.map((e) => e.event));
  const start = JSON.parse(events[0].data);
  assert.equal(start.message.model, 'claude-x');
  for (let i = 1; i < events.length; i++) {
    const ours = JSON.parse(events[i].data);
    const theirs = JSON.parse(direct[i].data);
    assert.deepEqual(ours, theirs, `event ${i} (${events[i].event}) relayed unchanged`);
  }
  const row = await usageRow(res.headers['x-request-id']);
  const delta = JSON.parse(events.find((e) => e.event === 'message_delta').data);
  assert.equal(row.completion_tokens, delta.usage.output_tokens);
  assert.equal(row.cached_tokens, 2);
  assert.equal(row.stream, 1);
});

test('messages → anthropic: an upstream error is relayed as Anthropic wrote it', async () => {
  const res = await post('/v1/messages', anthropicBody(false), { 'x-api-key': gw.key, 'x-mock-fault': '529' });
  const direct = await mockAnthropic(mock.url, JSON.parse(anthropicBody(false)), { 'x-mock-fault': '529' });
  assert.equal(res.status, 529);
  assert.equal(res.text, direct.text);
});

test('messages → anthropic, streamed: a cut stream ends with an Anthropic error event', async () => {
  const res = await post('/v1/messages', anthropicBody(true), { 'x-api-key': gw.key, 'x-mock-fault': 'cut-stream', 'x-mock-cut-after': '2' });
  const events = sseEvents(res.text);
  const last = events[events.length - 1];
  assert.equal(last.event, 'error');
  assert.equal(JSON.parse(last.data).type, 'error');
  const row = await usageRow(res.headers['x-request-id']);
  assert.equal(row.error_code, 'upstream_stream_interrupted');
});

const geminiBody = '{"contents":[{"role":"user","parts":[{"text":"hello"}]}],\n "generationConfig":{"maxOutputTokens":7}, "safetySettings":[]}';

test('gemini → gemini: the body is forwarded as is, the model goes in the URL, modelVersion is public', async () => {
  const res = await post('/v1beta/models/gemini-x:generateContent', geminiBody, { 'x-goog-api-key': gw.key });
  assert.equal(res.status, 200, res.text);
  const upstream = await lastRequest();
  assert.equal(upstream.format, 'gemini');
  assert.equal(upstream.target, '/v1beta/models/gemini-upstream:generateContent');
  assert.equal(upstream.body, geminiBody);
  const direct = (await mockGemini(mock.url, 'gemini-upstream', 'generateContent', JSON.parse(geminiBody))).json();
  const got = res.json();
  assert.equal(got.modelVersion, 'gemini-x');
  assert.deepEqual({ ...got, modelVersion: direct.modelVersion, responseId: direct.responseId }, direct);
  const row = await usageRow(res.headers['x-request-id']);
  assert.equal(row.prompt_tokens, got.usageMetadata.promptTokenCount);
});

test('gemini → gemini, streamed: every chunk relayed with the public modelVersion', async () => {
  const res = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', geminiBody, { 'x-goog-api-key': gw.key });
  assert.equal(res.status, 200, res.text);
  const chunks = sseEvents(res.text).map((e) => JSON.parse(e.data));
  assert.ok(chunks.length > 2);
  for (const chunk of chunks) assert.equal(chunk.modelVersion, 'gemini-x');
  const last = chunks[chunks.length - 1];
  const row = await usageRow(res.headers['x-request-id']);
  assert.equal(row.completion_tokens, last.usageMetadata.candidatesTokenCount + (last.usageMetadata.thoughtsTokenCount ?? 0));
  assert.equal(row.usage_source, 'upstream');
});
