// The model catalog: public model ids and where each one is served (its deployment), built
// once from the configuration and read-only afterwards (shared by every event loop).
#pragma once

#include "billing/pricing.hpp"
#include "config/config.hpp"
#include "ir/ir.hpp"
#include "net/http_client.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::gateway {

// The inbound APIs, as a model's allow-list names them (config `surfaces`).
enum class Surface : std::uint8_t { chat, messages, responses, gemini, embeddings, images };
std::string_view surface_name(Surface surface);  // "chat", "messages", ...
std::string_view surface_path(Surface surface);  // "/v1/chat/completions", ...

// One place a public model can be sent: a provider, its upstream model name and credentials.
struct Deployment {
  const config::ModelConfig* model = nullptr;
  const config::ProviderConfig* provider = nullptr;
  ir::Format family = ir::Format::openai_chat;  // the upstream's wire format
  net::Origin origin;
  // Where generation requests go: "/v1/chat/completions", "/v1/messages",
  // "/v1beta/models/<model>:generateContent"; streams go to stream_target (Gemini's differs).
  std::string target;
  std::string stream_target;
  std::string embeddings_target;  // OpenAI-compatible only
  std::string images_target;      // OpenAI-compatible only
  // The provider's credentials in its own header: "authorization: Bearer <key>" (openai),
  // "x-api-key" (anthropic), "x-goog-api-key" (gemini); plus fixed headers of the family
  // (anthropic-version).
  net::Headers upstream_headers;
  net::ClientTimeouts timeouts;
  billing::ModelPrice price;
  std::uint8_t surfaces = 0;  // bit (1 << Surface) per allowed surface

  bool allows(Surface surface) const { return surfaces & (1u << static_cast<unsigned>(surface)); }
};

class Catalog {
 public:
  explicit Catalog(const config::Config& config);  // throws std::runtime_error on a bad base_url

  const Deployment* find(std::string_view public_id) const;
  // Up to `limit` public ids that look like `wanted` (edit distance or shared prefix).
  std::vector<std::string> close_matches(std::string_view wanted, std::size_t limit = 3) const;
  const std::vector<Deployment>& deployments() const { return deployments_; }

 private:
  std::vector<Deployment> deployments_;
  std::unordered_map<std::string_view, std::size_t> by_id_;
};

}  // namespace tollgate::gateway
