// The canonical intermediate representation every wire format is translated through (hub and
// spoke): a surface decoder turns the client's body into an ir::Request, a provider encoder turns
// that into the upstream's body; the upstream's response (ir::Response) or stream (ir::Event, one
// at a time) comes back through the provider decoder and the surface encoder.
//
// Conventions, so that every translator agrees:
//  - Token counts are totals: Usage::input counts every prompt token, including cache reads and
//    cache writes; Usage::output counts every generated token, including reasoning. The cache and
//    reasoning counts are the parts of those totals. (Anthropic reports input without the cache
//    classes and Gemini reports output without thoughts: their decoders add them up, their
//    encoders take them apart.)
//  - JSON that the gateway forwards without interpreting (tool parameter schemas, tool call
//    arguments, response schemas, provider-specific extras) is kept as minified JSON text.
//  - Binary media is kept as base64 text (never decoded), with its media type.
//  - Everything a format carries either maps onto a field here or travels in Request::extras,
//    which only an encoder of the same family may forward; docs/translation.md lists each field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::ir {

// The wire formats, as surfaces (what a client speaks) and as provider families (what an upstream
// speaks). Responses is a surface only.
enum class Format : std::uint8_t { openai_chat, openai_responses, anthropic, gemini };
std::string_view to_string(Format format);

enum class Role : std::uint8_t { system, user, assistant, tool };
std::string_view to_string(Role role);

// One piece of a message or of a response's content. A flat struct rather than a variant, so
// decoders can fill it in place and reuse its buffers; `kind` says which fields are meaningful.
struct Part {
  enum class Kind : std::uint8_t {
    text,               // text
    image,              // url | media_type + data; detail
    audio,              // media_type + data (e.g. "audio/wav"), or url
    file,               // media_type + data | url | file_id; filename (PDFs and other documents)
    thinking,           // text (reasoning / thought summary), signature
    redacted_thinking,  // data (opaque, Anthropic)
    tool_call,          // id, name, arguments (JSON text), signature (Gemini thoughtSignature)
    tool_result,        // id (of the call), name (of the tool, when known), content, is_error
  };
  Kind kind = Kind::text;

  std::string text;
  std::string url;         // http(s) URL; data: URLs are split into media_type + data instead
  std::string media_type;  // "image/png", "audio/wav", "application/pdf"
  std::string data;        // base64, without any "data:...;base64," prefix
  std::string detail;      // OpenAI image detail: "auto" | "low" | "high" (empty = unset)
  std::string file_id;     // provider file id (OpenAI, Anthropic Files, Gemini fileUri)
  std::string filename;
  std::string signature;  // thinking / tool_call signature, opaque, echoed back unchanged

  std::string id;         // tool_call: call id; tool_result: the id of the call it answers
  std::string name;       // tool name
  std::string arguments;  // tool_call: arguments as JSON text (an object), "{}" when none
  std::vector<Part> content;  // tool_result: text and image parts
  bool is_error = false;      // tool_result reports a failure

  std::string cache_control;  // Anthropic cache_control as JSON text, e.g. {"type":"ephemeral"}

  static Part make_text(std::string text) {
    Part p;
    p.text = std::move(text);
    return p;
  }
};

// Appends a text part to `parts`, built where it stays: a Part is a few hundred bytes of strings,
// and one made apart would be built, moved and destroyed (the decoders add one per message).
inline Part& append_text(std::vector<Part>& parts, std::string_view text) {
  Part& part = parts.emplace_back();
  part.text.assign(text);
  return part;
}

struct Message {
  Role role = Role::user;
  std::vector<Part> parts;
  std::string name;  // OpenAI participant name (optional)
};

struct Tool {
  std::string name;
  std::string description;
  std::string parameters = "{}";  // JSON Schema of the arguments, JSON text
  std::optional<bool> strict;     // OpenAI strict function calling
  std::string cache_control;      // Anthropic, JSON text
};

struct ToolChoice {
  enum class Mode : std::uint8_t { unset, auto_, none, required, tool };
  Mode mode = Mode::unset;
  std::string name;  // Mode::tool
};

struct ResponseFormat {
  enum class Type : std::uint8_t { unset, text, json_object, json_schema };
  Type type = Type::unset;
  std::string name;         // json_schema: the schema's name (OpenAI requires one)
  std::string description;  // json_schema
  std::string schema;       // json_schema: JSON text
  std::optional<bool> strict;
};

// Reasoning ("thinking") settings. Formats express them differently: OpenAI an effort level,
// Anthropic a token budget, Gemini a budget or a level; encoders convert with
// effort_to_budget / budget_to_effort below.
struct Reasoning {
  bool enabled = false;          // set when the request asks for reasoning in any form
  std::string effort;            // "minimal" | "low" | "medium" | "high" (empty = unset)
  std::optional<std::int64_t> budget_tokens;
  std::optional<bool> include_thoughts;  // return the reasoning content (summaries) to the client
  bool disabled = false;                 // explicitly off (Anthropic "disabled", budget 0)
};

// minimal 512, low 1024, medium 8192 (also for unknown levels), high 24576, xhigh 32768, max 65536
std::int64_t effort_to_budget(std::string_view effort);
std::string_view budget_to_effort(std::int64_t budget);  // the nearest level

