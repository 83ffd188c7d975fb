// Shared helpers for the Node suites: start the mock upstream and the gateway on free ports, each
// in its own temporary directory, talk to them over HTTP or raw sockets, and read the SQLite store.
//
// Every process started here is also killed when the test process exits, so a failing test never
// leaves a gateway or mock behind (ctest runs several files side by side).
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

const START_TIMEOUT_MS = 10_000;

function requireBin(envName) {
  const bin = process.env[envName];
  if (!bin) throw new Error(`${envName} is not set (absolute path of the binary to test)`);
  if (!existsSync(bin)) throw new Error(`${envName}=${bin} does not exist`);
  return bin;
}

export const tollgateBin = () => requireBin('TOLLGATE_BIN');
export const mockBin = () => requireBin('TOLLGATE_MOCK_BIN');

// ---------------------------------------------------------------------------------------------
// Processes

const liveProcesses = new Set();
const tempDirs = new Set();
process.on('exit', () => {
  for (const child of liveProcesses) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
});

export function makeTempDir(prefix = 'tollgate-test-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir) {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

// Spawns a child whose stdout/stderr are captured (stderr capped) so its pipes never fill.
function spawnTracked(bin, args, options = {}) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  liveProcesses.add(child);
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    if (child.stdoutText.length < 1 << 20) child.stdoutText += d;
  });
  child.stderr.on('data', (d) => {
    if (child.stderrText.length < 1 << 20) child.stderrText += d;
  });
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      liveProcesses.delete(child);
      resolve({ code, signal });
    });
  });
  child.on('error', () => {}); // reported through `exited` / the start timeout
  return child;
}

// Resolves with the regex match once `pattern` appears on the child's stdout.
function waitForStdout(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.off('data', check);
      fn(value);
    };
    const check = () => {
      const match = child.stdoutText.match(pattern);
      if (match) finish(resolve, match);
    };
    const timer = setTimeout(
      () =>
        finish(
          reject,
          new Error(`${what} did not start within ${START_TIMEOUT_MS} ms\nstdout: ${child.stdoutText}\nstderr: ${child.stderrText}`),
        ),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', check);
    child.exited.then(({ code, signal }) =>
      finish(reject, new Error(`${what} exited early (code ${code}, signal ${signal})\nstdout: ${child.stdoutText}\nstderr: ${child.stderrText}`)),
    );
    check();
  });
}

// Sends `signal`, waits for the exit; SIGKILL after `killAfterMs`. Resolves with the exit code
// (null when killed by a signal).
async function stopChild(child, signal = 'SIGTERM', killAfterMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return child.exitCode;
  }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  return code;
}

// ---------------------------------------------------------------------------------------------
// The mock upstream

export async function startMock({ args = [], port: requestedPort = 0 } = {}) {
  const child = spawnTracked(mockBin(), ["--port", String(requestedPort), "--quiet", ...args]);
  const match = await waitForStdout(child, /tollgate-mock listening on (\S+):(\d+)/, 'tollgate-mock');
  const host = match[1];
  const port = Number(match[2]);
  const url = `http://${host}:${port}`;
  return {
    url,
    host,
    port,
    proc: child,
    stop: (signal = 'SIGTERM') => stopChild(child, signal, 5_000),
    stats: async () => (await httpRequest(`${url}/_mock/stats`)).json(),
    resetStats: async () => (await httpRequest(`${url}/_mock/reset-stats`, { method: 'POST' })).json(),
    // A chat request straight to the mock (what the gateway should relay, for comparisons).
    chat: (body, headers = {}) =>
      httpRequest(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer mock-upstream-key', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    lastRequest: async () => {
      const res = await httpRequest(`${url}/_mock/last-request`);
      if (res.status !== 200) throw new Error(`/_mock/last-request: ${res.status} ${res.text}`);
      return res.json();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration (YAML)

function yamlScalar(value) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value)); // a double-quoted YAML string
}

