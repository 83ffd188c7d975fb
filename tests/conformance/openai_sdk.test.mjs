// The official `openai` Node SDK, unmodified but for baseURL and apiKey, against the gateway and
// the mock upstream: completions (JSON and streamed), models, and the SDK's error classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMock, startGateway, removeTempDir } from '../integration/harness.mjs';

let mock;
let gw;
let client;

before(async () => {
  mock = await startMock();
  gw = await startGateway({ mockUrl: mock.url });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0, timeout: 15_000 });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

const messages = [
  { role: 'system', content: 'You are a test fixture.' },
  { role: 'user', content: 'Tell me about toll gates in exactly a few words.' },
];

// The mock's own answer to the same request (it is deterministic): the reference.
async function mockReference(max_tokens) {
  const res = await mock.chat({ model: 'gpt-4o-mini-2024-07-18', messages, max_tokens });
  assert.equal(res.status, 200, res.text);
  return res.json();
}

// Runs `fn`, expecting the SDK to throw an instance of `ErrorClass`; returns the error.
async function expectSdkError(fn, ErrorClass) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok(err instanceof OpenAI.APIError);
    return err;
  }
  assert.fail(`expected ${ErrorClass.name}, but the call succeeded`);
}

test('chat.completions.create: content, usage and the public model', async () => {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 12 });
  const reference = await mockReference(12);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'gpt-4o-mini');
  const content = completion.choices[0].message.content;
  assert.equal(typeof content, 'string');
  assert.ok(content.length > 0);
  assert.equal(content, reference.choices[0].message.content);
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(completion.choices[0].finish_reason, 'length');
  assert.equal(completion.usage.prompt_tokens, reference.usage.prompt_tokens);
  assert.equal(completion.usage.completion_tokens, 12);
  assert.equal(completion.usage.total_tokens, reference.usage.prompt_tokens + 12);
  assert.equal(typeof completion._request_id, 'string', 'the SDK reads x-request-id');
  assert.ok(completion._request_id.length > 0);
});

test('chat.completions.create with stream: the same content, chunk by chunk, and a final usage', async () => {
  const nonStream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 12 });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    max_tokens: 12,
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  let usage = null;
  let chunks = 0;
  let finishReason = null;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.model, 'gpt-4o-mini');
    if (chunk.choices.length > 0) {
      content += chunk.choices[0].delta?.content ?? '';
      finishReason = chunk.choices[0].finish_reason ?? finishReason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks >= 12, `${chunks} chunks`);
  assert.equal(content, nonStream.choices[0].message.content, 'streamed content equals the JSON content');
  assert.equal(finishReason, 'length');
  assert.ok(usage, 'a final usage chunk');
  assert.deepEqual(
    { prompt: usage.prompt_tokens, completion: usage.completion_tokens, total: usage.total_tokens },
    { prompt: nonStream.usage.prompt_tokens, completion: 12, total: nonStream.usage.prompt_tokens + 12 },
  );
});

test('chat.completions.create with stream and no stream_options: no usage chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 5, stream: true });
  let content = '';
  for await (const chunk of stream) {
    assert.ok(!chunk.usage, `unexpected usage: ${JSON.stringify(chunk)}`);
    assert.ok(chunk.choices.length > 0, 'no usage-only chunk');
    content += chunk.choices[0].delta?.content ?? '';
  }
  assert.equal(content, (await mockReference(5)).choices[0].message.content);
});

test('a stream broken upstream makes the SDK throw an APIError with the gateway code', async () => {
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages, max_tokens: 10, stream: true },
    { headers: { 'x-mock-fault': 'cut-stream', 'x-mock-cut-after': '2' } },
  );
  let chunks = 0;
  const err = await expectSdkError(async () => {
    for await (const chunk of stream) {
      assert.equal(chunk.model, 'gpt-4o-mini');
      chunks++;
    }
  }, OpenAI.APIError);
  assert.equal(err.code, 'upstream_stream_interrupted');
  assert.ok(chunks >= 2, 'the chunks before the cut were delivered');
});

test('models.list and models.retrieve', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, 'model');
    ids.push(model.id);
  }
  assert.ok(ids.includes('gpt-4o-mini'), `ids: ${ids}`);
  assert.ok(ids.includes('gpt-4o'), `ids: ${ids}`);
  const model = await client.models.retrieve('gpt-4o-mini');
  assert.equal(model.id, 'gpt-4o-mini');
  assert.equal(model.object, 'model');
  assert.equal(typeof model.owned_by, 'string');
});

test('a wrong key raises AuthenticationError (401)', async () => {
  const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'tg-wrongkey-0000000000000000', maxRetries: 0 });
  const err = await expectSdkError(() => bad.chat.completions.create({ model: 'gpt-4o-mini', messages }), OpenAI.AuthenticationError);
  assert.equal(err.status, 401);
  assert.equal(err.code, 'invalid_api_key');
  assert.equal(err.type, 'invalid_request_error');
  const err2 = await expectSdkError(() => bad.models.list(), OpenAI.AuthenticationError);
  assert.equal(err2.status, 401);
});

test('an unknown model raises NotFoundError (404 model_not_found)', async () => {
  const err = await expectSdkError(() => client.chat.completions.create({ model: 'gpt-4o-mnii', messages }), OpenAI.NotFoundError);
  assert.equal(err.status, 404);
  assert.equal(err.code, 'model_not_found');
  assert.equal(err.type, 'invalid_request_error');
  assert.equal(err.param, 'model');
  assert.match(err.message, /gpt-4o-mini/, 'the message suggests the close match');
  const err2 = await expectSdkError(() => client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  assert.equal(err2.status, 404);
  assert.equal(err2.code, 'model_not_found');
});

test('an invalid parameter raises BadRequestError (400)', async () => {
  const err = await expectSdkError(
    () => client.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: -1 }),
    OpenAI.BadRequestError,
  );
  assert.equal(err.status, 400);
  assert.equal(err.type, 'invalid_request_error');
  assert.equal(err.param, 'max_tokens');
  assert.equal(typeof err.code, 'string');
  assert.ok(err.requestID, 'the SDK sees x-request-id on errors');
});

test('an upstream 429 raises RateLimitError with retry-after', async () => {
  const err = await expectSdkError(
    () =>
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages },
        { headers: { 'x-mock-fault': '429', 'x-mock-retry-after': '3' } },
      ),
    OpenAI.RateLimitError,
  );
  assert.equal(err.status, 429);
  assert.equal(err.code, 'rate_limit_exceeded');
  assert.equal(err.type, 'requests');
  assert.equal(err.headers.get('retry-after'), '3');
});

test('an upstream 500 and a gateway 502 raise InternalServerError', async () => {
  const err500 = await expectSdkError(
    () => client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-mock-fault': '500' } }),
    OpenAI.InternalServerError,
  );
  assert.equal(err500.status, 500);
  assert.equal(err500.type, 'server_error');

  const err502 = await expectSdkError(
    () => client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-mock-fault': 'malformed-json' } }),
    OpenAI.InternalServerError,
  );
  assert.equal(err502.status, 502);
  assert.equal(err502.code, 'upstream_invalid_response');
  assert.equal(err502.type, 'server_error');
});
