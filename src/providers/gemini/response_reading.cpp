#include "providers/gemini/response_reading.hpp"

#include <algorithm>
#include <cmath>

namespace tollgate::providers::gemini::detail {
namespace {

// A token count; anything that is not a non-negative number counts 0.
std::int64_t count_member(dom::object object, std::string_view key) {
  dom::element value;
  if (object.at_key(key).get(value)) return 0;
  std::int64_t count = 0;
  if (!value.get_int64().get(count)) return std::max<std::int64_t>(count, 0);
  double number = 0;
  if (!value.get_double().get(number) && number > 0 && number < 9.2e18) {
    return static_cast<std::int64_t>(number);
  }
  return 0;
}

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::string_view string_member(dom::object object, std::string_view key) {
  std::string_view text;
  if (object.at_key(key).get_string().get(text)) return {};
  return text;
}

PartView read_part(dom::element element) {
  PartView view;
  dom::object part;
  if (element.get_object().get(part)) return view;
  view.signature = string_member(part, "thoughtSignature");
  dom::object call;
  if (!part.at_key("functionCall").get_object().get(call)) {
    view.kind = PartView::Kind::function_call;
    view.call_id = string_member(call, "id");
    view.name = string_member(call, "name");
    dom::element args;
    view.arguments =
        !call.at_key("args").get(args) && args.is_object() ? simdjson::minify(args) : "{}";
    return view;
  }
  if (!part.at_key("text").get_string().get(view.text)) {
    bool thought = false;
    view.kind = !part.at_key("thought").get_bool().get(thought) && thought ? PartView::Kind::thought
                                                                          : PartView::Kind::text;
  }
  return view;
}

ir::Usage read_usage(dom::element element) {
  ir::Usage usage;
  dom::object metadata;
  if (element.get_object().get(metadata)) return usage;
  usage.present = true;
  usage.input = count_member(metadata, "promptTokenCount") +
                count_member(metadata, "toolUsePromptTokenCount");
  usage.cache_read = count_member(metadata, "cachedContentTokenCount");
  usage.reasoning = count_member(metadata, "thoughtsTokenCount");
  usage.output = count_member(metadata, "candidatesTokenCount") + usage.reasoning;
  return usage;
}

ir::StopReason map_finish_reason(std::string_view reason, bool made_calls) {
  if (reason == "MAX_TOKENS") return ir::StopReason::max_tokens;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "LANGUAGE" ||
      reason == "IMAGE_SAFETY" || reason == "IMAGE_PROHIBITED_CONTENT" ||
      reason == "IMAGE_RECITATION") {
    return ir::StopReason::content_filter;
  }
  if (reason == "MALFORMED_FUNCTION_CALL" || reason == "UNEXPECTED_TOOL_CALL" ||
      reason == "TOO_MANY_TOOL_CALLS") {
    return ir::StopReason::error;
  }
  return made_calls ? ir::StopReason::tool_use : ir::StopReason::end_turn;
}

std::string synthesized_call_id(std::string_view response_id, std::size_t index) {
  std::string id = "call_";
  for (char c : response_id) {
    if (is_id_char(c)) id += c;
  }
  if (id.size() > 5) id += '_';
  id += std::to_string(index);
  return id;
}

bool first_candidate(dom::object response, dom::object& candidate) {
  dom::array candidates;
  if (response.at_key("candidates").get_array().get(candidates)) return false;
  dom::element first;
  if (candidates.at(0).get(first)) return false;
  return !first.get_object().get(candidate);
}

}  // namespace tollgate::providers::gemini::detail
