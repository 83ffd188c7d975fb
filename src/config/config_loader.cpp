#include "config/config_loader.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <variant>

#include "config/billing_reader.hpp"
#include "config/deployment_reader.hpp"
#include "config/routing_reader.hpp"
#include "config/value_parsing.hpp"
#include "config/yaml_reader.hpp"

namespace tollgate::config::detail {

namespace {

constexpr unsigned kMaxThreads = 256;
constexpr uint64_t kMaxIdleConnections = 100'000;
// auth/jwt.hpp's kMinJwtSecretBytes (RFC 7518 §3.2), repeated: config/ does not link auth/.
constexpr std::size_t kMinJwtSecretBytes = 32;
constexpr uint64_t kMinTokenTtlSeconds = 60;
constexpr uint64_t kMaxTokenTtlSeconds = 365 * 24 * 3600;

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// RFC 9110 token characters.
bool is_header_name(std::string_view name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A client header that forward_headers must never pass upstream: the client's own credentials
// (the upstream gets the provider's api_key instead), and headers the gateway itself sets or that
// belong to one connection. Returns the first one the lower-case `prefix` would match.
std::optional<std::string_view> guarded_header_matching(std::string_view prefix) {
  static constexpr std::string_view kGuarded[] = {
      "authorization",
      "proxy-authorization",
      "cookie",
      "x-api-key",
      "x-goog-api-key",
      "host",
      "content-length",
      "content-type",
      "transfer-encoding",
      "connection",
      "keep-alive",
      "te",
      "trailer",
      "upgrade",
      "expect",
      "accept",
      "accept-encoding",
      "x-request-id",
  };
  for (std::string_view name : kGuarded) {
    if (name.starts_with(prefix)) return name;
  }
  return std::nullopt;
}

class ConfigBuilder {
 public:
  ConfigBuilder(const std::string& source_name, const EnvLookup& env,
                std::vector<ConfigIssue>& issues)
      : source_name_(source_name), reader_(issues, env) {}

  Config build(const YAML::Node& root) {
    Config config;
    if (!root.IsDefined() || root.IsNull()) {
      reader_.issue(source_name_, "the configuration is empty");
      return config;
    }
    if (!root.IsMap()) {
      reader_.issue(source_name_,
                    "must be a YAML mapping with the keys server, store, billing, auth, "
                    "routing, byok, providers and models");
      return config;
    }
    const std::optional<Mapping> top = reader_.mapping(
        root, "", {"server", "store", "billing", "auth", "routing", "byok", "providers", "models"});
    if (!top) return config;
    read_server(top->get("server"), config.server);
    read_store(top->get("store"), config.store);
    read_billing(reader_, top->get("billing"), config.billing);
    read_auth(top->get("auth"), config.auth);
    read_providers(top->get("providers"), config.providers);
    read_models(top->get("models"), config);
    // After the models: aliases and `auto` refer to their ids.
    read_routing(reader_, top->get("routing"), model_paths_, config.routing);
    read_byok(reader_, top->get("byok"), config.byok);
    return config;
  }

 private:
  void read_server(const YAML::Node& node, ServerConfig& server) {
    const std::optional<Mapping> m =
        reader_.mapping(node, "server",
                        {"listen", "admin_key", "threads", "max_header_bytes", "max_body_bytes",
                         "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms",
                         "shutdown_grace_ms", "access_log"});
    if (!m) return;

    if (const Field listen = reader_.field(*m, "listen"); listen.present()) {
      ParseResult<HostPort> parsed = parse_listen_address(listen.text);
      if (auto* address = std::get_if<HostPort>(&parsed)) {
        server.listen_host = std::move(address->host);
        server.listen_port = address->port;
      } else {
        reader_.issue(listen.path, "invalid address \"" + listen.text +
                                       "\": " + std::get<ParseError>(parsed).message);
      }
    }
    if (auto key = reader_.string(*m, "admin_key")) server.admin_key = std::move(*key);
    if (auto threads = reader_.integer(*m, "threads", 0, kMaxThreads,
                                       "must be a whole number from 0 to 256 (0 = one per CPU "
                                       "core)")) {
      server.threads = static_cast<unsigned>(*threads);
    }
    if (auto bytes = reader_.byte_size(*m, "max_header_bytes")) server.max_header_bytes = *bytes;
    if (auto bytes = reader_.byte_size(*m, "max_body_bytes")) server.max_body_bytes = *bytes;
    if (auto ms = reader_.millis(*m, "header_timeout_ms")) server.header_timeout = *ms;
    if (auto ms = reader_.millis(*m, "body_timeout_ms")) server.body_timeout = *ms;
    if (auto ms = reader_.millis(*m, "idle_timeout_ms")) server.idle_timeout = *ms;
    if (auto ms = reader_.millis(*m, "shutdown_grace_ms")) server.shutdown_grace = *ms;
    if (const Field log = reader_.field(*m, "access_log"); log.present()) {
      if (log.text.empty()) {
        reader_.issue(log.path, R"(must be "stderr", "off" or a file path)");
      } else {
        server.access_log = log.text;
      }
    }
  }

  void read_store(const YAML::Node& node, StoreConfig& store) {
    const std::optional<Mapping> m = reader_.mapping(node, "store", {"sqlite", "usage_batch_ms"});
    if (!m) return;
    if (auto path = reader_.non_empty_string(*m, "sqlite")) store.sqlite_path = std::move(*path);
    if (auto ms = reader_.millis(*m, "usage_batch_ms")) store.usage_batch = *ms;
  }

  void read_auth(const YAML::Node& node, AuthConfig& auth) {
    const std::optional<Mapping> m =
        reader_.mapping(node, "auth", {"registration", "jwt_secret", "token_ttl_seconds"});
    if (!m) return;
    if (auto registration = reader_.boolean(*m, "registration")) auth.registration = *registration;
    const Field secret = reader_.field(*m, "jwt_secret");
    if (secret.present()) auth.jwt_secret = secret.text;
    if (!auth.jwt_secret.empty() && auth.jwt_secret.size() < kMinJwtSecretBytes) {
      reader_.issue(secret.path, "must be at least 32 bytes (an HS256 key of 256 bits), not " +
                                     std::to_string(auth.jwt_secret.size()) +
                                     "; e.g. the output of `openssl rand -base64 48`");
    } else if (auth.registration && auth.jwt_secret.empty() &&
               secret.state != Field::State::invalid) {
      reader_.issue(secret.path,
                    "is required when registration is on: the key (at least 32 bytes) that signs "
                    "session tokens, e.g. \"${TOLLGATE_JWT_SECRET}\"");
    }
    if (auto ttl =
            reader_.integer(*m, "token_ttl_seconds", kMinTokenTtlSeconds, kMaxTokenTtlSeconds,
                            "must be a whole number of seconds from 60 to 31536000 (a year)")) {
      auth.token_ttl_seconds = static_cast<int64_t>(*ttl);
    }
  }

  void read_providers(const YAML::Node& node, std::vector<ProviderConfig>& providers) {
    const std::vector<YAML::Node> elements = reader_.required_list(node, "providers", "provider");
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string path = element_path("providers", i);
      if (!elements[i].IsMap()) {  // null included: "- " with nothing after it
        reader_.issue(path, "must be a mapping with name, type and base_url, not " +
                                std::string(describe_kind(elements[i])));
        continue;
      }
      providers.push_back(read_provider(elements[i], path));
    }
  }

  ProviderConfig read_provider(const YAML::Node& node, const std::string& path) {
    ProviderConfig provider;
    const std::optional<Mapping> m = reader_.mapping(
        node, path,
        {"name", "region", "type", "base_url", "api_key", "ca_file", "tls_verify", "timeouts",
         "max_idle_connections", "forward_headers", "max_tokens_field"});
    if (!m) return provider;

    if (const Field name = reader_.field(*m, "name"); name.absent()) {
      reader_.issue(name.path, "is required");
    } else if (name.present()) {
      if (name.text.empty() || !is_plain_name(name.text)) {
        reader_.issue(name.path,
                      R"(must be a non-empty name of letters, digits, ".", "_" and "-")");
      }
      if (auto first = provider_paths_.find(name.text); first != provider_paths_.end()) {
        reader_.issue(name.path, "duplicate provider name \"" + name.text + "\" (also used by " +
                                     first->second + ")");
      } else if (!name.text.empty()) {
        provider_paths_.emplace(name.text, path);
      }
      // Kept even when malformed, so models naming it do not get a second, confusing issue.
      provider.name = name.text;
    }
    if (const Field region = reader_.field(*m, "region"); region.present()) {
      if (region.text.empty() || !is_plain_name(region.text)) {
        reader_.issue(
            region.path,
            R"(must be a non-empty name of letters, digits, ".", "_" and "-", e.g. "eu")");
      }
      provider.region = region.text;
    }

    if (const Field type = reader_.field(*m, "type"); type.absent()) {
      reader_.issue(type.path, R"(is required: "openai", "anthropic" or "gemini")");
    } else if (type.present()) {
      if (type.text != "openai" && type.text != "anthropic" && type.text != "gemini") {
        reader_.issue(type.path, "unsupported provider type \"" + type.text +
                                     "\": use \"openai\" (any OpenAI-compatible API), "
                                     "\"anthropic\" or \"gemini\"");
      }
      provider.type = type.text;
    }

    if (const Field url = reader_.field(*m, "base_url"); url.absent()) {
      reader_.issue(url.path, R"(is required, e.g. "https://api.openai.com/v1")");
    } else if (url.present()) {
      ParseResult<std::string> parsed = parse_base_url(url.text);
      if (auto* normalized = std::get_if<std::string>(&parsed)) {
        provider.base_url = std::move(*normalized);
      } else {
        reader_.issue(url.path,
                      "invalid URL \"" + url.text + "\": " + std::get<ParseError>(parsed).message);
      }
    }

    if (auto key = reader_.string(*m, "api_key")) provider.api_key = std::move(*key);
    if (const Field ca = reader_.field(*m, "ca_file"); ca.present() && !ca.text.empty()) {
      // Checked now so a typo fails `config check`, not the first TLS handshake.
      if (!std::ifstream(ca.text).good()) {
        reader_.issue(ca.path, "cannot read CA file \"" + ca.text + "\"");
      }
      provider.ca_file = ca.text;
    }
    if (auto verify = reader_.boolean(*m, "tls_verify")) provider.tls_verify = *verify;
    provider.timeouts =
        read_timeouts(reader_, m->get("timeouts"), child_path(path, "timeouts")).over({});
    if (auto idle = reader_.integer(*m, "max_idle_connections", 0, kMaxIdleConnections,
                                    "must be a whole number from 0 to 100000")) {
      provider.max_idle_connections = *idle;
    }
    read_forward_headers(m->get("forward_headers"), child_path(path, "forward_headers"),
                         provider.forward_headers);
    if (const Field field = reader_.field(*m, "max_tokens_field"); field.present()) {
      if (provider.type != "openai") {
        reader_.issue(field.path, "applies to type \"openai\" providers only");
      } else if (field.text != "max_completion_tokens" && field.text != "max_tokens") {
        reader_.issue(field.path, "must be \"max_completion_tokens\" or \"max_tokens\", not \"" +
                                      field.text + "\"");
      } else {
        provider.max_tokens_field = field.text;
      }
    }
    return provider;
  }

  void read_forward_headers(const YAML::Node& node, const std::string& path,
                            std::vector<std::string>& prefixes) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) {
      reader_.issue(path, R"(must be a list of header name prefixes, e.g. ["x-mock-"])");
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      Field prefix = reader_.scalar(node[i], element_path(path, i));
      if (prefix.absent()) {
        reader_.issue(prefix.path, "must not be empty");
        continue;
      }
      if (!prefix.present()) continue;
      if (prefix.text.empty() || !is_header_name(prefix.text)) {
        reader_.issue(prefix.path, "invalid header name prefix \"" + prefix.text + "\"");
        continue;
      }
      for (char& c : prefix.text) c = ascii_lower(c);
      if (std::optional<std::string_view> guarded = guarded_header_matching(prefix.text)) {
        reader_.issue(prefix.path, "\"" + prefix.text + "\" would also forward the client's \"" +
                                       std::string(*guarded) +
                                       "\" header (credentials and headers the gateway sets are "
                                       "never forwarded); use a longer prefix");
        continue;
      }
      prefixes.push_back(std::move(prefix.text));
    }
  }

