// The mock's routes: the OpenAI surface (/v1/...), /healthz, and the /_mock/... introspection
// endpoints that only tests call.
#pragma once

#include "mock_upstream/mock_context.hpp"
#include "net/http.hpp"

namespace tollgate::mock {

// `context` must outlive the server that calls the handler.
net::Handler make_mock_handler(MockContext& context);

}  // namespace tollgate::mock
