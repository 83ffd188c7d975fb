// The model catalog: public model ids and where each one is served (its deployment), built
// once from the configuration and read-only afterwards (shared by every event loop).
#pragma once

#include "billing/pricing.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::gateway {

// One place a public model can be sent: a provider, its upstream model name and credentials.
struct Deployment {
  const config::ModelConfig* model = nullptr;
  const config::ProviderConfig* provider = nullptr;
  net::Origin origin;
  std::string chat_target;    // e.g. "/v1/chat/completions"
  std::string authorization;  // "Bearer <provider key>" (empty when the provider has none)
  net::ClientTimeouts timeouts;
  billing::TokenPrices prices;
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