// Block-style YAML for plain objects, arrays and scalars.
export function toYaml(value, indent = '') {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    let out = '';
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const body = toYaml(item, indent + '  ');
        // The first key goes on the "- " line.
        out += `\n${indent}- ${body.replace(/^\n\s*/, '')}`;
      } else if (Array.isArray(item)) {
        out += `\n${indent}-${toYaml(item, indent + '  ')}`;
      } else {
        out += `\n${indent}- ${yamlScalar(item)}`;
      }
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return ' {}';
    let out = '';
    for (const key of keys) {
      const v = value[key];
      if (v !== null && typeof v === 'object') {
        out += `\n${indent}${key}:${toYaml(v, indent + '  ')}`;
      } else {
        out += `\n${indent}${key}: ${yamlScalar(v)}`;
      }
    }
    return out;
  }
  return ` ${yamlScalar(value)}`;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Objects merge key by key; arrays and scalars replace; `undefined` deletes the key.
export function deepMerge(base, overrides) {
  if (!isPlainObject(overrides)) return overrides;
  const out = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key], value) : value;
  }
  return out;
}

export function defaultConfig({ dir, mockUrl }) {
  return {
    server: {
      listen: '127.0.0.1:0',
      max_body_bytes: 1048576,
      header_timeout_ms: 2000,
      body_timeout_ms: 3000,
      idle_timeout_ms: 5000,
      shutdown_grace_ms: 5000,
      access_log: path.join(dir, 'access.log'),
      threads: 2,
    },
    store: { sqlite: path.join(dir, 'tollgate.db') },
    providers: [
      {
        name: 'mock',
        type: 'openai',
        base_url: `${mockUrl}/v1`,
        api_key: 'mock-upstream-key',
        forward_headers: ['x-mock-'],
        timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 10000 },
      },
    ],
    models: [
      {
        id: 'gpt-4o-mini',
        provider: 'mock',
        upstream_model: 'gpt-4o-mini-2024-07-18',
        context_length: 128000,
        pricing: { input_per_m: '0.15', output_per_m: '0.60' },
      },
      {
        id: 'gpt-4o',
        provider: 'mock',
        context_length: 128000,
        pricing: { input_per_m: '2.50', output_per_m: '10.00' },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The gateway

// Runs `tollgate ARGS` to completion; never throws on a non-zero exit.
export function runTollgate(args, { timeoutMs = 15_000 } = {}) {
  return new Promise((resolve) => {
    execFile(tollgateBin(), args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      let code = 0;
      if (error) code = typeof error.code === 'number' ? error.code : (error.signal ?? -1);
      resolve({ stdout, stderr, code });
    });
  });
}

// Creates a key with the CLI and returns it (the only line the command prints on stdout).
export async function createKey(configPath, name = 'test') {
  const r = await runTollgate(['keys', 'create', '--config', configPath, '--name', name]);
  if (r.code !== 0) throw new Error(`tollgate keys create failed (${r.code}): ${r.stderr}`);
  const key = r.stdout.trim();
  if (!key || key.includes('\n')) throw new Error(`tollgate keys create printed ${JSON.stringify(r.stdout)}`);
  return key;
}

// configOverrides: an object deep-merged into the default config (arrays replace), or a function
// that receives the default config and returns the one to use.
export async function startGateway({ mockUrl, configOverrides = {}, dir } = {}) {
  if (!mockUrl) throw new Error('startGateway needs mockUrl');
  dir ??= makeTempDir();
  const base = defaultConfig({ dir, mockUrl });
  const config = typeof configOverrides === 'function' ? configOverrides(base) : deepMerge(base, configOverrides);
  const configPath = path.join(dir, 'tollgate.yaml');
  writeFileSync(configPath, `# written by tests/integration/harness.mjs${toYaml(config)}\n`);
  const dbPath = config.store.sqlite;
  const accessLogPath = config.server.access_log;

  const key = await createKey(configPath, 'test');

  const child = spawnTracked(tollgateBin(), ['serve', '--config', configPath]);
  const match = await waitForStdout(child, /tollgate listening on (http:\/\/\S+:(\d+)) \((\d+) event loops\)/, 'tollgate serve');
  const url = match[1];
  const port = Number(match[2]);

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await httpRequest(`${url}/healthz`, { timeoutMs: 1000 });
      if (res.status === 200) break;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) {
      await stopChild(child, 'SIGKILL');
      throw new Error(`gateway at ${url} never answered /healthz 200\nstderr: ${child.stderrText}`);
    }
    await sleep(50);
  }

  return {
    url,
    port,
    key,
    dir,
    config,
    configPath,
    dbPath,
    accessLogPath,
    proc: child,
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
    cli: (args) => runTollgate(args),
    // Authorization header for the key created at start.
    auth: (k = key) => ({ authorization: `Bearer ${k}` }),
    readAccessLog: () => (existsSync(accessLogPath) ? readFileSync(accessLogPath, 'utf8') : ''),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

// One request with node:http on a fresh connection (no pooling, no automatic decompression).
// Resolves with { status, headers (lowercase names), raw (Buffer), text, json() }; rejects on a
// transport error or after `timeoutMs`.
export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, raw, text, json: () => JSON.parse(text) });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${url}: no response within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export const defaultMessages = [{ role: 'user', content: 'Say hello to the gateway test suite.' }];

