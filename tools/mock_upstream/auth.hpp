// Each vendor's authentication, with its own error when the key is missing or wrong:
//   OpenAI     Authorization: Bearer K                     401 invalid_api_key
//   Anthropic  x-api-key: K (and an anthropic-version)     401 authentication_error (400 without a
//   version) Gemini     x-goog-api-key: K or ?key=K                 403 PERMISSION_DENIED / 400
//   INVALID_ARGUMENT
// Without --require-key any non-empty key is accepted.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

#include <optional>

namespace tollgate::mock {

std::optional<ApiError> check_openai_key(const net::HttpRequest& request,
                                         const MockOptions& options);
std::optional<ApiError> check_anthropic_key(const net::HttpRequest& request,
                                            const MockOptions& options);
std::optional<ApiError> check_gemini_key(const net::HttpRequest& request,
                                         const MockOptions& options);

}  // namespace tollgate::mock
