// Errors the client can see, in OpenAI's shape {"error":{"message","type","param","code"}}: bad
// requests, unknown models, oversized bodies, and every upstream failure the mock can inject
// (unreachable, timeout, 4xx/5xx, malformed JSON, reset, gzip, cut and malformed streams).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock,
  startGateway,
  removeTempDir,
  chat,
  httpRequest,
  openStream,
  readAllEvents,
  rawExchange,
  statusOf,
  pollSqlite,
  sqlText,
  closedPort,
  defaultMessages,
  familyProviders,
} from './harness.mjs';

let mock;
let gw;

before(async () => {
  mock = await startMock();
  const deadPort = await closedPort();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (config) => {
      config.providers.push({
        name: 'dead',
        type: 'openai',
        base_url: `http://127.0.0.1:${deadPort}/v1`,
        api_key: 'dead-key',
        timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 5000 },
      });
      config.models.push({ id: 'dead-model', provider: 'dead', pricing: { input_per_m: '1', output_per_m: '1' } });
      // A model served only through translation: its chat requests are validated by the IR's
      // decoder, not by the passthrough's light read.
      config.providers.push(...familyProviders(mock.url));
      config.models.push({ id: 'claude-x', provider: 'claude', upstream_model: 'claude-upstream',
                           pricing: { input_per_m: '3', output_per_m: '15' } });
      return config;
    },
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

const okBody = { model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 4 };

// Asserts `res` is an OpenAI-shaped error with this status and code; returns the error object.
function assertOpenAIError(res, status, code, { param, type } = {}) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  let body;
  assert.doesNotThrow(() => (body = res.json()), `error body is JSON: ${res.text}`);
  assert.ok(body.error && typeof body.error === 'object', `has an "error" object: ${res.text}`);
  const err = body.error;
  assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'param', 'type'], `error keys: ${res.text}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  assert.equal(typeof err.type, 'string');
  if (code !== undefined) assert.equal(err.code, code, `code: ${res.text}`);
  if (param !== undefined) assert.equal(err.param, param, `param: ${res.text}`);
  if (type !== undefined) assert.equal(err.type, type, `type: ${res.text}`);
  return err;
}

// ---------------------------------------------------------------------------------------------
// Request validation

test('malformed JSON body: 400 invalid_json', async () => {
  const res = await chat(gw, '{"model": "gpt-4o-mini", "messages": [');
  assertOpenAIError(res, 400, 'invalid_json', { type: 'invalid_request_error' });
  assert.ok(res.headers['x-request-id'], 'errors carry x-request-id too');
});

test('a JSON body that is not an object: 400 invalid_type', async () => {
  for (const body of ['[1, 2, 3]', '"a string"', '42', 'null']) {
    const res = await chat(gw, body);
    assertOpenAIError(res, 400, 'invalid_type', { type: 'invalid_request_error', param: null });
  }
});

test('a field the gateway reads, sent twice: 400 duplicate_parameter (the billed model is the model run)', async () => {
  const before = (await mock.stats()).requests;
  const res = await chat(gw, '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"model":"gpt-4o"}');
  assertOpenAIError(res, 400, 'duplicate_parameter', { param: 'model' });
  assert.equal((await mock.stats()).requests, before, 'not forwarded');
});

test('a wrong type deep inside messages names the exact path in param', async () => {
  const res = await chat(gw, { model: 'gpt-4o-mini', messages: [...defaultMessages, { role: 'assistant', content: 'ok' }, { role: 'user', content: 42 }] });
  assertOpenAIError(res, 400, 'invalid_type', { param: 'messages[2].content' });
});

test('wrong types: 400 invalid_type naming the field in param', async () => {
  const cases = [
    [{ model: 'gpt-4o-mini', messages: 'hi' }, 'messages'],
    [{ model: 'gpt-4o-mini', messages: defaultMessages, stream: 'yes' }, 'stream'],
    [{ model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 'ten' }, 'max_tokens'],
    [{ model: 42, messages: defaultMessages }, 'model'],
    [{ model: 'gpt-4o-mini', messages: defaultMessages, temperature: 'hot' }, 'temperature'],
    [{ model: 'gpt-4o-mini', messages: defaultMessages, stream: true, stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage'],
  ];
  for (const [body, param] of cases) {
    const res = await chat(gw, body);
    const err = assertOpenAIError(res, 400, 'invalid_type', { param, type: 'invalid_request_error' });
    assert.ok(err.message.includes(param.split('.').at(-1)), `message mentions ${param}: ${err.message}`);
  }
});

test('impossible values: 400 naming the field in param', async () => {
  const cases = [
    [{ model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: -1 }, 'max_tokens'],
    [{ model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 0 }, 'max_tokens'],
    [{ model: 'gpt-4o-mini', messages: [] }, 'messages'],
    [{ model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    [{ model: '', messages: defaultMessages }, 'model'],
  ];
  for (const [body, param] of cases) {
    const res = await chat(gw, body);
    const err = assertOpenAIError(res, 400, undefined, { param, type: 'invalid_request_error' });
    assert.equal(typeof err.code, 'string', `a stable code for ${JSON.stringify(body)}`);
  }
});

test('missing model or messages: 400 naming the field', async () => {
  assertOpenAIError(await chat(gw, { messages: defaultMessages }), 400, undefined, { param: 'model' });
  assertOpenAIError(await chat(gw, { model: 'gpt-4o-mini' }), 400, undefined, { param: 'messages' });
});

// The error table in docs/api.md is the contract clients match on ("code is stable and safe to
// match on"); every mismatch is listed at once. Keep the two in step.
// [what, body, code] for each documented 400, with `model` as the model of the bodies that name one.
function documentedBadRequests(model) {
  const deep = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"x":` + '['.repeat(200) + ']'.repeat(200) + '}';
  const cases = [
    ['not JSON', '{"model":', 'invalid_json'],
    ['broken after its model', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['nesting 200 levels deep', deep, 'invalid_json'],
    ['an array body', '[1, 2, 3]', 'invalid_type'],
    ['a string body', '"a string"', 'invalid_type'],
    ['missing model', { messages: defaultMessages }, 'missing_required_parameter'],
    ['missing messages', { model: 'gpt-4o-mini' }, 'missing_required_parameter'],
    ['messages: "hi"', { model: 'gpt-4o-mini', messages: 'hi' }, 'invalid_type'],
    ['stream: "yes"', { model: 'gpt-4o-mini', messages: defaultMessages, stream: 'yes' }, 'invalid_type'],
    ['messages: []', { model: 'gpt-4o-mini', messages: [] }, 'empty_array'],
    ['role: "wizard"', { model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'hi' }] }, 'invalid_value'],
    ['model: ""', { model: '', messages: defaultMessages }, 'invalid_value'],
    ['max_tokens: -1', { model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: -1 }, 'integer_below_min_value'],
    ['max_tokens: 0', { model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 0 }, 'integer_below_min_value'],
    ['max_completion_tokens: 0', { model: 'gpt-4o-mini', messages: defaultMessages, max_completion_tokens: 0 }, 'integer_below_min_value'],
    ['n: 0', { model: 'gpt-4o-mini', messages: defaultMessages, n: 0 }, 'integer_below_min_value'],
    ['"model" twice', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"model":"gpt-4o"}', 'duplicate_parameter'],
  ];
  const named = (body) => (typeof body === 'string' ? body.replaceAll('"gpt-4o-mini"', `"${model}"`)
                                                    : body.model === 'gpt-4o-mini' ? { ...body, model } : body);
  return cases.map(([what, body, code]) => [what, named(body), code]);
}

