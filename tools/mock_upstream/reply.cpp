#include "mock_upstream/reply.hpp"

#include "mock_upstream/json_text.hpp"
#include "mock_upstream/schema_sample.hpp"

#include <algorithm>
#include <cctype>

namespace tollgate::mock {
namespace {

constexpr std::size_t kFixedPieceBytes = 4;

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Appends `text` to the block as pieces of 4 bytes (a little more to finish a UTF-8 character).
void append_fixed(ReplyBlock& block, std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.size(), at + kFixedPieceBytes);
    while (end < text.size() && is_utf8_continuation(text[end])) ++end;
    block.text.append(text.substr(at, end - at));
    block.piece_ends.push_back(static_cast<uint32_t>(block.text.size()));
    at = end;
  }
}

// Appends `count` generated words (content.hpp) seeded by `seed`.
void append_words(ReplyBlock& block, uint64_t seed, uint32_t count) {
  block.text.reserve(block.text.size() + std::size_t{count} * 8);
  for (uint32_t i = 0; i < count; ++i) {
    block.text.append(output_token(seed, i));
    block.piece_ends.push_back(static_cast<uint32_t>(block.text.size()));
  }
}

ReplyBlock make_block(BlockKind kind) {
  ReplyBlock block;
  block.kind = kind;
  return block;
}

bool contains_word(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != text.end();
}

std::string tool_results_text(const std::vector<std::string>& results) {
  std::string text = "Tool results: ";
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i > 0) text.append(" | ");
    text.append(results[i]);
  }
  return text;
}

// Which declared tools the reply calls, in order.
std::vector<const ToolDeclaration*> tools_to_call(const Conversation& conversation) {
  const auto& tools = conversation.tools;
  if (conversation.tool_choice == ToolChoice::named) {
    for (const auto& tool : tools) {
      if (tool.name == conversation.chosen_tool) return {&tool};
    }
  }
  if (contains_word(conversation.last_text, "parallel")) {
    std::vector<const ToolDeclaration*> all;
    for (const auto& tool : tools) all.push_back(&tool);
    return all;
  }
  return {&tools.front()};
}

void plan_tool_calls(const Conversation& conversation, Reply& reply) {
  const auto targets = tools_to_call(conversation);
  if (contains_word(conversation.last_text, "mixed")) {
    ReplyBlock text = make_block(BlockKind::text);
    append_fixed(text, "Calling " + targets.front()->name + ".");
    reply.blocks.push_back(std::move(text));
  }
  uint32_t call_number = conversation.earlier_tool_calls;
  for (const ToolDeclaration* tool : targets) {
    ReplyBlock call = make_block(BlockKind::tool_call);
    call.tool_name = tool->name;
    call.call_number = ++call_number;
    append_fixed(call, sample_json(tool->schema));
    reply.blocks.push_back(std::move(call));
  }
  reply.stop = StopReason::tool_use;
}

std::string image_note(std::size_t images) {
  return "I see " + std::to_string(images) + (images == 1 ? " image." : " images.");
}

void plan_content(const Conversation& conversation, const ReplyDirectives& directives,
                  Reply& reply) {
  const bool wants_tools = !conversation.tools.empty() && conversation.last_is_user &&
                           conversation.tool_choice != ToolChoice::none;
  if (!conversation.tool_results.empty()) {
    ReplyBlock text = make_block(BlockKind::text);
    append_fixed(text, tool_results_text(conversation.tool_results));
    reply.blocks.push_back(std::move(text));
  } else if (wants_tools) {
    plan_tool_calls(conversation, reply);
  } else if (conversation.output_schema) {
    ReplyBlock text = make_block(BlockKind::text);
    append_fixed(text, sample_json(*conversation.output_schema));
    reply.blocks.push_back(std::move(text));
  } else {
    ReplyBlock text = make_block(BlockKind::text);
    if (!conversation.image_media_types.empty()) {
      append_fixed(text, image_note(conversation.image_media_types.size()));
    }
    append_words(text, conversation.last_text_hash, directives.natural_tokens);
    reply.blocks.push_back(std::move(text));
  }
}

// A real model stops at max_tokens whatever it had to say. Text and thinking are cut to the
// budget; a tool call that does not fit whole is left out (its arguments would not parse).
void apply_token_limit(Reply& reply, std::optional<int64_t> max_tokens) {
  if (!max_tokens) return;
  uint64_t budget = static_cast<uint64_t>(std::max<int64_t>(*max_tokens, 0));
  bool cut = false;
  std::vector<ReplyBlock> kept;
  for (ReplyBlock& block : reply.blocks) {
    if (block.pieces() <= budget) {
      budget -= block.pieces();
      kept.push_back(std::move(block));
      continue;
    }
    cut = true;
    if (block.kind == BlockKind::tool_call) continue;
    block.piece_ends.resize(budget);
    block.text.resize(budget == 0 ? 0 : block.piece_ends.back());
    budget = 0;
    kept.push_back(std::move(block));
  }
  reply.blocks = std::move(kept);
  if (cut) reply.stop = StopReason::max_tokens;
}

