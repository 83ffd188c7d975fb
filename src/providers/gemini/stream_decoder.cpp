// StreamDecoder: the chunks of streamGenerateContent?alt=sse → ir::Event. Each chunk is a whole
// GenerateContentResponse holding only the new parts; the decoder turns them into the IR's block
// structure. Text and thought deltas go out as soon as their chunk arrives. Usage is cumulative
// in every chunk, so only the latest is kept and sent, with the stop, when the body ends.
#include "api/json_parser.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/gemini/response_reading.hpp"

namespace tollgate::providers::gemini {

using namespace detail;

struct StreamDecoder::State {
  enum class Block { none, text, thinking };

  // This thread's parser for these events, shared by its streams: each event is read whole
  // before the next is parsed and nothing of it is kept (api/json_parser.hpp).
  dom::parser& parser = api::thread_parser<State>();
  bool started = false;
  bool failed = false;
  bool finish_seen = false;
  bool ended = false;  // finish() sent stop and end
  Block open = Block::none;
  int next_index = 0;
  std::size_t calls = 0;
  std::string response_id;
  ir::StopReason stop_reason = ir::StopReason::unset;
  ir::Usage usage;
  ir::Event event;  // reused, so its strings keep their capacity

  ir::Event& reset_event(ir::Event::Kind kind) {
    event.kind = kind;
    event.text.clear();
    event.id.clear();
    event.name.clear();
    event.model.clear();
    event.usage = {};
    return event;
  }

  void emit(ir::Event::Kind kind, ir::EventSink& sink) {
    reset_event(kind);
    event.index = next_index - 1;
    sink.on_event(event);
  }

  void emit_text(ir::Event::Kind kind, std::string_view text, ir::EventSink& sink) {
    reset_event(kind).text = text;
    event.index = next_index - 1;
    sink.on_event(event);
  }

  void fail(ir::Error error, ir::EventSink& sink) {
    failed = true;
    reset_event(ir::Event::Kind::error);
    event.error = std::move(error);
    sink.on_event(event);
  }

  void start(dom::object chunk, ir::EventSink& sink) {
    started = true;
    response_id = string_member(chunk, "responseId");
    ir::Event& start = reset_event(ir::Event::Kind::message_start);
    start.id = response_id;
    start.model = string_member(chunk, "modelVersion");
    dom::element metadata;
    if (!chunk.at_key("usageMetadata").get(metadata)) {
      const ir::Usage reported = read_usage(metadata);
      start.usage.input = reported.input;  // the output so far is not the output of the turn
      start.usage.cache_read = reported.cache_read;
      start.usage.present = reported.present;
    }
    sink.on_event(start);
  }

  void close_block(ir::EventSink& sink) {
    if (open == Block::none) return;
    emit(ir::Event::Kind::block_stop, sink);
    open = Block::none;
  }

  void open_block(Block block, ir::EventSink& sink) {
    if (open == block) return;
    close_block(sink);
    open = block;
    reset_event(ir::Event::Kind::block_start).index = next_index++;
    event.block = block == Block::text ? ir::Part::Kind::text : ir::Part::Kind::thinking;
    sink.on_event(event);
  }

  void add_text(const PartView& part, Block block, ir::EventSink& sink) {
    // A text part's signature has no place in an IR text block: it is dropped (Gemini does not
    // require text signatures back). A thought's signature ends its thinking block.
    if (part.text.empty() && (block == Block::text || part.signature.empty())) return;
    open_block(block, sink);
    if (!part.text.empty()) emit_text(ir::Event::Kind::text_delta, part.text, sink);
    if (block == Block::thinking && !part.signature.empty()) {
      emit_text(ir::Event::Kind::signature_delta, part.signature, sink);
      close_block(sink);
    }
  }

  void add_call(const PartView& part, ir::EventSink& sink) {
    close_block(sink);
    ir::Event& start = reset_event(ir::Event::Kind::block_start);
    start.index = next_index++;
    start.block = ir::Part::Kind::tool_call;
    start.id = part.call_id.empty() ? synthesized_call_id(response_id, calls) : part.call_id;
    start.name = part.name;
    sink.on_event(start);
    ++calls;
    emit_text(ir::Event::Kind::arguments_delta, part.arguments, sink);
    if (!part.signature.empty()) emit_text(ir::Event::Kind::signature_delta, part.signature, sink);
    emit(ir::Event::Kind::block_stop, sink);
  }

