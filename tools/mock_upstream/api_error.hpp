// OpenAI-shaped errors: {"error":{"message","type","param","code"}} with an HTTP status.
#pragma once

#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tollgate::mock {

struct ApiError {
  int status = 400;
  std::string message;
  std::string_view type = "invalid_request_error";
  std::string_view param;  // empty: null
  std::string_view code;   // empty: null
};

// 400 invalid_request_error.
inline ApiError invalid_request(std::string message, std::string_view param = {},
                                std::string_view code = {}) {
  return ApiError{400, std::move(message), "invalid_request_error", param, code};
}

inline ApiError api_error(int status, std::string_view type, std::string message,
                          std::string_view code = {}) {
  return ApiError{status, std::move(message), type, {}, code};
}

std::string openai_error_body(const ApiError& error);

boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, const ApiError& error);
boost::asio::awaitable<bool> send_api_error(net::ResponseWriter& writer, const ApiError& error,
                                            net::Headers extra_headers);

}  // namespace tollgate::mock