// POST /v1/chat/completions on the gateway with JSON `body` (an object, or a raw string).
export function chat(gw, body, { headers = {}, key = gw.key, timeoutMs } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (key !== null) h.authorization = `Bearer ${key}`;
  return httpRequest(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: h,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    timeoutMs,
  });
}

// Parses an SSE body into the `data:` payloads, in order.
export function sseData(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((l) => l.startsWith('data:'));
    if (lines.length === 0) continue;
    out.push(lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n'));
  }
  return out;
}

// Starts a streaming chat request and returns once the response head arrived:
// { status, headers, events (async iterator of { data, at } per SSE `data:` payload, as it
// arrives), text() (the rest of the body), destroy() (drops the connection) }.
export function openStream(gw, body, { headers = {}, key = gw.key, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { 'content-type': 'application/json', ...headers };
    if (key !== null) h.authorization = `Bearer ${key}`;
    const req = http.request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: h, agent: false }, (res) => {
      clearTimeout(timer);
      async function* events() {
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res) {
          const at = Date.now();
          buffer += decoder.decode(chunk, { stream: true });
          let m;
          while ((m = /\r?\n\r?\n/.exec(buffer))) {
            const block = buffer.slice(0, m.index);
            buffer = buffer.slice(m.index + m[0].length);
            for (const data of sseData(block)) yield { data, at };
          }
        }
        for (const data of sseData(buffer)) yield { data, at: Date.now() };
      }
      resolve({
        status: res.statusCode,
        headers: res.headers,
        res,
        req,
        events: events(),
        destroy: () => {
          res.destroy();
          req.destroy();
        },
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`stream: no response head within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(JSON.stringify(body));
  });
}

// Reads a whole stream: resolves with { events: [{data, at}], error } (error: a transport error
// that ended it early, e.g. a reset).
export async function readAllEvents(stream) {
  const events = [];
  try {
    for await (const e of stream.events) events.push(e);
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

// ---------------------------------------------------------------------------------------------
// Raw sockets (for malformed HTTP)

export function connectRaw(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

// Writes `data` (string or Buffer) on a fresh connection and collects everything the server
// sends until it closes the connection or `timeoutMs` passes.
// Resolves with { text, closed, elapsedMs, error }.
export async function rawExchange(port, data, { timeoutMs = 5000, host = '127.0.0.1' } = {}) {
  const socket = await connectRaw(port, host);
  return collectUntilClose(socket, timeoutMs, () => {
    if (data !== undefined) socket.write(data);
  });
}

// Collects what `socket` receives until the server closes it (or `timeoutMs`). `start` runs once
// the listeners are in place.
export function collectUntilClose(socket, timeoutMs = 5000, start = () => {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    let error = null;
    let settled = false;
    const finish = (closed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, elapsedMs: Date.now() - started, error });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e) => {
      error = e;
      finish(true);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    start();
  });
}

// The status code of the first HTTP response in `text`, or null.
export function statusOf(text) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// SQLite (Debian's sqlite3 CLI)

export function sqliteJson(dbPath, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-json', '-cmd', '.timeout 2000', dbPath, sql], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sqlite3 failed: ${stderr || error.message}`));
      else resolve(stdout.trim() ? JSON.parse(stdout) : []);
    });
  });
}

