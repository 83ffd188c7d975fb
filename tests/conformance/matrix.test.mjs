// The translation matrix with the official SDKs, unmodified but for base URL and key: every
// inbound surface (OpenAI chat, OpenAI Responses, Anthropic Messages, Gemini) against every
// upstream family (OpenAI-compatible, Anthropic, Gemini — all served by the mock in their native
// formats). For each pair: text (JSON and streamed), a two-turn tool round trip (single,
// parallel and text + tool mixed), JSON-schema output, an image input, usage equal to the mock's
// ground truth, and an upstream error surfacing as the SDK's own error class.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, ApiError } from '@google/genai';
import { startMock, startGateway, removeTempDir, httpRequest } from '../integration/harness.mjs';

let mock;
let gw;

// One public model per upstream family, all on the same mock.
const families = {
  openai: 'fam-openai',
  anthropic: 'fam-anthropic',
  gemini: 'fam-gemini',
};

before(async () => {
  mock = await startMock();
  const timeouts = { connect_ms: 1000, first_byte_ms: 5000, idle_ms: 5000, total_ms: 20000 };
  const provider = (name, type, base) => ({
    name,
    type,
    base_url: `${mock.url}${base}`,
    api_key: 'mock-upstream-key',
    forward_headers: ['x-mock-'],
    timeouts,
  });
  const model = (id, providerName, upstream) => ({
    id,
    provider: providerName,
    upstream_model: upstream,
    pricing: { input_per_m: '1', output_per_m: '2' },
  });
  gw = await startGateway({
    mockUrl: mock.url,
    configOverrides: (base) => ({
      ...base,
      providers: [
        provider('up-openai', 'openai', '/v1'),
        provider('up-anthropic', 'anthropic', '/v1'),
        provider('up-gemini', 'gemini', '/v1beta'),
      ],
      models: [
        model(families.openai, 'up-openai', 'gpt-upstream'),
        model(families.anthropic, 'up-anthropic', 'claude-upstream'),
        model(families.gemini, 'up-gemini', 'gemini-upstream'),
      ],
    }),
  });
});

after(async () => {
  await gw?.stop('SIGKILL');
  await mock?.stop();
  if (gw) removeTempDir(gw.dir);
});

// What the mock produced for the last request (format-neutral ground truth).
async function lastReply() {
  const res = await httpRequest(`${mock.url}/_mock/last-response`);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city'],
  },
};
const timeTool = {
  name: 'get_time',
  description: 'Current time in a time zone',
  parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};
const answerSchema = {
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};
// A 1×1 PNG.
const pngBase64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

// ---------------------------------------------------------------------------------------------
// One adapter per surface: the same conversation, spoken through that surface's official SDK.
// Each returns a normalised view { text, toolCalls: [{id, name, args}], stop, usage } where stop
// is one of 'end', 'max_tokens', 'tool_use' and usage is in IR terms (input/output totals).

