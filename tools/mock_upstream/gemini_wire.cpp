#include "mock_upstream/gemini_wire.hpp"

#include "mock_upstream/json_text.hpp"

namespace tollgate::mock {
namespace {

void append_usage(std::string& out, const ReplyUsage& usage) {
  out.append(R"({"promptTokenCount":)");
  append_uint(out, usage.input_tokens);
  out.append(R"(,"candidatesTokenCount":)");
  append_uint(out, usage.output_tokens - usage.reasoning_tokens);
  out.append(R"(,"totalTokenCount":)");
  append_uint(out, uint64_t{usage.input_tokens} + usage.output_tokens);
  if (usage.cache_read_tokens > 0) {
    out.append(R"(,"cachedContentTokenCount":)");
    append_uint(out, usage.cache_read_tokens);
  }
  if (usage.reasoning_tokens > 0) {
    out.append(R"(,"thoughtsTokenCount":)");
    append_uint(out, usage.reasoning_tokens);
  }
  out.push_back('}');
}

// Gemini reports the prompt in every chunk of a stream and the rest in the last one.
void append_prompt_usage(std::string& out, const ReplyUsage& usage) {
  out.append(R"({"promptTokenCount":)");
  append_uint(out, usage.input_tokens);
  out.append(R"(,"totalTokenCount":)");
  append_uint(out, usage.input_tokens);
  out.push_back('}');
}

void append_text_part(std::string& out, std::string_view text, bool thought) {
  out.append(R"({"text":)");
  append_json_string(out, text);
  if (thought) out.append(R"(,"thought":true)");
  out.push_back('}');
}

void append_call_part(std::string& out, const ReplyBlock& block) {
  out.append(R"({"functionCall":{"name":)");
  append_json_string(out, block.tool_name);
  out.append(R"(,"args":)");
  out.append(block.text);  // JSON we generated
  out.append("}}");
}

void append_part(std::string& out, const ReplyBlock& block) {
  if (block.kind == BlockKind::tool_call) {
    append_call_part(out, block);
  } else {
    append_text_part(out, block.text, block.kind == BlockKind::thinking);
  }
}

// {"candidates":[{"content":{"parts":[ ... the caller appends the parts.
void open_candidate(std::string& out) {
  out.append(R"({"candidates":[{"content":{"parts":[)");
}

// ... ],"role":"model"},[finishReason,]"index":0}],"usageMetadata":...,"modelVersion","responseId"}
void close_candidate(std::string& out, const ReplyIdentity& identity, std::string_view finish,
                     const ReplyUsage& usage, bool final) {
  out.append(R"(],"role":"model"},)");
  if (!finish.empty()) {
    out.append(R"("finishReason":")");
    out.append(finish);
    out.append(R"(",)");
  }
  out.append(R"("index":0}],"usageMetadata":)");
  if (final) {
    append_usage(out, usage);
  } else {
    append_prompt_usage(out, usage);
  }
  out.append(R"(,"modelVersion":)");
  append_json_string(out, identity.model);
  out.append(R"(,"responseId":")");
  out.append(identity.id);
  out.append("\"}");
}

class GeminiChunkEncoder final : public StreamEncoder {
 public:
  GeminiChunkEncoder(const ReplyIdentity& identity, const Conversation& conversation,
                     const Reply& reply)
      : identity_(identity), reply_(reply), sse_(!conversation.json_array_stream) {}

  std::string_view open() override {
    frame_.clear();
    if (!sse_) frame_.push_back('[');
    return frame_;
  }

  std::string_view block_start(std::size_t) override { return {}; }

  std::string_view piece(std::size_t block, std::size_t piece) override {
    const ReplyBlock& source = reply_.blocks[block];
    if (source.kind == BlockKind::tool_call) return {};  // Gemini sends a call whole
    std::string chunk;
    open_candidate(chunk);
    append_text_part(chunk, source.piece(piece), source.kind == BlockKind::thinking);
    close_candidate(chunk, identity_, {}, reply_.usage, false);
    return frame(chunk);
  }

  std::string_view block_stop(std::size_t block) override {
    const ReplyBlock& source = reply_.blocks[block];
    if (source.kind != BlockKind::tool_call) return {};
    std::string chunk;
    open_candidate(chunk);
    append_call_part(chunk, source);
    close_candidate(chunk, identity_, {}, reply_.usage, false);
    return frame(chunk);
  }

  std::string_view close() override {
    std::string chunk;
    open_candidate(chunk);
    append_text_part(chunk, "", false);
    close_candidate(chunk, identity_, gemini_finish_reason(reply_.stop), reply_.usage, true);
    frame(chunk);
    if (!sse_) frame_.push_back(']');
    return frame_;
  }

  std::string_view broken_frame() override {
    return frame(R"({"candidates":[{"content":{"parts":[{"text":" trunc)");
  }

  std::string_view error_frame(const ApiError& error) override {
    frame(error_body(WireFormat::gemini, error));
    if (!sse_) frame_.push_back(']');
    return frame_;
  }

 private:
  // One chunk in the stream's framing.
  std::string_view frame(std::string_view chunk) {
    frame_.clear();
    if (sse_) {
      frame_.append("data: ");
      frame_.append(chunk);
      frame_.append("\r\n\r\n");
    } else {
      if (chunks_sent_ > 0) frame_.append(",\r\n");
      frame_.append(chunk);
    }
    ++chunks_sent_;
    return frame_;
  }

  const ReplyIdentity& identity_;
  const Reply& reply_;
  bool sse_;
  std::size_t chunks_sent_ = 0;
  std::string frame_;
};

}  // namespace

std::string_view gemini_finish_reason(StopReason stop) {
  return stop == StopReason::max_tokens ? "MAX_TOKENS" : "STOP";
}

std::string gemini_json_body(const ReplyIdentity& identity, const Conversation&,
                             const Reply& reply) {
  std::string body;
  body.reserve(512 + identity.model.size() + std::size_t{reply.usage.output_tokens} * 9);
  open_candidate(body);
  for (std::size_t i = 0; i < reply.blocks.size(); ++i) {
    if (i > 0) body.push_back(',');
    append_part(body, reply.blocks[i]);
  }
  close_candidate(body, identity, gemini_finish_reason(reply.stop), reply.usage, true);
  return body;
}

std::unique_ptr<StreamEncoder> gemini_stream_encoder(const ReplyIdentity& identity,
                                                     const Conversation& conversation,
                                                     const Reply& reply) {
  return std::make_unique<GeminiChunkEncoder>(identity, conversation, reply);
}

}  // namespace tollgate::mock