// Polls `sql` until `predicate(rows)` holds (default: at least one row) or `timeoutMs` passes;
// returns the last rows read either way, so the caller's assertion shows what was there.
export async function pollSqlite(dbPath, sql, { predicate = (rows) => rows.length > 0, timeoutMs = 2000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  for (;;) {
    try {
      rows = await sqliteJson(dbPath, sql);
      if (predicate(rows)) return rows;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) return rows;
    await sleep(50);
  }
}

// Retries `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value.
export async function pollUntil(fn, { timeoutMs = 2000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await fn();
    if (value) return value;
    if (Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

// SQL string literal.
export const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A TCP port that nothing listens on (bound then closed).
export async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------
// The mock's other wire formats (tests/integration/mock_formats.test.mjs): requests straight to
// the mock in each vendor's own shape, with that vendor's authentication.

export const MOCK_KEY = 'mock-upstream-key';

// POST `body` (object or raw string) to `path` on the mock.
export function mockPost(mockUrl, path, body, headers = {}) {
  return httpRequest(`${mockUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const mockOpenAI = (mockUrl, body, headers = {}) =>
  mockPost(mockUrl, '/v1/chat/completions', body, { authorization: `Bearer ${MOCK_KEY}`, ...headers });

export const mockAnthropic = (mockUrl, body, headers = {}) =>
  mockPost(mockUrl, '/v1/messages', body, { 'x-api-key': MOCK_KEY, 'anthropic-version': '2023-06-01', ...headers });

// method: 'generateContent' | 'streamGenerateContent'; query e.g. '?alt=sse'.
export const mockGemini = (mockUrl, model, method, body, { query = '', headers = {} } = {}) =>
  mockPost(mockUrl, `/v1beta/models/${model}:${method}${query}`, body, { 'x-goog-api-key': MOCK_KEY, ...headers });

// GET /_mock/last-response: the format-neutral summary of the mock's last reply.
export async function mockLastResponse(mockUrl) {
  const res = await httpRequest(`${mockUrl}/_mock/last-response`);
  if (res.status !== 200) throw new Error(`/_mock/last-response: ${res.status} ${res.text}`);
  return res.json();
}

// Parses an SSE body into [{ event, data }] (event: the `event:` field or null; data joined).
export function sseEvents(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    const event = lines.find((l) => l.startsWith('event:'));
    out.push({ event: event ? event.slice(6).trim() : null, data: data.join('\n') });
  }
  return out;
}

// The mock in its Anthropic and Gemini formats as two more providers, "claude" and "google"
// (forwarding the x-mock-* directives), for configurations with models of every family.
export function familyProviders(mockUrl) {
  return [
    { name: 'claude', type: 'anthropic', base_url: `${mockUrl}/v1`, api_key: MOCK_KEY, forward_headers: ['x-mock-'] },
    { name: 'google', type: 'gemini', base_url: `${mockUrl}/v1beta`, api_key: MOCK_KEY, forward_headers: ['x-mock-'] },
  ];
}
