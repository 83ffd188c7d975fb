// Errors in each vendor's own shape, with an HTTP status:
//   OpenAI     {"error":{"message","type","param","code"}}
//   Anthropic  {"type":"error","error":{"type","message"}}
//   Gemini     {"error":{"code":<status>,"message","status"}}
// One value type carries all three; `type` is OpenAI's / Anthropic's error type or Gemini's
// status string ("INVALID_ARGUMENT").
#pragma once

#include "mock_upstream/conversation.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tollgate::mock {

struct ApiError {
  int status = 400;
  std::string message;
  std::string_view type = "invalid_request_error";
  std::string_view param;  // OpenAI only; empty: null
  std::string_view code;   // OpenAI only; empty: null
};

// 400 invalid_request_error (OpenAI).
inline ApiError invalid_request(std::string message, std::string_view param = {},
                                std::string_view code = {}) {
  return ApiError{400, std::move(message), "invalid_request_error", param, code};
}

inline ApiError api_error(int status, std::string_view type, std::string message,
                          std::string_view code = {}) {
  return ApiError{status, std::move(message), type, {}, code};
}

// 400 invalid_request_error (Anthropic) and INVALID_ARGUMENT (Gemini).
inline ApiError anthropic_invalid(std::string message) {
  return ApiError{400, std::move(message), "invalid_request_error", {}, {}};
}
inline ApiError gemini_invalid(std::string message) {
  return ApiError{400, std::move(message), "INVALID_ARGUMENT", {}, {}};
}

std::string error_body(WireFormat format, const ApiError& error);

// The error as one SSE frame, for an error in the middle of a stream (Anthropic: `event: error`).
std::string error_frame(WireFormat format, const ApiError& error);

boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, WireFormat format,
                                            const ApiError& error, net::Headers extra_headers = {});

// OpenAI-shaped.
inline boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer,
                                                   const ApiError& error) {
  return send_api_error(writer, WireFormat::openai, error);
}

}  // namespace tollgate::mock
