// Reads where a model is served — its `deployments:` list, or the one deployment its own
// `provider:` stands for — and the `timeouts:` overrides that providers, models and deployments
// share (internal to config/). Every deployment leaves here fully resolved: its provider's
// region and timeouts filled in, the model's overrides and then its own applied, and a name that
// is unique across the whole configuration.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace tollgate::config::detail {

// The fields one `timeouts:` mapping gives; an absent field leaves the layer below unchanged.
struct TimeoutOverrides {
  std::optional<std::chrono::milliseconds> connect;
  std::optional<std::chrono::milliseconds> first_byte;
  std::optional<std::chrono::milliseconds> idle;
  std::optional<std::chrono::milliseconds> total;

  // `base` with each field given here replacing base's.
  UpstreamTimeouts over(UpstreamTimeouts base) const;
};

// A `timeouts:` mapping at `path` (connect_ms, first_byte_ms, idle_ms, total_ms); absent or
// empty: no overrides.
TimeoutOverrides read_timeouts(YamlReader& reader, const YAML::Node& node, const std::string& path);

// Builds the deployments of every model, in file order, against the providers already read.
class DeploymentReader {
 public:
  DeploymentReader(YamlReader& reader, const std::vector<ProviderConfig>& providers);

  // Reports `provider` (a model's or a deployment's `provider:`) when no provider has that name.
  void check_provider(const Field& provider);

  // model.deployments from the `deployments:` list at `path`. Reads model.id and
  // model.upstream_model (the defaults of names and upstream models) and `model_timeouts`.
  void read_list(const YAML::Node& node, const std::string& path,
                 const TimeoutOverrides& model_timeouts, ModelConfig& model);

  // The one deployment of a model written with `provider:` (already checked) instead of a list;
  // `model_path` is where a clash of its default name is reported.
  void add_single(const std::string& model_path, const TimeoutOverrides& model_timeouts,
                  ModelConfig& model);

 private:
  DeploymentConfig read_deployment(const YAML::Node& node, const std::string& path,
                                   const TimeoutOverrides& model_timeouts, const ModelConfig& model,
                                   bool claim_default,
                                   std::map<std::string, int, std::less<>>& per_provider);
  // Fills in what the provider, then the model, give a deployment that does not say otherwise.
  void resolve(DeploymentConfig& deployment, const TimeoutOverrides& model_timeouts,
               const TimeoutOverrides& own_timeouts) const;
  // "<model id>@<provider>", then "#2", "#3", ... for the model's next deployments on it.
  static std::string default_name(const ModelConfig& model, const std::string& provider,
                                  std::map<std::string, int, std::less<>>& per_provider);
  // Whether the model's default deployment names take part in the uniqueness check.
  bool claims_default_names(const ModelConfig& model);
  // Records `name` as the deployment's at `owner`; when another already has it, returns that
  // one's path instead.
  std::optional<std::string> claim_name(const std::string& name, const std::string& owner);

  YamlReader& reader_;
  const std::vector<ProviderConfig>& providers_;
  // Deployment name → the path of the deployment (or single-provider model) that has it.
  std::map<std::string, std::string, std::less<>> name_owners_;
  std::set<std::string, std::less<>> model_ids_;
};

}  // namespace tollgate::config::detail