test('400 codes are the ones documented in docs/api.md', async () => {
  const mismatches = [];
  for (const [what, body, code] of documentedBadRequests('gpt-4o-mini')) {
    const res = await chat(gw, body);
    const got = res.status === 400 ? JSON.parse(res.text).error?.code : `status ${res.status}`;
    if (got !== code) mismatches.push(`${what}: documented ${code}, got ${got}`);
  }
  assert.deepEqual(mismatches, []);
});

// A model whose every deployment speaks another format skips the light read: the IR's decoder
// validates the body. Its 400s must be the passthrough's, status, code and param.
test('a model served by translation answers the same 400s, before any upstream call', async () => {
  const requestsBefore = (await mock.stats()).requests;
  const translated = documentedBadRequests('claude-x');
  const differences = [];
  for (const [i, [what, body]] of documentedBadRequests('gpt-4o-mini').entries()) {
    const answer = async (b) => {
      const res = await chat(gw, b);
      const error = res.status === 400 ? JSON.parse(res.text).error : null;
      return { status: res.status, code: error?.code, param: error?.param };
    };
    const [passthrough, viaIr] = [await answer(body), await answer(translated[i][1])];
    assert.equal(passthrough.status, 400, `${what}: ${JSON.stringify(passthrough)}`);
    if (JSON.stringify(viaIr) !== JSON.stringify(passthrough)) {
      differences.push(`${what}: passthrough ${JSON.stringify(passthrough)}, translated ${JSON.stringify(viaIr)}`);
    }
  }
  assert.deepEqual(differences, []);
  assert.equal((await mock.stats()).requests, requestsBefore);
  // And a valid body is served through translation.
  const ok = await chat(gw, { model: 'claude-x', messages: defaultMessages, max_tokens: 4 });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json().model, 'claude-x');
  // With the model last, the body is read to find it, and served the same way.
  const last = await chat(gw, JSON.stringify({ messages: defaultMessages, max_tokens: 4, model: 'claude-x' }));
  assert.equal(last.status, 200, last.text);
  assert.equal(last.json().model, 'claude-x');
  assert.equal((await mock.stats()).requests, requestsBefore + 2);
});

