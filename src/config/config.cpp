#include "config/config.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
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

namespace {

// Counts the documents in a YAML text without building them, stopping one past the number of
// bytes (see load_config_text).
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::size_t count_documents(const std::string& yaml_text) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  std::size_t documents = 0;
  while (documents <= yaml_text.size() + 1 && parser.HandleNextDocument(counter)) ++documents;
  return documents;
}

}  // namespace

Config load_config_text(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    const std::size_t documents = count_documents(yaml_text);
    if (documents > yaml_text.size() + 1) {
      // yaml-cpp 0.7 can loop forever producing empty documents on some malformed input (a lone
      // ","; yaml-cpp issue #1040): a text cannot hold more documents than it has bytes.
      throw ConfigError({ConfigIssue{source_name, "invalid YAML: the parser makes no progress"}});
    }
    if (documents > 1) {
      throw ConfigError({ConfigIssue{
          source_name, "holds " + std::to_string(documents) +
                           " YAML documents (\"---\"); a configuration is exactly one"}});
    }
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError({ConfigIssue{location(source_name, e.mark), "invalid YAML: " + e.msg}});
  }
  std::vector<ConfigIssue> issues;
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

bool is_surface_name(std::string_view name) {
  return name == "chat" || name == "messages" || name == "responses" || name == "gemini" ||
         name == "embeddings" || name == "images";
}

bool is_capability_name(std::string_view name) {
  return name == "tools" || name == "vision" || name == "structured_output";
}

}  // namespace tollgate::config
