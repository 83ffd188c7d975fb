// The mock upstream speaks OpenAI Chat Completions, Anthropic Messages and Gemini generateContent
// natively (docs/mock-upstream.md). These tests talk to the mock directly, with plain HTTP, and
// pin its reply rules in every format: tool calls (single, parallel, mixed), tool results,
// structured output, images, the usage formula and its directives, native errors and faults, the
// validation 400s that catch translation bugs, embeddings and images, and /_mock/last-response.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock,
  httpRequest,
  mockOpenAI,
  mockAnthropic,
  mockGemini,
  mockPost,
  mockLastResponse,
  sseEvents,
  MOCK_KEY,
} from './harness.mjs';

let mock;

before(async () => {
  mock = await startMock();
});

after(async () => {
  await mock?.stop();
});

// ---------------------------------------------------------------------------------------------
// The documented rules, computed here so that every expectation below is derived, not copied.

const words = (s) => s.split(/[ \t\n\v\f\r]+/).filter(Boolean).length;
// Fixed text and tool arguments are emitted in pieces of 4 bytes: one output token each.
const fixedTokens = (s) => Math.ceil(Buffer.byteLength(s) / 4);

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGPw7zrxHwAFbgKhNdQ1ZgAAAABJRU5ErkJggg==';

const weather = {
  name: 'get_weather',
  schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer' } },
    required: ['city', 'unit'],
  },
  expectedArgs: { city: 'test', unit: 'celsius' },
};
const clock = {
  name: 'get_time',
  schema: {
    type: 'object',
    properties: {
      zone: { type: 'string' },
      precise: { type: 'boolean' },
      offset: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' } },
      place: { type: 'object', properties: { lat: { type: 'number' }, name: { type: 'string' } }, required: ['lat'] },
    },
  },
  expectedArgs: { zone: 'test', precise: true, offset: 1.5, tags: ['test'], place: { lat: 1.5 } },
};

const openaiTools = (...tools) => tools.map((t) => ({ type: 'function', function: { name: t.name, parameters: t.schema } }));
const anthropicTools = (...tools) => tools.map((t) => ({ name: t.name, input_schema: t.schema }));
const geminiTools = (...tools) => [{ functionDeclarations: tools.map((t) => ({ name: t.name, parametersJsonSchema: t.schema })) }];

function json(res) {
  assert.equal(res.status, 200, res.text);
  return res.json();
}

// ---------------------------------------------------------------------------------------------
// Stream reassembly, one per format: what a client library would build from the deltas.

function openaiFromStream(text) {
  const data = sseEvents(text).map((e) => e.data);
  assert.equal(data.at(-1), '[DONE]');
  const out = { content: '', reasoning: '', toolCalls: [], finish: null, usage: null };
  for (const d of data.slice(0, -1)) {
    const chunk = JSON.parse(d);
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) out.finish = choice.finish_reason;
    const delta = choice.delta;
    out.content += delta.content ?? '';
    out.reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      out.toolCalls[call.index] ??= { id: call.id, name: call.function.name, arguments: '' };
      out.toolCalls[call.index].arguments += call.function.arguments ?? '';
    }
  }
  return out;
}

function anthropicFromStream(text) {
  const events = sseEvents(text);
  const out = { names: events.map((e) => e.event), blocks: [], stop: null, usage: null, start: null };
  for (const { event, data } of events) {
    const body = JSON.parse(data);
    assert.equal(body.type, event, 'the event name matches the data type');
    if (event === 'message_start') out.start = body.message;
    if (event === 'content_block_start') out.blocks[body.index] = { ...body.content_block, partial: '' };
    if (event === 'content_block_delta') {
      const block = out.blocks[body.index];
      const d = body.delta;
      if (d.type === 'text_delta') block.text += d.text;
      if (d.type === 'thinking_delta') block.thinking += d.thinking;
      if (d.type === 'signature_delta') block.signature = d.signature;
      if (d.type === 'input_json_delta') block.partial += d.partial_json;
    }
    if (event === 'content_block_stop') {
      const block = out.blocks[body.index];
      if (block.type === 'tool_use') block.input = JSON.parse(block.partial);
      delete block.partial;
    }
    if (event === 'message_delta') {
      out.stop = body.delta.stop_reason;
      out.usage = body.usage;
    }
  }
  return out;
}

