#include "mock_upstream/openai_wire.hpp"

#include "mock_upstream/json_text.hpp"

namespace tollgate::mock {
namespace {

// The shape of OpenAI's own usage object, including the detail fields SDKs read.
void append_usage(std::string& out, const ReplyUsage& usage) {
  out.append(R"({"prompt_tokens":)");
  append_uint(out, usage.input_tokens);
  out.append(R"(,"completion_tokens":)");
  append_uint(out, usage.output_tokens);
  out.append(R"(,"total_tokens":)");
  append_uint(out, uint64_t{usage.input_tokens} + usage.output_tokens);
  out.append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  append_uint(out, usage.cache_read_tokens);
  out.append(R"(,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":)");
  append_uint(out, usage.reasoning_tokens);
  out.append(
      R"(,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})");
}

void append_object_head(std::string& out, const ReplyIdentity& identity, std::string_view object) {
  out.append(R"({"id":")");
  out.append(identity.id);  // our own ASCII id: no escaping needed
  out.append(R"(","object":")");
  out.append(object);
  out.append(R"(","created":)");
  append_int(out, identity.created);
  out.append(R"(,"model":)");
  append_json_string(out, identity.model);
  out.append(R"(,"service_tier":"default","system_fingerprint":"fp_mock")");
}

void append_tool_call(std::string& out, const ReplyBlock& block) {
  out.append(R"({"id":")");
  out.append(tool_call_id(WireFormat::openai, block.call_number));
  out.append(R"(","type":"function","function":{"name":)");
  append_json_string(out, block.tool_name);
  out.append(R"(,"arguments":)");
  append_json_string(out, block.text);
  out.append("}}");
}

void append_message(std::string& out, const Reply& reply) {
  std::string text;
  std::string reasoning;
  bool has_text = false;
  for (const ReplyBlock& block : reply.blocks) {
    if (block.kind == BlockKind::text) {
      has_text = true;
      text.append(block.text);
    } else if (block.kind == BlockKind::thinking) {
      reasoning.append(block.text);
    }
  }
  out.append(R"({"role":"assistant","content":)");
  if (has_text) {
    append_json_string(out, text);
  } else {
    out.append("null");
  }
  if (!reasoning.empty()) {
    out.append(R"(,"reasoning_content":)");
    append_json_string(out, reasoning);
  }
  if (reply.has_tool_calls()) {
    out.append(R"(,"tool_calls":[)");
    bool first = true;
    for (const ReplyBlock& block : reply.blocks) {
      if (block.kind != BlockKind::tool_call) continue;
      if (!first) out.push_back(',');
      first = false;
      append_tool_call(out, block);
    }
    out.push_back(']');
  }
  out.append(R"(,"refusal":null,"annotations":[]})");
}

class OpenAiChunkEncoder final : public StreamEncoder {
 public:
  OpenAiChunkEncoder(const ReplyIdentity& identity, const Conversation& conversation,
                     const Reply& reply)
      : reply_(reply), include_usage_(conversation.stream_usage) {
    prefix_.append("data: ");
    append_object_head(prefix_, identity, "chat.completion.chunk");
    prefix_.append(R"(,"choices":[)");
    frame_.reserve(prefix_.size() + 512);
    int tool_index = 0;
    for (const ReplyBlock& block : reply.blocks) {
      tool_indexes_.push_back(block.kind == BlockKind::tool_call ? tool_index++ : -1);
    }
  }

  std::string_view open() override {
    begin_delta();
    frame_.append(R"("role":"assistant","content":"","refusal":null})");
    return close_choice({});
  }

  std::string_view block_start(std::size_t block) override {
    const ReplyBlock& call = reply_.blocks[block];
    if (call.kind != BlockKind::tool_call) return {};
    begin_delta();
    frame_.append(R"("tool_calls":[{"index":)");
    append_int(frame_, tool_indexes_[block]);
    frame_.append(R"(,"id":")");
    frame_.append(tool_call_id(WireFormat::openai, call.call_number));
    frame_.append(R"(","type":"function","function":{"name":)");
    append_json_string(frame_, call.tool_name);
    frame_.append(R"(,"arguments":""}}]})");
    return close_choice({});
  }

  std::string_view piece(std::size_t block, std::size_t piece) override {
    const ReplyBlock& source = reply_.blocks[block];
    begin_delta();
    switch (source.kind) {
      case BlockKind::thinking:
        frame_.append(R"("reasoning_content":)");
        append_json_string(frame_, source.piece(piece));
        frame_.push_back('}');
        break;
      case BlockKind::text:
        frame_.append(R"("content":)");
        append_json_string(frame_, source.piece(piece));
        frame_.push_back('}');
        break;
      case BlockKind::tool_call:
        frame_.append(R"("tool_calls":[{"index":)");
        append_int(frame_, tool_indexes_[block]);
        frame_.append(R"(,"function":{"arguments":)");
        append_json_string(frame_, source.piece(piece));
        frame_.append("}}]}");
        break;
    }
    return close_choice({});
  }

  std::string_view block_stop(std::size_t) override { return {}; }

  std::string_view close() override {
    std::string frames;
    begin_delta();
    frame_.push_back('}');
    frames.append(close_choice(openai_finish_reason(reply_.stop)));
    if (include_usage_) {
      frame_.assign(prefix_);
      frame_.append(R"(],"usage":)");
      append_usage(frame_, reply_.usage);
      frame_.append("}\n\n");
      frames.append(frame_);
    }
    frames.append(kDone);
    frame_ = std::move(frames);
    return frame_;
  }

  std::string_view broken_frame() override {
    frame_.assign(prefix_);
    frame_.append(R"({"index":0,"delta":{"content":" trunc)");
    frame_.append("\n\n");
    frame_.append(kDone);
    return frame_;
  }

  std::string_view error_frame(const ApiError& error) override {
    frame_ = mock::error_frame(WireFormat::openai, error);
    return frame_;
  }

 private:
  static constexpr std::string_view kDone = "data: [DONE]\n\n";

  void begin_delta() {
    frame_.assign(prefix_);
    frame_.append(R"({"index":0,"delta":{)");
  }

  // Ends the choice opened by begin_delta() (after its delta's closing brace) and the frame.
  std::string_view close_choice(std::string_view finish_reason) {
    if (finish_reason.empty()) {
      frame_.append(R"(,"logprobs":null,"finish_reason":null}])");
    } else {
      frame_.append(R"(,"logprobs":null,"finish_reason":")");
      frame_.append(finish_reason);
      frame_.append("\"}]");
    }
    if (include_usage_) frame_.append(R"(,"usage":null)");
    frame_.append("}\n\n");
    return frame_;
  }

  const Reply& reply_;
  bool include_usage_;
  std::vector<int> tool_indexes_;  // per block: its index among the tool calls, or -1
  std::string prefix_;             // data: {"id":...,"choices":[
  std::string frame_;
};

}  // namespace

std::string_view openai_finish_reason(StopReason stop) {
  switch (stop) {
    case StopReason::end_turn:
      return "stop";
    case StopReason::max_tokens:
      return "length";
    case StopReason::tool_use:
      return "tool_calls";
  }
  return "stop";
}

std::string openai_json_body(const ReplyIdentity& identity, const Conversation&,
                             const Reply& reply) {
  std::string body;
  body.reserve(640 + identity.model.size() + std::size_t{reply.usage.output_tokens} * 9);
  append_object_head(body, identity, "chat.completion");
  body.append(R"(,"choices":[{"index":0,"message":)");
  append_message(body, reply);
  body.append(R"(,"logprobs":null,"finish_reason":")");
  body.append(openai_finish_reason(reply.stop));
  body.append(R"("}],"usage":)");
  append_usage(body, reply.usage);
  body.push_back('}');
  return body;
}

std::unique_ptr<StreamEncoder> openai_stream_encoder(const ReplyIdentity& identity,
                                                     const Conversation& conversation,
                                                     const Reply& reply) {
  return std::make_unique<OpenAiChunkEncoder>(identity, conversation, reply);
}

}  // namespace tollgate::mock
