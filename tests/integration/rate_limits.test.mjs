// Per-key rate limits: requests per minute and requests in flight, set through the keys API,
// answered with a 429 in the caller's format with retry-after and x-ratelimit-* headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startGateway, removeTempDir, httpRequest, chat, defaultMessages, familyProviders } from './harness.mjs';

const ADMIN_KEY = 'admin-key-for-the-rate-limit-suite';
let mock;
let gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      server: { ...base.server, admin_key: ADMIN_KEY },
      providers: [...base.providers, ...familyProviders(mock.url)],
      models: [...base.models, { id: 'claude-x', provider: 'claude', pricing: { input_per_m: '1', output_per_m: '1' } }],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

async function keyWith(rate_limits) {
  const res = await httpRequest(`${gw.url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'limited', rate_limits }),
  });
  assert.equal(res.status, 200, res.text);
  return res.json().data.key;
}

const ask = (key, headers = {}) => chat(gw, { model: 'gpt-4o-mini', max_tokens: 3, messages: defaultMessages }, { key, headers });

test('requests per minute: the allowance counts down, then a 429 with retry-after', async () => {
  const key = await keyWith({ rpm: 3 });
  for (const remaining of ['2', '1', '0']) {
    const res = await ask(key);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-ratelimit-limit-requests'], '3');
    assert.equal(res.headers['x-ratelimit-remaining-requests'], remaining);
  }
  const refused = await ask(key);
  assert.equal(refused.status, 429);
  assert.equal(refused.json().error.code, 'rate_limit_exceeded');
  assert.equal(refused.headers['retry-after'], '20', 'one request every 20 s at 3 per minute');
  assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');

  // The same key on the Anthropic API: refused in Anthropic's shape.
  const anthropic = await httpRequest(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-x', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(anthropic.status, 429);
  assert.equal(anthropic.json().error.type, 'rate_limit_error');
});

test('concurrency: a second request while one is in flight gets a 429; the slot frees when it ends', async () => {
  const key = await keyWith({ concurrency: 1 });
  const slow = ask(key, { 'x-mock-ttft-ms': '800' });  // the upstream holds it 0.8 s
  await new Promise((r) => setTimeout(r, 200));
  const refused = await ask(key);
  assert.equal(refused.status, 429);
  assert.equal(refused.json().error.code, 'concurrency_limit_exceeded');
  assert.equal((await slow).status, 200);
  assert.equal((await ask(key)).status, 200, 'the slot was released');
});