function geminiFromChunks(chunks) {
  const out = { text: '', thoughts: '', calls: [], finish: null, usage: null };
  for (const chunk of chunks) {
    const candidate = chunk.candidates[0];
    for (const part of candidate.content.parts) {
      if (part.functionCall) out.calls.push(part.functionCall);
      else if (part.thought) out.thoughts += part.text;
      else out.text += part.text ?? '';
    }
    if (candidate.finishReason) {
      out.finish = candidate.finishReason;
      out.usage = chunk.usageMetadata;
    }
  }
  return out;
}

const geminiSse = (text) => geminiFromChunks(sseEvents(text).map((e) => JSON.parse(e.data)));

// ---------------------------------------------------------------------------------------------
// OpenAI chat

test('openai: one tool call to the first tool, arguments from its schema, finish tool_calls', async () => {
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: openaiTools(weather, clock) };
  const reply = json(await mockOpenAI(mock.url, body));
  const message = reply.choices[0].message;
  assert.equal(reply.choices[0].finish_reason, 'tool_calls');
  assert.equal(message.content, null);
  assert.equal(message.tool_calls.length, 1);
  assert.deepEqual(
    { id: message.tool_calls[0].id, type: message.tool_calls[0].type, name: message.tool_calls[0].function.name },
    { id: 'call_1', type: 'function', name: 'get_weather' },
  );
  assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), weather.expectedArgs);
  assert.equal(reply.usage.prompt_tokens, words('Weather in Paris?') + 3 + 2 * 10);
  assert.equal(reply.usage.completion_tokens, fixedTokens(JSON.stringify(weather.expectedArgs)));
});

test('openai: "parallel" calls every tool in order; the stream carries the same calls', async () => {
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Do these in parallel' }], tools: openaiTools(weather, clock) };
  const reply = json(await mockOpenAI(mock.url, body));
  const calls = reply.choices[0].message.tool_calls.map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) }));
  assert.deepEqual(calls, [
    { id: 'call_1', name: 'get_weather', args: weather.expectedArgs },
    { id: 'call_2', name: 'get_time', args: clock.expectedArgs },
  ]);

  const streamed = openaiFromStream((await mockOpenAI(mock.url, { ...body, stream: true, stream_options: { include_usage: true } })).text);
  assert.equal(streamed.finish, 'tool_calls');
  assert.deepEqual(
    streamed.toolCalls.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments) })),
    calls,
  );
  assert.deepEqual(streamed.usage, reply.usage);
});

test('openai: "mixed" sends text first, then one call; a tool reply answers with the results', async () => {
  const first = json(
    await mockOpenAI(mock.url, { model: 'm', messages: [{ role: 'user', content: 'a mixed turn' }], tools: openaiTools(weather) }),
  );
  const message = first.choices[0].message;
  assert.equal(message.content, 'Calling get_weather.');
  assert.equal(message.tool_calls[0].id, 'call_1');

  const followUp = {
    model: 'm',
    tools: openaiTools(weather),
    messages: [
      { role: 'user', content: 'a mixed turn' },
      message,
      { role: 'tool', tool_call_id: 'call_1', content: '18 degrees' },
    ],
  };
  const second = json(await mockOpenAI(mock.url, followUp));
  assert.equal(second.choices[0].message.content, 'Tool results: 18 degrees');
  assert.equal(second.choices[0].finish_reason, 'stop');
});

