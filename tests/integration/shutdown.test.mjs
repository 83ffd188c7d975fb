// Graceful shutdown: on SIGTERM the gateway stops accepting, lets in-flight streams finish within
// shutdown_grace_ms, writes their usage, and exits 0. Each test starts its own gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startMock,
  startGateway,
  removeTempDir,
  openStream,
  readAllEvents,
  httpRequest,
  connectRaw,
  sqliteJson,
  sqlText,
  sleep,
  defaultMessages,
} from './harness.mjs';

let mock;
const gateways = [];

before(async () => {
  mock = await startMock();
});

after(async () => {
  for (const gw of gateways) {
    await gw.stop('SIGKILL');
    removeTempDir(gw.dir);
  }
  await mock?.stop();
});

async function newGateway(configOverrides = {}) {
  const gw = await startGateway({ mockUrl: mock.url, configOverrides });
  gateways.push(gw);
  return gw;
}

// Resolves with the connect error code (e.g. ECONNREFUSED), or 'connected'.
async function tryConnect(port) {
  try {
    const socket = await connectRaw(port);
    socket.destroy();
    return 'connected';
  } catch (e) {
    return e.code;
  }
}

const streamBody = { model: 'gpt-4o-mini', messages: defaultMessages, stream: true };

test('SIGTERM mid-stream: the stream completes, new connections are refused, exit 0, usage written', async () => {
  const gw = await newGateway();
  const stream = await openStream(gw, streamBody, { headers: { 'x-mock-tokens': '40', 'x-mock-itl-ms': '50' } });
  assert.equal(stream.status, 200);
  const requestId = stream.headers['x-request-id'];
  // Two frames in, then keep reading the rest in the background while the gateway drains.
  const it = stream.events;
  for (let i = 0; i < 2; i++) assert.equal((await it.next()).done, false);
  const restPromise = (async () => {
    const data = [];
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) data.push(r.value.data);
    } catch (error) {
      return { data, error };
    }
    return { data, error: null };
  })();

  const signalledAt = Date.now();
  const exitPromise = gw.stop('SIGTERM');

  // New connections are refused once the signal is handled (well before the stream ends).
  await sleep(300);
  assert.equal(await tryConnect(gw.port), 'ECONNREFUSED', 'a new connection after SIGTERM is refused');
  await assert.rejects(httpRequest(`${gw.url}/healthz`, { timeoutMs: 2000 }), /ECONNREFUSED|socket hang up|ECONNRESET/);

  const rest = await restPromise;
  assert.equal(rest.error, null, `the stream was not cut: ${rest.error}`);
  const frames = rest.data;
  assert.equal(frames.at(-1), '[DONE]', 'the in-flight stream runs to [DONE]');
  const contentFrames = frames.filter((d) => d !== '[DONE]' && JSON.parse(d).choices[0]?.delta?.content);
  assert.ok(contentFrames.length >= 35, `all the remaining tokens arrived (${contentFrames.length} after the first two frames)`);

  const code = await exitPromise;
  assert.equal(code, 0, `exit code after SIGTERM; stderr: ${gw.proc.stderrText}`);
  assert.ok(Date.now() - signalledAt < 5000 + 1000, 'exited within shutdown_grace_ms');

  const rows = await sqliteJson(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1, 'the stream is in the usage log after exit');
  assert.equal(rows[0].completion_tokens, 40);
  assert.equal(rows[0].usage_source, 'upstream');
  assert.equal(rows[0].client_disconnected, 0);
});

test('SIGTERM with only idle keep-alive connections: exits promptly with 0', async () => {
  const gw = await newGateway();
  // A kept-alive connection that has finished its request and sits idle.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const status = await new Promise((resolve, reject) => {
    http
      .get(`${gw.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
  assert.equal(status, 200);
  const started = Date.now();
  const code = await gw.stop('SIGTERM');
  const elapsed = Date.now() - started;
  agent.destroy();
  assert.equal(code, 0);
  assert.ok(elapsed < 2500, `an idle connection held shutdown for ${elapsed} ms (grace 5000 ms)`);
});

test('SIGINT is handled like SIGTERM: exit 0 and usage flushed', async () => {
  const gw = await newGateway();
  const res = await httpRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...gw.auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: defaultMessages, max_tokens: 2 }),
  });
  assert.equal(res.status, 200, res.text);
  const code = await gw.stop('SIGINT');
  assert.equal(code, 0);
  const rows = await sqliteJson(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(res.headers['x-request-id'])}`);
  assert.equal(rows.length, 1);
});

test('a stream longer than shutdown_grace_ms is cut at the deadline; the gateway still exits 0 and records it', async () => {
  const gw = await newGateway({ server: { shutdown_grace_ms: 1000 } });
  const stream = await openStream(gw, streamBody, { headers: { 'x-mock-tokens': '100', 'x-mock-itl-ms': '50' } });
  assert.equal(stream.status, 200);
  const requestId = stream.headers['x-request-id'];
  const readPromise = readAllEvents(stream);
  await sleep(200);
  const started = Date.now();
  const code = await gw.stop('SIGTERM');
  const elapsed = Date.now() - started;
  assert.equal(code, 0, `stderr: ${gw.proc.stderrText}`);
  assert.ok(elapsed >= 800, `exited after ${elapsed} ms, before the grace period (1000 ms)`);
  assert.ok(elapsed < 3500, `exited after ${elapsed} ms; grace is 1000 ms`);
  const { events } = await readPromise;
  assert.ok(!events.some((e) => e.data === '[DONE]'), 'a 5 s stream cannot have finished');
  const rows = await sqliteJson(gw.dbPath, `SELECT * FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
  assert.equal(rows.length, 1, 'the cut stream is still recorded');
  assert.ok(rows[0].completion_tokens > 0);
  assert.ok(rows[0].completion_tokens < 100);
});
