// The inbound APIs besides OpenAI chat, over plain HTTP: each answers errors in its own shape
// (Anthropic {"type":"error"}, Gemini google.rpc.Status, OpenAI error object), accepts the key
// the way its SDK sends it, enforces the model's surface allow-list, and records usage for
// translated calls. Embeddings and image generations are forwarded to OpenAI-compatible
// upstreams with the model patched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startGateway, removeTempDir, httpRequest, pollSqlite, sqlText, familyProviders } from './harness.mjs';

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
        { id: 'chat-only', provider: 'mock', surfaces: ['chat'], pricing: { input_per_m: '1', output_per_m: '1' } },
        { id: 'embed-x', provider: 'mock', upstream_model: 'text-embedding-upstream', surfaces: ['embeddings'], pricing: { input_per_m: '0.02', output_per_m: '0' } },
        { id: 'image-x', provider: 'mock', upstream_model: 'gpt-image-upstream', surfaces: ['images'], pricing: { input_per_m: '0', output_per_m: '0' } },
        { id: 'claude-embed', provider: 'claude', surfaces: ['embeddings'], pricing: { input_per_m: '0', output_per_m: '0' } },
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
  httpRequest(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const anthropicBody = (model, extra = {}) => ({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hello' }], ...extra });
const geminiBody = { contents: [{ role: 'user', parts: [{ text: 'hello' }] }], generationConfig: { maxOutputTokens: 6 } };

test('messages: errors in the Anthropic shape, with the request id', async () => {
  let res = await post('/v1/messages', anthropicBody('claude-x'));
  assert.equal(res.status, 401);
  let body = res.json();
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'authentication_error');
  assert.equal(body.request_id, res.headers['x-request-id']);

  res = await post('/v1/messages', '{"model":', { 'x-api-key': gw.key });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.type, 'invalid_request_error');

  res = await post('/v1/messages', { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': gw.key });
  assert.equal(res.status, 400);
  assert.match(res.json().error.message, /max_tokens/);

  res = await post('/v1/messages', anthropicBody('claude-y'), { 'x-api-key': gw.key });
  assert.equal(res.status, 404);
  body = res.json();
  assert.equal(body.error.type, 'not_found_error');
  assert.match(body.error.message, /claude-x/, 'suggests the close match');

  res = await httpRequest(`${gw.url}/v1/messages`, { headers: { 'x-api-key': gw.key } });
  assert.equal(res.status, 405);
  assert.equal(res.json().type, 'error');
});

test('gemini: key as x-goog-api-key or ?key=, errors as google.rpc.Status, key never logged', async () => {
  let res = await post('/v1beta/models/gemini-x:generateContent', geminiBody);
  assert.equal(res.status, 401);
  assert.equal(res.json().error.status, 'UNAUTHENTICATED');

  res = await post(`/v1beta/models/gemini-x:generateContent?key=${gw.key}`, geminiBody);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().candidates[0].finishReason, 'MAX_TOKENS');

  res = await post('/v1beta/models/gemini-x:generateContent', { contents: [] }, { 'x-goog-api-key': gw.key });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.status, 'INVALID_ARGUMENT');
  assert.equal(res.json().error.code, 400);

  res = await post('/v1beta/models/gemini-x:streamGenerateContent', geminiBody, { 'x-goog-api-key': gw.key });
  assert.equal(res.status, 400, 'the JSON-array stream is not supported');
  assert.match(res.json().error.message, /alt=sse/);

  res = await post('/v1beta/models/gemini-x:countTokens', geminiBody, { 'x-goog-api-key': gw.key });
  assert.equal(res.status, 404);
  assert.equal(res.json().error.status, 'NOT_FOUND');

  const log = gw.readAccessLog();
  assert.ok(!log.includes(gw.key), 'the key from ?key= is not in the access log');
});

test('a model called through a surface it does not allow: 400 naming the allowed ones', async () => {
  let res = await post('/v1/messages', anthropicBody('chat-only'), { 'x-api-key': gw.key });
  assert.equal(res.status, 400);
  assert.match(res.json().error.message, /cannot be called through \/v1\/messages; it is available through: \/v1\/chat\/completions\./);

  res = await post('/v1/chat/completions', { model: 'embed-x', messages: [{ role: 'user', content: 'hi' }] }, gw.auth());
  assert.equal(res.status, 400);
  assert.equal(res.json().error.code, 'unsupported_surface');
  assert.match(res.json().error.message, /\/v1\/embeddings/);
});

test('responses: an unknown parameter and server-side state are refused in the OpenAI shape', async () => {
  let res = await post('/v1/responses', { model: 'claude-x', input: 'hi', previous_response_id: 'resp_1' }, gw.auth());
  assert.equal(res.status, 400);
  assert.equal(res.json().error.param, 'previous_response_id');

  res = await post('/v1/responses', { model: 'claude-x', input: 'hi', max_output_tokens: 5 }, gw.auth());
  assert.equal(res.status, 200, res.text);
  const body = res.json();
  assert.equal(body.object, 'response');
  assert.equal(body.model, 'claude-x');
  assert.equal(body.status, 'incomplete');
});

test('an extra a family cannot carry is a 400 before any upstream call', async () => {
  await mock.resetStats();
  const res = await post('/v1/chat/completions', { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }], logprobs: true }, gw.auth());
  assert.equal(res.status, 400);
  const error = res.json().error;
  assert.equal(error.code, 'unsupported_parameter');
  assert.equal(error.param, 'logprobs');
  assert.match(error.message, /Anthropic/);
  const stats = await mock.stats();
  assert.equal(stats.requests ?? stats.requests_total ?? 0, 0, JSON.stringify(stats));
});

