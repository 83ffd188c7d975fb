// The mock upstream's instance-wide faults (docs/mock-upstream.md, "Sticky faults"): POST
// /_mock/fault makes every following model request fail as if it carried x-mock-fault, for a
// count or until cleared, so that failover tests can make one upstream sick without the gateway
// forwarding any x-mock-* header; --name marks every response with x-mock-instance; and
// /_mock/stats counts the model requests each instance received. These tests talk to the mock
// directly.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, httpRequest, mockOpenAI, mockAnthropic, mockGemini, mockPost, MOCK_KEY } from './harness.mjs';

let mock;

before(async () => {
  mock = await startMock();
});

after(async () => {
  await mock?.stop();
});

beforeEach(async () => {
  await httpRequest(`${mock.url}/_mock/fault`, { method: 'DELETE' });
});

const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const openaiHeaders = { authorization: `Bearer ${MOCK_KEY}` };

const setFault = (url, setting) => mockPost(url, '/_mock/fault', setting);
const getFault = async (url) => (await httpRequest(`${url}/_mock/fault`)).json();

test('a sticky 500 with a count answers that many model requests, then the mock is healthy', async () => {
  const set = await setFault(mock.url, { fault: '500', count: 2 });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json(), { fault: '500', remaining: 2, retry_after: null });

  const first = await mockOpenAI(mock.url, chatBody);
  assert.equal(first.status, 500);
  assert.equal(first.json().error.type, 'server_error');
  assert.deepEqual(await getFault(mock.url), { fault: '500', remaining: 1, retry_after: null });
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 500);

  const healthy = await mockOpenAI(mock.url, chatBody);
  assert.equal(healthy.status, 200, healthy.text);
  assert.deepEqual(await getFault(mock.url), { fault: null, remaining: null, retry_after: null });
});

test('without a count the fault holds for every model surface until DELETE clears it', async () => {
  assert.equal((await setFault(mock.url, { fault: '503', retry_after: '5' })).status, 200);
  const anthropicBody = { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
  const geminiBody = { contents: [{ role: 'user', parts: [{ text: 'x' }] }] };
  const answers = {
    openai: await mockOpenAI(mock.url, chatBody),
    anthropic: await mockAnthropic(mock.url, anthropicBody),
    gemini: await mockGemini(mock.url, 'gemini-2.5-flash', 'generateContent', geminiBody),
    embeddings: await mockPost(mock.url, '/v1/embeddings', { model: 'e', input: 'x' }, openaiHeaders),
    images: await mockPost(mock.url, '/v1/images/generations', { prompt: 'x' }, openaiHeaders),
  };
  for (const [surface, res] of Object.entries(answers)) {
    assert.equal(res.status, 503, `${surface}: ${res.text}`);
    assert.equal(res.headers['retry-after'], '5', surface);
  }
  assert.equal(answers.anthropic.json().error.type, 'api_error');
  assert.equal(answers.gemini.json().error.status, 'UNAVAILABLE');
  assert.deepEqual(await getFault(mock.url), { fault: '503', remaining: null, retry_after: '5' });

  assert.equal((await httpRequest(`${mock.url}/healthz`)).status, 200, 'only model requests take the fault');

  const cleared = await httpRequest(`${mock.url}/_mock/fault`, { method: 'DELETE' });
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.json(), { fault: null, remaining: null, retry_after: null });
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 200);
});

test('posting {"fault": null} clears too, and a new setting replaces the old one', async () => {
  await setFault(mock.url, { fault: '500' });
  await setFault(mock.url, { fault: '429', count: 1 });
  const limited = await mockOpenAI(mock.url, chatBody);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '1', 'the 429 default, as with x-mock-fault');
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 200, 'the 500 was replaced, not queued');

  await setFault(mock.url, { fault: '500' });
  const cleared = await setFault(mock.url, { fault: null });
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.json(), { fault: null, remaining: null, retry_after: null });
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 200);
});

test("a request's own x-mock-fault header wins and does not use up the sticky count", async () => {
  await setFault(mock.url, { fault: '500', count: 1 });
  assert.equal((await mockOpenAI(mock.url, chatBody, { 'x-mock-fault': '429' })).status, 429);
  assert.equal((await mockOpenAI(mock.url, chatBody, { 'x-mock-fault': '' })).status, 200, 'an empty header means no fault');
  assert.equal((await getFault(mock.url)).remaining, 1);
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 500);
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 200);
});

test("the request's x-mock-retry-after wins over the sticky retry_after", async () => {
  await setFault(mock.url, { fault: '429', retry_after: 9 });
  assert.equal((await mockOpenAI(mock.url, chatBody)).headers['retry-after'], '9');
  const own = await mockOpenAI(mock.url, chatBody, { 'x-mock-retry-after': '2' });
  assert.equal(own.status, 429);
  assert.equal(own.headers['retry-after'], '2');
});

