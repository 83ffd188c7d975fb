// Hostile or broken clients: huge bodies, header floods, slow-loris trickles, invalid UTF-8 and
// garbage on the wire. Each must be refused quickly, and the gateway must keep serving others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock,
  startGateway,
  removeTempDir,
  chat,
  httpRequest,
  connectRaw,
  collectUntilClose,
  rawExchange,
  statusOf,
  sleep,
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

const okBody = { model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 3 };

async function assertStillServing() {
  const health = await httpRequest(`${gw.url}/healthz`, { timeoutMs: 3000 });
  assert.equal(health.status, 200, 'GET /healthz still answers');
  const res = await chat(gw, okBody, { timeoutMs: 5000 });
  assert.equal(res.status, 200, `a chat request still works: ${res.text}`);
  assert.equal(res.json().model, 'gpt-4o-mini');
}

// A refusal is either an HTTP error status (`allowed`) or a closed connection with no response.
function assertRefused(r, allowed, what) {
  const status = statusOf(r.text);
  if (status === null) {
    assert.ok(r.closed, `${what}: neither a response nor a close (got ${JSON.stringify(r.text.slice(0, 200))})`);
    assert.equal(r.text, '', `${what}: the server sent something that is not HTTP: ${JSON.stringify(r.text.slice(0, 200))}`);
  } else {
    assert.ok(allowed.includes(status), `${what}: status ${status}, expected one of ${allowed} or a close`);
  }
  return status;
}

const chatHead = (extra = '') =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.key}\r\n` +
  `Content-Type: application/json\r\n${extra}`;

test('a 100 MB body is refused quickly (413 or close) and the gateway keeps serving', async () => {
  const total = 100 * 1024 * 1024;
  const socket = await connectRaw(gw.port);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  let stopped = false;
  const started = Date.now();
  const resultPromise = collectUntilClose(socket, 10_000, () => {
    socket.write(chatHead(`Content-Length: ${total}\r\n\r\n`));
  });
  socket.on('close', () => (stopped = true));
  socket.on('data', () => (stopped = true));
  // Stream the body with backpressure until the server answers or hangs up.
  (async () => {
    while (!stopped && written < total) {
      const ok = socket.write(chunk);
      written += chunk.length;
      if (!ok) {
        await new Promise((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
    }
  })().catch(() => {});
  const r = await resultPromise;
  stopped = true;
  const elapsed = Date.now() - started;
  const status = assertRefused(r, [413], '100 MB body');
  if (status === 413) assert.match(r.text, /body_too_large/);
  assert.ok(r.closed, 'the connection is closed after the refusal');
  assert.ok(elapsed < 5000, `refused after ${elapsed} ms`);
  assert.ok(written < total / 2, `the server stopped the upload early (we wrote ${written} bytes)`);
  await assertStillServing();
});

test('10,000 request headers: 431 or close, and the gateway keeps serving', async () => {
  let head = 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n';
  for (let i = 0; i < 10_000; i++) head += `X-Flood-${i}: value-${i}\r\n`;
  head += '\r\n';
  const r = await rawExchange(gw.port, head, { timeoutMs: 5000 });
  assertRefused(r, [431], '10,000 headers');
  assert.ok(r.closed, 'the connection is closed');
  await assertStillServing();
});

test('one huge header line: 431 or close', async () => {
  const r = await rawExchange(gw.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(200_000)}\r\n\r\n`, { timeoutMs: 5000 });
  assertRefused(r, [431, 400], 'a 200 KB header');
  await assertStillServing();
});

