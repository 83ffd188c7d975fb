// Everything one request accumulates on its way through the pipeline. Phases read and fill it
// in order: route → authenticate → decode → resolve → attempt upstream → relay → settle.
#pragma once

#include "api/openai/chat_request.hpp"
#include "api/openai/model_field.hpp"
#include "auth/key_cache.hpp"
#include "billing/wallet.hpp"
#include "store/ledger.hpp"
#include "gateway/catalog.hpp"
#include "ir/ir.hpp"
#include "net/http.hpp"
#include "routing/rate_limiter.hpp"
#include "routing/router.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tollgate::gateway {

struct LoopState;
struct Services;
using Clock = std::chrono::steady_clock;

struct RequestContext {
  RequestContext(net::HttpRequest& request, net::ResponseWriter& writer, LoopState& loop,
                 Services& services)
      : request(request),
        writer(writer),
        loop(loop),
        services(services),
        started(request.received_at) {}

  net::HttpRequest& request;
  net::ResponseWriter& writer;
  LoopState& loop;
  Services& services;  // for what the response's last write does first (release_limits)
  std::string request_id;
  std::string_view surface;  // "openai.chat", "anthropic.messages", "openai.models", ...
  // The wire format the client speaks: every response and error is shaped like it.
  ir::Format format = ir::Format::openai_chat;

  // authenticate
  auth::KeyHandle key;
  // decode
  bool model_call = false;      // a billable call to a model (gets a usage record)
  std::string requested_model;  // "model" as the client sent it
  bool stream = false;
  std::size_t prompt_chars = 0;     // basis of token estimates
  std::optional<std::int64_t> max_tokens;  // the answer's token limit, when the client set one
  std::int64_t images = 0;                 // image generations: asked for, then generated
  api::openai::ChatRequestView chat;  // OpenAI chat, read without decoding (passthrough)
  // Other bodies forwarded as they are (Anthropic to Anthropic, embeddings, images): where
  // their model is, to replace it.
  std::optional<api::openai::ModelFieldView> model_field;
  ir::Request ir;                     // every other request, decoded
  bool ir_decoded = false;            // ctx.ir holds the request
  // resolve: what the client asked for (a model, an alias or "auto")
  const Route* route = nullptr;
  // admit: the rate-limit scopes the request counts against (held until settle), its token
  // estimate, and the x-ratelimit-* headers of every answer
  std::string rate_key_scope;      // "key:<prefix>"
  std::string rate_account_scope;  // "account:<id>"
  bool rate_counted = false;
  bool limits_released = false;     // release_limits has run
  std::int64_t token_estimate = 0;  // prompt estimate + max_tokens (tpm limits)
  net::Headers rate_headers;
  // admit: the deployments to try, in order (routing::Router::order)
  routing::Plan plan;
  bool sole_deployment = false;  // the plan's only possible deployment: tried whatever its health
  // dispatch: the deployment of the current (then the serving) attempt, and how many were made
  const Deployment* deployment = nullptr;
  int attempts = 0;
  bool router_begun = false;         // the router counted an attempt on `deployment`
  std::string_view byok_credential;  // the key's own credential for `deployment`'s provider
  // admit (billing on): the money set aside before dispatch; sync durability: its reserve row
  // committed (Gateway::serve, before dispatch)
  std::optional<billing::Hold> hold;
  bool reserve_committed = false;
  // charge: what the request cost, and whether it has been settled against the hold
  billing::Micros cost = 0;
  bool charged = false;
  // batched durability: the request's ledger entries, written with its usage record (settle)
  std::vector<store::LedgerEntry> ledger;

  // outcome
  int status = 0;
  std::string error_code;  // stable code of the error the client saw, empty on success
  int upstream_status = 0;
  ir::Usage usage;
  std::string usage_source = "none";  // "upstream" | "estimated" | "none"
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