test('a request refused before the fault (no key, bad directive) does not use up a count', async () => {
  await setFault(mock.url, { fault: '500', count: 1 });
  assert.equal((await mockPost(mock.url, '/v1/chat/completions', chatBody)).status, 401);
  const typo = await mockOpenAI(mock.url, chatBody, { 'x-mock-tokenz': '3' });
  assert.equal(typo.status, 400);
  assert.equal((await getFault(mock.url)).remaining, 1);
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 500);
});

test('a sticky connection fault drops the connection, then the count runs out', async () => {
  await setFault(mock.url, { fault: 'reset', count: 1 });
  await assert.rejects(mockOpenAI(mock.url, chatBody), /ECONNRESET|socket hang up/);
  assert.equal((await mockOpenAI(mock.url, chatBody)).status, 200);
});

test('a bad setting is a 400 that names the valid faults, and leaves the setting as it was', async () => {
  await setFault(mock.url, { fault: '500', count: 3 });
  const unknown = await setFault(mock.url, { fault: 'boom' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json().error.param, 'fault');
  assert.match(unknown.json().error.message, /"boom".*reset, close, timeout, 429, 500, 503, 529, 400, malformed-json, malformed-sse, cut-stream, stream-error, slow-headers, gzip/);
  const refusals = [
    [{ count: 1 }, /'fault' is required/],
    [{ fault: '500', count: 0 }, /'count'/],
    [{ fault: '500', count: 'two' }, /'count'/],
    [{ fault: '500', retry_after: '3' }, /only to the 429, 503 and 529/],
    [{ fault: '429', retry_after: 'a\r\nx-injected: 1' }, /'retry_after'/],
    [{ fault: '500', cnt: 1 }, /Unknown member 'cnt'/],
    ['{"fault":', /JSON object/],
    [[], /JSON object/],
  ];
  for (const [body, message] of refusals) {
    const res = await setFault(mock.url, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json().error.code, 'mock_bad_directive');
    assert.match(res.json().error.message, message);
  }
  assert.deepEqual(await getFault(mock.url), { fault: '500', remaining: 3, retry_after: null });
});

test('x-mock-retry-after also applies to 503 and 529; without it they carry no retry-after', async () => {
  const anthropicBody = { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
  const overloaded = await mockAnthropic(mock.url, anthropicBody, { 'x-mock-fault': '529', 'x-mock-retry-after': '4' });
  assert.equal(overloaded.status, 529);
  assert.equal(overloaded.headers['retry-after'], '4');
  const plain = await mockOpenAI(mock.url, chatBody, { 'x-mock-fault': '503' });
  assert.equal(plain.status, 503);
  assert.equal(plain.headers['retry-after'], undefined);
});

test('the count is exact when requests arrive on several threads at once', async () => {
  const threaded = await startMock({ args: ['--threads', '4'] });
  try {
    await setFault(threaded.url, { fault: '500', count: 25 });
    const answers = await Promise.all(Array.from({ length: 40 }, () => mockOpenAI(threaded.url, chatBody)));
    const statuses = answers.map((res) => res.status);
    assert.equal(statuses.filter((s) => s === 500).length, 25);
    assert.equal(statuses.filter((s) => s === 200).length, 15);
  } finally {
    await threaded.stop();
  }
});

test('--name marks every response with x-mock-instance; without it there is none', async () => {
  const named = await startMock({ args: ['--name', 'upstream-b'] });
  try {
    await setFault(named.url, { fault: '500', count: 1 });
    const answers = [
      await mockOpenAI(named.url, chatBody),
      await mockOpenAI(named.url, { ...chatBody, stream: true }),
      await httpRequest(`${named.url}/healthz`),
      await httpRequest(`${named.url}/no-such-route`),
      await httpRequest(`${named.url}/_mock/fault`),
    ];
    assert.deepEqual(answers.map((res) => res.status), [500, 200, 200, 404, 200]);
    for (const res of answers) assert.equal(res.headers['x-mock-instance'], 'upstream-b');
  } finally {
    await named.stop();
  }
  assert.equal((await mockOpenAI(mock.url, chatBody)).headers['x-mock-instance'], undefined);
});

test('/_mock/stats counts the model requests received, faulted ones included, control calls not', async () => {
  await mock.resetStats();
  await setFault(mock.url, { fault: '503', count: 1 });
  await mockOpenAI(mock.url, chatBody);
  await mockOpenAI(mock.url, chatBody);
  await mockPost(mock.url, '/v1/embeddings', { model: 'e', input: 'x' }, openaiHeaders);
  await getFault(mock.url);
  await httpRequest(`${mock.url}/healthz`);
  assert.equal((await mock.stats()).requests, 3);
  assert.equal((await mock.resetStats()).requests, 0);
});
