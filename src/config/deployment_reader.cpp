#include "config/deployment_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "config/did_you_mean.hpp"
#include "config/value_parsing.hpp"

namespace tollgate::config::detail {

namespace {

constexpr uint64_t kMaxPriority = 1000;
constexpr uint64_t kMaxWeight = 1'000'000;
constexpr uint64_t kMaxPerMinute = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

}  // namespace

UpstreamTimeouts TimeoutOverrides::over(UpstreamTimeouts base) const {
  if (connect) base.connect = *connect;
  if (first_byte) base.first_byte = *first_byte;
  if (idle) base.idle = *idle;
  if (total) base.total = *total;
  return base;
}

TimeoutOverrides read_timeouts(YamlReader& reader, const YAML::Node& node,
                               const std::string& path) {
  TimeoutOverrides overrides;
  const std::optional<Mapping> m =
      reader.mapping(node, path, {"connect_ms", "first_byte_ms", "idle_ms", "total_ms"});
  if (!m) return overrides;
  overrides.connect = reader.millis(*m, "connect_ms");
  overrides.first_byte = reader.millis(*m, "first_byte_ms");
  overrides.idle = reader.millis(*m, "idle_ms");
  overrides.total = reader.millis(*m, "total_ms");
  return overrides;
}

DeploymentReader::DeploymentReader(YamlReader& reader, const std::vector<ProviderConfig>& providers)
    : reader_(reader), providers_(providers) {}

void DeploymentReader::check_provider(const Field& provider) {
  std::vector<std::string_view> names;
  for (const ProviderConfig& candidate : providers_) {
    if (candidate.name.empty()) continue;
    if (candidate.name == provider.text) return;
    if (std::find(names.begin(), names.end(), candidate.name) == names.end()) {
      names.push_back(candidate.name);
    }
  }
  if (names.empty()) return;  // no usable provider: already reported under providers
  reader_.issue(provider.path, unknown_name_message("provider", provider.text, names));
}

void DeploymentReader::read_list(const YAML::Node& node, const std::string& path,
                                 const TimeoutOverrides& model_timeouts, ModelConfig& model) {
  const bool claim_defaults = claims_default_names(model);
  std::map<std::string, int, std::less<>> per_provider;
  const std::vector<YAML::Node> elements = reader_.required_list(node, path, "deployment");
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::string element = element_path(path, i);
    if (!elements[i].IsMap()) {
      reader_.issue(element, "must be a mapping with at least a provider, not " +
                                 std::string(describe_kind(elements[i])));
      continue;
    }
    model.deployments.push_back(
        read_deployment(elements[i], element, model_timeouts, model, claim_defaults, per_provider));
  }
}

void DeploymentReader::add_single(const std::string& model_path,
                                  const TimeoutOverrides& model_timeouts, ModelConfig& model) {
  DeploymentConfig deployment;
  deployment.provider = model.provider;
  deployment.upstream_model = model.upstream_model;
  std::map<std::string, int, std::less<>> per_provider;
  deployment.name = default_name(model, deployment.provider, per_provider);
  if (claims_default_names(model)) {
    if (std::optional<std::string> owner = claim_name(deployment.name, model_path)) {
      reader_.issue(model_path, "its deployment's default name \"" + deployment.name +
                                    "\" is already used by " + *owner +
                                    ": give that one another name");
    }
  }
  resolve(deployment, model_timeouts, TimeoutOverrides{});
  model.deployments.push_back(std::move(deployment));
}

