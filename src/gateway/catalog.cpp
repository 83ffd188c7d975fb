#include "gateway/catalog.hpp"

#include <algorithm>
#include <cctype>
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

ir::Format family_of(const std::string& type) {
  if (type == "anthropic") return ir::Format::anthropic;
  if (type == "gemini") return ir::Format::gemini;
  return ir::Format::openai_chat;
}

// Model names go into Gemini's URL path: anything but unreserved characters is percent-encoded.
std::string path_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Region ids are bits of a 64-bit set (routing::RegionSet), 0 meaning none.
constexpr std::size_t kMaxRegions = 63;

// Anthropic's API version the translators are written against.
constexpr std::string_view kAnthropicVersion = "2023-06-01";

void set_family_wire(Deployment& d, const std::string& base_path) {
  switch (d.family) {
    case ir::Format::anthropic:
      d.target = d.stream_target = base_path + "/messages";
      d.credential_header = "x-api-key";
      d.upstream_headers.push_back({"anthropic-version", std::string(kAnthropicVersion)});
      break;
    case ir::Format::gemini: {
      std::string model_path = base_path + "/models/" + path_escape(d.upstream_model);
      d.target = model_path + ":generateContent";
      d.stream_target = model_path + ":streamGenerateContent?alt=sse";
      d.credential_header = "x-goog-api-key";
      break;
    }
    default:
      d.target = d.stream_target = base_path + "/chat/completions";
      d.embeddings_target = base_path + "/embeddings";
      d.images_target = base_path + "/images/generations";
      d.credential_header = "authorization";
      d.credential_prefix = "Bearer ";
      break;
  }
}

std::uint8_t capabilities_of(const config::ModelConfig& model) {
  std::uint8_t bits = 0;
  for (const auto& name : model.capabilities) {
    if (name == "tools") bits |= kTools;
    if (name == "vision") bits |= kVision;
    if (name == "structured_output") bits |= kStructuredOutput;
  }
  return bits;
}

constexpr Surface kSurfaces[] = {Surface::chat,   Surface::messages,   Surface::responses,
                                 Surface::gemini, Surface::embeddings, Surface::images};

}  // namespace

std::string_view surface_name(Surface surface) {
  switch (surface) {
    case Surface::chat: return "chat";
    case Surface::messages: return "messages";
    case Surface::responses: return "responses";
    case Surface::gemini: return "gemini";
    case Surface::embeddings: return "embeddings";
    case Surface::images: return "images";
  }
  return "unknown";
}

std::string_view surface_path(Surface surface) {
  switch (surface) {
    case Surface::chat: return "/v1/chat/completions";
    case Surface::messages: return "/v1/messages";
    case Surface::responses: return "/v1/responses";
    case Surface::gemini: return "/v1beta/models/{model}:generateContent";
    case Surface::embeddings: return "/v1/embeddings";
    case Surface::images: return "/v1/images/generations";
  }
  return "";
}

