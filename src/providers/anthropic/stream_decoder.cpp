// An Anthropic upstream's SSE stream (message_start, content_block_start / _delta / _stop,
// message_delta, message_stop; ping; error) into ir::Events, one SSE event at a time.
#include <string>

#include "api/json_parser.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/anthropic/wire.hpp"

namespace tollgate::providers::anthropic {

namespace dom = simdjson::dom;

struct StreamDecoder::State {
  enum class Phase : std::uint8_t {
    awaiting_message,  // nothing yet: only message_start may come
    between_blocks,    // after message_start, message_delta or a block's stop
    in_block,          // a block the IR carries is open
    skipping_block,    // a block the IR cannot carry (server tools) is open
    done,              // message_stop was seen
    errored,           // an error event was emitted (malformed input or the upstream's error)
  };

  void feed(std::string_view type, std::string_view data, ir::EventSink& sink);

  // Each handler returns false when the event is malformed.
  bool on_message_start(dom::object event, ir::EventSink& sink);
  bool on_block_start(dom::object event, ir::EventSink& sink);
  bool on_block_delta(dom::object event, ir::EventSink& sink);
  bool on_block_stop(dom::object event, ir::EventSink& sink);
  bool on_message_delta(dom::object event, ir::EventSink& sink);
  bool on_message_stop(ir::EventSink& sink);
  void on_upstream_error(dom::object event, ir::EventSink& sink);

  bool start_known_block(std::string_view type, dom::object block, ir::EventSink& sink);
  bool is_open_block(dom::object event) const;
  ir::Event& next_event(ir::Event::Kind kind);
  void emit_delta(ir::Event::Kind kind, std::string_view text, ir::EventSink& sink);
  void emit_error(ir::Error error, ir::EventSink& sink);