test('openai: tool messages must answer the previous assistant tool_calls (400 otherwise)', async () => {
  const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
  const cases = [
    [[{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_1', content: 'r' }], /preceeding message with 'tool_calls'/],
    [[{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_9', content: 'r' }], /'call_9' not found/],
    [[{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'user', content: 'y' }], /did not have response messages: call_1/],
  ];
  for (const [messages, pattern] of cases) {
    const res = await mockOpenAI(mock.url, { model: 'm', messages, tools: openaiTools(weather) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().error.type, 'invalid_request_error');
    assert.match(res.json().error.message, pattern);
  }
});

test('openai: json_schema response_format gives JSON valid against the schema; json_object gives {}', async () => {
  const schemaReply = json(
    await mockOpenAI(mock.url, {
      model: 'm',
      messages: [{ role: 'user', content: 'extract' }],
      response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true, schema: clock.schema } },
    }),
  );
  const content = schemaReply.choices[0].message.content;
  assert.deepEqual(JSON.parse(content), { zone: 'test', precise: true, offset: 1.5, tags: ['test'], place: { lat: 1.5 } });
  assert.equal(schemaReply.usage.completion_tokens, fixedTokens(content));

  const objectReply = json(
    await mockOpenAI(mock.url, { model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }),
  );
  assert.equal(objectReply.choices[0].message.content, '{}');
});

test('openai: images are counted, noted in the reply and recorded with their media types', async () => {
  const content = [
    { type: 'text', text: 'Compare these' },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } },
    { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?x=1', detail: 'low' } },
  ];
  const reply = json(await mockOpenAI(mock.url, { model: 'm', messages: [{ role: 'user', content }] }, { 'x-mock-tokens': '3' }));
  const text = reply.choices[0].message.content;
  assert.match(text, /^I see 2 images\.( \w+){3}$/);
  assert.equal(reply.usage.prompt_tokens, words('Compare these') + 3 + 2 * 85);
  assert.equal(reply.usage.completion_tokens, fixedTokens('I see 2 images.') + 3);
  const last = await mockLastResponse(mock.url);
  assert.deepEqual(last.images, ['image/png', 'image/jpeg']);
});

test('openai: reasoning and cached-token directives show in the message, the deltas and the usage', async () => {
  const headers = { 'x-mock-reasoning-tokens': '4', 'x-mock-cached-tokens': '5', 'x-mock-tokens': '2' };
  const body = { model: 'm', messages: [{ role: 'user', content: 'think about it carefully now please' }] };
  const reply = json(await mockOpenAI(mock.url, body, headers));
  const message = reply.choices[0].message;
  assert.equal(words(message.reasoning_content), 4);
  assert.equal(words(message.content), 2);
  assert.deepEqual(
    [reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.prompt_tokens_details.cached_tokens, reply.usage.completion_tokens_details.reasoning_tokens],
    [6 + 3, 6, 5, 4],
  );
  const streamed = openaiFromStream((await mockOpenAI(mock.url, { ...body, stream: true, stream_options: { include_usage: true } }, headers)).text);
  assert.equal(streamed.reasoning, message.reasoning_content);
  assert.equal(streamed.content, message.content);
  assert.deepEqual(streamed.usage, reply.usage);
});

test('openai: max_tokens cuts reasoning and text, finish length', async () => {
  const reply = json(
    await mockOpenAI(mock.url, { model: 'm', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }, { 'x-mock-reasoning-tokens': '2' }),
  );
  assert.equal(reply.choices[0].finish_reason, 'length');
  assert.equal(reply.usage.completion_tokens, 3);
  assert.equal(reply.usage.completion_tokens_details.reasoning_tokens, 2);
  assert.equal(words(reply.choices[0].message.content), 1);
});

// ---------------------------------------------------------------------------------------------
// Anthropic messages

test('anthropic: text reply with thinking and cache directives in the native usage convention', async () => {
  const headers = { 'x-mock-reasoning-tokens': '3', 'x-mock-cached-tokens': '4', 'x-mock-cache-write-tokens': '2', 'x-mock-tokens': '5' };
  const body = { model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be terse.', messages: [{ role: 'user', content: 'Tell me about rivers' }] };
  const message = json(await mockAnthropic(mock.url, body, headers));
  const prompt = words('Be terse.') + 3 + words('Tell me about rivers') + 3;
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.match(message.id, /^msg_mock_\d+$/);
  assert.equal(message.stop_reason, 'end_turn');
  assert.deepEqual(
    message.content.map((b) => b.type),
    ['thinking', 'text'],
  );
  assert.equal(words(message.content[0].thinking), 3);
  assert.match(message.content[0].signature, /^mocksig_[0-9a-f]{16}$/);
  assert.equal(words(message.content[1].text), 5);
  assert.deepEqual(message.usage, {
    input_tokens: prompt - 4 - 2,
    cache_creation_input_tokens: 2,
    cache_read_input_tokens: 4,
    cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 0 },
    output_tokens: 8,
    output_tokens_details: { thinking_tokens: 3 },
    service_tier: 'standard',
  });
  const last = await mockLastResponse(mock.url);
  assert.deepEqual(
    [last.format, last.input_tokens, last.output_tokens, last.cache_read_tokens, last.cache_write_tokens, last.reasoning_tokens, last.stop],
    ['anthropic', prompt, 8, 4, 2, 3, 'end_turn'],
  );
  assert.equal(last.text, message.content[1].text);
});

test('anthropic: the stream is the native event sequence; thinking, text and tool_use reassemble', async () => {
  const body = {
    model: 'claude',
    max_tokens: 2048,
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools: anthropicTools(weather),
    messages: [{ role: 'user', content: 'mixed please' }],
  };
  const res = await mockAnthropic(mock.url, body, { 'x-mock-reasoning-tokens': '2' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  const stream = anthropicFromStream(res.text);
  const argsTokens = fixedTokens(JSON.stringify(weather.expectedArgs));
  const textTokens = fixedTokens('Calling get_weather.');
  assert.deepEqual(stream.names, [
    'message_start',
    'ping',
    'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
    'content_block_start', ...Array(textTokens).fill('content_block_delta'), 'content_block_stop',
    'content_block_start', ...Array(argsTokens).fill('content_block_delta'), 'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
  assert.equal(stream.start.usage.output_tokens, 1);
  assert.equal(stream.start.stop_reason, null);
  assert.equal(stream.blocks[0].type, 'thinking');
  assert.equal(words(stream.blocks[0].thinking), 2);
  assert.match(stream.blocks[0].signature, /^mocksig_/);
  assert.deepEqual(stream.blocks[1], { type: 'text', text: 'Calling get_weather.' });
  assert.deepEqual(stream.blocks[2], { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: weather.expectedArgs });
  assert.equal(stream.stop, 'tool_use');
  assert.deepEqual(stream.usage, {
    input_tokens: words('mixed please') + 3 + 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 2 + textTokens + argsTokens,
    output_tokens_details: { thinking_tokens: 2 },
  });
});

test('anthropic: parallel tool_use blocks, then tool_result blocks get "Tool results: a | b"', async () => {
  const first = json(
    await mockAnthropic(mock.url, { model: 'c', max_tokens: 100, tools: anthropicTools(weather, clock), messages: [{ role: 'user', content: 'parallel' }] }),
  );
  assert.deepEqual(
    first.content.map((b) => [b.type, b.id, b.name, b.input]),
    [
      ['tool_use', 'toolu_1', 'get_weather', weather.expectedArgs],
      ['tool_use', 'toolu_2', 'get_time', clock.expectedArgs],
    ],
  );
  assert.equal(first.stop_reason, 'tool_use');

  const second = json(
    await mockAnthropic(mock.url, {
      model: 'c',
      max_tokens: 100,
      tools: anthropicTools(weather, clock),
      messages: [
        { role: 'user', content: 'parallel' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'rainy' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'noon' }] },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(second.content, [{ type: 'text', text: 'Tool results: rainy | noon' }]);
  assert.equal(second.stop_reason, 'end_turn');
  // Each tool result counts as a message of its own (as OpenAI's tool messages do).
  assert.equal(second.usage.input_tokens, (1 + 3) + 3 + (1 + 3) + (1 + 3) + 20);
});

test('anthropic: validation 400s in the native error shape', async () => {
  const use = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} };
  const base = { model: 'c', max_tokens: 100, tools: anthropicTools(weather) };
  const cases = [
    [{ model: 'c', messages: [{ role: 'user', content: 'x' }] }, /^max_tokens: Field required/],
    [{ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'user', content: 'y' }] }, /roles must alternate/],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }] }] }, /unexpected `tool_use_id`/],
    [{ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [use] }, { role: 'user', content: 'y' }] }, /without `tool_result` blocks immediately after: toolu_1/],
    [{ ...base, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: 'x' }] }, /`max_tokens` must be greater than `thinking.budget_tokens`/],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA' } }] }] }, /media_type/],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, /Input tag 'image_url'/],
  ];
  for (const [body, pattern] of cases) {
    const res = await mockAnthropic(mock.url, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    const error = res.json();
    assert.equal(error.type, 'error');
    assert.equal(error.error.type, 'invalid_request_error');
    assert.match(error.error.message, pattern);
  }
});

