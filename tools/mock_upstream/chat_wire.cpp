#include "mock_upstream/chat_wire.hpp"

#include "mock_upstream/content.hpp"
#include "mock_upstream/json_text.hpp"

namespace tollgate::mock {
namespace {

// The shape of OpenAI's own usage object, including the detail fields SDKs read.
void append_usage(std::string& out, const UsageCounts& usage) {
  out.append(R"({"prompt_tokens":)");
  append_uint(out, usage.prompt_tokens);
  out.append(R"(,"completion_tokens":)");
  append_uint(out, usage.completion_tokens);
  out.append(R"(,"total_tokens":)");
  append_uint(out, uint64_t{usage.prompt_tokens} + usage.completion_tokens);
  out.append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  append_uint(out, usage.cached_tokens);
  out.append(
      R"(,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,)"
      R"("accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})");
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

}  // namespace

std::string completion_body(const ReplyIdentity& identity, const ReplyPlan& plan,
                            const UsageCounts& usage) {
  std::string body;
  body.reserve(640 + identity.model.size() + std::size_t{plan.tokens} * 9);
  append_object_head(body, identity, "chat.completion");
  body.append(R"(,"choices":[{"index":0,"message":{"role":"assistant","content":")");
  for (uint32_t i = 0; i < plan.tokens; ++i) {
    body.append(output_token(plan.seed, i));  // plain ASCII words: no escaping needed
  }
  body.append(R"(","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":")");
  body.append(plan.finish_reason);
  body.append(R"("}],"usage":)");
  append_usage(body, usage);
  body.push_back('}');
  return body;
}

ChunkFrames::ChunkFrames(const ReplyIdentity& identity, bool include_usage)
    : include_usage_(include_usage) {
  prefix_.append("data: ");
  append_object_head(prefix_, identity, "chat.completion.chunk");
  prefix_.append(R"(,"choices":[)");
  frame_.reserve(prefix_.size() + 512);
}

std::string_view ChunkFrames::close_choice(std::string_view finish_reason) {
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

std::string_view ChunkFrames::role() {
  frame_.assign(prefix_);
  frame_.append(R"({"index":0,"delta":{"role":"assistant","content":"","refusal":null})");
  return close_choice({});
}

std::string_view ChunkFrames::content(std::string_view token) {
  frame_.assign(prefix_);
  frame_.append(R"({"index":0,"delta":{"content":)");
  append_json_string(frame_, token);
  frame_.push_back('}');
  return close_choice({});
}

std::string_view ChunkFrames::finish(std::string_view finish_reason) {
  frame_.assign(prefix_);
  frame_.append(R"({"index":0,"delta":{})");
  return close_choice(finish_reason);
}

std::string_view ChunkFrames::usage(const UsageCounts& usage) {
  frame_.assign(prefix_);
  frame_.append(R"(],"usage":)");
  append_usage(frame_, usage);
  frame_.append("}\n\n");
  return frame_;
}

std::string_view ChunkFrames::not_json() {
  frame_.assign(prefix_);
  frame_.append(R"({"index":0,"delta":{"content":" trunc)");
  frame_.append("\n\n");
  return frame_;
}

}  // namespace tollgate::mock
