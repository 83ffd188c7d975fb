// ChatStreamDecoder: chat.completion.chunk payloads → ir::Event. Chunks carry flat deltas for one
// message; the IR wants numbered blocks that never interleave, so the state machine below opens a
// block when the kind of delta changes (reasoning, text, or a tool call's `index`) and closes the
// one before it.
#include <deque>
#include <string>

#include "api/json_parser.hpp"
#include "providers/openai/chat_codec.hpp"
#include "providers/openai/chat_upstream_fields.hpp"

namespace tollgate::providers::openai {
namespace {

namespace dom = simdjson::dom;
using EventKind = ir::Event::Kind;

std::string_view string_or_empty(dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get(text)) return {};
  return text;
}

ir::Event event_of(EventKind kind, int index = 0) {
  ir::Event event;
  event.kind = kind;
  event.index = index;
  return event;
}

}  // namespace

struct ChatStreamDecoder::State {
  enum class Block { none, text, thinking, tool_call };

  // One tool call of the message, keyed by the chunk's tool_calls[].index.
  struct ToolCall {
    std::int64_t key = 0;
    std::string id;
    std::string name;
    std::string pending_arguments;  // arguments that came before the name
    bool started = false;
    bool closed = false;
  };

  void feed(std::string_view type, std::string_view data, ir::EventSink& sink);
  void read_chunk(dom::object chunk, ir::EventSink& sink);
  void read_delta(dom::object delta, ir::EventSink& sink);
  bool read_tool_call(dom::object call, ir::EventSink& sink);
  ToolCall& tool_call_for(dom::object call);

  void start(dom::object chunk, ir::EventSink& sink);
  void text(Block kind, std::string_view text, ir::EventSink& sink);
  void open_block(Block kind, ir::EventSink& sink);
  void open_tool_call(ToolCall& call, ir::EventSink& sink);
  void close_block(ir::EventSink& sink);
  void start_pending_tool_calls(ir::EventSink& sink);
  void emit_usage(ir::EventSink& sink);
  void complete(ir::EventSink& sink);
  void fail(ir::Error error, ir::EventSink& sink);

  // This thread's parser for these events, shared by its streams: each event is read whole
  // before the next is parsed and nothing of it is kept (api/json_parser.hpp).
  dom::parser& parser = api::thread_parser<State>();
  bool started = false;
  bool finish_seen = false;  // a choice had a finish_reason
  bool done = false;         // stop and end were emitted
  bool failed = false;
  Block open = Block::none;
  int open_index = -1;            // the IR index of the open block
  int next_index = 0;             // the IR index of the next block
  ToolCall* open_call = nullptr;  // when open == Block::tool_call
  std::deque<ToolCall> calls;     // a deque, so open_call stays valid as calls are added
  ir::StopReason stop_reason = ir::StopReason::unset;
  ir::Usage usage;          // the latest usage reported
  ir::Usage emitted_usage;  // the latest usage event sent
};

void ChatStreamDecoder::State::feed(std::string_view type, std::string_view data,
                                    ir::EventSink& sink) {
  if (done || failed || data.empty()) return;
  if (data == "[DONE]") {
    complete(sink);
    return;
  }
  const api::ParserLease lease(parser);
  dom::element root;
  dom::object chunk;
  if (parser.parse(data.data(), data.size()).get(root) || root.get_object().get(chunk)) {
    fail(ir::make_error(502, "The upstream provider sent an unreadable stream chunk.",
                        "upstream_invalid_response"),
         sink);
    return;
  }
  dom::element error;
  if (chunk["error"].get(error) == simdjson::SUCCESS && !error.is_null()) {
    fail(read_error(502, error), sink);
    return;
  }
  if (type == "error") {
    fail(read_error(502, root), sink);
    return;
  }
  read_chunk(chunk, sink);
}

