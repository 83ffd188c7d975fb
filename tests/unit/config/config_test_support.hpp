// Helpers the config tests share: a scoped environment variable, and the issues a config text
// produces.
#pragma once

#include "config/config.hpp"

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::config::testing {

// Sets (or unsets) an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) previous_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (previous_) {
      ::setenv(name_, previous_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

// "path: message" for each issue the text produces (empty when it loads).
inline std::vector<std::string> issues_of(const std::string& yaml) {
  std::vector<std::string> out;
  try {
    load_config_text(yaml);
  } catch (const ConfigError& e) {
    for (const ConfigIssue& issue : e.issues()) out.push_back(issue.path + ": " + issue.message);
  }
  return out;
}

}  // namespace tollgate::config::testing
