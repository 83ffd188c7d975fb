// OpenAI Chat Completions response text: the JSON body and the SSE frames of a stream, built by
// appending to strings (no DOM on the hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::mock {

struct ReplyIdentity {
  std::string_view id;     // "chatcmpl-mock-<n>"
  int64_t created = 0;     // unix seconds
  std::string_view model;  // the request's model, verbatim
};

struct UsageCounts {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
  uint32_t cached_tokens = 0;
};

struct ReplyPlan {
  uint64_t seed = 0;  // hash of the last message's text
  uint32_t tokens = 0;
  std::string_view finish_reason;  // "stop" or "length"
};

// The whole chat.completion object.
std::string completion_body(const ReplyIdentity& identity, const ReplyPlan& plan,
                            const UsageCounts& usage);

// Frames of one chat.completion.chunk stream, each "data: ...\n\n". Every frame is built in one
// reused buffer: the returned view is valid until the next call.
class ChunkFrames {
 public:
  ChunkFrames(const ReplyIdentity& identity, bool include_usage);

  std::string_view role();                                  // delta {role, content: ""}
  std::string_view content(std::string_view token);         // delta {content}
  std::string_view finish(std::string_view finish_reason);  // delta {} + finish_reason
  std::string_view usage(const UsageCounts& usage);         // choices [] + usage
  std::string_view not_json();  // a frame whose data is a chunk cut short (malformed-sse)
  static constexpr std::string_view kDone = "data: [DONE]\n\n";

 private:
  std::string_view close_choice(std::string_view finish_reason);  // empty: null

  std::string prefix_;  // data: {"id":...,"choices":[{"index":0,"delta":
  std::string frame_;
  bool include_usage_;
};

}  // namespace tollgate::mock