void ChatStreamDecoder::State::read_chunk(dom::object chunk, ir::EventSink& sink) {
  if (!started) start(chunk, sink);
  dom::array choices;
  if (chunk["choices"].get(choices) == simdjson::SUCCESS) {
    for (dom::element element : choices) {
      dom::object choice;
      std::int64_t index = 0;
      if (element.get_object().get(choice)) continue;
      if (choice["index"].get(index) == simdjson::SUCCESS && index != 0) continue;  // n == 1
      dom::object delta;
      if (choice["delta"].get(delta) == simdjson::SUCCESS) read_delta(delta, sink);
      if (failed) return;
      const std::string_view finish_reason = string_or_empty(choice, "finish_reason");
      if (!finish_reason.empty()) {
        close_block(sink);
        start_pending_tool_calls(sink);
        finish_seen = true;
        stop_reason = stop_reason_for(finish_reason);
      }
    }
  }
  // Usage that arrives while blocks are still streaming waits for the end: the IR puts usage
  // after the blocks.
  dom::object usage_object;
  if (chunk["usage"].get(usage_object) == simdjson::SUCCESS) {
    usage = read_usage(usage_object);
    if (finish_seen) emit_usage(sink);
  }
}

void ChatStreamDecoder::State::read_delta(dom::object delta, ir::EventSink& sink) {
  // DeepSeek, Qwen and vLLM name reasoning "reasoning_content"; OpenRouter and Ollama "reasoning".
  std::string_view reasoning = string_or_empty(delta, "reasoning_content");
  if (reasoning.empty()) reasoning = string_or_empty(delta, "reasoning");
  if (!reasoning.empty()) text(Block::thinking, reasoning, sink);
  const std::string_view content = string_or_empty(delta, "content");
  if (!content.empty()) text(Block::text, content, sink);
  const std::string_view refusal = string_or_empty(delta, "refusal");
  if (!refusal.empty()) text(Block::text, refusal, sink);
  dom::array tool_calls;
  if (delta["tool_calls"].get(tool_calls)) return;
  for (dom::element element : tool_calls) {
    dom::object call;
    if (element.get_object().get(call) == simdjson::SUCCESS && !read_tool_call(call, sink)) return;
  }
}

// The first fragment of a call brings its id and name, the next ones pieces of its arguments.
// A fragment for a call that was already closed (fragments of calls interleaved) cannot be
// expressed as blocks: the stream fails rather than assemble wrong arguments.
bool ChatStreamDecoder::State::read_tool_call(dom::object call, ir::EventSink& sink) {
  ToolCall& entry = tool_call_for(call);
  dom::object function;
  std::string_view name;
  std::string_view arguments;
  if (call["function"].get(function) == simdjson::SUCCESS) {
    name = string_or_empty(function, "name");
    arguments = string_or_empty(function, "arguments");
  }
  if (entry.closed) {
    if (arguments.empty()) return true;
    fail(ir::make_error(502, "The upstream provider interleaved the arguments of its tool calls.",
                        "upstream_invalid_response"),
         sink);
    return false;
  }
  if (entry.id.empty()) entry.id.assign(string_or_empty(call, "id"));
  if (entry.name.empty()) entry.name.assign(name);
  if (!entry.started) {
    entry.pending_arguments.append(arguments);
    if (!entry.name.empty()) open_tool_call(entry, sink);
    return true;
  }
  if (!arguments.empty()) {
    ir::Event event = event_of(EventKind::arguments_delta, open_index);
    event.text.assign(arguments);
    sink.on_event(event);
  }
  return true;
}

// Calls are keyed by `index`; a server that omits it sends each call whole, with its id.
ChatStreamDecoder::State::ToolCall& ChatStreamDecoder::State::tool_call_for(dom::object call) {
  std::int64_t key = 0;
  const bool has_index = call["index"].get(key) == simdjson::SUCCESS;
  const std::string_view id = string_or_empty(call, "id");
  if (!has_index) {
    key = static_cast<std::int64_t>(calls.size());
    if (id.empty() && !calls.empty()) return calls.back();
    for (ToolCall& existing : calls) {
      if (existing.id == id) return existing;
    }
  }
  for (ToolCall& existing : calls) {
    if (existing.key == key) return existing;
  }
  ToolCall& added = calls.emplace_back();
  added.key = key;
  return added;
}

void ChatStreamDecoder::State::start(dom::object chunk, ir::EventSink& sink) {
  started = true;
  ir::Event event = event_of(EventKind::message_start);
  event.id.assign(string_or_empty(chunk, "id"));
  event.model.assign(string_or_empty(chunk, "model"));
  sink.on_event(event);
}

