// tollgate-loadgen (tools/loadgen, docs/loadgen.md) against the mock upstream: each mode runs
// briefly and its one JSON report must be sane. Counts are checked exactly where the mock makes
// them deterministic (frames per stream, connections opened); latencies only for their order,
// never for their size (benchmarks are not tests), except where the open loop's schedule makes
// the difference between corrected and uncorrected latency a factor of ten or more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startMock, makeTempDir } from './harness.mjs';

function loadgenBin() {
  const bin = process.env.TOLLGATE_LOADGEN_BIN;
  if (!bin) throw new Error('TOLLGATE_LOADGEN_BIN is not set (absolute path of the binary to test)');
  if (!existsSync(bin)) throw new Error(`TOLLGATE_LOADGEN_BIN=${bin} does not exist`);
  return bin;
}

// Runs the generator to completion: { code, stdout, stderr }.
function runLoadgen(args) {
  return new Promise((resolve) => {
    execFile(loadgenBin(), args, { timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Runs a mode that must succeed; stdout must be exactly one JSON object.
async function report(args) {
  const run = await runLoadgen(args);
  assert.equal(run.code, 0, `tollgate-loadgen ${args.join(' ')} failed:\n${run.stderr}`);
  assert.match(run.stdout, /^\{.*\}\n$/, `stdout must be one JSON line, got: ${run.stdout}`);
  return JSON.parse(run.stdout);
}

function assertOrdered(summary, keys) {
  for (const key of keys) assert.equal(typeof summary[key], 'number', `${key} in ${JSON.stringify(summary)}`);
  for (let i = 1; i < keys.length; i++) {
    assert.ok(summary[keys[i - 1]] <= summary[keys[i]], `${keys[i - 1]} <= ${keys[i]} in ${JSON.stringify(summary)}`);
  }
  assert.ok(summary[keys[0]] >= 0);
}

const AUTH = ['--header', 'Authorization: Bearer loadgen-key'];
let mock;
let chatUrl;
let jsonBody;
let streamBody;

before(async () => {
  mock = await startMock();
  chatUrl = `${mock.url}/v1/chat/completions`;
  const dir = makeTempDir('tollgate-loadgen-');
  jsonBody = path.join(dir, 'chat.json');
  streamBody = path.join(dir, 'stream.json');
  const messages = [{ role: 'user', content: 'hi' }];
  writeFileSync(jsonBody, JSON.stringify({ model: 'm', messages, max_tokens: 8 }));
  writeFileSync(streamBody, JSON.stringify({ model: 'm', messages, stream: true }));
});

after(async () => {
  await mock?.stop();
});

test('closed: counts answered requests on keep-alive connections opened once, with ordered percentiles', async () => {
  await mock.resetStats();
  const r = await report(['closed', '--url', chatUrl, '--body', jsonBody, ...AUTH,
    '--connections', '4', '--duration', '1', '--warmup', '0.2']);
  assert.equal(r.mode, 'closed');
  assert.ok(r.requests > 0);
  assert.equal(r.non_2xx, 0);
  assert.equal(r.errors, 0);
  assert.ok(Math.abs(r.rps - r.requests / r.duration_s) < 1);
  assertOrdered(r.latency_us, ['p50', 'p90', 'p99', 'p999', 'max']);
  assert.ok(r.latency_us.mean > 0 && r.latency_us.mean <= r.latency_us.max);
  const stats = await mock.stats();
  assert.equal(stats.connections, 4, 'every request after the first of each connection reused it');
  assert.ok(stats.requests >= r.requests, 'warm-up and cut-off requests reach the mock but are not counted');
});

test('closed: answers outside 2xx are counted as non_2xx, not as errors', async () => {
  const r = await report(['closed', '--url', chatUrl, '--body', jsonBody, '--connections', '2', '--duration', '0.5']);
  assert.ok(r.requests > 0);
  assert.equal(r.non_2xx, r.requests, 'no Authorization header: every answer is a 401');
  assert.equal(r.errors, 0);
});

test('closed: a connection the server resets is a transport error, and the loop reconnects', async () => {
  const r = await report(['closed', '--url', chatUrl, '--body', jsonBody, ...AUTH,
    '--header', 'x-mock-fault: reset', '--connections', '2', '--duration', '0.5']);
  assert.equal(r.requests, 0);
  assert.ok(r.errors > 2, `more resets than connections: the loop reconnected (${r.errors})`);
  assert.deepEqual(Object.values(r.latency_us), [null, null, null, null, null, null]);
});

test('open: sends at the target rate and reports both rates', async () => {
  const r = await report(['open', '--url', chatUrl, '--body', jsonBody, ...AUTH,
    '--rate', '200', '--connections', '4', '--duration', '1']);
  assert.equal(r.mode, 'open');
  assert.equal(r.target_rate, 200);
  // The schedule holds exactly 200 arrivals in the window; a slow machine may send fewer.
  assert.ok(r.requests > 0 && r.requests <= 200, `requests ${r.requests}`);
  assert.ok(r.achieved_rate > 0 && r.achieved_rate <= 200, `achieved_rate ${r.achieved_rate}`);
  assert.equal(r.errors, 0);
  assertOrdered(r.latency_us, ['p50', 'p90', 'p99', 'p999', 'max']);
});

test('open: a request that waited for a busy connection is timed from its schedule', async () => {
  // One connection, 20 ms per answer: at most 50 answers/s for 200 arrivals/s. Each answer is
  // late by the queue ahead of it, so latencies grow far beyond the 20 ms the server takes.
  const r = await report(['open', '--url', chatUrl, '--body', jsonBody, ...AUTH, '--header', 'x-mock-ttft-ms: 20',
    '--rate', '200', '--connections', '1', '--duration', '1']);
  assert.ok(r.requests > 0 && r.requests <= 50, `requests ${r.requests}`);
  assert.ok(r.achieved_rate < r.target_rate);
  assert.ok(r.latency_us.p99 > 200_000, `p99 ${r.latency_us.p99} µs should include the queueing`);
});

test('stream: counts every data event of every stream exactly, and times first frames and gaps', async () => {
  const tokens = 5;
  const r = await report(['stream', '--url', chatUrl, '--body', streamBody, ...AUTH, '--header', `x-mock-tokens: ${tokens}`,
    '--header', 'x-mock-itl-ms: 1', '--connections', '2', '--duration', '1']);
  assert.equal(r.mode, 'stream');
  assert.ok(r.streams > 0);
  assert.equal(r.errors, 0);
  assert.equal(r.non_2xx, 0);
  // role chunk + one chunk per token + the finish chunk + [DONE]
  assert.equal(r.frames, r.streams * (tokens + 3));
  assertOrdered(r.ttft_us, ['p50', 'p99', 'max']);
  assertOrdered(r.frame_gap_us, ['p50', 'p99', 'max']);
  assert.ok(r.frame_gap_us.max >= 1000, 'the 1 ms inter-token wait shows in the gaps');
});

test('hold: opens every stream on its own socket and keeps them all', async () => {
  const slow = await startMock({ args: ['--itl-ms', '200', '--tokens', '1000'] });
  try {
    const streams = 50;
    const r = await report(['hold', '--url', `${slow.url}/v1/chat/completions`, '--body', streamBody, ...AUTH,
      '--streams', String(streams), '--ramp-per-second', '500', '--duration', '1']);
    assert.equal(r.mode, 'hold');
    assert.equal(r.streams, streams);
    assert.equal(r.opened, streams);
    assert.equal(r.held, streams);
    assert.equal(r.finished, 0);
    assert.equal(r.stalled, 0);
    assert.equal(r.waiting, 0);
    assert.equal(r.errors, 0);
    assert.equal(r.peak_concurrent, streams);
    const stats = await slow.stats();
    assert.equal(stats.connections, streams, 'one connection per stream');
  } finally {
    await slow.stop();
  }
});

test('hold: streams that end cleanly before the end count as held and finished', async () => {
  const r = await report(['hold', '--url', chatUrl, '--body', streamBody, ...AUTH, '--header', 'x-mock-tokens: 2',
    '--streams', '20', '--ramp-per-second', '1000', '--duration', '0.5']);
  assert.equal(r.opened, 20);
  assert.equal(r.finished, 20);
  assert.equal(r.held, 20);
  assert.equal(r.errors, 0);
  assert.ok(r.peak_concurrent >= 1 && r.peak_concurrent <= 20);
});

test('refuses to start when the target does not answer: exit 1, a reason on stderr, nothing on stdout', async () => {
  const closedPort = await (async () => {
    const probe = await startMock();
    const port = probe.port;
    await probe.stop();
    return port;
  })();
  const run = await runLoadgen(['closed', '--url', `http://127.0.0.1:${closedPort}/`, '--duration', '1']);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /cannot connect/);
});
