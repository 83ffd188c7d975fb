// The reply plan: what the mock answers to a Conversation, decided once for every wire format.
// The rules (docs/mock-upstream.md, "Reply rules") live here and only here; the *_wire.cpp files
// only spell a Reply in their format.
//
// A reply is a list of blocks (thinking, text, tool calls), each cut into pieces: a piece is one
// output token and one stream delta. Generated words are a piece each; fixed text (tool
// results, JSON, image notes) and tool arguments are cut every 4 bytes (never inside a UTF-8
// character).
#pragma once

#include "mock_upstream/conversation.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::mock {

enum class BlockKind { thinking, text, tool_call };

struct ReplyBlock {
  BlockKind kind = BlockKind::text;
  std::string text;                  // thinking or text; a tool call's arguments (JSON object)
  std::vector<uint32_t> piece_ends;  // where each piece of `text` ends
  std::string tool_name;             // tool_call
  uint32_t call_number = 0;          // tool_call: the n of "call_<n>" / "toolu_<n>"

  std::size_t pieces() const { return piece_ends.size(); }
  std::string_view piece(std::size_t index) const;
};

enum class StopReason { end_turn, max_tokens, tool_use };
std::string_view stop_name(StopReason stop);  // "end_turn" | "max_tokens" | "tool_use"

// Totals in the IR's convention: input includes the cache parts, output includes reasoning.
struct ReplyUsage {
  uint32_t input_tokens = 0;
  uint32_t cache_read_tokens = 0;
  uint32_t cache_write_tokens = 0;
  uint32_t output_tokens = 0;
  uint32_t reasoning_tokens = 0;
};

struct Reply {
  std::vector<ReplyBlock> blocks;
  StopReason stop = StopReason::end_turn;
  ReplyUsage usage;
  std::vector<std::string> image_media_types;  // the request's images, for /_mock/last-response

  bool has_tool_calls() const;
  std::string text() const;  // every text block, joined
};

// The header-driven parts of a reply (x-mock-tokens, x-mock-reasoning-tokens, ...).
struct ReplyDirectives {
  uint32_t natural_tokens = 16;  // generated words of a plain text reply
  uint32_t reasoning_tokens = 0;
  uint32_t cached_tokens = 0;       // capped at the prompt
  uint32_t cache_write_tokens = 0;  // capped at what the cache read leaves of the prompt
};

Reply plan_reply(const Conversation& conversation, const ReplyDirectives& directives);

// "call_<n>" (OpenAI), "toolu_<n>" (Anthropic); Gemini calls carry no id (empty).
std::string tool_call_id(WireFormat format, uint32_t call_number);

// The opaque signature of a thinking block ("mocksig_" + FNV-1a of its text in hex).
std::string thinking_signature(const ReplyBlock& block);

// The format-neutral record served by GET /_mock/last-response.
std::string reply_summary_json(WireFormat format, std::string_view model, const Reply& reply);

}  // namespace tollgate::mock
