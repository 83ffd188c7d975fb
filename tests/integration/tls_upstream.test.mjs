// TLS to upstreams: SNI, certificate-chain verification against a configured CA, host-name
// verification, all against a real TLS server (node:https) with certificates made by openssl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeTempDir, removeTempDir, startMock, startGateway, chat, defaultMessages } from './harness.mjs';

let dir, mock, gw;
const servers = [];

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

// A CA, and two server certificates it signs: one for localhost, one for another name.
function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
          '-days', '2', '-subj', '/CN=Tollgate Test CA');
  for (const [name, san] of [['localhost', 'DNS:localhost,IP:127.0.0.1'], ['other', 'DNS:other.example']]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
            '-subj', `/CN=${name}`);
    require_ext(name, san);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
            '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

function require_ext(name, san) {
  execFileSync('sh', ['-c', `printf 'subjectAltName=${san}\\n' > ${name}.ext`], { cwd: dir });
}

// A tiny OpenAI-compatible upstream over TLS that remembers the SNI name of each request.
function startTlsUpstream(certName) {
  const seen = [];
  const server = https.createServer(
    { key: readFileSync(path.join(dir, `${certName}.key`)), cert: readFileSync(path.join(dir, `${certName}.pem`)) },
    (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ servername: req.socket.servername, path: req.url, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'chatcmpl-tls', object: 'chat.completion', created: 1, model: JSON.parse(body).model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'over tls' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
        }));
      });
    });
  servers.push(server);
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ port: server.address().port, seen })));
}

let good, other;

before(async () => {
  dir = makeTempDir('tollgate-tls-');
  makeCertificates();
  good = await startTlsUpstream('localhost');
  other = await startTlsUpstream('other');
  mock = await startMock();
  const provider = (name, port, extra) => ({
    name, type: 'openai', base_url: `https://localhost:${port}/v1`, api_key: 'upstream-secret',
    timeouts: { connect_ms: 2000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 5000 }, ...extra,
  });
  const model = (id, providerName) => ({ id, provider: providerName, pricing: { input_per_m: '1', output_per_m: '2' } });
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (config) => ({
      ...config,
      providers: [
        ...config.providers,
        provider('tls-good', good.port, { ca_file: path.join(dir, 'ca.pem') }),
        provider('tls-unknown-ca', good.port, {}),
        provider('tls-wrong-name', other.port, { ca_file: path.join(dir, 'ca.pem') }),
        provider('tls-unverified', other.port, { tls_verify: false }),
      ],
      models: [
        ...config.models,
        model('secure', 'tls-good'),
        model('secure-unknown-ca', 'tls-unknown-ca'),
        model('secure-wrong-name', 'tls-wrong-name'),
        model('secure-unverified', 'tls-unverified'),
      ],
    }),
  });
});

after(async () => {
  await gw?.stop();
  await mock?.stop();
  for (const s of servers) s.close();
  removeTempDir(dir);
});

test('a verified TLS upstream: the request arrives with SNI and the response comes back', async () => {
  const before = good.seen.length;
  const res = await chat(gw, { model: 'secure', messages: defaultMessages });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().choices[0].message.content, 'over tls');
  assert.equal(res.json().model, 'secure');
  assert.equal(good.seen.length, before + 1);
  assert.equal(good.seen.at(-1).servername, 'localhost', 'SNI carries the host name of base_url');
  assert.equal(good.seen.at(-1).path, '/v1/chat/completions');
  // A second request reuses the pooled TLS connection and still works.
  const again = await chat(gw, { model: 'secure', messages: defaultMessages });
  assert.equal(again.status, 200);
});

test('a certificate from an unknown CA is refused: 502 and nothing reaches the upstream', async () => {
  const before = good.seen.length;
  const res = await chat(gw, { model: 'secure-unknown-ca', messages: defaultMessages });
  assert.equal(res.status, 502, res.text);
  assert.equal(res.json().error.code, 'upstream_unreachable');
  assert.match(res.json().error.message, /certificate|verify/i);
  assert.equal(good.seen.length, before);
});

test('a certificate for another host name is refused even from a trusted CA', async () => {
  const before = other.seen.length;
  const res = await chat(gw, { model: 'secure-wrong-name', messages: defaultMessages });
  assert.equal(res.status, 502, res.text);
  assert.equal(res.json().error.code, 'upstream_unreachable');
  assert.equal(other.seen.length, before);
});

test('tls_verify: false accepts the same certificate (explicit opt-out)', async () => {
  const res = await chat(gw, { model: 'secure-unverified', messages: defaultMessages });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().choices[0].message.content, 'over tls');
});