void ChatStreamDecoder::State::text(Block kind, std::string_view text, ir::EventSink& sink) {
  if (open != kind) open_block(kind, sink);
  ir::Event event = event_of(EventKind::text_delta, open_index);
  event.text.assign(text);
  sink.on_event(event);
}

void ChatStreamDecoder::State::open_block(Block kind, ir::EventSink& sink) {
  close_block(sink);
  open = kind;
  open_index = next_index++;
  ir::Event event = event_of(EventKind::block_start, open_index);
  event.block = kind == Block::thinking ? ir::Part::Kind::thinking : ir::Part::Kind::text;
  sink.on_event(event);
}

void ChatStreamDecoder::State::open_tool_call(ToolCall& call, ir::EventSink& sink) {
  close_block(sink);
  open = Block::tool_call;
  open_index = next_index++;
  open_call = &call;
  call.started = true;
  // The IR needs an id to match results to calls; a server that sends none gets one made up.
  if (call.id.empty()) call.id = "call_" + std::to_string(open_index);
  ir::Event event = event_of(EventKind::block_start, open_index);
  event.block = ir::Part::Kind::tool_call;
  event.id = call.id;
  event.name = call.name;
  sink.on_event(event);
  if (!call.pending_arguments.empty()) {
    ir::Event arguments = event_of(EventKind::arguments_delta, open_index);
    arguments.text = std::move(call.pending_arguments);
    call.pending_arguments.clear();
    sink.on_event(arguments);
  }
}

void ChatStreamDecoder::State::close_block(ir::EventSink& sink) {
  if (open == Block::none) return;
  if (open_call) open_call->closed = true;
  sink.on_event(event_of(EventKind::block_stop, open_index));
  open = Block::none;
  open_call = nullptr;
}

// Calls whose name never arrived are still calls: they are sent with what there is.
void ChatStreamDecoder::State::start_pending_tool_calls(ir::EventSink& sink) {
  for (ToolCall& call : calls) {
    if (call.started) continue;
    open_tool_call(call, sink);
    close_block(sink);
  }
}

void ChatStreamDecoder::State::emit_usage(ir::EventSink& sink) {
  if (!usage.present || usage == emitted_usage) return;
  emitted_usage = usage;
  ir::Event event = event_of(EventKind::usage);
  event.usage = usage;
  sink.on_event(event);
}

void ChatStreamDecoder::State::complete(ir::EventSink& sink) {
  if (!started) sink.on_event(event_of(EventKind::message_start));
  started = true;
  close_block(sink);
  start_pending_tool_calls(sink);
  emit_usage(sink);
  ir::Event stop = event_of(EventKind::stop);
  stop.stop_reason = finish_seen ? stop_reason : ir::StopReason::end_turn;
  // Several servers (vLLM, Gemini's OpenAI endpoint) report "stop" for a turn that called tools.
  if (stop.stop_reason == ir::StopReason::end_turn && !calls.empty()) {
    stop.stop_reason = ir::StopReason::tool_use;
  }
  sink.on_event(stop);
  sink.on_event(event_of(EventKind::end));
  done = true;
}

void ChatStreamDecoder::State::fail(ir::Error error, ir::EventSink& sink) {
  failed = true;
  ir::Event event = event_of(EventKind::error);
  event.error = std::move(error);
  sink.on_event(event);
}

ChatStreamDecoder::ChatStreamDecoder() : state_(std::make_unique<State>()) {}
ChatStreamDecoder::~ChatStreamDecoder() = default;
ChatStreamDecoder::ChatStreamDecoder(ChatStreamDecoder&&) noexcept = default;
ChatStreamDecoder& ChatStreamDecoder::operator=(ChatStreamDecoder&&) noexcept = default;

void ChatStreamDecoder::feed(std::string_view type, std::string_view data, ir::EventSink& sink) {
  state_->feed(type, data, sink);
}

bool ChatStreamDecoder::finish(ir::EventSink& sink) {
  State& state = *state_;
  if (state.failed) return false;
  if (!state.done && state.finish_seen) state.complete(sink);
  return state.done;
}

bool ChatStreamDecoder::failed() const {
  return state_->failed;
}

}  // namespace tollgate::providers::openai