  void read_models(const YAML::Node& node, Config& config) {
    const std::vector<YAML::Node> elements = reader_.required_list(node, "models", "model");
    DeploymentReader deployments(reader_, config.providers);
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string path = element_path("models", i);
      if (!elements[i].IsMap()) {
        reader_.issue(path, "must be a mapping with id, provider and pricing, not " +
                                std::string(describe_kind(elements[i])));
        continue;
      }
      config.models.push_back(read_model(elements[i], path, deployments));
    }
  }

  ModelConfig read_model(const YAML::Node& node, const std::string& path,
                         DeploymentReader& deployments) {
    ModelConfig model;
    const std::optional<Mapping> m =
        reader_.mapping(node, path,
                        {"id", "provider", "upstream_model", "context_length", "owned_by",
                         "pricing", "surfaces", "capabilities", "timeouts", "deployments"});
    if (!m) return model;

    if (const Field id = reader_.field(*m, "id"); id.absent()) {
      reader_.issue(id.path, "is required");
    } else if (id.present()) {
      if (id.text.empty() || !is_model_id(id.text)) {
        reader_.issue(id.path, "must be non-empty and contain no spaces or control characters");
      } else if (auto first = model_paths_.find(id.text); first != model_paths_.end()) {
        reader_.issue(
            id.path, "duplicate model id \"" + id.text + "\" (also used by " + first->second + ")");
      } else {
        model_paths_.emplace(id.text, path);
      }
      model.id = id.text;
    }

    // Either one provider (a single deployment) or a `deployments` list, never both.
    const Field provider = reader_.field(*m, "provider");
    const YAML::Node deployment_list = m->get("deployments");
    const bool has_list = deployment_list.IsDefined() && !deployment_list.IsNull();
    if (provider.present() && has_list) {
      reader_.issue(provider.path,
                    "use either provider or deployments, not both (each deployment names its "
                    "provider)");
    } else if (provider.absent() && !has_list) {
      reader_.issue(provider.path, "is required");
    } else if (provider.present()) {
      deployments.check_provider(provider);
      model.provider = provider.text;
    }

    if (auto upstream = reader_.non_empty_string(*m, "upstream_model")) {
      model.upstream_model = std::move(*upstream);
    } else {
      model.upstream_model = model.id;
    }
    const TimeoutOverrides timeouts =
        read_timeouts(reader_, m->get("timeouts"), child_path(path, "timeouts"));
    if (has_list) {
      deployments.read_list(deployment_list, child_path(path, "deployments"), timeouts, model);
    } else if (provider.present()) {
      deployments.add_single(path, timeouts, model);
    }
    if (!model.deployments.empty()) {
      model.provider = model.deployments.front().provider;
      model.upstream_model = model.deployments.front().upstream_model;
    }

    if (auto owner = reader_.non_empty_string(*m, "owned_by")) {
      model.owned_by = std::move(*owner);
    } else {
      model.owned_by = model.provider;
    }
    if (auto length = reader_.integer(*m, "context_length", 1,
                                      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                                      "must be a positive whole number of tokens")) {
      model.context_length = static_cast<int64_t>(*length);
    }
    read_pricing(reader_, m->get("pricing"), child_path(path, "pricing"), model.context_length,
                 model.pricing);
    read_surfaces(m->get("surfaces"), child_path(path, "surfaces"), model.surfaces);
    read_capabilities(m->get("capabilities"), child_path(path, "capabilities"), model.capabilities);
    return model;
  }

