// Reads the money parts of a configuration — a model's `pricing:` and the top-level `billing:`
// section — reporting every problem with its path (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace tollgate::config::detail {

// `models[i].pricing` at `path`. `context_length` (when the model states one) bounds the tier
// thresholds: a tier above it could never apply.
void read_pricing(YamlReader& reader, const YAML::Node& node, const std::string& path,
                  const std::optional<int64_t>& context_length, Pricing& pricing);

// The top-level `billing:` section; absent or empty means every default.
void read_billing(YamlReader& reader, const YAML::Node& node, BillingConfig& billing);

}  // namespace tollgate::config::detail