test('a request trickled one byte per second is cut off after header_timeout; others are served meanwhile', async () => {
  const socket = await connectRaw(gw.port);
  const request = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  let sent = 0;
  const started = Date.now();
  const trickle = setInterval(() => {
    if (sent < request.length && !socket.destroyed) socket.write(request[sent++]);
  }, 1000);
  const resultPromise = collectUntilClose(socket, 8000, () => socket.write(request[sent++]));

  // Meanwhile, normal traffic is served without delay.
  let served = 0;
  while (Date.now() - started < 2500) {
    const t0 = Date.now();
    const health = await httpRequest(`${gw.url}/healthz`, { timeoutMs: 2000 });
    assert.equal(health.status, 200);
    const res = await chat(gw, okBody, { timeoutMs: 2000 });
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - t0 < 1000, 'normal requests are not slowed down by the trickler');
    served++;
    await sleep(100);
  }
  assert.ok(served >= 3);

  const r = await resultPromise;
  clearInterval(trickle);
  const elapsed = r.elapsedMs; // from the first byte to the close
  assert.ok(r.closed, `the server closed the trickling connection (still open after ${elapsed} ms)`);
  assert.ok(elapsed >= 1500, `closed after ${elapsed} ms: earlier than header_timeout (2000 ms)`);
  assert.ok(elapsed < 5000, `closed after ${elapsed} ms: header_timeout is 2000 ms`);
  assert.ok(sent < request.length, 'closed before the head was complete');
  assert.equal(r.text, '', 'disconnected without a response (docs/api.md)');
  await assertStillServing();
});

test('a body trickled too slowly is cut off after body_timeout', async () => {
  const socket = await connectRaw(gw.port);
  const body = JSON.stringify(okBody);
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < body.length && !socket.destroyed) socket.write(body[sent++]);
  }, 500);
  const r = await collectUntilClose(socket, 8000, () => socket.write(chatHead(`Content-Length: ${body.length}\r\n\r\n`)));
  clearInterval(trickle);
  const elapsed = r.elapsedMs;
  assert.ok(r.closed, 'the server closed the connection');
  assert.ok(elapsed >= 2500 && elapsed < 6000, `closed after ${elapsed} ms; body_timeout is 3000 ms`);
  assert.equal(r.text, '', 'disconnected without a response (docs/api.md)');
  await assertStillServing();
});

test('invalid UTF-8 in the JSON body: 400 with a clear message', async () => {
  const cases = [
    // In a message's content.
    Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bytes"}]}')]),
    // In a field the gateway does not read itself: still never forwarded.
    Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"ok"}],"user":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]),
  ];
  const before = (await mock.stats()).requests;
  for (const body of cases) {
    const res = await chat(gw, body);
    assert.equal(res.status, 400, res.text);
    const err = res.json().error;
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.message, /UTF-8/i, `a clear message: ${err.message}`);
    assert.equal(err.code, 'invalid_encoding');
  }
  assert.equal((await mock.stats()).requests, before, 'nothing was forwarded upstream');
  await assertStillServing();
});

test('a garbage request line: 400 or close', async () => {
  for (const garbage of ['GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/7.3\r\n\r\n', '\x00\x01\x02\xff\xfe binary junk\r\n\r\n']) {
    const r = await rawExchange(gw.port, Buffer.from(garbage, 'latin1'), { timeoutMs: 4000 });
    assertRefused(r, [400, 505], `request line ${JSON.stringify(garbage)}`);
    assert.ok(r.closed, `the connection is closed after ${JSON.stringify(garbage)}`);
  }
  await assertStillServing();
});

test('broken framing: invalid or conflicting Content-Length, bad chunked encoding: 400 or close', async () => {
  const body = JSON.stringify(okBody);
  const cases = [
    chatHead('Content-Length: abc\r\n\r\n') + body,
    chatHead(`Content-Length: ${body.length}\r\nContent-Length: ${body.length + 5}\r\n\r\n`) + body,
    chatHead('Transfer-Encoding: chunked\r\n\r\n') + 'zz\r\nnot hex\r\n0\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon in this header line\r\n\r\n',
  ];
  for (const raw of cases) {
    const r = await rawExchange(gw.port, raw, { timeoutMs: 5000 });
    assertRefused(r, [400], JSON.stringify(raw.slice(0, 120)));
  }
  await assertStillServing();
});
