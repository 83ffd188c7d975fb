// decode_response and decode_error: a whole GenerateContentResponse, or an error body, from a
// Gemini upstream → IR.
#include <algorithm>
#include <cctype>

#include "api/json_parser.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/gemini/response_reading.hpp"

namespace tollgate::providers::gemini {
namespace {

using namespace detail;

constexpr std::size_t kMaxNesting = 128;

ir::Error malformed_response() {
  return ir::make_error(502, "The upstream returned a response that is not a JSON object.",
                        "bad_upstream_response");
}

// Adds one part; consecutive thought parts are one thought split by the upstream.
void add_part(const PartView& view, std::string_view response_id, std::size_t& calls,
              ir::Response& out) {
  using Kind = PartView::Kind;
  if (view.kind == Kind::thought && !out.content.empty() &&
      out.content.back().kind == ir::Part::Kind::thinking && out.content.back().signature.empty()) {
    out.content.back().text += view.text;
    out.content.back().signature = view.signature;
    return;
  }
  ir::Part part;
  part.signature = view.signature;
  switch (view.kind) {
    case Kind::text: part.text = view.text; break;
    case Kind::thought:
      part.kind = ir::Part::Kind::thinking;
      part.text = view.text;
      break;
    case Kind::function_call:
      part.kind = ir::Part::Kind::tool_call;
      part.id = view.call_id.empty() ? synthesized_call_id(response_id, calls) : view.call_id;
      part.name = view.name;
      part.arguments = view.arguments;
      ++calls;
      break;
    case Kind::other: return;  // media and code execution output have no IR form
  }
  out.content.push_back(std::move(part));
}

void read_candidate(dom::object candidate, ir::Response& out) {
  std::size_t calls = 0;
  dom::array parts;
  if (!candidate.at_key("content").at_key("parts").get_array().get(parts)) {
    for (dom::element element : parts) add_part(read_part(element), out.id, calls, out);
  }
  const std::string_view reason = string_member(candidate, "finishReason");
  out.stop_reason = map_finish_reason(reason, calls > 0);
}

bool prompt_blocked(dom::object response) {
  std::string_view reason;
  return !response.at_key("promptFeedback").at_key("blockReason").get_string().get(reason) &&
         !reason.empty();
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<ir::Error> decode_response(std::string_view body, ir::Response& out) {
  out = ir::Response{};
  thread_local dom::parser parser;
  const api::ParserLease lease(parser);
  dom::object response;
  if (api::reserve_parser(parser, body.size(), kMaxNesting) ||
      parser.parse(body.data(), body.size()).get_object().get(response)) {
    return malformed_response();
  }
  out.id = string_member(response, "responseId");
  out.model = string_member(response, "modelVersion");
  dom::object candidate;
  if (first_candidate(response, candidate)) {
    read_candidate(candidate, out);
  } else if (prompt_blocked(response)) {
    out.stop_reason = ir::StopReason::content_filter;
  } else {
    out.stop_reason = ir::StopReason::end_turn;
  }
  dom::element usage;
  if (!response.at_key("usageMetadata").get(usage)) out.usage = read_usage(usage);
  return std::nullopt;
}

ir::Error decode_error(int status, std::string_view body) {
  dom::parser parser;
  dom::element root;
  std::string_view message;
  std::string_view google_status;
  if (!parser.allocate(body.size(), kMaxNesting) &&
      !parser.parse(body.data(), body.size()).get(root)) {
    dom::element first;
    // streamGenerateContent without alt=sse wraps the error in an array.
    if (root.at(0).get(first)) first = root;
    dom::object error;
    if (!first.at_key("error").get_object().get(error)) {
      message = string_member(error, "message");
      google_status = string_member(error, "status");
    }
  }
  std::string text(message);
  if (text.empty()) text = "The upstream returned HTTP " + std::to_string(status) + ".";
  std::string code = google_status.empty() ? "upstream_error" : lower_case(google_status);
  return ir::make_error(status, std::move(text), std::move(code));
}

}  // namespace tollgate::providers::gemini