test('anthropic: authentication, anthropic-version and faults answer natively', async () => {
  const body = { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
  const noKey = await mockPost(mock.url, '/v1/messages', body, { 'anthropic-version': '2023-06-01' });
  assert.equal(noKey.status, 401);
  assert.equal(noKey.json().error.type, 'authentication_error');
  const bearerOnly = await mockPost(mock.url, '/v1/messages', body, { authorization: `Bearer ${MOCK_KEY}`, 'anthropic-version': '2023-06-01' });
  assert.equal(bearerOnly.status, 401, 'Anthropic wants x-api-key, not a bearer token');
  const noVersion = await mockPost(mock.url, '/v1/messages', body, { 'x-api-key': MOCK_KEY });
  assert.equal(noVersion.status, 400);
  assert.match(noVersion.json().error.message, /anthropic-version/);

  const expected = { 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error', 400: 'invalid_request_error' };
  for (const [fault, type] of Object.entries(expected)) {
    const res = await mockAnthropic(mock.url, body, { 'x-mock-fault': fault, 'x-mock-retry-after': '4' });
    assert.equal(res.status, Number(fault));
    assert.deepEqual(Object.keys(res.json()), ['type', 'error']);
    assert.equal(res.json().error.type, type);
    if (fault === '429') assert.equal(res.headers['retry-after'], '4');
  }
});

test('anthropic: stream-error sends N deltas then a native `event: error`', async () => {
  const res = await mockAnthropic(
    mock.url,
    { model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'x' }] },
    { 'x-mock-fault': 'stream-error', 'x-mock-cut-after': '2' },
  );
  const events = sseEvents(res.text);
  assert.deepEqual(
    events.map((e) => e.event),
    ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'error'],
  );
  assert.deepEqual(JSON.parse(events.at(-1).data).error.type, 'overloaded_error');
});