test('an invalid request never reaches the upstream', async () => {
  const before = (await mock.stats()).requests;
  await chat(gw, { model: 'gpt-4o-mini', messages: 'hi' });
  await chat(gw, { model: 'gpt-4o-mnii', messages: defaultMessages });
  assert.equal((await mock.stats()).requests, before);
});

test('unknown model: 404 model_not_found with close matches', async () => {
  const res = await chat(gw, { model: 'gpt-4o-mnii', messages: defaultMessages });
  const err = assertOpenAIError(res, 404, 'model_not_found', { type: 'invalid_request_error' });
  assert.match(err.message, /gpt-4o-mnii/);
  assert.match(err.message, /Did you mean/);
  assert.match(err.message, /gpt-4o-mini/);
  assert.equal(err.param, 'model');
});

test('the upstream model id is not a public id: 404', async () => {
  const res = await chat(gw, { model: 'gpt-4o-mini-2024-07-18', messages: defaultMessages });
  assertOpenAIError(res, 404, 'model_not_found');
});

test('body over max_body_bytes (Content-Length): 413 body_too_large', async () => {
  const size = 2 * 1048576;
  const head =
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${gw.key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
  // Only the head and a little of the body: the limit is known from Content-Length alone.
  const r = await rawExchange(gw.port, head + '{"model":"gpt-4o-mini","messages":[', { timeoutMs: 5000 });
  assert.equal(statusOf(r.text), 413, `response: ${r.text.slice(0, 300)}`);
  const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
  assert.equal(body.error.code, 'body_too_large');
});

test('body over max_body_bytes (chunked): 413 body_too_large', async () => {
  const big = 'x'.repeat(1100 * 1024);
  const res = await httpRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: big }] }),
  }).catch((e) => ({ error: e }));
  if (res.error) {
    // The server may close before our writes finish; then it must not have been a success.
    assert.match(res.error.code ?? res.error.message, /EPIPE|ECONNRESET|socket hang up/);
  } else {
    assertOpenAIError(res, 413, 'body_too_large');
  }
  assert.equal((await chat(gw, okBody)).status, 200, 'the gateway still serves');
});

test('wrong method and unknown path: OpenAI-shaped 405 and 404', async () => {
  const get = await httpRequest(`${gw.url}/v1/chat/completions`, { headers: gw.auth() });
  assertOpenAIError(get, 405, 'method_not_allowed');
  const unknown = await httpRequest(`${gw.url}/v1/nothing-here`, { headers: gw.auth() });
  assertOpenAIError(unknown, 404, 'unknown_url');
});

// ---------------------------------------------------------------------------------------------
// Upstream failures

test('upstream unreachable: 502 upstream_unreachable', async () => {
  const started = Date.now();
  const res = await chat(gw, { ...okBody, model: 'dead-model' });
  assertOpenAIError(res, 502, 'upstream_unreachable');
  assert.ok(Date.now() - started < 4000, 'a refused connection fails fast');
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, 502);
  assert.equal(rows[0].error_code, 'upstream_unreachable');
});