ReplyUsage count_usage(const Conversation& conversation, const ReplyDirectives& directives,
                       const Reply& reply) {
  ReplyUsage usage;
  usage.input_tokens = conversation.prompt_tokens();
  usage.cache_read_tokens = std::min(directives.cached_tokens, usage.input_tokens);
  usage.cache_write_tokens =
      std::min(directives.cache_write_tokens, usage.input_tokens - usage.cache_read_tokens);
  for (const ReplyBlock& block : reply.blocks) {
    const auto pieces = static_cast<uint32_t>(block.pieces());
    usage.output_tokens += pieces;
    if (block.kind == BlockKind::thinking) usage.reasoning_tokens += pieces;
  }
  return usage;
}

}  // namespace

std::string_view ReplyBlock::piece(std::size_t index) const {
  const uint32_t begin = index == 0 ? 0 : piece_ends[index - 1];
  return std::string_view(text).substr(begin, piece_ends[index] - begin);
}

std::string_view stop_name(StopReason stop) {
  switch (stop) {
    case StopReason::end_turn:
      return "end_turn";
    case StopReason::max_tokens:
      return "max_tokens";
    case StopReason::tool_use:
      return "tool_use";
  }
  return "end_turn";
}

bool Reply::has_tool_calls() const {
  return std::any_of(blocks.begin(), blocks.end(),
                     [](const ReplyBlock& block) { return block.kind == BlockKind::tool_call; });
}

std::string Reply::text() const {
  std::string text;
  for (const ReplyBlock& block : blocks) {
    if (block.kind == BlockKind::text) text.append(block.text);
  }
  return text;
}

Reply plan_reply(const Conversation& conversation, const ReplyDirectives& directives) {
  Reply reply;
  reply.image_media_types = conversation.image_media_types;
  if (directives.reasoning_tokens > 0) {
    ReplyBlock thinking = make_block(BlockKind::thinking);
    append_words(thinking, fnv1a("thinking", conversation.last_text_hash),
                 directives.reasoning_tokens);
    reply.blocks.push_back(std::move(thinking));
  }
  plan_content(conversation, directives, reply);
  apply_token_limit(reply, conversation.max_tokens);
  reply.usage = count_usage(conversation, directives, reply);
  return reply;
}

std::string tool_call_id(WireFormat format, uint32_t call_number) {
  switch (format) {
    case WireFormat::openai:
      return "call_" + std::to_string(call_number);
    case WireFormat::anthropic:
      return "toolu_" + std::to_string(call_number);
    case WireFormat::gemini:
      return {};
  }
  return {};
}

std::string thinking_signature(const ReplyBlock& block) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string signature = "mocksig_";
  const uint64_t hash = fnv1a(block.text);
  for (int shift = 60; shift >= 0; shift -= 4) signature.push_back(kHex[(hash >> shift) & 0xF]);
  return signature;
}

std::string reply_summary_json(WireFormat format, std::string_view model, const Reply& reply) {
  std::string out = R"({"format":")";
  out.append(format_name(format));
  out.append(R"(","model":)");
  append_json_string(out, model);
  const ReplyUsage& usage = reply.usage;
  const std::pair<std::string_view, uint32_t> counts[] = {
      {"input_tokens", usage.input_tokens},
      {"output_tokens", usage.output_tokens},
      {"cache_read_tokens", usage.cache_read_tokens},
      {"cache_write_tokens", usage.cache_write_tokens},
      {"reasoning_tokens", usage.reasoning_tokens},
  };
  for (const auto& [name, value] : counts) {
    out.append(",\"").append(name).append("\":");
    append_uint(out, value);
  }
  std::string reasoning;
  out.append(R"(,"tool_calls":[)");
  bool first = true;
  for (const ReplyBlock& block : reply.blocks) {
    if (block.kind == BlockKind::thinking) reasoning.append(block.text);
    if (block.kind != BlockKind::tool_call) continue;
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"name":)");
    append_json_string(out, block.tool_name);
    out.append(R"(,"arguments":)");
    out.append(block.text);  // JSON we generated ourselves
    out.push_back('}');
  }
  out.append(R"(],"text":)");
  append_json_string(out, reply.text());
  out.append(R"(,"reasoning":)");
  append_json_string(out, reasoning);
  out.append(R"(,"images":[)");
  for (std::size_t i = 0; i < reply.image_media_types.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, reply.image_media_types[i]);
  }
  out.append(R"(],"stop":")");
  out.append(stop_name(reply.stop));
  out.append("\"}");
  return out;
}

}  // namespace tollgate::mock