test('anthropic: output_config.format gives JSON text valid against the schema; images are noted', async () => {
  const structured = json(
    await mockAnthropic(mock.url, {
      model: 'c',
      max_tokens: 200,
      output_config: { format: { type: 'json_schema', schema: weather.schema } },
      messages: [{ role: 'user', content: 'extract' }],
    }),
  );
  assert.deepEqual(JSON.parse(structured.content[0].text), weather.expectedArgs);

  const image = json(
    await mockAnthropic(
      mock.url,
      {
        model: 'c',
        max_tokens: 200,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }, { type: 'text', text: 'what is it' }] }],
      },
      { 'x-mock-tokens': '0' },
    ),
  );
  assert.equal(image.content[0].text, 'I see 1 image.');
  assert.equal(image.usage.input_tokens, words('what is it') + 3 + 85);
});

// ---------------------------------------------------------------------------------------------
// Gemini

test('gemini: JSON reply with thoughts and cached tokens in the native usageMetadata', async () => {
  const body = {
    systemInstruction: { parts: [{ text: 'Be terse.' }] },
    contents: [{ role: 'user', parts: [{ text: 'Tell me about rivers' }] }],
  };
  const reply = json(
    await mockGemini(mock.url, 'gemini-2.5-flash', 'generateContent', body, {
      headers: { 'x-mock-reasoning-tokens': '3', 'x-mock-cached-tokens': '4', 'x-mock-tokens': '5' },
    }),
  );
  const prompt = words('Be terse.') + 3 + words('Tell me about rivers') + 3;
  const [candidate] = reply.candidates;
  assert.equal(candidate.content.role, 'model');
  assert.equal(candidate.finishReason, 'STOP');
  assert.equal(candidate.content.parts[0].thought, true);
  assert.equal(words(candidate.content.parts[0].text), 3);
  assert.equal(words(candidate.content.parts[1].text), 5);
  assert.deepEqual(reply.usageMetadata, {
    promptTokenCount: prompt,
    candidatesTokenCount: 5,
    totalTokenCount: prompt + 8,
    cachedContentTokenCount: 4,
    thoughtsTokenCount: 3,
  });
  assert.equal(reply.modelVersion, 'gemini-2.5-flash');
  assert.match(reply.responseId, /^mock-\d+$/);
});

