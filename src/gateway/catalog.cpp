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

// Anthropic's API version the translators are written against.
constexpr std::string_view kAnthropicVersion = "2023-06-01";

void set_family_wire(Deployment& d, const std::string& base_path) {
  const std::string& key = d.provider->api_key;
  switch (d.family) {
    case ir::Format::anthropic:
      d.target = d.stream_target = base_path + "/messages";
      if (!key.empty()) d.upstream_headers.push_back({"x-api-key", key});
      d.upstream_headers.push_back({"anthropic-version", std::string(kAnthropicVersion)});
      break;
    case ir::Format::gemini: {
      std::string model_path = base_path + "/models/" + path_escape(d.model->upstream_model);
      d.target = model_path + ":generateContent";
      d.stream_target = model_path + ":streamGenerateContent?alt=sse";
      if (!key.empty()) d.upstream_headers.push_back({"x-goog-api-key", key});
      break;
    }
    default:
      d.target = d.stream_target = base_path + "/chat/completions";
      d.embeddings_target = base_path + "/embeddings";
      d.images_target = base_path + "/images/generations";
      if (!key.empty()) d.upstream_headers.push_back({"authorization", "Bearer " + key});
      break;
  }
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
    d.family = family_of(provider->type);
    set_family_wire(d, origin->base_path);
    d.origin = std::move(*origin);
    for (Surface surface : kSurfaces) {
      for (const auto& name : model.surfaces) {
        if (name == surface_name(surface)) d.surfaces |= 1u << static_cast<unsigned>(surface);
      }
    }
    d.timeouts = {provider->timeouts.connect, provider->timeouts.first_byte,
                  provider->timeouts.idle, provider->timeouts.total};
    d.price = billing::price_of(model);
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
