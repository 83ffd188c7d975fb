#include "mock_upstream/anthropic_wire.hpp"

#include "mock_upstream/json_text.hpp"

#include <algorithm>

namespace tollgate::mock {
namespace {

uint32_t uncached_input(const ReplyUsage& usage) {
  return usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens;
}

void append_input_usage(std::string& out, const ReplyUsage& usage) {
  out.append(R"("input_tokens":)");
  append_uint(out, uncached_input(usage));
  out.append(R"(,"cache_creation_input_tokens":)");
  append_uint(out, usage.cache_write_tokens);
  out.append(R"(,"cache_read_input_tokens":)");
  append_uint(out, usage.cache_read_tokens);
}

void append_output_details(std::string& out, const ReplyUsage& usage) {
  if (usage.reasoning_tokens == 0) return;
  out.append(R"(,"output_tokens_details":{"thinking_tokens":)");
  append_uint(out, usage.reasoning_tokens);
  out.push_back('}');
}

// The full usage object of a message (and of message_start, with its own output count and no
// output details, which would exceed it).
void append_usage(std::string& out, const ReplyUsage& usage, uint32_t output_tokens) {
  out.push_back('{');
  append_input_usage(out, usage);
  out.append(R"(,"cache_creation":{"ephemeral_5m_input_tokens":)");
  append_uint(out, usage.cache_write_tokens);
  out.append(R"(,"ephemeral_1h_input_tokens":0},"output_tokens":)");
  append_uint(out, output_tokens);
  if (output_tokens == usage.output_tokens) append_output_details(out, usage);
  out.append(R"(,"service_tier":"standard"})");
}

// The content block as a message carries it; `complete`: with its text / input, else empty as in
// content_block_start.
void append_block(std::string& out, const ReplyBlock& block, bool complete) {
  switch (block.kind) {
    case BlockKind::thinking:
      out.append(R"({"type":"thinking","thinking":)");
      append_json_string(out, complete ? std::string_view(block.text) : std::string_view());
      out.append(R"(,"signature":)");
      append_json_string(out, complete ? thinking_signature(block) : std::string());
      out.push_back('}');
      break;
    case BlockKind::text:
      out.append(R"({"type":"text","text":)");
      append_json_string(out, complete ? std::string_view(block.text) : std::string_view());
      out.push_back('}');
      break;
    case BlockKind::tool_call:
      out.append(R"({"type":"tool_use","id":")");
      out.append(tool_call_id(WireFormat::anthropic, block.call_number));
      out.append(R"(","name":)");
      append_json_string(out, block.tool_name);
      out.append(R"(,"input":)");
      out.append(complete ? std::string_view(block.text) : std::string_view("{}"));
      out.push_back('}');
      break;
  }
}

void append_message(std::string& out, const ReplyIdentity& identity, const Reply& reply,
                    bool complete) {
  out.append(R"({"id":")");
  out.append(identity.id);
  out.append(R"(","type":"message","role":"assistant","model":)");
  append_json_string(out, identity.model);
  out.append(R"(,"content":[)");
  if (complete) {
    for (std::size_t i = 0; i < reply.blocks.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_block(out, reply.blocks[i], true);
    }
  }
  out.append(R"(],"stop_reason":)");
  if (complete) {
    out.push_back('"');
    out.append(anthropic_stop_reason(reply.stop));
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.append(R"(,"stop_sequence":null,"usage":)");
  // message_start reports the first output token only, as Anthropic's does.
  append_usage(out, reply.usage,
               complete ? reply.usage.output_tokens : std::min(reply.usage.output_tokens, 1u));
  out.push_back('}');
}

class AnthropicEventEncoder final : public StreamEncoder {
 public:
  AnthropicEventEncoder(const ReplyIdentity& identity, const Reply& reply)
      : identity_(identity), reply_(reply) {}

  std::string_view open() override {
    frame_.clear();
    begin_event("message_start");
    frame_.append(R"({"type":"message_start","message":)");
    append_message(frame_, identity_, reply_, false);
    frame_.push_back('}');
    end_event();
    begin_event("ping");
    frame_.append(R"({"type":"ping"})");
    end_event();
    return frame_;
  }

  std::string_view block_start(std::size_t block) override {
    frame_.clear();
    begin_event("content_block_start");
    frame_.append(R"({"type":"content_block_start","index":)");
    append_uint(frame_, block);
    frame_.append(R"(,"content_block":)");
    append_block(frame_, reply_.blocks[block], false);
    frame_.push_back('}');
    end_event();
    return frame_;
  }

  std::string_view piece(std::size_t block, std::size_t piece) override {
    const ReplyBlock& source = reply_.blocks[block];
    frame_.clear();
    begin_delta(block);
    switch (source.kind) {
      case BlockKind::thinking:
        frame_.append(R"({"type":"thinking_delta","thinking":)");
        break;
      case BlockKind::text:
        frame_.append(R"({"type":"text_delta","text":)");
        break;
      case BlockKind::tool_call:
        frame_.append(R"({"type":"input_json_delta","partial_json":)");
        break;
    }
    append_json_string(frame_, source.piece(piece));
    frame_.append("}}");
    end_event();
    return frame_;
  }

  std::string_view block_stop(std::size_t block) override {
    frame_.clear();
    if (reply_.blocks[block].kind == BlockKind::thinking) {
      begin_delta(block);
      frame_.append(R"({"type":"signature_delta","signature":")");
      frame_.append(thinking_signature(reply_.blocks[block]));
      frame_.append("\"}}");
      end_event();
    }
    begin_event("content_block_stop");
    frame_.append(R"({"type":"content_block_stop","index":)");
    append_uint(frame_, block);
    frame_.push_back('}');
    end_event();
    return frame_;
  }

  std::string_view close() override {
    frame_.clear();
    begin_event("message_delta");
    frame_.append(R"({"type":"message_delta","delta":{"stop_reason":")");
    frame_.append(anthropic_stop_reason(reply_.stop));
    frame_.append(R"(","stop_sequence":null},"usage":{)");
    append_input_usage(frame_, reply_.usage);
    frame_.append(R"(,"output_tokens":)");
    append_uint(frame_, reply_.usage.output_tokens);
    append_output_details(frame_, reply_.usage);
    frame_.append("}}");
    end_event();
    begin_event("message_stop");
    frame_.append(R"({"type":"message_stop"})");
    end_event();
    return frame_;
  }

  std::string_view broken_frame() override {
    frame_.assign(
        "event: content_block_delta\n"
        R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" trunc)"
        "\n\n");
    return frame_;
  }

  std::string_view error_frame(const ApiError& error) override {
    frame_ = mock::error_frame(WireFormat::anthropic, error);
    return frame_;
  }

 private:
  void begin_event(std::string_view name) {
    frame_.append("event: ");
    frame_.append(name);
    frame_.append("\ndata: ");
  }

  void begin_delta(std::size_t block) {
    begin_event("content_block_delta");
    frame_.append(R"({"type":"content_block_delta","index":)");
    append_uint(frame_, block);
    frame_.append(R"(,"delta":)");
  }

  void end_event() { frame_.append("\n\n"); }

  const ReplyIdentity& identity_;
  const Reply& reply_;
  std::string frame_;
};

}  // namespace

std::string_view anthropic_stop_reason(StopReason stop) {
  return stop_name(stop);  // the mock's own names are Anthropic's
}

std::string anthropic_json_body(const ReplyIdentity& identity, const Conversation&,
                                const Reply& reply) {
  std::string body;
  body.reserve(512 + identity.model.size() + std::size_t{reply.usage.output_tokens} * 9);
  append_message(body, identity, reply, true);
  return body;
}

std::unique_ptr<StreamEncoder> anthropic_stream_encoder(const ReplyIdentity& identity,
                                                        const Conversation&, const Reply& reply) {
  return std::make_unique<AnthropicEventEncoder>(identity, reply);
}

}  // namespace tollgate::mock