test('gemini: parallel functionCall parts, streamed as SSE and as a JSON array', async () => {
  const body = { tools: geminiTools(weather, clock), contents: [{ role: 'user', parts: [{ text: 'parallel' }] }] };
  const expected = [
    { name: 'get_weather', args: weather.expectedArgs },
    { name: 'get_time', args: clock.expectedArgs },
  ];
  const whole = json(await mockGemini(mock.url, 'g', 'generateContent', body));
  assert.deepEqual(whole.candidates[0].content.parts.map((p) => p.functionCall), expected);
  assert.equal(whole.candidates[0].finishReason, 'STOP');

  const sse = await mockGemini(mock.url, 'g', 'streamGenerateContent', body, { query: '?alt=sse' });
  assert.match(sse.headers['content-type'], /^text\/event-stream/);
  assert.ok(sse.text.includes('\r\n\r\n'), 'Gemini frames end with CRLF CRLF');
  const streamed = geminiSse(sse.text);
  assert.deepEqual(streamed.calls, expected);
  assert.equal(streamed.finish, 'STOP');
  assert.deepEqual(streamed.usage, whole.usageMetadata);

  const array = await mockGemini(mock.url, 'g', 'streamGenerateContent', body);
  assert.match(array.headers['content-type'], /^application\/json/);
  const fromArray = geminiFromChunks(JSON.parse(array.text));
  assert.deepEqual(fromArray.calls, expected);
  assert.deepEqual(fromArray.usage, whole.usageMetadata);
});

test('gemini: functionResponse parts get "Tool results", and must answer a declared, called function', async () => {
  const call = { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] };
  const user = { role: 'user', parts: [{ text: 'weather?' }] };
  const respond = (name, response) => ({ role: 'user', parts: [{ functionResponse: { name, response } }] });
  const ok = json(
    await mockGemini(mock.url, 'g', 'generateContent', {
      tools: geminiTools(weather, clock),
      contents: [user, call, respond('get_weather', { content: 'warm and dry' })],
    }),
  );
  assert.equal(ok.candidates[0].content.parts[0].text, 'Tool results: warm and dry');
  assert.equal(ok.usageMetadata.promptTokenCount, (1 + 3) + 3 + (3 + 3) + 20);

  const cases = [
    [[user, call, respond('get_time', { content: 'x' })], /names a function that turn called/],
    [[user, call, respond('nope', { content: 'x' })], /does not match any declared function/],
    [[user, respond('get_weather', { content: 'x' })], /names a function that turn called/],
    [[user, call, { role: 'user', parts: [{ text: 'ignored the call' }] }], /number of function response parts/],
    [[{ role: 'assistant', parts: [{ text: 'x' }] }], /valid role/],
    [[{ role: 'user', parts: [{ unknown: 1 }] }], /required oneof field 'data'/],
  ];
  for (const [contents, pattern] of cases) {
    const res = await mockGemini(mock.url, 'g', 'generateContent', { tools: geminiTools(weather, clock), contents });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json().error.status, 'INVALID_ARGUMENT');
    assert.equal(res.json().error.code, 400);
    assert.match(res.json().error.message, pattern);
  }
});

