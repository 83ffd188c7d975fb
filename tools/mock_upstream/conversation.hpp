// What a model request asked for, independent of its wire format: the three request parsers
// (OpenAI chat, Anthropic messages, Gemini generateContent) fill this in, and the reply plan
// (reply.hpp) decides the answer from it alone. That is what makes the mock answer the same
// logical conversation the same way in every format.
#pragma once

#include "mock_upstream/content.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::mock {

enum class WireFormat { openai, anthropic, gemini };
std::string_view format_name(WireFormat format);  // "openai" | "anthropic" | "gemini"

struct ToolDeclaration {
  std::string name;
  std::string schema;  // the parameters' JSON schema, minified; empty when none was given
};

enum class ToolChoice { automatic, none, named };

struct Conversation {
  std::string model;  // verbatim, echoed in the reply
  bool stream = false;
  bool stream_usage = false;          // OpenAI stream_options.include_usage
  bool json_array_stream = false;     // Gemini streamGenerateContent without alt=sse
  std::optional<int64_t> max_tokens;  // the output limit, when the request set one

  // Counted by the usage formula (prompt_tokens()).
  uint32_t text_words = 0;     // whitespace-separated words of every text and tool result
  uint32_t message_units = 0;  // messages, counting each tool result as a message of its own
  std::vector<std::string> image_media_types;  // every image input, in order
  std::vector<ToolDeclaration> tools;          // function tools only

  ToolChoice tool_choice = ToolChoice::automatic;
  std::string chosen_tool;  // ToolChoice::named

  // The last message decides the kind of reply.
  uint64_t last_text_hash = kFnvOffsetBasis;  // FNV-1a of its text: the seed of generated words
  std::string last_text;                      // its text (looked at for "parallel" / "mixed")
  bool last_is_user = false;                  // sent by the user (or a tool), not the assistant
  std::vector<std::string> tool_results;      // non-empty: it carries tool results (their text)
  uint32_t earlier_tool_calls = 0;  // tool calls in the history: call ids continue after them

  // Structured output: the JSON schema the reply must satisfy, minified ("" = any JSON object).
  std::optional<std::string> output_schema;

  uint32_t prompt_tokens() const;
};

// Usage formula constants (docs/mock-upstream.md, "Usage").
inline constexpr uint32_t kPromptTokensPerImage = 85;
inline constexpr uint32_t kPromptTokensPerTool = 10;

// Text of one message, accumulated part by part: its words count towards the prompt and its
// hash seeds the reply when it is the last message.
struct MessageText {
  uint32_t words = 0;
  uint64_t hash = kFnvOffsetBasis;
  std::string text;

  void add(std::string_view part) {
    words += count_words(part);
    hash = fnv1a(part, hash);
    text.append(part);
  }
};

// The media type of an image given by URL: from a data: URL's header, else from the file
// extension (png, jpeg, gif, webp), else "unknown".
std::string image_media_type_of_url(std::string_view url);

}  // namespace tollgate::mock
