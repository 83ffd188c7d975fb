// The mock's routes: the OpenAI, Anthropic and Gemini surfaces, /healthz, and the /_mock/...
// endpoints that only tests call (introspection, and the sticky fault).
#pragma once

#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

namespace tollgate::mock {

// `context` must outlive the server that calls the handler.
net::Handler make_mock_handler(MockContext& context);

}  // namespace tollgate::mock
