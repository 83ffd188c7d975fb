// The model catalog: public model ids and where each one is served (its deployment), built
// once from the configuration and read-only afterwards (shared by every event loop).
#pragma once

#include "billing/pricing.hpp"
#include "config/config.hpp"
#include "ir/ir.hpp"
#include "net/http_client.hpp"

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::gateway {

// The inbound APIs, as a model's allow-list names them (config `surfaces`).
enum class Surface : std::uint8_t { chat, messages, responses, gemini, embeddings, images };
std::string_view surface_name(Surface surface);  // "chat", "messages", ...
std::string_view surface_path(Surface surface);  // "/v1/chat/completions", ...

// What a request can need of a model, and what a model offers (config `capabilities`), as bits.
enum Capability : std::uint8_t {
  kTools = 1 << 0,             // function calling
  kVision = 1 << 1,            // image inputs
  kStructuredOutput = 1 << 2,  // JSON-schema output
};

// One place a public model can be sent: a provider, its upstream model name and credentials
// (a model's `deployments`, or the one its `provider` makes).
struct Deployment {
  std::uint16_t index = 0;  // in Catalog::deployments() and the router
  const config::DeploymentConfig* config = nullptr;
  const config::ModelConfig* model = nullptr;
  const config::ProviderConfig* provider = nullptr;
  ir::Format family = ir::Format::openai_chat;  // the upstream's wire format
  net::Origin origin;
  std::string upstream_model;
  // Where generation requests go: "/v1/chat/completions", "/v1/messages",
  // "/v1beta/models/<model>:generateContent"; streams go to stream_target (Gemini's differs).
  std::string target;
  std::string stream_target;
  std::string embeddings_target;  // OpenAI-compatible only
  std::string images_target;      // OpenAI-compatible only
  // Fixed headers of the family (anthropic-version).
  net::Headers upstream_headers;
  // The provider's credential goes in its own header: "authorization: Bearer <key>" (openai),
  // "x-api-key" (anthropic), "x-goog-api-key" (gemini) — the gateway's key, or a key's own
  // (BYOK) when it brought one for this provider.
  std::string_view credential_header;
  std::string_view credential_prefix;  // "Bearer " or ""
  std::string credential_value;        // prefix and the provider's key; empty without a key
  net::ClientTimeouts timeouts;
  billing::ModelPrice price;  // the model's
  std::uint8_t surfaces = 0;  // bit (1 << Surface) per allowed surface
  std::uint8_t region = 0;    // region id (Catalog::region_name); 0: none

  bool allows(Surface surface) const { return surfaces & (1u << static_cast<unsigned>(surface)); }
};

// A public id clients can ask for: a model, an alias of models, or "auto".
struct Route {
  enum class Kind : std::uint8_t { model, alias, automatic };
  Kind kind = Kind::model;
  std::string id;
  std::string description;  // aliases
  // A model: its config, deployments (indices), surfaces, capabilities and price.
  const config::ModelConfig* model = nullptr;
  std::vector<std::uint16_t> deployments;
  std::uint8_t surfaces = 0;
  std::uint8_t capabilities = 0;
  std::uint8_t families = 0;  // bit (1 << ir::Format) per wire format of its deployments
  billing::ModelPrice price;
  // An alias or auto: the models it stands for, in order.
  std::vector<const Route*> members;

  bool allows(Surface surface) const { return surfaces & (1u << static_cast<unsigned>(surface)); }
  // Whether a request in `client`'s format is decoded into the IR for this route: some of its
  // deployments speak another format, or it is "auto" (any model may be picked).
  bool needs_ir(ir::Format client) const {
    return kind == Kind::automatic || (families & ~(1u << static_cast<unsigned>(client))) != 0;
  }
  // Whether the IR is all such a request needs: none of its deployments speaks `client`'s
  // format, so no attempt can take the byte-level passthrough.
  bool ir_only(ir::Format client) const {
    return kind != Kind::automatic && (families & (1u << static_cast<unsigned>(client))) == 0;
  }
};

class Catalog {
 public:
  explicit Catalog(const config::Config& config);  // throws std::runtime_error on a bad base_url

  const Route* find(std::string_view public_id) const;
  // Up to `limit` public ids that look like `wanted` (edit distance or shared prefix).
  std::vector<std::string> close_matches(std::string_view wanted, std::size_t limit = 3) const;
  const std::vector<Deployment>& deployments() const { return deployments_; }
  // Every public id in config order: the models, then the aliases (and "auto" when enabled).
  const std::vector<Route>& routes() const { return routes_; }
  // Region ids: 1.. for each region named by a deployment.
  std::uint8_t region_id(std::string_view name) const;  // 0 when unknown
  std::string_view region_name(std::uint8_t id) const;
  const std::vector<std::string>& regions() const { return regions_; }  // regions_[id - 1]

 private:
  // Deployments of models built without a `deployments` list (configs made in code; the loader
  // always fills it): one from the model's provider and upstream model.
  std::deque<config::DeploymentConfig> implied_;
  std::vector<Deployment> deployments_;
  std::vector<Route> routes_;
  std::unordered_map<std::string_view, std::size_t> by_id_;
  std::vector<std::string> regions_;
};

}  // namespace tollgate::gateway