const surfaces = {
  chat: () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const stopOf = { stop: 'end', length: 'max_tokens', tool_calls: 'tool_use' };
    const view = (completion) => {
      const message = completion.choices[0].message;
      const u = completion.usage;
      return {
        text: message.content ?? '',
        toolCalls: (message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) })),
        stop: stopOf[completion.choices[0].finish_reason] ?? completion.choices[0].finish_reason,
        usage: {
          input: u.prompt_tokens,
          output: u.completion_tokens,
          cache_read: u.prompt_tokens_details?.cached_tokens ?? 0,
          reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
        },
        model: completion.model,
        raw: message,
      };
    };
    const toMessages = (turns) => turns.flatMap((t) => {
      if (t.user) {
        const content = t.image
          ? [{ type: 'text', text: t.user }, { type: 'image_url', image_url: { url: `data:image/png;base64,${pngBase64}` } }]
          : t.user;
        return [{ role: 'user', content }];
      }
      if (t.assistant) return [t.assistant.raw];
      return t.results.map((r) => ({ role: 'tool', tool_call_id: r.id, content: r.output }));
    });
    const params = (model, turns, opts) => ({
      model,
      messages: [{ role: 'system', content: 'You are a test fixture.' }, ...toMessages(turns)],
      max_tokens: opts.maxTokens ?? 64,
      ...(opts.tools ? { tools: opts.tools.map((t) => ({ type: 'function', function: t })) } : {}),
      ...(opts.schema ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: opts.schema, strict: true } } } : {}),
    });
    return {
      create: async (model, turns, opts = {}) => view(await client.chat.completions.create(params(model, turns, opts), { headers: opts.headers })),
      stream: async (model, turns, opts = {}) => {
        const stream = client.chat.completions.stream({ ...params(model, turns, opts), stream_options: { include_usage: true } }, { headers: opts.headers });
        let deltas = 0;
        stream.on('content', () => deltas++);
        const final = await stream.finalChatCompletion();
        return { ...view(final), deltas };
      },
      errors: { RateLimit: OpenAI.RateLimitError, BadRequest: OpenAI.BadRequestError, Base: OpenAI.APIError },
    };
  },

  responses: () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const view = (response) => {
      const calls = response.output.filter((o) => o.type === 'function_call');
      const u = response.usage;
      return {
        text: response.output_text ?? '',
        toolCalls: calls.map((c) => ({ id: c.call_id, name: c.name, args: JSON.parse(c.arguments) })),
        stop: response.status === 'incomplete' ? 'max_tokens' : calls.length ? 'tool_use' : 'end',
        usage: {
          input: u.input_tokens,
          output: u.output_tokens,
          cache_read: u.input_tokens_details?.cached_tokens ?? 0,
          reasoning: u.output_tokens_details?.reasoning_tokens ?? 0,
        },
        model: response.model,
        raw: response.output,
      };
    };
    const toInput = (turns) => turns.flatMap((t) => {
      if (t.user) {
        const content = [{ type: 'input_text', text: t.user }];
        if (t.image) content.push({ type: 'input_image', image_url: `data:image/png;base64,${pngBase64}`, detail: 'auto' });
        return [{ role: 'user', content }];
      }
      if (t.assistant) return t.assistant.raw;
      return t.results.map((r) => ({ type: 'function_call_output', call_id: r.id, output: r.output }));
    });
    const params = (model, turns, opts) => ({
      model,
      instructions: 'You are a test fixture.',
      input: toInput(turns),
      max_output_tokens: opts.maxTokens ?? 64,
      ...(opts.tools ? { tools: opts.tools.map((t) => ({ type: 'function', ...t, strict: false })) } : {}),
      ...(opts.schema ? { text: { format: { type: 'json_schema', name: 'answer', schema: opts.schema, strict: true } } } : {}),
    });
    return {
      create: async (model, turns, opts = {}) => view(await client.responses.create(params(model, turns, opts), { headers: opts.headers })),
      stream: async (model, turns, opts = {}) => {
        const stream = client.responses.stream(params(model, turns, opts), { headers: opts.headers });
        let deltas = 0;
        stream.on('response.output_text.delta', () => deltas++);
        const final = await stream.finalResponse();
        return { ...view(final), deltas };
      },
      errors: { RateLimit: OpenAI.RateLimitError, BadRequest: OpenAI.BadRequestError, Base: OpenAI.APIError },
    };
  },

  messages: () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    const stopOf = { end_turn: 'end', max_tokens: 'max_tokens', tool_use: 'tool_use', stop_sequence: 'end' };
    const view = (message) => {
      const u = message.usage;
      const cacheRead = u.cache_read_input_tokens ?? 0;
      const cacheWrite = u.cache_creation_input_tokens ?? 0;
      return {
        text: message.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
        toolCalls: message.content.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, args: b.input })),
        stop: stopOf[message.stop_reason] ?? message.stop_reason,
        usage: {
          input: u.input_tokens + cacheRead + cacheWrite,
          output: u.output_tokens,
          cache_read: cacheRead,
          cache_write: cacheWrite,
          reasoning: u.output_tokens_details?.thinking_tokens,
        },
        model: message.model,
        raw: message.content,
      };
    };
    const toMessages = (turns) => turns.map((t) => {
      if (t.user) {
        const content = [{ type: 'text', text: t.user }];
        if (t.image) content.push({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngBase64 } });
        return { role: 'user', content };
      }
      if (t.assistant) return { role: 'assistant', content: t.assistant.raw };
      return { role: 'user', content: t.results.map((r) => ({ type: 'tool_result', tool_use_id: r.id, content: r.output })) };
    });
    const params = (model, turns, opts) => ({
      model,
      system: 'You are a test fixture.',
      messages: toMessages(turns),
      max_tokens: opts.maxTokens ?? 64,
      ...(opts.tools ? { tools: opts.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
      ...(opts.schema ? { output_config: { format: { type: 'json_schema', schema: opts.schema } } } : {}),
    });
    return {
      create: async (model, turns, opts = {}) => view(await client.messages.create(params(model, turns, opts), { headers: opts.headers })),
      stream: async (model, turns, opts = {}) => {
        const stream = client.messages.stream(params(model, turns, opts), { headers: opts.headers });
        let deltas = 0;
        stream.on('text', () => deltas++);
        const final = await stream.finalMessage();
        return { ...view(final), deltas };
      },
      errors: { RateLimit: Anthropic.RateLimitError, BadRequest: Anthropic.BadRequestError, Base: Anthropic.APIError },
    };
  },

  gemini: () => {
    const ai = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url } });
    const stopOf = { STOP: 'end', MAX_TOKENS: 'max_tokens' };
    const view = (response, lastUsage) => {
      const candidate = response.candidates[0];
      const parts = candidate.content?.parts ?? [];
      const calls = parts.filter((p) => p.functionCall);
      const u = lastUsage ?? response.usageMetadata;
      return {
        text: parts.filter((p) => p.text !== undefined && !p.thought).map((p) => p.text).join(''),
        toolCalls: calls.map((p) => ({ id: p.functionCall.id, name: p.functionCall.name, args: p.functionCall.args })),
        stop: calls.length && candidate.finishReason === 'STOP' ? 'tool_use' : stopOf[candidate.finishReason] ?? candidate.finishReason,
        usage: {
          input: u.promptTokenCount,
          output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
          cache_read: u.cachedContentTokenCount ?? 0,
          reasoning: u.thoughtsTokenCount ?? 0,
        },
        model: response.modelVersion,
        raw: candidate.content,
      };
    };
    const toContents = (turns) => turns.map((t) => {
      if (t.user) {
        const parts = [{ text: t.user }];
        if (t.image) parts.push({ inlineData: { mimeType: 'image/png', data: pngBase64 } });
        return { role: 'user', parts };
      }
      if (t.assistant) return t.assistant.raw;
      return {
        role: 'user',
        parts: t.results.map((r) => ({ functionResponse: { id: r.id, name: r.name, response: { result: r.output } } })),
      };
    });
    const params = (model, turns, opts) => ({
      model,
      contents: toContents(turns),
      config: {
        systemInstruction: 'You are a test fixture.',
        maxOutputTokens: opts.maxTokens ?? 64,
        ...(opts.tools ? { tools: [{ functionDeclarations: opts.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }] } : {}),
        ...(opts.schema ? { responseMimeType: 'application/json', responseJsonSchema: opts.schema } : {}),
        ...(opts.headers ? { httpOptions: { headers: opts.headers } } : {}),
      },
    });
    return {
      create: async (model, turns, opts = {}) => view(await ai.models.generateContent(params(model, turns, opts))),
      stream: async (model, turns, opts = {}) => {
        const stream = await ai.models.generateContentStream(params(model, turns, opts));
        // Merge the chunks as an application would: parts in order, the last finish reason and usage.
        const merged = { candidates: [{ content: { role: 'model', parts: [] } }] };
        let usage;
        let deltas = 0;
        for await (const chunk of stream) {
          const candidate = chunk.candidates?.[0];
          for (const part of candidate?.content?.parts ?? []) {
            const parts = merged.candidates[0].content.parts;
            const last = parts[parts.length - 1];
            if (part.text !== undefined && last?.text !== undefined && !!last.thought === !!part.thought) last.text += part.text;
            else parts.push({ ...part });
            if (part.text && !part.thought) deltas++;
          }
          if (candidate?.finishReason) merged.candidates[0].finishReason = candidate.finishReason;
          if (chunk.usageMetadata) usage = chunk.usageMetadata;
          merged.modelVersion = chunk.modelVersion;
        }
        return { ...view(merged, usage), deltas };
      },
      errors: { RateLimit: ApiError, BadRequest: ApiError, Base: ApiError },
    };
  },
};