test('gemini: responseSchema (OpenAPI types) and responseJsonSchema give JSON text; inlineData images are noted', async () => {
  const openApi = { type: 'OBJECT', properties: { n: { type: 'INTEGER' }, tags: { type: 'ARRAY', items: { type: 'STRING' } } } };
  const a = json(
    await mockGemini(mock.url, 'g', 'generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
      generationConfig: { responseMimeType: 'application/json', responseSchema: openApi },
    }),
  );
  assert.deepEqual(JSON.parse(a.candidates[0].content.parts[0].text), { n: 1, tags: ['test'] });
  const b = json(
    await mockGemini(mock.url, 'g', 'generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
      generation_config: { response_mime_type: 'application/json', response_json_schema: weather.schema },
    }),
  );
  assert.deepEqual(JSON.parse(b.candidates[0].content.parts[0].text), weather.expectedArgs);

  const image = json(
    await mockGemini(
      mock.url,
      'g',
      'generateContent',
      { contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: PNG_B64 } }, { fileData: { mimeType: 'image/webp', fileUri: 'gs://b/x.webp' } }] }] },
      { headers: { 'x-mock-tokens': '0' } },
    ),
  );
  assert.equal(image.candidates[0].content.parts[0].text, 'I see 2 images.');
  assert.deepEqual((await mockLastResponse(mock.url)).images, ['image/png', 'image/webp']);
});

test('gemini: key in header or query, native auth errors and faults', async () => {
  const body = { contents: [{ parts: [{ text: 'x' }] }] };
  const viaQuery = await mockPost(mock.url, `/v1beta/models/g:generateContent?key=${MOCK_KEY}`, body);
  assert.equal(viaQuery.status, 200, viaQuery.text);
  const none = await mockPost(mock.url, '/v1beta/models/g:generateContent', body);
  assert.equal(none.status, 403);
  assert.equal(none.json().error.status, 'PERMISSION_DENIED');
  const expected = { 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 400: 'INVALID_ARGUMENT' };
  for (const [fault, status] of Object.entries(expected)) {
    const res = await mockGemini(mock.url, 'g', 'generateContent', body, { headers: { 'x-mock-fault': fault } });
    assert.equal(res.status, Number(fault));
    assert.deepEqual(res.json(), { error: { code: Number(fault), message: res.json().error.message, status } });
  }
});

test('gemini: max_output_tokens cuts the reply with MAX_TOKENS', async () => {
  const reply = json(
    await mockGemini(mock.url, 'g', 'generateContent', { contents: [{ parts: [{ text: 'x' }] }], generationConfig: { maxOutputTokens: 4 } }),
  );
  assert.equal(reply.candidates[0].finishReason, 'MAX_TOKENS');
  assert.equal(reply.usageMetadata.candidatesTokenCount, 4);
});

// ---------------------------------------------------------------------------------------------
// The same logical conversation in every format