Catalog::Catalog(const config::Config& config) {
  routes_.reserve(config.models.size() + config.routing.aliases.size() + 1);
  for (const auto& model : config.models) {
    Route route;
    route.kind = Route::Kind::model;
    route.id = model.id;
    route.model = &model;
    route.capabilities = capabilities_of(model);
    route.price = billing::price_of(model);
    for (Surface surface : kSurfaces) {
      for (const auto& name : model.surfaces) {
        if (name == surface_name(surface)) route.surfaces |= 1u << static_cast<unsigned>(surface);
      }
    }
    std::vector<const config::DeploymentConfig*> listed;
    for (const auto& deployment : model.deployments) listed.push_back(&deployment);
    if (listed.empty()) {
      config::DeploymentConfig& implied = implied_.emplace_back();
      implied.name = model.id + "@" + model.provider;
      implied.provider = model.provider;
      implied.upstream_model = model.upstream_model.empty() ? model.id : model.upstream_model;
      if (const auto* provider = config.find_provider(model.provider)) {
        implied.region = provider->region;
        implied.timeouts = provider->timeouts;
      }
      listed.push_back(&implied);
    }
    for (const config::DeploymentConfig* listed_deployment : listed) {
      const config::DeploymentConfig& deployment = *listed_deployment;
      const auto* provider = config.find_provider(deployment.provider);
      if (!provider) throw std::runtime_error("model " + model.id + ": unknown provider");
      std::string error;
      auto origin = net::parse_origin(provider->base_url, &error);
      if (!origin) throw std::runtime_error("provider " + provider->name + ": " + error);
      origin->ca_file = provider->ca_file;
      origin->verify = provider->tls_verify;
      origin->max_idle = provider->max_idle_connections;
      Deployment d;
      d.index = static_cast<std::uint16_t>(deployments_.size());
      d.config = &deployment;
      d.model = &model;
      d.provider = provider;
      d.family = family_of(provider->type);
      d.upstream_model = deployment.upstream_model;
      set_family_wire(d, origin->base_path);
      if (!provider->api_key.empty()) {
        d.credential_value = std::string(d.credential_prefix) + provider->api_key;
      }
      d.origin = std::move(*origin);
      d.surfaces = route.surfaces;
      d.timeouts = {deployment.timeouts.connect, deployment.timeouts.first_byte,
                    deployment.timeouts.idle, deployment.timeouts.total};
      d.price = route.price;
      if (!deployment.region.empty()) {
        auto known = std::find(regions_.begin(), regions_.end(), deployment.region);
        if (known == regions_.end()) {
          if (regions_.size() == kMaxRegions) throw std::runtime_error("more than 63 regions");
          regions_.push_back(deployment.region);
          known = regions_.end() - 1;
        }
        d.region = static_cast<std::uint8_t>(known - regions_.begin() + 1);
      }
      route.deployments.push_back(d.index);
      route.families |= 1u << static_cast<unsigned>(d.family);
      deployments_.push_back(std::move(d));
    }
    routes_.push_back(std::move(route));
  }
  const std::size_t model_count = routes_.size();
  auto model_route = [&](std::string_view id) -> const Route* {
    for (std::size_t i = 0; i < model_count; ++i) {
      if (routes_[i].id == id) return &routes_[i];
    }
    return nullptr;
  };
  for (const auto& alias : config.routing.aliases) {
    Route route;
    route.kind = Route::Kind::alias;
    route.id = alias.id;
    route.description = alias.description;
    for (const auto& member : alias.models) {
      if (const Route* model = model_route(member)) {
        route.members.push_back(model);
        route.surfaces |= model->surfaces;
        route.families |= model->families;
      }
    }
    routes_.push_back(std::move(route));
  }
  if (config.routing.auto_enabled) {
    Route route;
    route.kind = Route::Kind::automatic;
    route.id = "auto";
    route.description = "The cheapest model that can serve the request";
    for (std::size_t i = 0; i < model_count; ++i) {
      const auto& wanted = config.routing.auto_models;
      if (wanted.empty() || std::find(wanted.begin(), wanted.end(), routes_[i].id) != wanted.end()) {
        route.members.push_back(&routes_[i]);
        route.surfaces |= routes_[i].surfaces;
        route.families |= routes_[i].families;
      }
    }
    routes_.push_back(std::move(route));
  }
  for (std::size_t i = 0; i < routes_.size(); ++i) by_id_.emplace(routes_[i].id, i);
}

const Route* Catalog::find(std::string_view public_id) const {
  auto it = by_id_.find(public_id);
  return it == by_id_.end() ? nullptr : &routes_[it->second];
}

std::uint8_t Catalog::region_id(std::string_view name) const {
  auto it = std::find(regions_.begin(), regions_.end(), name);
  return it == regions_.end() ? 0 : static_cast<std::uint8_t>(it - regions_.begin() + 1);
}

std::string_view Catalog::region_name(std::uint8_t id) const {
  return id == 0 || id > regions_.size() ? std::string_view{} : std::string_view(regions_[id - 1]);
}

std::vector<std::string> Catalog::close_matches(std::string_view wanted, std::size_t limit) const {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& route : routes_) {
    const std::string& id = route.id;
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