DeploymentConfig DeploymentReader::read_deployment(
    const YAML::Node& node, const std::string& path, const TimeoutOverrides& model_timeouts,
    const ModelConfig& model, bool claim_default,
    std::map<std::string, int, std::less<>>& per_provider) {
  DeploymentConfig deployment;
  const std::optional<Mapping> m =
      reader_.mapping(node, path,
                      {"provider", "upstream_model", "name", "region", "priority", "weight", "rpm",
                       "tpm", "timeouts"});
  if (!m) return deployment;

  const Field provider = reader_.field(*m, "provider");
  if (provider.absent()) {
    reader_.issue(provider.path, "is required");
  } else if (provider.present()) {
    check_provider(provider);
    deployment.provider = provider.text;
  }
  if (auto upstream = reader_.non_empty_string(*m, "upstream_model")) {
    deployment.upstream_model = std::move(*upstream);
  } else {
    deployment.upstream_model = model.upstream_model;
  }

  // Counted whether or not this one is named, so a default name never depends on which of its
  // siblings have names of their own.
  std::string fallback_name;
  if (provider.present()) fallback_name = default_name(model, deployment.provider, per_provider);
  if (const Field name = reader_.field(*m, "name"); name.present()) {
    if (name.text.empty() || !is_model_id(name.text)) {
      reader_.issue(name.path, "must be non-empty and contain no spaces or control characters");
    } else if (std::optional<std::string> owner = claim_name(name.text, path)) {
      reader_.issue(name.path, "duplicate deployment name \"" + name.text + "\" (also used by " +
                                   *owner + ")");
    }
    deployment.name = name.text;
  } else if (name.absent() && !fallback_name.empty()) {
    deployment.name = std::move(fallback_name);
    if (claim_default) {
      if (std::optional<std::string> owner = claim_name(deployment.name, path)) {
        reader_.issue(path, "its default name \"" + deployment.name + "\" is already used by " +
                                *owner + ": give this deployment a name");
      }
    }
  }

  if (const Field region = reader_.field(*m, "region"); region.present()) {
    if (region.text.empty() || !is_plain_name(region.text)) {
      reader_.issue(region.path,
                    R"(must be a non-empty name of letters, digits, ".", "_" and "-", e.g. "eu")");
    }
    deployment.region = region.text;
  }
  if (auto priority = reader_.integer(*m, "priority", 0, kMaxPriority,
                                      "must be a whole number from 0 to 1000 (lower is tried "
                                      "first)")) {
    deployment.priority = static_cast<int>(*priority);
  }
  if (auto weight = reader_.integer(*m, "weight", 1, kMaxWeight,
                                    "must be a whole number from 1 to 1000000")) {
    deployment.weight = static_cast<std::uint32_t>(*weight);
  }
  if (auto rpm = reader_.integer(*m, "rpm", 1, kMaxPerMinute,
                                 "must be a positive whole number of requests per minute")) {
    deployment.rpm = static_cast<int64_t>(*rpm);
  }
  if (auto tpm = reader_.integer(*m, "tpm", 1, kMaxPerMinute,
                                 "must be a positive whole number of tokens per minute")) {
    deployment.tpm = static_cast<int64_t>(*tpm);
  }
  const TimeoutOverrides own_timeouts =
      read_timeouts(reader_, m->get("timeouts"), child_path(path, "timeouts"));
  resolve(deployment, model_timeouts, own_timeouts);
  return deployment;
}

void DeploymentReader::resolve(DeploymentConfig& deployment, const TimeoutOverrides& model_timeouts,
                               const TimeoutOverrides& own_timeouts) const {
  UpstreamTimeouts base;  // an unknown provider (already reported) lends the defaults
  for (const ProviderConfig& provider : providers_) {
    if (provider.name != deployment.provider) continue;
    base = provider.timeouts;
    if (deployment.region.empty()) deployment.region = provider.region;
    break;
  }
  deployment.timeouts = own_timeouts.over(model_timeouts.over(base));
}

std::string DeploymentReader::default_name(const ModelConfig& model, const std::string& provider,
                                           std::map<std::string, int, std::less<>>& per_provider) {
  const int ordinal = ++per_provider[provider];
  std::string name = model.id + "@" + provider;
  if (ordinal > 1) name += "#" + std::to_string(ordinal);
  return name;
}

bool DeploymentReader::claims_default_names(const ModelConfig& model) {
  // A model without a usable id, or with one an earlier model has (both already reported), would
  // only add a second, confusing clash of default names.
  if (model.id.empty()) return false;
  return model_ids_.insert(model.id).second;
}

std::optional<std::string> DeploymentReader::claim_name(const std::string& name,
                                                        const std::string& owner) {
  const auto [existing, inserted] = name_owners_.emplace(name, owner);
  if (inserted) return std::nullopt;
  return existing->second;
}

}  // namespace tollgate::config::detail