test('one conversation, three formats: the same input tokens, reply text and last-response', async () => {
  const system = 'You are terse.';
  const question = 'What is the weather in Paris?';
  const result = '18 degrees and sunny';
  const openai = {
    model: 'm',
    tools: openaiTools(weather, clock),
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: [{ type: 'text', text: question }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_B64}` } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: result },
    ],
  };
  const anthropic = {
    model: 'm',
    max_tokens: 100,
    system,
    tools: anthropicTools(weather, clock),
    messages: [
      { role: 'user', content: [{ type: 'text', text: question }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_B64 } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] },
    ],
  };
  const gemini = {
    systemInstruction: { parts: [{ text: system }] },
    tools: geminiTools(weather, clock),
    contents: [
      { role: 'user', parts: [{ text: question }, { inlineData: { mimeType: 'image/png', data: PNG_B64 } }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result } } }] },
    ],
  };
  const prompt = words(system) + 3 + words(question) + 3 + 85 + 3 + words(result) + 3 + 2 * 10;
  const text = `Tool results: ${result}`;

  const o = json(await mockOpenAI(mock.url, openai));
  const lastOpenAI = await mockLastResponse(mock.url);
  const a = json(await mockAnthropic(mock.url, anthropic));
  const lastAnthropic = await mockLastResponse(mock.url);
  const g = json(await mockGemini(mock.url, 'g', 'generateContent', gemini));
  const lastGemini = await mockLastResponse(mock.url);

  assert.deepEqual([o.usage.prompt_tokens, a.usage.input_tokens, g.usageMetadata.promptTokenCount], [prompt, prompt, prompt]);
  assert.deepEqual([o.choices[0].message.content, a.content[0].text, g.candidates[0].content.parts[0].text], [text, text, text]);
  const neutral = (last) => ({ ...last, format: undefined, model: undefined });
  assert.deepEqual(neutral(lastOpenAI), neutral(lastAnthropic));
  assert.deepEqual(neutral(lastAnthropic), neutral(lastGemini));
  assert.deepEqual(lastGemini, {
    format: 'gemini',
    model: 'g',
    input_tokens: prompt,
    output_tokens: fixedTokens(text),
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    tool_calls: [],
    text,
    reasoning: '',
    images: ['image/png'],
    stop: 'end_turn',
  });
});

test('last-request names the format and keeps the raw body', async () => {
  const raw = '{"contents":[{"parts":[{"text":"raw  body"}]}]}';
  await mockGemini(mock.url, 'g', 'generateContent', raw);
  const last = await mock.lastRequest();
  assert.equal(last.format, 'gemini');
  assert.equal(last.body, raw);
  assert.equal(last.target, '/v1beta/models/g:generateContent');
  await mockAnthropic(mock.url, { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  assert.equal((await mock.lastRequest()).format, 'anthropic');
});

// ---------------------------------------------------------------------------------------------
// Embeddings and images

test('embeddings: deterministic vectors, float and base64 agree, usage counts words', async () => {
  const headers = { authorization: `Bearer ${MOCK_KEY}` };
  const floats = json(await mockPost(mock.url, '/v1/embeddings', { model: 'text-embedding-3-small', input: ['hello world', 'bye'], encoding_format: 'float' }, headers));
  assert.equal(floats.object, 'list');
  assert.deepEqual(floats.usage, { prompt_tokens: 3, total_tokens: 3 });
  assert.deepEqual(floats.data.map((d) => [d.object, d.index, d.embedding.length]), [['embedding', 0, 8], ['embedding', 1, 8]]);
  for (const value of floats.data.flatMap((d) => d.embedding)) assert.ok(value >= -1 && value < 1);
  assert.notDeepEqual(floats.data[0].embedding, floats.data[1].embedding);

  const again = json(await mockPost(mock.url, '/v1/embeddings', { model: 'e', input: 'hello world', dimensions: 4, encoding_format: 'base64' }, headers));
  const bytes = Buffer.from(again.data[0].embedding, 'base64');
  const decoded = Array.from({ length: 4 }, (_, i) => bytes.readFloatLE(i * 4));
  assert.deepEqual(decoded, floats.data[0].embedding.slice(0, 4));

  const unauthorized = await mockPost(mock.url, '/v1/embeddings', { model: 'e', input: 'x' });
  assert.equal(unauthorized.status, 401);
  const faulted = await mockPost(mock.url, '/v1/embeddings', { model: 'e', input: 'x' }, { ...headers, 'x-mock-fault': '429' });
  assert.equal(faulted.status, 429);
});

test('images: gpt-image returns b64_json PNGs with usage; dall-e returns a URL the mock serves', async () => {
  const headers = { authorization: `Bearer ${MOCK_KEY}` };
  const gptImage = json(await mockPost(mock.url, '/v1/images/generations', { model: 'gpt-image-1', prompt: 'a red fox', n: 2 }, headers));
  assert.equal(gptImage.data.length, 2);
  assert.equal(gptImage.data[0].b64_json, PNG_B64);
  assert.deepEqual(gptImage.usage, {
    input_tokens: 3,
    output_tokens: 544,
    total_tokens: 547,
    input_tokens_details: { text_tokens: 3, image_tokens: 0 },
  });

  const dalle = json(await mockPost(mock.url, '/v1/images/generations', { model: 'dall-e-3', prompt: 'a fox' }, headers));
  const image = await httpRequest(dalle.data[0].url);
  assert.equal(image.status, 200);
  assert.equal(image.headers['content-type'], 'image/png');
  assert.equal(image.raw.toString('base64'), PNG_B64);
  assert.equal(dalle.usage, undefined);
});
