// Everything one request accumulates on its way through the pipeline. Phases read and fill it
// in order: route → authenticate → decode → resolve → attempt upstream → relay → settle.
#pragma once

#include "api/openai/chat_request.hpp"
#include "auth/key_cache.hpp"
#include "gateway/catalog.hpp"
#include "net/http.hpp"
#include "providers/openai/passthrough.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tollgate::gateway {

struct LoopState;
using Clock = std::chrono::steady_clock;

struct RequestContext {
  RequestContext(net::HttpRequest& request, net::ResponseWriter& writer, LoopState& loop)
      : request(request), writer(writer), loop(loop), started(request.received_at) {}

  net::HttpRequest& request;
  net::ResponseWriter& writer;
  LoopState& loop;
  std::string request_id;
  std::string_view surface;  // "openai.chat", "openai.models", ...

  // authenticate
  std::optional<auth::AuthenticatedKey> key;
  // decode
  api::openai::ChatRequestView chat;
  // resolve
  const Deployment* deployment = nullptr;

  // outcome
  int status = 0;
  std::string error_code;  // stable code of the error the client saw, empty on success
  int upstream_status = 0;
  providers::openai::Usage usage;
  std::string usage_source = "none";  // "upstream" | "estimated" | "none"
  int64_t content_chunks = 0;         // streamed deltas relayed (basis of estimates)
  bool client_disconnected = false;

  // time: overhead = total − time waiting on the upstream − time waiting on client writes
  Clock::time_point started;
  Clock::duration upstream_wait{};
  Clock::duration client_wait{};

  std::chrono::microseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  }
  std::chrono::microseconds overhead() const {
    auto spent = Clock::now() - started - upstream_wait - client_wait;
    return std::chrono::duration_cast<std::chrono::microseconds>(
        spent.count() > 0 ? spent : Clock::duration{});
  }
};

}  // namespace tollgate::gateway
