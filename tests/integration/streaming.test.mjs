// Streaming chat (SSE) through the gateway: frames relayed as they come with the public model id,
// usage chunks only when asked for (yet usage always recorded), concurrent streams, and a client
// that goes away mid-stream (the upstream must be closed, the usage still recorded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startMock,
  startGateway,
  removeTempDir,
  openStream,
  readAllEvents,
  pollSqlite,
  pollUntil,
  sqlText,
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

// What the mock itself answers (as JSON) for `body`: the reference for content and usage.
async function expectedFromMock(body, headers = {}) {
  const res = await mock.chat({ ...body, model: 'gpt-4o-mini-2024-07-18', stream: false, stream_options: undefined }, headers);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const contentOf = (chunks) => chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');

test('streaming chat with include_usage: chunks carry the public model, a usage chunk, then [DONE]', async () => {
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Stream five words please.' }],
    stream: true,
    stream_options: { include_usage: true },
  };
  const stream = await openStream(gw, body, { headers: { 'x-mock-tokens': '5' } });
  assert.equal(stream.status, 200);
  assert.match(stream.headers['content-type'] ?? '', /^text\/event-stream/);
  assert.match(stream.headers['x-request-id'] ?? '', /\S/);
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const data = events.map((e) => e.data);
  assert.equal(data.at(-1), '[DONE]', 'the stream ends with data: [DONE]');
  assert.equal(data.filter((d) => d === '[DONE]').length, 1);
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, 'gpt-4o-mini', 'every chunk carries the public model id');
  }
  const usageChunks = chunks.filter((c) => c.usage);
  assert.equal(usageChunks.length, 1, 'exactly one chunk with usage');
  assert.deepEqual(usageChunks[0].choices, []);
  assert.equal(chunks.at(-1), usageChunks[0], 'the usage chunk is the last before [DONE]');

  const expected = await expectedFromMock(body, { 'x-mock-tokens': '5' });
  assert.deepEqual(usageChunks[0].usage, expected.usage);
  const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(content, expected.choices[0].message.content, 'streamed content equals the JSON content');
  assert.equal(JSON.parse((await mock.lastRequest()).body).model, 'gpt-4o-mini-2024-07-18');
});

test('streaming chat without include_usage: no usage reaches the client, yet the exact usage is recorded', async () => {
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'No usage for me, thanks.' }], stream: true };
  const stream = await openStream(gw, body, { headers: { 'x-mock-tokens': '6' } });
  assert.equal(stream.status, 200);
  const requestId = stream.headers['x-request-id'];
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const data = events.map((e) => e.data);
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.ok(chunks.length >= 6, 'role, content and finish chunks arrive');
  for (const c of chunks) {
    assert.equal(c.model, 'gpt-4o-mini');
    assert.ok(c.usage === undefined || c.usage === null, `no usage in a chunk the client did not ask for: ${JSON.stringify(c)}`);
    assert.ok(c.choices.length > 0, `no usage-only chunk (choices: []) reaches the client: ${JSON.stringify(c)}`);
  }

  // The gateway asked the upstream for usage itself.
  const upstreamBody = JSON.parse((await mock.lastRequest()).body);
  assert.deepEqual(upstreamBody.stream_options, { include_usage: true });
  assert.equal(upstreamBody.model, 'gpt-4o-mini-2024-07-18');

  const expected = await expectedFromMock(body, { 'x-mock-tokens': '6' });
  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1, `one usage record for request ${requestId}`);
  assert.equal(rows[0].prompt_tokens, expected.usage.prompt_tokens);
  assert.equal(rows[0].completion_tokens, 6);
  assert.equal(rows[0].usage_source, 'upstream');
  assert.equal(rows[0].stream, 1);
  assert.equal(rows[0].client_disconnected, 0);
});

test('streaming chat: frames are relayed as they come, not buffered to the end', async () => {
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Slowly now.' }], stream: true };
  const started = Date.now();
  const stream = await openStream(gw, body, { headers: { 'x-mock-tokens': '5', 'x-mock-itl-ms': '100' } });
  const { events, error } = await readAllEvents(stream);
  assert.equal(error, null);
  const contentEvents = events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices[0]?.delta?.content);
  assert.equal(contentEvents.length, 5);
  const done = events.at(-1);
  assert.equal(done.data, '[DONE]');
  // Four 100 ms gaps upstream: the first word must reach us well before the last frame.
  const gap = done.at - contentEvents[0].at;
  assert.ok(gap >= 250, `first content frame arrived only ${gap} ms before [DONE] (expected ~400 ms)`);
  // And the words themselves arrive spread out, not in one burst.
  const spread = contentEvents.at(-1).at - contentEvents[0].at;
  assert.ok(spread >= 250, `content frames arrived within ${spread} ms of each other`);
  assert.ok(Date.now() - started < 5000);
});

