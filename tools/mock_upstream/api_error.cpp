#include "mock_upstream/api_error.hpp"

#include "mock_upstream/json_text.hpp"

namespace tollgate::mock {
namespace {

void append_string_or_null(std::string& out, std::string_view text) {
  if (text.empty()) {
    out.append("null");
  } else {
    append_json_string(out, text);
  }
}

std::string openai_error_body(const ApiError& error) {
  std::string body;
  body.reserve(96 + error.message.size());
  body.append(R"({"error":{"message":)");
  append_json_string(body, error.message);
  body.append(R"(,"type":)");
  append_json_string(body, error.type);
  body.append(R"(,"param":)");
  append_string_or_null(body, error.param);
  body.append(R"(,"code":)");
  append_string_or_null(body, error.code);
  body.append("}}");
  return body;
}

std::string anthropic_error_body(const ApiError& error) {
  std::string body = R"({"type":"error","error":{"type":)";
  append_json_string(body, error.type);
  body.append(R"(,"message":)");
  append_json_string(body, error.message);
  body.append("}}");
  return body;
}

std::string gemini_error_body(const ApiError& error) {
  std::string body = R"({"error":{"code":)";
  append_int(body, error.status);
  body.append(R"(,"message":)");
  append_json_string(body, error.message);
  body.append(R"(,"status":)");
  append_json_string(body, error.type);
  body.append("}}");
  return body;
}

}  // namespace

std::string error_body(WireFormat format, const ApiError& error) {
  switch (format) {
    case WireFormat::anthropic:
      return anthropic_error_body(error);
    case WireFormat::gemini:
      return gemini_error_body(error);
    case WireFormat::openai:
      break;
  }
  return openai_error_body(error);
}

std::string error_frame(WireFormat format, const ApiError& error) {
  switch (format) {
    case WireFormat::anthropic:
      return "event: error\ndata: " + anthropic_error_body(error) + "\n\n";
    case WireFormat::gemini:
      return "data: " + gemini_error_body(error) + "\r\n\r\n";
    case WireFormat::openai:
      break;
  }
  return "data: " + openai_error_body(error) + "\n\n";
}

boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, WireFormat format,
                                            const ApiError& error, net::Headers extra_headers) {
  extra_headers.push_back({"Content-Type", "application/json"});
  co_return co_await writer.send(error.status, std::move(extra_headers), error_body(format, error));
}

}  // namespace tollgate::mock
