// Parses a Gemini generateContent / streamGenerateContent request into a Conversation,
// validating it the way Gemini does (errors are 400 INVALID_ARGUMENT): contents are required,
// roles are "user" or "model", every part carries data, and functionResponse parts name a
// declared function, follow the model turn that called it, and answer each of its calls.
// Both camelCase and snake_case field names are accepted, as Google's JSON mapping allows.
#pragma once

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/conversation.hpp"
#include "net/http.hpp"

#include <boost/system/result.hpp>

#include <optional>
#include <string_view>

namespace tollgate::mock {

enum class GeminiMethod { generate, stream };

// "/v1beta/models/{model}:generateContent" (or /v1/...): the method, if the path is one.
std::optional<GeminiMethod> gemini_method(std::string_view path);

// The value of `name` in a query string ("alt=sse&key=K"), not URL-decoded; empty when absent.
std::string_view query_param(std::string_view query, std::string_view name);

// The model comes from the path, streaming from the method, the SSE form from `?alt=sse`.
boost::system::result<Conversation, ApiError> parse_gemini_request(net::HttpRequest& request);

}  // namespace tollgate::mock
