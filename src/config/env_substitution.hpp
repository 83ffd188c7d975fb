// ${VAR} and ${VAR:-default} substitution in configuration values (internal to config/).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::config::detail {

// Returns the value of an environment variable, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Looks variables up in the process environment (getenv).
EnvLookup process_environment();

struct SubstitutionResult {
  std::string value;                // the text with every reference replaced
  std::vector<std::string> errors;  // one message per bad reference; value is unusable if any
};

// Rules (the same as docker compose and the POSIX shell, restricted to the safe subset):
//   ${NAME}            value of NAME; an error if NAME is not set (set but empty gives "")
//   ${NAME:-default}   value of NAME, or `default` when NAME is unset or empty
//   $$                 a literal "$"
//   $ followed by anything else is kept as it is (so "pa$word" needs no escaping).
// NAME is [A-Za-z_][A-Za-z0-9_]*. The default is taken literally up to the first "}".
SubstitutionResult substitute_env(std::string_view text, const EnvLookup& lookup);

}  // namespace tollgate::config::detail
