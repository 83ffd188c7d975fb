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

}  // namespace

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

boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, const ApiError& error,
                                            net::Headers extra_headers) {
  extra_headers.push_back({"Content-Type", "application/json"});
  co_return co_await writer.send(error.status, std::move(extra_headers), openai_error_body(error));
}

boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, const ApiError& error) {
  net::Headers headers;
  co_return co_await send_api_error(writer, error, std::move(headers));
}

}  // namespace tollgate::mock
