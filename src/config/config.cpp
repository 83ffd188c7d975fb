#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"
#include "config/env_substitution.hpp"

namespace tollgate::config {

namespace {

std::string describe_issues(const std::vector<ConfigIssue>& issues) {
  std::string text;
  for (const ConfigIssue& issue : issues) {
    if (!text.empty()) text += '\n';
    if (!issue.path.empty()) {
      text += issue.path;
      text += ": ";
    }
    text += issue.message;
  }
  return text;
}

// yaml-cpp marks are 0-based; editors count from 1.
std::string location(const std::string& source_name, const YAML::Mark& mark) {
  if (mark.is_null()) return source_name;
  return source_name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

}  // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(describe_issues(issues)), issues_(std::move(issues)) {}

const ProviderConfig* Config::find_provider(std::string_view name) const {
  for (const ProviderConfig& provider : providers) {
    if (provider.name == name) return &provider;
  }
  return nullptr;
}

const ModelConfig* Config::find_model(std::string_view id) const {
  for (const ModelConfig& model : models) {
    if (model.id == id) return &model;
  }
  return nullptr;
}

Config load_config_text(const std::string& yaml_text, const std::string& source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError({ConfigIssue{location(source_name, e.mark), "invalid YAML: " + e.msg}});
  }
  if (documents.size() > 1) {
    throw ConfigError({ConfigIssue{
        source_name, "holds " + std::to_string(documents.size()) +
                         " YAML documents (\"---\"); a configuration is exactly one"}});
  }
  std::vector<ConfigIssue> issues;
  const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  Config config = detail::build_config(root, source_name, detail::process_environment(), issues);
  if (!issues.empty()) throw ConfigError(std::move(issues));
  return config;
}

Config load_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError({ConfigIssue{path, "cannot read: is a directory"}});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw ConfigError({ConfigIssue{path, std::string("cannot read: ") + std::strerror(error)}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError({ConfigIssue{path, "cannot read: I/O error"}});
  return load_config_text(text.str(), path);
}

}  // namespace tollgate::config