test('twenty concurrent streams each get their own complete, correct content', async () => {
  const bodies = Array.from({ length: 20 }, (_, i) => ({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Concurrent stream number ${i} of twenty.` }],
    stream: true,
  }));
  const headers = { 'x-mock-tokens': '8', 'x-mock-itl-ms': '10' };
  const results = await Promise.all(
    bodies.map(async (body) => {
      const stream = await openStream(gw, body, { headers });
      assert.equal(stream.status, 200);
      return readAllEvents(stream);
    }),
  );
  for (let i = 0; i < bodies.length; i++) {
    const { events, error } = results[i];
    assert.equal(error, null);
    const data = events.map((e) => e.data);
    assert.equal(data.at(-1), '[DONE]', `stream ${i} completed`);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const expected = await expectedFromMock(bodies[i], { 'x-mock-tokens': '8' });
    assert.equal(contentOf(chunks), expected.choices[0].message.content, `stream ${i} has its own content`);
  }
});

test('client disconnects mid-stream: the upstream stream is closed and the partial usage is recorded', async () => {
  const before = await mock.stats();
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'A long story, please.' }], stream: true };
  const stream = await openStream(gw, body, { headers: { 'x-mock-tokens': '200', 'x-mock-itl-ms': '20' } });
  assert.equal(stream.status, 200);
  const requestId = stream.headers['x-request-id'];
  assert.ok(requestId);
  const received = [];
  for await (const e of stream.events) {
    received.push(e.data);
    if (received.length === 3) break;
  }
  assert.equal(received.length, 3);
  stream.destroy();
  const leftAt = Date.now();

  // 200 tokens at 20 ms would take 4 s: the mock must see its client (the gateway) leave first.
  const stats = await pollUntil(
    async () => {
      const s = await mock.stats();
      return s.streams_aborted_by_client > before.streams_aborted_by_client ? s : null;
    },
    { timeoutMs: 2000 },
  );
  assert.ok(stats, `the gateway did not close the upstream stream within 2 s of the client leaving: ${JSON.stringify(await mock.stats())}`);
  assert.equal(stats.streams_aborted_by_client, before.streams_aborted_by_client + 1);
  assert.equal(stats.streams_completed, before.streams_completed, 'the upstream stream did not run to the end');
  assert.ok(Date.now() - leftAt < 2500);

  const rows = await pollSqlite(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1, `a usage record for ${requestId}`);
  const row = rows[0];
  assert.equal(row.client_disconnected, 1);
  assert.equal(row.stream, 1);
  assert.ok(row.completion_tokens > 0, `completion tokens estimated from what was relayed: ${row.completion_tokens}`);
  assert.ok(row.completion_tokens < 200, `only what was produced before the disconnect: ${row.completion_tokens}`);
  assert.equal(row.usage_source, 'estimated');
  assert.ok(row.prompt_tokens > 0, 'prompt tokens estimated too');
  assert.equal(row.public_model, 'gpt-4o-mini');

  const after = await pollUntil(async () => ((await mock.stats()).open_streams === 0 ? true : null), { timeoutMs: 2000 });
  assert.ok(after, 'no upstream stream left open');
});

test('the response head is not held back when the upstream sends its head well before any frame', async () => {
  // An upstream of our own: head at once, the first event 400 ms later (a model thinking). The
  // client must get its head at once too, as from the upstream directly.
  const upstream = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    setTimeout(() => {
      const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: 'late' }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    }, 400);
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const own = await startGateway({
    mockUrl: `http://127.0.0.1:${upstream.address().port}`,
  });
  try {
    const started = Date.now();
    const stream = await openStream(own, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const headAfter = Date.now() - started;
    assert.equal(stream.status, 200);
    const { events, error } = await readAllEvents(stream);
    const allAfter = Date.now() - started;
    assert.equal(error, null);
    assert.equal(events.at(-1).data, '[DONE]');
    assert.ok(allAfter >= 350, `the first event came after the upstream's pause (${allAfter} ms)`);
    assert.ok(headAfter < 300, `the head came ${headAfter} ms after the request, before the first event`);
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
});

test('events larger than a stream read, arriving in pieces, are relayed whole; the connection then serves a large JSON reply', async () => {
  // While a stream runs the gateway reads it through a small buffer (1 KB): a 6 KB event that
  // arrives in three writes with pauses between must still reach the client intact, and the
  // pooled connection must serve the next (large, JSON) response in full.
  const big = (i) => `${i}:` + 'x'.repeat(6000);
  const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let connections = 0;
  const upstream = http.createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    if (JSON.parse(body).stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      for (let i = 0; i < 3; i++) {
        const event = chunk({ content: big(i) });
        const third = Math.ceil(event.length / 3);
        for (let at = 0; at < event.length; at += third) {
          await sleep(30);
          res.write(event.slice(at, at + third));
        }
      }
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'j1', object: 'chat.completion', created: 1, model: 'up',
        choices: [{ index: 0, message: { role: 'assistant', content: 'y'.repeat(10000) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }));
    }
  });
  upstream.on('connection', () => connections++);
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  // One event loop: each loop has its own upstream pool, and the two requests must meet the same.
  const own = await startGateway({
    mockUrl: `http://127.0.0.1:${upstream.address().port}`,
    configOverrides: (config) => ({ ...config, server: { ...config.server, threads: 1 } }),
  });
  try {
    const stream = await openStream(own, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    assert.equal(stream.status, 200);
    const { events, error } = await readAllEvents(stream);
    assert.equal(error, null);
    assert.equal(events.at(-1).data, '[DONE]');
    const contents = events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0].delta.content ?? '');
    assert.deepEqual(contents.filter((c) => c.length > 0), [big(0), big(1), big(2)]);
    // The upstream connection goes back to the pool once the gateway has read the body's end,
    // which can be just after the client has seen [DONE].
    await sleep(100);

    const res = await fetch(`${own.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    const json = await res.json();
    assert.equal(json.choices[0].message.content, 'y'.repeat(10000));
    assert.equal(connections, 1, 'the JSON request reused the stream\'s upstream connection');
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
});

test('a client that stops reading for a while still gets every frame of a long stream, once and in order, then a 24 MB JSON reply whole', async () => {
  // 24 MB of events against a client that reads nothing for 700 ms: more than the sockets'
  // buffers hold, so the gateway's writes find them full (the frames that cannot go out at once
  // are finished by a wait on the socket) and the upstream is held back meanwhile. The same for
  // a 24 MB JSON reply. (Both once crashed the gateway: the wait for the rest of a write called
  // a lambda that no longer existed.)
  const count = 1500;
  const content = (i) => `${i}:` + String.fromCharCode(97 + (i % 26)).repeat(16000);
  const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const json = JSON.stringify({ id: 'j1', object: 'chat.completion', created: 1, model: 'up',
    choices: [{ index: 0, message: { role: 'assistant', content: 'z'.repeat(24 << 20) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });
  const upstream = http.createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += part;
    if (!JSON.parse(body).stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < count; i++) {
      if (!res.write(chunk({ content: content(i) }))) await new Promise((r) => res.once('drain', r));
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const own = await startGateway({ mockUrl: `http://127.0.0.1:${upstream.address().port}` });
  // Reads nothing for 700 ms, then the whole body.
  const readLate = (stream) => new Promise((resolve, reject) => {
    const req = http.request(`${own.url}/v1/chat/completions`, {
      method: 'POST', agent: false,
      headers: { authorization: `Bearer ${own.key}`, 'content-type': 'application/json' },
    }, (res) => {
      assert.equal(res.statusCode, 200);
      res.pause();
      const parts = [];
      res.on('data', (part) => parts.push(part));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
      res.on('error', reject);
      setTimeout(() => res.resume(), 700);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream }));
  });
  try {
    const text = await readLate(true);
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.equal(events.at(-1), '[DONE]');
    const contents = events.slice(0, -1).map((e) => JSON.parse(e).choices[0].delta.content ?? '').filter((c) => c.length > 0);
    assert.equal(contents.length, count, 'every frame, none twice');
    for (let i = 0; i < count; i++) assert.equal(contents[i], content(i), `frame ${i}`);
    const reply = JSON.parse(await readLate(false));
    assert.equal(reply.model, 'gpt-4o-mini');
    assert.ok(reply.choices[0].message.content === 'z'.repeat(24 << 20), 'the JSON reply arrived whole');
  } finally {
    await own.stop();
    removeTempDir(own.dir);
    upstream.close();
  }
});