  void add_part(const PartView& part, ir::EventSink& sink) {
    switch (part.kind) {
      case PartView::Kind::text: add_text(part, Block::text, sink); break;
      case PartView::Kind::thought: add_text(part, Block::thinking, sink); break;
      case PartView::Kind::function_call: add_call(part, sink); break;
      case PartView::Kind::other: break;  // media and code execution output have no IR form
    }
  }

  void read_candidate(dom::object candidate, ir::EventSink& sink) {
    dom::array parts;
    if (!candidate.at_key("content").at_key("parts").get_array().get(parts)) {
      for (dom::element element : parts) add_part(read_part(element), sink);
    }
    const std::string_view reason = string_member(candidate, "finishReason");
    if (!reason.empty()) finish_with(map_finish_reason(reason, calls > 0), sink);
  }

  void finish_with(ir::StopReason reason, ir::EventSink& sink) {
    close_block(sink);
    finish_seen = true;
    stop_reason = reason;
  }

  void read_chunk(dom::object chunk, ir::EventSink& sink) {
    if (!started) start(chunk, sink);
    dom::object candidate;
    if (!finish_seen && first_candidate(chunk, candidate)) {
      read_candidate(candidate, sink);
    } else if (!finish_seen) {
      std::string_view block_reason;
      if (!chunk.at_key("promptFeedback").at_key("blockReason").get_string().get(block_reason) &&
          !block_reason.empty()) {
        finish_with(ir::StopReason::content_filter, sink);
      }
    }
    dom::element metadata;
    if (!chunk.at_key("usageMetadata").get(metadata)) usage = read_usage(metadata);
  }

  void read_error(dom::object chunk, std::string_view data, ir::EventSink& sink) {
    std::int64_t code = 0;
    if (chunk.at_key("error").at_key("code").get_int64().get(code) || code < 400 || code > 599) {
      code = 500;
    }
    fail(decode_error(static_cast<int>(code), data), sink);
  }
};

StreamDecoder::StreamDecoder() : state_(std::make_unique<State>()) {}
StreamDecoder::~StreamDecoder() = default;
StreamDecoder::StreamDecoder(StreamDecoder&&) noexcept = default;
StreamDecoder& StreamDecoder::operator=(StreamDecoder&&) noexcept = default;

void StreamDecoder::feed(std::string_view /*type*/, std::string_view data, ir::EventSink& sink) {
  State& state = *state_;
  if (state.failed || state.ended) return;
  constexpr std::size_t kMaxNesting = 128;
  const api::ParserLease lease(state.parser);
  dom::object chunk;
  if (api::reserve_parser(state.parser, data.size(), kMaxNesting) ||
      state.parser.parse(data.data(), data.size()).get_object().get(chunk)) {
    state.fail(ir::make_error(502, "The upstream sent a stream chunk that is not a JSON object.",
                              "bad_upstream_response"),
               sink);
    return;
  }
  if (chunk.at_key("error").is_object()) {
    state.read_error(chunk, data, sink);
    return;
  }
  state.read_chunk(chunk, sink);
}

bool StreamDecoder::finish(ir::EventSink& sink) {
  State& state = *state_;
  if (state.failed || !state.finish_seen) return false;
  if (state.ended) return true;
  if (state.usage.present) {
    state.reset_event(ir::Event::Kind::usage).usage = state.usage;
    sink.on_event(state.event);
  }
  ir::Event& stop = state.reset_event(ir::Event::Kind::stop);
  stop.stop_reason = state.stop_reason;
  stop.stop_sequence.clear();
  sink.on_event(stop);
  state.reset_event(ir::Event::Kind::end);
  sink.on_event(state.event);
  state.ended = true;
  return true;
}

bool StreamDecoder::failed() const { return state_->failed; }

}  // namespace tollgate::providers::gemini