test('upstream never answers: 504 upstream_timeout after first_byte_ms', async () => {
  const started = Date.now();
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'timeout' }, timeoutMs: 10_000 });
  const elapsed = Date.now() - started;
  assertOpenAIError(res, 504, 'upstream_timeout');
  assert.ok(elapsed >= 1800, `timed out after ${elapsed} ms, before first_byte_ms (2000)`);
  assert.ok(elapsed < 6000, `took ${elapsed} ms`);
});

test('upstream 429: status, retry-after and body passed through', async () => {
  const headers = { 'x-mock-fault': '429', 'x-mock-retry-after': '7' };
  const direct = await mock.chat(okBody, headers);
  assert.equal(direct.status, 429);
  const res = await chat(gw, okBody, { headers });
  assert.equal(res.status, 429, res.text);
  assert.equal(res.headers['retry-after'], '7');
  assert.deepEqual(res.json(), direct.json(), "the provider's body, unchanged");
  assert.equal(res.json().error.code, 'rate_limit_exceeded');
  assert.ok(res.headers['x-request-id']);
});

test('upstream 429 on a stream request: a JSON 429, not an event stream', async () => {
  const res = await chat(gw, { ...okBody, stream: true }, { headers: { 'x-mock-fault': '429' } });
  assert.equal(res.status, 429, res.text);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(res.headers['retry-after'], '1');
  assert.equal(res.json().error.code, 'rate_limit_exceeded');
});

for (const fault of ['500', '503', '400']) {
  test(`upstream ${fault}: passed through faithfully (status and body)`, async () => {
    const headers = { 'x-mock-fault': fault };
    const direct = await mock.chat(okBody, headers);
    assert.equal(direct.status, Number(fault));
    const res = await chat(gw, okBody, { headers });
    assert.equal(res.status, Number(fault), res.text);
    assert.equal(res.text, direct.text, "the provider's body, byte for byte");
    const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, Number(fault));
  });
}

test('upstream malformed JSON: 502 upstream_invalid_response', async () => {
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'malformed-json' } });
  assertOpenAIError(res, 502, 'upstream_invalid_response');
});

test('upstream resets the connection: 502 upstream_unreachable', async () => {
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'reset' } });
  assertOpenAIError(res, 502, 'upstream_unreachable');
});

test('upstream closes without a response: 502 upstream_unreachable', async () => {
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'close' } });
  assertOpenAIError(res, 502, 'upstream_unreachable');
});

test('upstream gzip-encoded JSON: 200 with the decoded JSON', async () => {
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'gzip' } });
  assert.equal(res.status, 200, res.text);
  assert.ok(!/gzip/i.test(res.headers['content-encoding'] ?? ''), 'the client gets plain JSON (it never asked for gzip)');
  const reply = JSON.parse(res.raw.toString('utf8'));
  assert.equal(reply.model, 'gpt-4o-mini', 'the model is restored inside the decoded body');
  const direct = (await mock.chat({ ...okBody, model: 'gpt-4o-mini-2024-07-18' })).json();
  assert.equal(reply.choices[0].message.content, direct.choices[0].message.content);
  assert.deepEqual(reply.usage, direct.usage);
});

