#include "mock_upstream/auth.hpp"

#include "mock_upstream/gemini_request.hpp"

namespace tollgate::mock {
namespace {

bool key_accepted(std::string_view key, const MockOptions& options) {
  return options.require_key.empty() || key == options.require_key;
}

}  // namespace

std::optional<ApiError> check_openai_key(const net::HttpRequest& request,
                                         const MockOptions& options) {
  constexpr std::string_view kScheme = "Bearer ";
  const std::string_view authorization = request.header("authorization");
  std::string_view key;
  if (authorization.size() > kScheme.size() &&
      net::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    key = authorization.substr(kScheme.size());
  }
  if (key.empty()) {
    return api_error(401, "invalid_request_error",
                     "You didn't provide an API key. You need to provide your API key in an "
                     "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                     "YOUR_KEY).",
                     "invalid_api_key");
  }
  if (!key_accepted(key, options)) {
    return api_error(401, "invalid_request_error", "Incorrect API key provided.",
                     "invalid_api_key");
  }
  return std::nullopt;
}

std::optional<ApiError> check_anthropic_key(const net::HttpRequest& request,
                                            const MockOptions& options) {
  const std::string_view key = request.header("x-api-key");
  if (key.empty()) {
    return api_error(401, "authentication_error", "x-api-key header is required");
  }
  if (!key_accepted(key, options)) {
    return api_error(401, "authentication_error", "invalid x-api-key");
  }
  if (request.header("anthropic-version").empty()) {
    return anthropic_invalid("anthropic-version: header is required");
  }
  return std::nullopt;
}

std::optional<ApiError> check_gemini_key(const net::HttpRequest& request,
                                         const MockOptions& options) {
  std::string_view key = request.header("x-goog-api-key");
  if (key.empty()) key = query_param(request.query(), "key");
  if (key.empty()) {
    return api_error(403, "PERMISSION_DENIED",
                     "Method doesn't allow unregistered callers (callers without established "
                     "identity). Please use API Key or other form of API consumer identity to "
                     "call this API.");
  }
  if (!key_accepted(key, options)) {
    return gemini_invalid("API key not valid. Please pass a valid API key.");
  }
  return std::nullopt;
}

}  // namespace tollgate::mock
