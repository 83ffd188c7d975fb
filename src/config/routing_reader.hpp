// Reads the top-level `routing:` section — strategy, retries, breaker, aliases, `auto` — and the
// `byok:` section, reporting every problem with its path (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace tollgate::config::detail {

// Every valid model id → the path of the model that declares it.
using ModelPaths = std::map<std::string, std::string, std::less<>>;

// The `routing:` section (absent or empty: every default). Alias members and `auto.models` must
// be ids in `models`, alias ids must not be; a model with the id "auto" is reported (at its
// path in `models`) while `auto` is enabled, since requests for it would never reach it.
void read_routing(YamlReader& reader, const YAML::Node& node, const ModelPaths& models,
                  RoutingConfig& routing);

// The `byok:` section: a master key, when given, is exactly 64 hex digits. Messages never hold
// the key itself.
void read_byok(YamlReader& reader, const YAML::Node& node, ByokConfig& byok);

}  // namespace tollgate::config::detail
