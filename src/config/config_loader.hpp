// Turns a parsed YAML tree into a Config, checking it against the schema (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/env_substitution.hpp"

namespace tollgate::config::detail {

// Fills a Config from `root`, appending every problem found to `issues` (the Config is only
// meaningful when none were). `source_name` names the file in whole-document messages.
Config build_config(const YAML::Node& root, const std::string& source_name, const EnvLookup& env,
                    std::vector<ConfigIssue>& issues);

}  // namespace tollgate::config::detail
