// Translated streams, over raw HTTP: every frame leaves the gateway when the upstream bytes that
// make it arrive (no buffering of the whole response), and a stream that breaks mid-way ends
// with the error event of the client's format and is recorded as interrupted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, startGateway, removeTempDir, pollSqlite, sqlText, familyProviders } from './harness.mjs';

let mock;
let gw;

before(async () => {
  mock = await startMock();
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      providers: [
        ...base.providers,
        ...familyProviders(mock.url),
      ],
      models: [
        ...base.models,
        { id: 'claude-x', provider: 'claude', pricing: { input_per_m: '3', output_per_m: '15' } },
        { id: 'gemini-x', provider: 'google', pricing: { input_per_m: '1', output_per_m: '2' } },
      ],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

// A streaming request per surface; `isContent(event)` spots a frame that carries generated text.
const surfaces = {
  chat: {
    request: (model) => ['/v1/chat/completions', { model, stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }],
    isContent: (e) => !!JSON.parse(e.data === '[DONE]' ? '{}' : e.data).choices?.[0]?.delta?.content,
    isError: (e) => e.data.startsWith('{"error"'),
  },
  messages: {
    request: (model) => ['/v1/messages', { model, stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }],
    isContent: (e) => e.event === 'content_block_delta',
    isError: (e) => e.event === 'error' && JSON.parse(e.data).type === 'error',
  },
  responses: {
    request: (model) => ['/v1/responses', { model, stream: true, max_output_tokens: 50, input: 'hi' }],
    isContent: (e) => e.event === 'response.output_text.delta',
    isError: (e) => e.event === 'response.failed',
  },
  gemini: {
    request: (model) => [`/v1beta/models/${model}:streamGenerateContent?alt=sse`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 50 } }],
    isContent: (e) => !!JSON.parse(e.data).candidates?.[0]?.content?.parts?.some((p) => p.text),
    isError: (e) => e.data.startsWith('{"error"'),
  },
};

// Sends the request and returns every SSE event with the time it arrived.
async function streamEvents(path, body, headers) {
  const started = performance.now();
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}`, ...headers },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) assert.fail(`status ${res.status}: ${await res.text()}`);
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body) {
    const at = performance.now() - started;
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { event: '', data: '', at };
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event.event = line.slice(6).trim();
        else if (line.startsWith('data:')) event.data += line.slice(5).trimStart();
      }
      if (event.data) events.push(event);
    }
  }
  return { events, requestId: res.headers.get('x-request-id') };
}

const pairs = [
  ['chat', 'claude-x'], ['chat', 'gemini-x'],
  ['messages', 'gpt-4o'], ['messages', 'gemini-x'],
  ['responses', 'gpt-4o'], ['responses', 'claude-x'],
  ['gemini', 'gpt-4o'], ['gemini', 'claude-x'],
];

for (const [surfaceName, model] of pairs) {
  const surface = surfaces[surfaceName];

  test(`${surfaceName} ← ${model}: each delta is sent as the upstream produces it`, async () => {
    // 6 tokens, 150 ms apart: the upstream takes ~750 ms from first to last.
    const [path, body] = surface.request(model);
    const { events } = await streamEvents(path, body, { 'x-mock-itl-ms': '150', 'x-mock-tokens': '6' });
    const content = events.filter(surface.isContent);
    assert.ok(content.length >= 5, `expected the text in several frames, got ${content.length}`);
    const spread = content[content.length - 1].at - content[0].at;
    assert.ok(spread >= 450, `deltas arrived within ${spread.toFixed(0)} ms: the stream was buffered`);
  });

  test(`${surfaceName} ← ${model}: a stream cut by the upstream ends with an error event and is recorded`, async () => {
    const [path, body] = surface.request(model);
    const { events, requestId } = await streamEvents(path, body, { 'x-mock-fault': 'cut-stream', 'x-mock-cut-after': '2' });
    assert.ok(events.filter(surface.isContent).length >= 1, 'the text before the cut was relayed');
    assert.ok(events.some(surface.isError), `no error event in ${JSON.stringify(events.map((e) => e.event || e.data.slice(0, 40)))}`);
    const rows = await pollSqlite(gw.dbPath, `SELECT error_code, stream FROM usage_log WHERE request_id = ${sqlText(requestId)}`);
    assert.equal(rows[0].error_code, 'upstream_stream_interrupted');
    assert.equal(rows[0].stream, 1);
  });
}
