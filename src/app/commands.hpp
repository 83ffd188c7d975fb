// The `tollgate` subcommands. Each returns the process exit code.
#pragma once

#include <optional>
#include <string>

namespace tollgate::app {

int serve(const std::string& config_path);
int config_check(const std::string& config_path);
int migrate(const std::string& config_path);
int keys_create(const std::string& config_path, const std::string& name);
int keys_list(const std::string& config_path);
int keys_revoke(const std::string& config_path, const std::string& prefix);
int usage_report(const std::string& config_path, int limit, std::optional<int> since_hours);

}  // namespace tollgate::app