test('slow upstream headers within first_byte_ms: still 200', async () => {
  const res = await chat(gw, okBody, { headers: { 'x-mock-fault': 'slow-headers', 'x-mock-ttft-ms': '300' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().model, 'gpt-4o-mini');
});

// ---------------------------------------------------------------------------------------------
// Failures in the middle of a stream (the status line has gone already)

const streamBody = { model: 'gpt-4o-mini', messages: defaultMessages, stream: true };

test('stream cut by the upstream: first frames, then an upstream_stream_interrupted error frame, no [DONE]', async () => {
  const stream = await openStream(gw, streamBody, {
    headers: { 'x-mock-fault': 'cut-stream', 'x-mock-cut-after': '2', 'x-mock-tokens': '10' },
  });
  assert.equal(stream.status, 200);
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null, 'the gateway ends the client stream cleanly');
  const data = events.map((e) => e.data);
  assert.ok(!data.includes('[DONE]'), `no [DONE] after a cut: ${data.join(' | ')}`);
  const last = JSON.parse(data.at(-1));
  assert.ok(last.error, `the last frame is an error: ${data.at(-1)}`);
  assert.equal(last.error.code, 'upstream_stream_interrupted');
  assert.equal(typeof last.error.message, 'string');
  assert.equal(typeof last.error.type, 'string');
  const content = data
    .slice(0, -1)
    .map((d) => JSON.parse(d))
    .filter((c) => c.choices?.[0]?.delta?.content);
  assert.equal(content.length, 2, 'the frames sent before the cut reached the client');
  for (const c of content) assert.equal(c.model, 'gpt-4o-mini');

  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(stream.headers['x-request-id'])}`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].error_code, 'upstream_stream_interrupted');
  assert.equal(rows[0].completion_tokens, 2, 'estimated from the content delivered');
  assert.equal(rows[0].usage_source, 'estimated');
});

test('malformed SSE from the upstream: an upstream_invalid_response error frame ends the stream', async () => {
  const stream = await openStream(gw, streamBody, { headers: { 'x-mock-fault': 'malformed-sse', 'x-mock-tokens': '10' } });
  assert.equal(stream.status, 200);
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const data = events.map((e) => e.data);
  assert.ok(!data.includes('[DONE]'), `no [DONE] after a broken stream: ${data.join(' | ')}`);
  const last = JSON.parse(data.at(-1));
  assert.ok(last.error, `the last frame is an error: ${data.at(-1)}`);
  assert.equal(last.error.code, 'upstream_invalid_response');
  for (const d of data.slice(0, -1)) {
    assert.doesNotThrow(() => JSON.parse(d), `the malformed frame is not relayed: ${d}`);
  }
});

test('broken chunked framing behind good events, in the same read: the events are relayed, then an error frame', async () => {
  // A raw upstream: the head and a first event; then a second well-framed event and a chunk
  // whose size line is not hex, in one write, so the gateway meets the bad framing mid-stream in
  // bytes it has already read.
  const net = await import('node:net');
  const event = (content) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const chunk = (text) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  const upstream = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n' +
        chunk(event('one')));
      setTimeout(() => socket.write(chunk(event('two')) + 'zz\r\nnot a chunk\r\n'), 100);
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const own = await startGateway({ mockUrl: `http://127.0.0.1:${upstream.address().port}` });
  try {
    const stream = await openStream(own, streamBody);
    assert.equal(stream.status, 200);
    const { events, error } = await readAllEvents(stream);
    assert.equal(error, null);
    const data = events.map((e) => e.data);
    assert.ok(!data.includes('[DONE]'), data.join(' | '));
    const contents = data.slice(0, -1).map((d) => JSON.parse(d).choices?.[0]?.delta?.content);
    assert.deepEqual(contents, ['one', 'two']);
    const last = JSON.parse(data.at(-1));
    assert.ok(last.error?.code, `the last frame is an error: ${data.at(-1)}`);
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
});

// A raw upstream that answers every request with `respond(socket)`, for the duration of `body`
// (a gateway pointed at it), then closes.
async function withRawUpstream(respond, body) {
  const net = await import('node:net');
  const upstream = net.createServer((socket) => {
    socket.once('data', () => respond(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const own = await startGateway({ mockUrl: `http://127.0.0.1:${upstream.address().port}` });
  try {
    await body(own);
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
}

// An OpenAI chat completion as an upstream sends it, with `content` and its token counts.
const chatReply = (content, completionTokens) => JSON.stringify({
  id: 'c1', object: 'chat.completion', created: 1, model: 'up',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: completionTokens, total_tokens: 3 + completionTokens },
});

const sseEvent = (content, finish = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

// Streams a chat request through `own` and checks that every content event, then [DONE], came.
async function assertStreamRelayed(own, expectedContents) {
  const stream = await openStream(own, streamBody);
  assert.equal(stream.status, 200);
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const data = events.map((e) => e.data);
  assert.equal(data.at(-1), '[DONE]', data.join(' | '));
  const contents = data.slice(0, -1).map((d) => JSON.parse(d).choices?.[0]?.delta?.content);
  assert.deepEqual(contents.filter(Boolean), expectedContents);
}

test('a JSON reply that ends with the connection (no Content-Length, not chunked) is relayed whole', async () => {
  const reply = chatReply('to the end', 3);
  await withRawUpstream(
    (socket) => {
      // The head alone first, then the body in two pieces, then the end of the connection.
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n');
      setTimeout(() => socket.write(reply.slice(0, 40)), 30);
      setTimeout(() => socket.end(reply.slice(40)), 60);
    },
    async (own) => {
      const res = await chat(own, okBody);
      assert.equal(res.status, 200, res.text);
      const body = res.json();
      assert.equal(body.choices[0].message.content, 'to the end');
      assert.equal(body.usage.total_tokens, 6);
      assert.equal(body.model, 'gpt-4o-mini', 'the public model id is restored');
    },
  );
});

test('an event stream that ends with the connection (not chunked) is relayed to its last event', async () => {
  await withRawUpstream(
    (socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n' + sseEvent('one'));
      setTimeout(() => socket.write(sseEvent('two')), 30);
      setTimeout(() => socket.end(sseEvent('', 'stop') + 'data: [DONE]\n\n'), 60);
    },
    (own) => assertStreamRelayed(own, ['one', 'two']),
  );
});

test('a JSON reply cut short of its Content-Length: an upstream error, not a truncated body', async () => {
  await withRawUpstream(
    (socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"id":"c1","object":"chat.comp');
      setTimeout(() => socket.end(), 30);
    },
    async (own) => {
      const res = await chat(own, okBody);
      assert.ok(res.status >= 500, `a 5xx, got ${res.status}: ${res.text}`);
      assert.ok(res.json().error?.message, res.text);
    },
  );
});

// Chunked bodies are read by the gateway's own reader while their chunks are plain, and by Beast's
// parser from the first chunk that is not (an extension, trailers): both halves must add up.
const chunk = (text, extension = '') => `${Buffer.byteLength(text).toString(16)}${extension}\r\n${text}\r\n`;

test('a chunked event stream split mid-chunk, with a chunk extension and trailers, is relayed whole', async () => {
  const one = chunk(sseEvent('one'));
  const two = chunk(sseEvent('two'));
  await withRawUpstream(
    (socket) => {
      // The head with half of the first chunk; the rest of it and the second chunk's size line
      // cut after its first digit; then a chunk with an extension and the end with a trailer.
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n' + one.slice(0, 20));
      setTimeout(() => socket.write(one.slice(20) + two.slice(0, 1)), 20);
      setTimeout(() => socket.write(two.slice(1) + chunk(sseEvent('three'), ';note="a;b"')), 40);
      setTimeout(() => socket.end(chunk(sseEvent('', 'stop') + 'data: [DONE]\n\n') + '0\r\nx-checksum: 1\r\n\r\n'), 60);
    },
    (own) => assertStreamRelayed(own, ['one', 'two', 'three']),
  );
});

test('a chunked reply whose chunk data is not followed by CRLF: an upstream error, not a body', async () => {
  const reply = chatReply('x', 1);
  await withRawUpstream(
    (socket) => {
      // The size says 10 bytes, the data runs on: a broken framing, however the JSON looks.
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n' +
        `a\r\n${reply}\r\n0\r\n\r\n`);
    },
    async (own) => {
      const res = await chat(own, okBody);
      assert.ok(res.status >= 500, `a 5xx, got ${res.status}: ${res.text}`);
      assert.ok(res.json().error?.message, res.text);
    },
  );
});

test('a chunked JSON reply keeps its upstream connection for the next request', async () => {
  const net = await import('node:net');
  const reply = chatReply('chunked', 1);
  let connections = 0;
  const upstream = net.createServer((socket) => {
    connections += 1;
    socket.on('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n' +
        chunk(reply.slice(0, 30)) + chunk(reply.slice(30)) + '0\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  // One event loop: each loop keeps its own pool.
  const own = await startGateway({ mockUrl: `http://127.0.0.1:${upstream.address().port}`, configOverrides: { server: { threads: 1 } } });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await chat(own, okBody);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json().choices[0].message.content, 'chunked');
      assert.equal(res.json().usage.total_tokens, 4);
    }
    assert.equal(connections, 1, 'one upstream connection for three requests');
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
});

test('a stream that stalls longer than idle_ms: an upstream_timeout error frame ends it', async () => {
  // The mock sends the head and the role chunk at once, then waits 3 s for the first token:
  // longer than idle_ms (2000), so the gateway gives up mid-stream with upstream_timeout.
  const stream = await openStream(gw, streamBody, { headers: { 'x-mock-ttft-ms': '3000', 'x-mock-tokens': '2' } });
  assert.equal(stream.status, 200);
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const data = events.map((e) => e.data);
  assert.ok(!data.includes('[DONE]'), data.join(' | '));
  const last = JSON.parse(data.at(-1));
  assert.equal(last.error?.code, 'upstream_timeout', data.at(-1));
});