// A field of the client's body that has no IR counterpart, kept as JSON text. An encoder of the
// same family as `from` forwards it unchanged; other encoders drop it when `droppable` (hints such
// as OpenAI `store` or Anthropic `service_tier`) and otherwise reject the request with a 400
// naming the field (see unsupported_extra below).
struct Extra {
  std::string name;  // top-level field name, e.g. "logprobs"
  std::string json;  // its value, JSON text
  bool droppable = false;
};

struct Request {
  Format from = Format::openai_chat;
  std::string model;         // as the client wrote it
  std::vector<Part> system;  // top-level system prompt (text parts)
  std::vector<Message> messages;

  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;

  ResponseFormat response_format;
  Reasoning reasoning;

  std::optional<std::int64_t> max_tokens;  // max_tokens / max_completion_tokens /
                                           // max_output_tokens / maxOutputTokens
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<double> presence_penalty;
  std::optional<double> frequency_penalty;
  std::optional<std::int64_t> seed;
  std::vector<std::string> stop;  // stop sequences
  std::string user;               // end-user id: OpenAI `user`, Anthropic metadata.user_id

  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage (the client asked for it)

  std::vector<Extra> extras;

  // Characters of prompt text, for estimates when the upstream reports no usage.
  std::size_t prompt_chars = 0;
};

enum class StopReason : std::uint8_t {
  unset,
  end_turn,        // OpenAI "stop", Gemini STOP
  max_tokens,      // OpenAI "length", Gemini MAX_TOKENS
  stop_sequence,   // OpenAI "stop" (with a stop sequence), Gemini STOP
  tool_use,        // OpenAI "tool_calls"
  content_filter,  // OpenAI "content_filter", Gemini SAFETY/RECITATION/..., Anthropic "refusal"
  pause_turn,      // Anthropic server tools
  error,           // the upstream ended the generation with an error
};
std::string_view to_string(StopReason reason);

struct Usage {
  std::int64_t input = 0;        // all prompt tokens
  std::int64_t output = 0;       // all generated tokens
  std::int64_t cache_read = 0;   // part of input read from the prompt cache
  std::int64_t cache_write = 0;  // part of input written to the prompt cache
  std::int64_t reasoning = 0;    // part of output spent on reasoning
  bool present = false;          // the upstream reported usage

  friend bool operator==(const Usage&, const Usage&) = default;
};

struct Response {
  std::string id;
  std::string model;
  std::int64_t created = 0;  // unix seconds
  std::vector<Part> content;  // text, thinking, redacted_thinking and tool_call parts, in order
  StopReason stop_reason = StopReason::unset;
  std::string stop_sequence;  // the sequence that matched, when known
  Usage usage;
};

// An error in canonical terms; each surface renders it in its own shape (OpenAI error object,
// Anthropic {"type":"error"}, Gemini google.rpc.Status).
struct Error {
  enum class Kind : std::uint8_t {
    invalid_request,    // 400
    authentication,     // 401
    payment_required,   // 402
    permission,         // 403
    not_found,          // 404
    request_too_large,  // 413
    rate_limit,         // 429
    api_error,          // 500, 502
    overloaded,         // 503, 529
    timeout,            // 504
  };
  Kind kind = Kind::api_error;
  int status = 500;
  std::string message;
  std::string code;   // stable gateway code, e.g. "unsupported_parameter"
  std::string param;  // the offending field, when known
};

Error::Kind kind_for_status(int status);
Error make_error(int status, std::string message, std::string code, std::string param = {});
// The 400 for an extra field an encoder of `family` cannot carry.
Error unsupported_extra(const Extra& extra, Format family);
// The 400 for a field or value a family cannot express (`param` names it).
Error unsupported(std::string param, std::string_view what, Format family);

// One step of a streamed response. Streams are block-structured, as Anthropic's are:
//   message_start, then per content block: block_start, deltas, block_stop (blocks are numbered
//   0, 1, ... in order and never interleave), then any number of usage events, one stop, and
//   finally end. Decoders of formats without explicit blocks (OpenAI chunks, Gemini) synthesise
//   them. An error event may come at any point and ends the stream.
struct Event {
  enum class Kind : std::uint8_t {
    message_start,   // id, model; usage when the upstream reports input tokens up front
    block_start,     // index, block (text | thinking | redacted_thinking | tool_call);
                     // tool_call: id, name; redacted_thinking: text holds the data
    text_delta,      // index, text (text or thinking block)
    arguments_delta, // index, text (a fragment of the tool call's arguments JSON)
    signature_delta, // index, text (thinking / tool call signature)
    block_stop,      // index
    usage,           // usage (cumulative: the latest event wins)
    stop,            // stop_reason, stop_sequence
    end,             // the stream completed normally
    error,           // error
  };
  Kind kind = Kind::message_start;
  int index = 0;
  Part::Kind block = Part::Kind::text;
  std::string text;
  std::string id;
  std::string name;
  std::string model;
  StopReason stop_reason = StopReason::unset;
  std::string stop_sequence;
  Usage usage;
  Error error;
};

// What a surface encoder writes that the IR does not decide: the public model id the client asked
// for (upstream model names never reach the client), the response id and creation time when the
// upstream gave none, and whether an OpenAI client asked for the usage chunk.
struct EncodeOptions {
  std::string model;
  std::string id;            // fallback response id, e.g. "msg_<random>" / "chatcmpl-<random>"
  std::int64_t created = 0;  // unix seconds
  bool include_usage = false;
};

// Receives a stream's events. Surface stream encoders implement it; provider stream decoders
// call it once per event, as soon as the upstream bytes that make the event have arrived.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
};

}  // namespace tollgate::ir