  void read_surfaces(const YAML::Node& node, const std::string& path,
                     std::vector<std::string>& surfaces) {
    if (!node.IsDefined() || node.IsNull()) return;  // keep the default
    if (!node.IsSequence() || node.size() == 0) {
      reader_.issue(path, "must be a non-empty list of surfaces, e.g. [chat, messages]");
      return;
    }
    surfaces.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      Field surface = reader_.scalar(node[i], element_path(path, i));
      if (!surface.present()) {
        if (surface.absent()) reader_.issue(surface.path, "must not be empty");
        continue;
      }
      if (!is_surface_name(surface.text)) {
        reader_.issue(surface.path, "unknown surface \"" + surface.text + "\": use " +
                                        std::string(kSurfaceNames));
        continue;
      }
      if (std::find(surfaces.begin(), surfaces.end(), surface.text) != surfaces.end()) {
        reader_.issue(surface.path, "\"" + surface.text + "\" is listed twice");
        continue;
      }
      surfaces.push_back(std::move(surface.text));
    }
  }

  void read_capabilities(const YAML::Node& node, const std::string& path,
                         std::vector<std::string>& capabilities) {
    const auto is_capability = [this](const Field& capability) {
      if (is_capability_name(capability.text)) return true;
      reader_.issue(capability.path, "unknown capability \"" + capability.text + "\": use " +
                                         std::string(kCapabilityNames));
      return false;
    };
    for (Field& capability : reader_.distinct_scalars(
             node, path, "capabilities, e.g. [tools, vision]", is_capability)) {
      capabilities.push_back(std::move(capability.text));
    }
  }

  const std::string& source_name_;
  YamlReader reader_;
  // Names and ids seen so far → the path that declared them first (for duplicate messages).
  std::map<std::string, std::string, std::less<>> provider_paths_;
  std::map<std::string, std::string, std::less<>> model_paths_;
};

}  // namespace

Config build_config(const YAML::Node& root, const std::string& source_name, const EnvLookup& env,
                    std::vector<ConfigIssue>& issues) {
  return ConfigBuilder(source_name, env, issues).build(root);
}

}  // namespace tollgate::config::detail
