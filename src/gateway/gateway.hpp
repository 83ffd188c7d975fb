// The gateway: turns HTTP requests into upstream calls. Shared, read-mostly state lives here
// (catalog, key cache, usage writer, metrics); per-event-loop state (upstream connection pool,
// parsers) lives in one LoopState per loop, reached through HttpRequest::loop_index.
#pragma once

#include "config/config.hpp"
#include "gateway/catalog.hpp"
#include "net/http.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace tollgate::auth {
class KeyCache;
}
namespace tollgate::billing {
class UsageWriter;
class Wallet;
}
namespace tollgate::obs {
class Metrics;
}
namespace tollgate::routing {
class RateLimiter;
class Router;
}
namespace tollgate::obs {
struct DeploymentSeries;
}

namespace tollgate::gateway {

class BlockingPool;
struct LoopState;
struct Refusal;
struct RequestContext;
class UpstreamCall;
using Verdict = std::optional<Refusal>;  // respond.hpp

// What the gateway needs from the rest of the process (owned by main).
struct Services {
  auth::KeyCache& keys;
  billing::UsageWriter& usage;
  obs::Metrics& metrics;
  const config::BillingConfig& billing;
  billing::Wallet* wallet = nullptr;  // set when billing is enabled
  std::string instance;               // this process, in the ledger's `instance` column
  routing::RateLimiter* rate_limiter = nullptr;  // per-key and per-account rate limits
  // Set by the Gateway: the catalog, the router that keeps every deployment's health, and
  // `routing:` of the config.
  const Catalog* catalog = nullptr;
  routing::Router* router = nullptr;
  const config::RoutingConfig* routing = nullptr;
  const std::vector<obs::DeploymentSeries>* deployment_metrics = nullptr;  // by index
  bool access_log = true;  // false (`access_log: off`): no access-log fields are built
};

class Gateway {
 public:
  Gateway(const config::Config& config, Services services, unsigned loop_count);
  ~Gateway();

  // Creates the per-loop state; called on each loop thread before it serves.
  void start_loop(unsigned index, boost::asio::io_context& io);
  // Releases the per-loop state (pooled upstream sockets) on the loop's thread, before its
  // io_context goes away.
  void stop_loop(unsigned index);
  net::Handler handler();

  // Readiness: false once shutdown has begun.
  void set_draining() { draining_ = true; }

 private:
  // A model API: its surface, its name in metrics and logs, the wire format its clients speak.
  struct ModelApi {
    Surface surface;
    std::string_view name;
    ir::Format format;
  };
  static std::optional<ModelApi> model_api(std::string_view path);

  // The request's coroutine, chosen by its path: serve() for a model API, serve_other() for the
  // rest (route itself is none: one frame fewer on every request).
  boost::asio::awaitable<void> route(net::HttpRequest& request, net::ResponseWriter& writer);
  // A model API's request from admission to settle: admitted (or refused), the attempts
  // (dispatch.cpp), the relay, the settle.
  boost::asio::awaitable<void> serve(net::HttpRequest& request, net::ResponseWriter& writer,
                                     ModelApi api);
  // Health, metrics, management, the model lists and unknown paths.
  boost::asio::awaitable<void> serve_other(net::HttpRequest& request, net::ResponseWriter& writer);

  // The inbound model APIs (chat_completions.cpp, surfaces.cpp): each authenticates, reads the
  // body in its own format, resolves the model and admits the request — a Verdict, without a
  // coroutine of its own: serve() answers a refusal, or goes on.
  Verdict admit_model_api(RequestContext& ctx, Surface surface);
  Verdict chat_completions(RequestContext& ctx);
  Verdict messages(RequestContext& ctx);
  Verdict responses(RequestContext& ctx);
  Verdict generate_content(RequestContext& ctx, std::string_view model_and_method);
  Verdict forward_openai_json(RequestContext& ctx, Surface surface);
  // After the attempts: the relay that fits the deployment that answered — OpenAI passthrough
  // (chat_completions.cpp), same-format passthrough (same_format.cpp), the translated pipeline
  // (translate.cpp) or a JSON forward (surfaces.cpp); relay() picks it (no coroutine of its own).
  boost::asio::awaitable<void> relay(RequestContext& ctx, UpstreamCall& call, Surface surface);
  boost::asio::awaitable<void> relay_passthrough(RequestContext& ctx, UpstreamCall& call);
  boost::asio::awaitable<void> relay_passthrough_json(RequestContext& ctx, UpstreamCall& call);
  boost::asio::awaitable<void> relay_passthrough_stream(RequestContext& ctx, UpstreamCall& call);
  boost::asio::awaitable<void> relay_translated(RequestContext& ctx, UpstreamCall& call);
  boost::asio::awaitable<void> relay_same_format(RequestContext& ctx, UpstreamCall& call);
  boost::asio::awaitable<void> relay_openai_json(RequestContext& ctx, UpstreamCall& call,
                                                 Surface surface);
  // Accounts, keys and billing (management.cpp): the keys API, balances, credits, usage
  // rollups, registration and login. Their database work runs off the event loops.
  static bool is_management_path(std::string_view path);
  boost::asio::awaitable<void> management(RequestContext& ctx);

  // GET the catalog (`rest` empty) or one model (`rest` = "/<id>"), in the client's format
  // (models.cpp).
  boost::asio::awaitable<void> models(RequestContext& ctx, std::string_view rest);
  boost::asio::awaitable<void> not_found(RequestContext& ctx);

  const config::Config& config_;
  Services services_;
  Catalog catalog_;
  std::unique_ptr<routing::Router> router_;
  std::vector<obs::DeploymentSeries> deployment_metrics_;
  // Database work and password hashing of the management endpoints, off the event loops.
  std::unique_ptr<BlockingPool> blocking_;
  std::vector<std::unique_ptr<LoopState>> loops_;
  std::atomic<bool> draining_{false};
};

}  // namespace tollgate::gateway
