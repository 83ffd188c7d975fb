// The ~1 KB chat request every measurement sends (bench/run.mjs, memory.mjs, callgrind.mjs,
// ab.mjs): a system prompt and a short conversation, 16 tokens asked for.
export const chatMessages = [
  { role: "system", content: "You are a concise assistant. ".repeat(12) },
  { role: "user", content: "Summarise the benefits of connection pooling in two sentences. ".repeat(6) },
  { role: "assistant", content: "Pooling reuses TCP and TLS sessions, cutting handshakes. ".repeat(3) },
  { role: "user", content: "And the drawbacks?" },
];

// The request for `model`, streamed when `stream` is true.
export function chatRequest(model = "gpt-4o-mini", stream = false) {
  return { model, messages: chatMessages, max_tokens: 16, temperature: 0, ...(stream ? { stream } : {}) };
}