// ---------------------------------------------------------------------------------------------

function assertUsageMatches(usage, truth, surface, family) {
  assert.equal(usage.input, truth.input_tokens, `${surface}: input tokens`);
  assert.equal(usage.output, truth.output_tokens, `${surface}: output tokens`);
  assert.equal(usage.cache_read, truth.cache_read_tokens, `${surface}: cache read tokens`);
  if (usage.reasoning !== undefined) assert.equal(usage.reasoning, truth.reasoning_tokens, `${surface}: reasoning tokens`);
  if (usage.cache_write !== undefined) {
    // Only an Anthropic upstream reports cache writes (the others count them as plain input).
    const expected = family === 'anthropic' ? truth.cache_write_tokens : 0;
    assert.equal(usage.cache_write, expected, `${surface}: cache write tokens`);
  }
}

const modes = [
  ['single', 'Check the weather.', [weatherTool, timeTool], 1],
  ['parallel', 'Check everything in parallel.', [weatherTool, timeTool], 2],
  ['mixed', 'Answer in mixed mode: say something, then check.', [weatherTool, timeTool], 1],
];

for (const [surfaceName, makeSurface] of Object.entries(surfaces)) {
  for (const [familyName, model] of Object.entries(families)) {
    describe(`${surfaceName} → ${familyName} upstream`, () => {
      let s;
      before(() => { s = makeSurface(); });

      test('text: content, stop reason, public model, usage = ground truth', async () => {
        const reply = await s.create(model, [{ user: 'Tell me about toll gates.' }], {
          headers: { 'x-mock-cached-tokens': '3', 'x-mock-reasoning-tokens': '4', 'x-mock-cache-write-tokens': '2' },
        });
        const truth = await lastReply();
        assert.equal(reply.text, truth.text);
        assert.ok(reply.text.length > 0);
        assert.equal(reply.stop, 'end');
        if (surfaceName !== 'gemini') assert.equal(reply.model, model);
        assertUsageMatches(reply.usage, truth, surfaceName, familyName);
        assert.ok(truth.cache_read_tokens === 3 && truth.reasoning_tokens === 4, JSON.stringify(truth));
      });

      test('text, streamed: same content, usage = ground truth, several deltas', async () => {
        const reply = await s.stream(model, [{ user: 'Tell me about toll gates.' }], {
          headers: { 'x-mock-cached-tokens': '5' },
        });
        const truth = await lastReply();
        assert.equal(reply.text, truth.text);
        assert.equal(reply.stop, 'end');
        assertUsageMatches(reply.usage, truth, surfaceName, familyName);
        assert.ok(reply.deltas > 1, `expected the text in several deltas, got ${reply.deltas}`);
      });

      test('max tokens: the stop reason says so', async () => {
        const reply = await s.create(model, [{ user: 'Tell me a long story.' }], { maxTokens: 5 });
        assert.equal(reply.stop, 'max_tokens');
        assert.equal(reply.usage.output, 5);
      });

      for (const [mode, prompt, tools, expectedCalls] of modes) {
        for (const streamed of [false, true]) {
          test(`tool round trip (${mode}${streamed ? ', streamed' : ''}): calls, results, final stop reason`, async () => {
            const call = streamed ? s.stream : s.create;
            const first = await call(model, [{ user: prompt }], { tools });
            const truth = await lastReply();
            assert.equal(first.stop, 'tool_use');
            assert.equal(first.toolCalls.length, expectedCalls);
            assert.deepEqual(first.toolCalls.map((c) => ({ name: c.name, arguments: c.args })), truth.tool_calls);
            if (mode === 'mixed') assert.ok(first.text.length > 0, 'mixed turn carries text');
            // Gemini → Gemini is relayed as Gemini wrote it, and Gemini's calls may have no id
            // (results then answer calls by name); every other pair has ids.
            if (!(surfaceName === 'gemini' && familyName === 'gemini')) {
              for (const c of first.toolCalls) assert.ok(typeof c.id === 'string' && c.id.length > 0, 'tool call id');
            }

            const results = first.toolCalls.map((c, i) => ({ id: c.id, name: c.name, output: `result-${i}-${c.name}` }));
            const second = await call(model, [{ user: prompt }, { assistant: first }, { results }], { tools });
            assert.equal(second.stop, 'end', 'the turn after tool results ends normally');
            assert.equal(second.toolCalls.length, 0);
            for (const r of results) assert.ok(second.text.includes(r.output), `${second.text} mentions ${r.output}`);
          });
        }
      }

      test('JSON-schema structured output', async () => {
        const reply = await s.create(model, [{ user: 'Answer as JSON.' }], { schema: answerSchema });
        const parsed = JSON.parse(reply.text);
        assert.equal(typeof parsed.answer, 'string');
        assert.equal(typeof parsed.confidence, 'number');
        const request = await (await httpRequest(`${mock.url}/_mock/last-request`)).json();
        assert.ok(JSON.stringify(request).includes('confidence'), 'the schema reached the upstream');
      });

      test('image input reaches the upstream', async () => {
        const reply = await s.create(model, [{ user: 'What is in this picture?', image: true }]);
        assert.match(reply.text, /^I see 1 image/);
      });

      test('upstream 429 → the SDK\'s rate-limit error class', async () => {
        const err = await s.create(model, [{ user: 'hi' }], { headers: { 'x-mock-fault': '429' } }).then(
          () => assert.fail('expected an error'),
          (e) => e,
        );
        assert.ok(err instanceof s.errors.RateLimit, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.ok(err instanceof s.errors.Base);
        assert.equal(err.status, 429);
      });
    });
  }
}

// The catalog through each SDK: every model in the shape that SDK expects.
test('models: listed and retrieved through each SDK', async () => {
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  // The models, then "auto" (the cheapest capable model; on by default).
  const listed = [...Object.values(families), 'auto'];
  assert.deepEqual(ids, listed);
  const retrieved = await openai.models.retrieve(families.gemini);
  assert.equal(retrieved.id, families.gemini);
  assert.deepEqual(retrieved.pricing, {
    currency: 'USD', input_per_m: '1.00', output_per_m: '2.00', cache_read_per_m: '1.00', cache_write_per_m: '1.00',
  });

  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  const claudeIds = [];
  for await (const m of anthropic.models.list()) {
    assert.equal(m.type, 'model');
    claudeIds.push(m.id);
  }
  assert.deepEqual(claudeIds, listed);
  assert.equal((await anthropic.models.retrieve(families.openai)).display_name, families.openai);
  await assert.rejects(anthropic.models.retrieve('nope'), Anthropic.NotFoundError);

  const ai = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url } });
  const names = [];
  for await (const m of await ai.models.list()) names.push(m.name);
  assert.deepEqual(names, listed.map((id) => `models/${id}`));
  const one = await ai.models.get({ model: families.anthropic });
  assert.equal(one.name, `models/${families.anthropic}`);
  assert.ok(one.supportedActions.includes('generateContent'));
});
