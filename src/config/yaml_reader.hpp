// Reads typed values out of a parsed YAML tree, recording every problem with its path instead of
// stopping at the first (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/env_substitution.hpp"

namespace tollgate::config::detail {

// "server" + "listen" → "server.listen"; "" + "server" → "server".
std::string child_path(const std::string& parent, std::string_view key);
// "providers" + 2 → "providers[2]".
std::string element_path(const std::string& parent, std::size_t index);

// A YAML mapping whose keys were checked against the schema: unknown and repeated keys are
// already reported, and only the first occurrence of each known key is kept.
class Mapping {
 public:
  Mapping(std::string path, std::vector<std::pair<std::string, YAML::Node>> entries)
      : path_(std::move(path)), entries_(std::move(entries)) {}

  const std::string& path() const { return path_; }
  // The value under `key`; an undefined node when the key is absent.
  YAML::Node get(std::string_view key) const;

 private:
  std::string path_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

// One scalar value after ${ENV} substitution.
struct Field {
  enum class State { absent, invalid, present };
  State state = State::absent;
  std::string path;
  std::string text;

  bool absent() const { return state == State::absent; }
  bool present() const { return state == State::present; }
};

class YamlReader {
 public:
  YamlReader(std::vector<ConfigIssue>& issues, EnvLookup env)
      : issues_(issues), env_(std::move(env)) {}

  void issue(std::string path, std::string message);

  // nullopt if `node` is absent or null (nothing reported) or not a mapping (reported).
  std::optional<Mapping> mapping(const YAML::Node& node, const std::string& path,
                                 const std::vector<std::string_view>& known_keys);

  // Reads m[key] as a scalar with ${ENV} substituted. A null value counts as absent. A list or
  // mapping, or a bad ${...} reference, is reported and gives State::invalid.
  Field field(const Mapping& m, std::string_view key);
  // The same for any node, e.g. a list element.
  Field scalar(const YAML::Node& node, std::string path);

  // Typed readers: nullopt when the field is absent or invalid; a present value that does not
  // parse is reported with a message naming what was expected.
  std::optional<std::string> string(const Mapping& m, std::string_view key);
  std::optional<std::string> non_empty_string(const Mapping& m, std::string_view key);
  std::optional<uint64_t> integer(const Mapping& m, std::string_view key, uint64_t min,
                                  uint64_t max, std::string_view message);
  std::optional<uint64_t> byte_size(const Mapping& m, std::string_view key);
  std::optional<std::chrono::milliseconds> millis(const Mapping& m, std::string_view key);
  std::optional<bool> boolean(const Mapping& m, std::string_view key);
  // A price in micro-USD; `unit` words the error message ("USD per 1M tokens", "USD per image").
  std::optional<int64_t> price(const Mapping& m, std::string_view key,
                               std::string_view unit = "USD per 1M tokens");
  std::optional<int64_t> price(const Field& f, std::string_view unit = "USD per 1M tokens");

  // The elements of a list that must hold at least one entry; a missing, empty or non-list
  // value is reported ("is required: list at least one <what>").
  std::vector<YAML::Node> required_list(const YAML::Node& node, const std::string& path,
                                        std::string_view what);
  // The values of an optional list of names (absent or null: none), in order. Not a list is
  // reported as "must be a list of <what_example>". Each present, non-empty element goes to
  // `accept`, which reports it and returns false when it does not belong; an empty element or a
  // value accepted before is reported here. Every Field returned is present and distinct.
  std::vector<Field> distinct_scalars(const YAML::Node& node, const std::string& path,
                                      std::string_view what_example,
                                      const std::function<bool(const Field&)>& accept);

 private:
  std::vector<ConfigIssue>& issues_;
  EnvLookup env_;
};

// A human word for a node's kind: "a list", "a mapping", "a value".
std::string_view describe_kind(const YAML::Node& node);

}  // namespace tollgate::config::detail