test('translated calls are metered: usage rows carry the surface and the upstream counts', async () => {
  const res = await post('/v1/messages', anthropicBody('gemini-x', { max_tokens: 7 }), { 'x-api-key': gw.key });
  assert.equal(res.status, 200, res.text);
  const usage = res.json().usage;
  assert.match(res.json().id, /^msg_[0-9a-f]{24}$/, 'the message id is the surface\'s prefix and 96 random bits');
  const requestId = res.headers['x-request-id'];
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].surface, 'anthropic.messages');
  assert.equal(rows[0].public_model, 'gemini-x');
  assert.equal(rows[0].provider, 'google');
  assert.equal(rows[0].usage_source, 'upstream');
  assert.equal(rows[0].completion_tokens, usage.output_tokens);
  assert.equal(rows[0].prompt_tokens, usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0));
});

test('embeddings: forwarded with the model patched and restored, usage recorded', async () => {
  const res = await post('/v1/embeddings', { model: 'embed-x', input: ['a', 'b'] }, gw.auth());
  assert.equal(res.status, 200, res.text);
  const body = res.json();
  assert.equal(body.model, 'embed-x');
  assert.equal(body.data.length, 2);
  const upstream = await mock.lastRequest();
  assert.equal(JSON.parse(upstream.body ?? JSON.stringify(upstream.json ?? {})).model ?? upstream.model, 'text-embedding-upstream');

  let bad = await post('/v1/embeddings', { input: 'a' }, gw.auth());
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.code, 'missing_required_parameter');
  bad = await post('/v1/embeddings', { model: 'claude-embed', input: 'a' }, gw.auth());
  assert.equal(bad.status, 400);
  assert.match(bad.json().error.message, /OpenAI-compatible upstreams only/);
});

test('image generations: forwarded; streaming refused', async () => {
  let res = await post('/v1/images/generations', { model: 'image-x', prompt: 'a lighthouse', n: 1 }, gw.auth());
  assert.equal(res.status, 200, res.text);
  assert.ok(Array.isArray(res.json().data));
  res = await post('/v1/images/generations', { model: 'image-x', prompt: 'a lighthouse', stream: true }, gw.auth());
  assert.equal(res.status, 400);
  assert.equal(res.json().error.param, 'stream');
});