  // This thread's parser for these events, shared by its streams: each event is read whole
  // before the next is parsed and nothing of it is kept (api/json_parser.hpp).
  dom::parser& parser = api::thread_parser<State>();
  Phase phase = Phase::awaiting_message;
  std::int64_t open_index = -1;  // Anthropic's index of the open block
  int next_index = 0;            // the IR index of the next block
  ir::Part::Kind open_kind = ir::Part::Kind::text;
  wire::UsageCounts usage;
  ir::Event event;  // reused for every event emitted
};

namespace {

bool read_index(dom::object event, std::int64_t& index) {
  return !event.at_key("index").get_int64().get(index);
}

}  // namespace

ir::Event& StreamDecoder::State::next_event(ir::Event::Kind kind) {
  event.kind = kind;
  event.index = next_index - 1;  // the open block, for deltas and stops
  event.text.clear();
  return event;
}

void StreamDecoder::State::emit_delta(ir::Event::Kind kind, std::string_view text,
                                      ir::EventSink& sink) {
  if (text.empty()) return;
  next_event(kind).text.assign(text);
  sink.on_event(event);
}

void StreamDecoder::State::emit_error(ir::Error error, ir::EventSink& sink) {
  phase = Phase::errored;
  ir::Event failure;
  failure.kind = ir::Event::Kind::error;
  failure.error = std::move(error);
  sink.on_event(failure);
}

void StreamDecoder::State::feed(std::string_view type, std::string_view data, ir::EventSink& sink) {
  if (phase == Phase::done || phase == Phase::errored) return;
  const api::ParserLease lease(parser);
  dom::object object;
  if (data.empty() || parser.parse(data.data(), data.size()).get(object)) {
    emit_error(ir::make_error(502, "The upstream sent an event that is not a JSON object",
                              "upstream_invalid_response"),
               sink);
    return;
  }
  if (type.empty()) type = wire::string_field(object, "type");
  bool well_formed = true;
  if (type == "message_start") {
    well_formed = on_message_start(object, sink);
  } else if (type == "content_block_start") {
    well_formed = on_block_start(object, sink);
  } else if (type == "content_block_delta") {
    well_formed = on_block_delta(object, sink);
  } else if (type == "content_block_stop") {
    well_formed = on_block_stop(object, sink);
  } else if (type == "message_delta") {
    well_formed = on_message_delta(object, sink);
  } else if (type == "message_stop") {
    well_formed = on_message_stop(sink);
  } else if (type == "error") {
    on_upstream_error(object, sink);
  }  // ping, and event types added after this was written, carry nothing for the IR
  if (!well_formed) {
    emit_error(
        ir::make_error(
            502, "The upstream sent a malformed or out-of-order " + std::string(type) + " event",
            "upstream_invalid_response"),
        sink);
  }
}

bool StreamDecoder::State::on_message_start(dom::object object, ir::EventSink& sink) {
  dom::object message;
  if (phase != Phase::awaiting_message || object.at_key("message").get(message)) return false;
  ir::Event& start = next_event(ir::Event::Kind::message_start);
  start.id.assign(wire::string_field(message, "id"));
  start.model.assign(wire::string_field(message, "model"));
  dom::object counts;
  if (!message.at_key("usage").get(counts)) wire::read_usage(counts, usage);
  start.usage = wire::to_ir_usage(usage);
  phase = Phase::between_blocks;
  sink.on_event(start);
  return true;
}

bool StreamDecoder::State::on_block_start(dom::object object, ir::EventSink& sink) {
  dom::object block;
  std::string_view type;
  if (phase != Phase::between_blocks || !read_index(object, open_index) ||
      object.at_key("content_block").get(block) || block.at_key("type").get(type)) {
    return false;
  }
  if (type == "text" || type == "thinking" || type == "redacted_thinking" || type == "tool_use") {
    return start_known_block(type, block, sink);
  }
  phase = Phase::skipping_block;
  return true;
}

bool StreamDecoder::State::start_known_block(std::string_view type, dom::object block,
                                             ir::EventSink& sink) {
  ir::Event& start = next_event(ir::Event::Kind::block_start);
  start.index = next_index;
  std::string_view text;
  if (type == "tool_use") {
    start.block = ir::Part::Kind::tool_call;
    if (block.at_key("id").get(text)) return false;
    start.id.assign(text);
    if (block.at_key("name").get(text)) return false;
    start.name.assign(text);
  } else if (type == "redacted_thinking") {
    start.block = ir::Part::Kind::redacted_thinking;
    if (block.at_key("data").get(text)) return false;
    start.text.assign(text);
  } else {
    start.block = type == "thinking" ? ir::Part::Kind::thinking : ir::Part::Kind::text;
  }
  open_kind = start.block;
  ++next_index;
  phase = Phase::in_block;
  sink.on_event(start);
  // Anthropic starts text and thinking blocks empty; text already there is content all the same.
  std::string_view initial;
  if (!block.at_key(type == "thinking" ? "thinking" : "text").get(initial) &&
      open_kind != ir::Part::Kind::redacted_thinking && open_kind != ir::Part::Kind::tool_call) {
    emit_delta(ir::Event::Kind::text_delta, initial, sink);
  }
  if (open_kind == ir::Part::Kind::thinking && !block.at_key("signature").get(initial)) {
    emit_delta(ir::Event::Kind::signature_delta, initial, sink);
  }
  return true;
}

bool StreamDecoder::State::is_open_block(dom::object object) const {
  std::int64_t index = -1;
  return (phase == Phase::in_block || phase == Phase::skipping_block) &&
         read_index(object, index) && index == open_index;
}

// Deltas of a kind that does not fit the open block (and citations) are ignored.
bool StreamDecoder::State::on_block_delta(dom::object object, ir::EventSink& sink) {
  dom::object delta;
  std::string_view type;
  if (!is_open_block(object) || object.at_key("delta").get(delta) ||
      delta.at_key("type").get(type)) {
    return false;
  }
  if (phase == Phase::skipping_block) return true;
  using Kind = ir::Part::Kind;
  std::string_view text;
  if (type == "text_delta" && open_kind == Kind::text) {
    if (delta.at_key("text").get(text)) return false;
    emit_delta(ir::Event::Kind::text_delta, text, sink);
  } else if (type == "thinking_delta" && open_kind == Kind::thinking) {
    if (delta.at_key("thinking").get(text)) return false;
    emit_delta(ir::Event::Kind::text_delta, text, sink);
  } else if (type == "signature_delta" && open_kind == Kind::thinking) {
    if (delta.at_key("signature").get(text)) return false;
    emit_delta(ir::Event::Kind::signature_delta, text, sink);
  } else if (type == "input_json_delta" && open_kind == Kind::tool_call) {
    if (delta.at_key("partial_json").get(text)) return false;
    emit_delta(ir::Event::Kind::arguments_delta, text, sink);
  }
  return true;
}

bool StreamDecoder::State::on_block_stop(dom::object object, ir::EventSink& sink) {
  if (!is_open_block(object)) return false;
  const bool skipped = phase == Phase::skipping_block;
  phase = Phase::between_blocks;
  if (!skipped) sink.on_event(next_event(ir::Event::Kind::block_stop));
  return true;
}

bool StreamDecoder::State::on_message_delta(dom::object object, ir::EventSink& sink) {
  dom::object delta;
  if (phase != Phase::between_blocks || object.at_key("delta").get(delta)) return false;
  dom::object counts;
  if (!object.at_key("usage").get(counts)) {
    const wire::UsageCounts before = usage;
    wire::read_usage(counts, usage);
    if (usage != before) {
      next_event(ir::Event::Kind::usage).usage = wire::to_ir_usage(usage);
      sink.on_event(event);
    }
  }
  std::string_view reason;
  if (!delta.at_key("stop_reason").get(reason)) {
    ir::Event& stop = next_event(ir::Event::Kind::stop);
    stop.stop_reason = wire::parse_stop_reason(reason);
    stop.stop_sequence.assign(wire::string_field(delta, "stop_sequence"));
    sink.on_event(stop);
  }
  return true;
}

bool StreamDecoder::State::on_message_stop(ir::EventSink& sink) {
  if (phase != Phase::between_blocks) return false;
  phase = Phase::done;
  sink.on_event(next_event(ir::Event::Kind::end));
  return true;
}

void StreamDecoder::State::on_upstream_error(dom::object object, ir::EventSink& sink) {
  dom::object error;
  if (object.at_key("error").get(error)) {
    emit_error(ir::make_error(502, "The upstream stream failed", "upstream_error"), sink);
    return;
  }
  const std::string_view type = wire::string_field(error, "type", "api_error");
  emit_error(wire::read_error_object(wire::status_for_error_type(type), error), sink);
}

StreamDecoder::StreamDecoder() : state_(std::make_unique<State>()) {}
StreamDecoder::~StreamDecoder() = default;
StreamDecoder::StreamDecoder(StreamDecoder&&) noexcept = default;
StreamDecoder& StreamDecoder::operator=(StreamDecoder&&) noexcept = default;

void StreamDecoder::feed(std::string_view type, std::string_view data, ir::EventSink& sink) {
  state_->feed(type, data, sink);
}

bool StreamDecoder::finish(ir::EventSink& sink) {
  using Phase = State::Phase;
  if (state_->phase == Phase::done) return true;
  if (state_->phase != Phase::errored) {
    state_->emit_error(ir::make_error(502, "The upstream stream ended before message_stop",
                                      "upstream_stream_truncated"),
                       sink);
  }
  return false;
}

bool StreamDecoder::failed() const {
  return state_->phase == State::Phase::errored;
}

}  // namespace tollgate::providers::anthropic
