// Connection handling: keep-alive towards clients, `Connection: close`, HTTP/1.0, the total
// upstream timeout on a long stream, and refusing a port another process already listens on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startGateway, connectRaw, collectUntilClose, openStream, readAllEvents, runTollgate, defaultMessages, chat, removeTempDir, familyProviders, httpRequest, sseEvents } from './harness.mjs';

let mock, gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (config) => ({
      ...config,
      providers: [
        ...config.providers,
        { ...config.providers[0], name: 'short-total',
          timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 800 } },
      ],
      models: [...config.models, { id: 'short-total-model', provider: 'short-total', pricing: { input_per_m: '1', output_per_m: '1' } }],
    }),
  });
});

after(async () => {
  await gw?.stop();
  await mock?.stop();
});

function chatRequest(key, { close = false, version = '1.1' } = {}) {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: defaultMessages });
  return `POST /v1/chat/completions HTTP/${version}\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    (close ? 'Connection: close\r\n' : version === '1.0' ? 'Connection: keep-alive\r\n' : '') + `\r\n${body}`;
}

// Reads from `socket` until `count` complete responses (Content-Length framed) have arrived.
function readResponses(socket, count, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const responses = [];
    const timer = setTimeout(() => reject(new Error(`only ${responses.length} responses`)), timeoutMs);
    const onData = (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        responses.push({ head, body: buffer.subarray(end + 4, end + 4 + length).toString() });
        buffer = buffer.subarray(end + 4 + length);
        if (responses.length === count) {
          clearTimeout(timer);
          socket.off('data', onData);
          resolve(responses);
          return;
        }
      }
    };
    socket.on('data', onData);
  });
}

test('keep-alive: several requests, pipelined or one after another, on one connection', async () => {
  const socket = await connectRaw(gw.port);
  try {
    socket.write(chatRequest(gw.key));
    const [first] = await readResponses(socket, 1);
    assert.match(first.head, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(first.head, /connection: close/i);
    // Two more, written back to back before reading: answered in order on the same socket.
    socket.write(chatRequest(gw.key) + chatRequest(gw.key));
    const more = await readResponses(socket, 2);
    for (const r of more) {
      assert.match(r.head, /^HTTP\/1\.1 200/);
      assert.equal(JSON.parse(r.body).model, 'gpt-4o-mini');
    }
    const ids = [first, ...more].map((r) => /x-request-id: (\S+)/i.exec(r.head)[1]);
    assert.equal(new Set(ids).size, 3, 'three distinct requests');
  } finally {
    socket.destroy();
  }
});

test('a request pipelined behind a streamed one waits in the read buffer and is answered after the stream', async () => {
  // A streamed response releases the connection's read buffer only when nothing is left in it:
  // here the second request is already there, and must survive the stream.
  const socket = await connectRaw(gw.port);
  try {
    const streamed = chatRequest(gw.key).replace('"messages"', '"stream":true,"messages"')
      .replace(/Content-Length: \d+/, (m) => `Content-Length: ${Number(m.split(' ')[1]) + '"stream":true,'.length}`);
    let text = '';
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`incomplete: ${text.slice(-300)}`)), 5000);
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n0\r\n\r\n');
        if (end < 0) return;
        const second = text.slice(end + 7);
        const headEnd = second.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(second.slice(0, headEnd))?.[1] ?? -1);
        if (second.length < headEnd + 4 + length) return;
        clearTimeout(timer);
        resolve({ first: text.slice(0, end), head: second.slice(0, headEnd), body: second.slice(headEnd + 4, headEnd + 4 + length) });
      });
    });
    socket.write(streamed + chatRequest(gw.key));
    const { first, head, body } = await done;
    assert.match(first, /^HTTP\/1\.1 200/);
    assert.match(first, /transfer-encoding: chunked/i);
    assert.match(first, /data: \[DONE\]/);
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.equal(JSON.parse(body).model, 'gpt-4o-mini');
  } finally {
    socket.destroy();
  }
});

test('Connection: close is honoured: one response, then the server closes', async () => {
  const socket = await connectRaw(gw.port);
  const result = await collectUntilClose(socket, 5000, () => socket.write(chatRequest(gw.key, { close: true })));
  assert.equal(result.closed, true, 'the server closed the connection');
  assert.match(result.text, /^HTTP\/1\.1 200/);
  assert.match(result.text, /connection: close/i);
});

test('HTTP/1.0 with keep-alive gets an HTTP/1.0 response that says keep-alive', async () => {
  const socket = await connectRaw(gw.port);
  try {
    socket.write(chatRequest(gw.key, { version: '1.0' }));
    const [r] = await readResponses(socket, 1);
    assert.match(r.head, /^HTTP\/1\.0 200/);
    assert.match(r.head, /connection: keep-alive/i);
  } finally {
    socket.destroy();
  }
});

test('the total upstream timeout cuts a stream that is still flowing: error frame upstream_timeout', async () => {
  // 40 tokens 50 ms apart take 2 s; the provider's total_ms is 800. Each gap is well under idle_ms.
  const stream = await openStream(gw, { model: 'short-total-model', stream: true, messages: defaultMessages },
                                   { headers: { 'x-mock-tokens': '40', 'x-mock-itl-ms': '50' } });
  const started = Date.now();
  const events = (await readAllEvents(stream)).events.map((e) => e.data);
  const elapsed = Date.now() - started;
  const last = events.at(-1);
  assert.ok(last && last.includes('"code":"upstream_timeout"'), `last event: ${last}`);
  assert.ok(!events.includes('[DONE]'));
  assert.ok(elapsed >= 600 && elapsed < 1800, `cut after ${elapsed} ms`);
  const content = events.filter((e) => e.includes('"content"'));
  assert.ok(content.length > 3 && content.length < 40, `${content.length} content frames before the cut`);
});

test('a second gateway on a port that is already taken refuses to start, saying why', async () => {
  const config = gw.config;
  const { writeFileSync } = await import('node:fs');
  const path = `${gw.dir}/second.yaml`;
  const yaml = (await import('./harness.mjs')).toYaml({
    ...config,
    server: { ...config.server, listen: `127.0.0.1:${gw.port}` },
    store: { sqlite: `${gw.dir}/second.db` },
  });
  writeFileSync(path, yaml);
  const r = await runTollgate(['serve', '--config', path], { timeoutMs: 10_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+.*in use/i);
});

test('upstream connections are pooled: ten requests from ten client connections reuse a few', async () => {
  const before = await mock.stats();
  for (let i = 0; i < 10; i++) {
    const r = await (await import('./harness.mjs')).chat(gw, { model: 'gpt-4o-mini', messages: defaultMessages });
    assert.equal(r.status, 200);
  }
  const after = await mock.stats();
  assert.equal(after.requests - before.requests, 10);
  // At most one new connection per event loop (the config has 2); without a pool it would be 10.
  assert.ok(after.connections - before.connections <= 2,
            `${after.connections - before.connections} new upstream connections for 10 requests`);
});

test('an upstream that closed every pooled connection (restarted, or its keep-alive timeout) costs no request', async () => {
  // A gateway of its own whose upstream is restarted under a warm pool: every pooled connection
  // is dead, and the first request to find one must still be answered on a fresh connection.
  let upstream = await startMock();
  const port = upstream.port;
  const own = await startGateway({ mockUrl: upstream.url });
  try {
    const warm = await Promise.all(Array.from({ length: 12 }, () => chat(own, { model: 'gpt-4o-mini', messages: defaultMessages })));
    assert.ok(warm.every((r) => r.status === 200));
    await upstream.stop('SIGKILL');
    upstream = await startMock({ port });
    for (let i = 0; i < 6; i++) {
      const r = await chat(own, { model: 'gpt-4o-mini', messages: defaultMessages });
      assert.equal(r.status, 200, `request ${i}: ${r.text}`);
      assert.equal(r.headers['x-tollgate-attempts'], '1', `request ${i} needed no second attempt`);
    }
  } finally {
    await own.stop('SIGKILL');
    await upstream.stop();
    removeTempDir(own.dir);
  }
});

test('streamed responses give their upstream connection back: passthrough, translated and same-format streams reuse one', async () => {
  // One event loop, so every request meets the same pool. The relays stop reading at the
  // stream's final event ([DONE], message_stop); the body's chunked terminator comes after it,
  // and a connection whose body was not read to its end cannot be reused.
  const own = await startGateway({
    mockUrl: mock.url,
    configOverrides: (config) => ({
      ...config,
      server: { ...config.server, threads: 1 },
      providers: [...config.providers, ...familyProviders(mock.url)],
      models: [...config.models, { id: 'claude-test', provider: 'claude', upstream_model: 'claude-sonnet-4-5',
                                   pricing: { input_per_m: '3', output_per_m: '15' } }],
    }),
  });
  const messages = (body) => httpRequest(`${own.url}/v1/messages`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-api-key': own.key, 'anthropic-version': '2023-06-01' },
  });
  const kinds = {
    passthrough: async () => readAllEvents(await openStream(own, { model: 'gpt-4o-mini', messages: defaultMessages, stream: true })),
    translated: async () => readAllEvents(await openStream(own, { model: 'claude-test', messages: defaultMessages, stream: true })),
    same_format: async () => ({ events: sseEvents((await messages({ model: "claude-test", max_tokens: 32, stream: true, messages: defaultMessages })).text) }),
  };
  try {
    for (const [kind, stream] of Object.entries(kinds)) {
      await stream();  // the pool holds this kind's connection from here on
      const before = await mock.stats();
      for (let i = 0; i < 6; i++) {
        const { events, error } = await stream();
        assert.equal(error ?? null, null, kind);
        assert.ok(events.length > 2, `${kind}: ${events.length} events`);
      }
      const after = await mock.stats();
      assert.equal(after.requests - before.requests, 6, kind);
      // The background read of the terminator may still be under way when the next request
      // starts (then it opens one more): without reuse this is 6.
      assert.ok(after.connections - before.connections <= 1,
                `${kind}: ${after.connections - before.connections} new upstream connections for 6 streams`);
    }
  } finally {
    await own.stop();
    removeTempDir(own.dir);
  }
});

test('a JSON reply is relayed whole however it arrives: with its head, in pieces after it, or gzip-encoded', async () => {
  // An upstream of its own: each request gets the same chat.completion, sent one of three ways.
  // With its head is the gateway's fast path (the body taken as parsed, no read); the others
  // are read on (and decoded).
  const { createServer } = await import('node:http');
  const { gzipSync } = await import('node:zlib');
  const ways = ['with the head', 'in pieces', 'gzip'];
  let served = 0;
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const way = ways[served++ % ways.length];
      const reply = JSON.stringify({
        id: `chatcmpl-${served}`, object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, message: { role: 'assistant', content: `sent ${way} ` + 'x'.repeat(3000) }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      });
      if (way === 'with the head') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
        res.end(reply);
      } else if (way === 'in pieces') {
        res.writeHead(200, { 'content-type': 'application/json' });  // chunked
        res.flushHeaders();
        setTimeout(() => res.write(reply.slice(0, 1000)), 100);
        setTimeout(() => res.end(reply.slice(1000)), 200);
      } else {
        const body = gzipSync(reply);
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
      }
    });
  });
  await new Promise((ok) => upstream.listen(0, '127.0.0.1', ok));
  const own = await startGateway({ mockUrl: `http://127.0.0.1:${upstream.address().port}` });
  try {
    for (let i = 0; i < 2 * ways.length; i++) {
      const way = ways[i % ways.length];
      const r = await chat(own, { model: 'gpt-4o-mini', messages: defaultMessages });
      assert.equal(r.status, 200, `${way}: ${r.text}`);
      const body = JSON.parse(r.text);
      assert.equal(body.model, 'gpt-4o-mini', `${way}: the public model restored`);
      assert.equal(body.choices[0].message.content, `sent ${way} ` + 'x'.repeat(3000), way);
      assert.deepEqual(body.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 }, way);
    }
    assert.equal(served, 2 * ways.length);
  } finally {
    await own.stop();
    upstream.close();
    removeTempDir(own.dir);
  }
});
