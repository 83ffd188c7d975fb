#include "gateway/catalog.hpp"

#include <algorithm>
#include <stdexcept>

namespace tollgate::gateway {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

Catalog::Catalog(const config::Config& config) {
  deployments_.reserve(config.models.size());
  for (const auto& model : config.models) {
    const auto* provider = config.find_provider(model.provider);
    if (!provider) throw std::runtime_error("model " + model.id + ": unknown provider");
    std::string error;
    auto origin = net::parse_origin(provider->base_url, &error);
    if (!origin) throw std::runtime_error("provider " + provider->name + ": " + error);
    origin->ca_file = provider->ca_file;
    origin->verify = provider->tls_verify;
    origin->max_idle = provider->max_idle_connections;
    Deployment d;
    d.model = &model;
    d.provider = provider;
    d.chat_target = origin->base_path + "/chat/completions";
    d.origin = std::move(*origin);
    if (!provider->api_key.empty()) d.authorization = "Bearer " + provider->api_key;
    d.timeouts = {provider->timeouts.connect, provider->timeouts.first_byte,
                  provider->timeouts.idle, provider->timeouts.total};
    d.prices = {model.pricing.input_micros_per_m, model.pricing.cached_input_micros_per_m,
                model.pricing.output_micros_per_m};
    deployments_.push_back(std::move(d));
  }
  for (std::size_t i = 0; i < deployments_.size(); ++i) {
    by_id_.emplace(deployments_[i].model->id, i);
  }
}

const Deployment* Catalog::find(std::string_view public_id) const {
  auto it = by_id_.find(public_id);
  return it == by_id_.end() ? nullptr : &deployments_[it->second];
}

std::vector<std::string> Catalog::close_matches(std::string_view wanted, std::size_t limit) const {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& d : deployments_) {
    const std::string& id = d.model->id;
    std::size_t distance = edit_distance(wanted, id);
    bool related = distance <= std::max<std::size_t>(2, id.size() / 3) ||
                   (wanted.size() >= 3 && (id.find(wanted) != std::string::npos ||
                                           wanted.find(id) != std::string_view::npos));
    if (related) scored.emplace_back(distance, id);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [distance, id] : scored) {
    if (out.size() == limit) break;
    out.push_back(std::move(id));
  }
  return out;
}

}  // namespace tollgate::gateway
