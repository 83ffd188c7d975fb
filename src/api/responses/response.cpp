// Encodes an ir::Response as a Responses `response` object, and ir::Error as an OpenAI error body.
#include "api/responses/response.hpp"

#include <vector>

#include "api/json_text.hpp"
#include "api/responses/response_object.hpp"

namespace tollgate::api::responses {
namespace {

// The output item for one IR part, or false for parts a response does not carry.
bool to_output_item(const ir::Part& part, OutputItem& item) {
  switch (part.kind) {
    case ir::Part::Kind::text:
      item.type = OutputItem::Type::message;
      item.text = part.text;
      return true;
    case ir::Part::Kind::thinking:
      item.type = OutputItem::Type::reasoning;
      item.text = part.text;
      item.encrypted_content = part.signature;
      return true;
    case ir::Part::Kind::redacted_thinking:
      item.type = OutputItem::Type::reasoning;
      item.encrypted_content = part.data;
      return true;
    case ir::Part::Kind::tool_call:
      item.type = OutputItem::Type::function_call;
      item.text = part.arguments.empty() ? "{}" : part.arguments;
      item.call_id = part.id;
      item.name = part.name;
      return true;
    default:
      return false;
  }
}

std::vector<OutputItem> output_items(const ir::Response& response, std::string_view id) {
  std::vector<OutputItem> items;
  for (const ir::Part& part : response.content) {
    OutputItem item;
    if (!to_output_item(part, item)) continue;
    item.id = item_id(id_prefix(item.type), id, items.size());
    if (item.type == OutputItem::Type::function_call && item.call_id.empty()) {
      item.call_id = item_id("call", id, items.size());
    }
    items.push_back(std::move(item));
  }
  return items;
}

// A cut-off response leaves its last message or call unfinished.
void mark_last_incomplete(std::vector<OutputItem>& items) {
  if (items.empty() || items.back().type == OutputItem::Type::reasoning) return;
  items.back().status = "incomplete";
}

std::string_view error_type(ir::Error::Kind kind) {
  switch (kind) {
    case ir::Error::Kind::authentication:
      return "authentication_error";
    case ir::Error::Kind::permission:
      return "permission_error";
    case ir::Error::Kind::payment_required:
      return "insufficient_quota";
    case ir::Error::Kind::rate_limit:
      return "rate_limit_error";
    case ir::Error::Kind::api_error:
    case ir::Error::Kind::overloaded:
    case ir::Error::Kind::timeout:
      return "server_error";
    default:
      return "invalid_request_error";
  }
}

void append_string_or_null(std::string& out, std::string_view value) {
  if (value.empty()) {
    out.append("null");
  } else {
    append_json_string(out, value);
  }
}

}  // namespace

std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                            const ir::Request* request) {
  const std::string id = response_id(response.id, options);
  std::vector<OutputItem> items = output_items(response, id);
  const Outcome outcome = outcome_for(response.stop_reason);
  if (outcome.status == "incomplete") mark_last_incomplete(items);
  std::string out;
  append_response_object(
      out,
      ResponseObject{
          .id = id,
          .created_at = response.created != 0 ? response.created : options.created,
          .model = options.model,
          .status = outcome.status,
          .incomplete_reason = outcome.incomplete_reason,
          .error = nullptr,
          .output = &items,
          .usage = &response.usage,
      },
      echo_fields(request));
  return out;
}

std::string error_body(const ir::Error& error) {
  std::string body;
  body.append(R"({"error":{"message":)");
  append_json_string(body, error.message);
  body.append(R"(,"type":)");
  append_json_string(body, error_type(error.kind));
  body.append(R"(,"param":)");
  append_string_or_null(body, error.param);
  body.append(R"(,"code":)");
  append_string_or_null(body, error.code);
  body.append("}}");
  return body;
}

}  // namespace tollgate::api::responses
