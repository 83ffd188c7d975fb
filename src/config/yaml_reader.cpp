#include "config/yaml_reader.hpp"

#include <algorithm>

#include "config/did_you_mean.hpp"
#include "config/value_parsing.hpp"

namespace tollgate::config::detail {

namespace {

// Long enough for any sane timeout, short enough that adding it to a clock never overflows.
constexpr uint64_t kMaxMillis = 24ull * 60 * 60 * 1000;

std::string join_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

std::string element_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string_view describe_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "an empty value";
    default:
      return "a single value";
  }
}

YAML::Node Mapping::get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return value;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void YamlReader::issue(std::string path, std::string message) {
  issues_.push_back(ConfigIssue{std::move(path), std::move(message)});
}

std::optional<Mapping> YamlReader::mapping(const YAML::Node& node, const std::string& path,
                                           const std::vector<std::string_view>& known_keys) {
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsMap()) {
    issue(path, "must be a mapping of keys to values, not " + std::string(describe_kind(node)));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, YAML::Node>> entries;
  std::vector<std::string> seen;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      issue(path, "keys must be plain names, not " + std::string(describe_kind(entry.first)));
      continue;
    }
    const std::string& key = entry.first.Scalar();
    const std::string key_path = child_path(path, key);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      issue(key_path, "duplicate key");
      continue;
    }
    seen.push_back(key);
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      if (std::optional<std::string> guess = closest_match(key, known_keys)) {
        issue(key_path, "unknown key (did you mean \"" + *guess + "\"?)");
      } else {
        issue(key_path, "unknown key (valid keys here: " + join_keys(known_keys) + ")");
      }
      continue;
    }
    entries.emplace_back(key, entry.second);
  }
  return Mapping(path, std::move(entries));
}

Field YamlReader::field(const Mapping& m, std::string_view key) {
  return scalar(m.get(key), child_path(m.path(), key));
}

Field YamlReader::scalar(const YAML::Node& node, std::string path) {
  Field out;
  out.path = std::move(path);
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsScalar()) {
    issue(out.path, "must be a single value, not " + std::string(describe_kind(node)));
    out.state = Field::State::invalid;
    return out;
  }
  SubstitutionResult substituted = substitute_env(node.Scalar(), env_);
  if (!substituted.errors.empty()) {
    for (std::string& error : substituted.errors) issue(out.path, std::move(error));
    out.state = Field::State::invalid;
    return out;
  }
  out.state = Field::State::present;
  out.text = std::move(substituted.value);
  return out;
}

std::optional<std::string> YamlReader::string(const Mapping& m, std::string_view key) {
  Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  return std::move(f.text);
}

std::optional<std::string> YamlReader::non_empty_string(const Mapping& m, std::string_view key) {
  Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  if (f.text.empty()) {
    issue(f.path, "must not be empty");
    return std::nullopt;
  }
  return std::move(f.text);
}

std::optional<uint64_t> YamlReader::integer(const Mapping& m, std::string_view key, uint64_t min,
                                            uint64_t max, std::string_view message) {
  const Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  const std::optional<uint64_t> value = parse_decimal_uint(f.text);
  if (!value || *value < min || *value > max) {
    issue(f.path, std::string(message));
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> YamlReader::byte_size(const Mapping& m, std::string_view key) {
  const Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  const std::optional<uint64_t> value = parse_byte_size(f.text);
  if (!value || *value == 0) {
    issue(f.path, R"(must be a positive size in bytes, e.g. 16384, "16KiB" or "8MiB")");
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> YamlReader::millis(const Mapping& m,
                                                            std::string_view key) {
  const Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  const std::optional<uint64_t> value = parse_decimal_uint(f.text);
  if (!value || *value == 0 || *value > kMaxMillis) {
    issue(f.path, "must be a positive whole number of milliseconds, at most " +
                      std::to_string(kMaxMillis) + " (24 hours)");
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*value));
}

std::optional<bool> YamlReader::boolean(const Mapping& m, std::string_view key) {
  const Field f = field(m, key);
  if (!f.present()) return std::nullopt;
  // YAML 1.2 core schema spellings only: "yes"/"on" are too easy to write by accident.
  if (f.text == "true" || f.text == "True" || f.text == "TRUE") return true;
  if (f.text == "false" || f.text == "False" || f.text == "FALSE") return false;
  issue(f.path, "must be true or false");
  return std::nullopt;
}

std::optional<int64_t> YamlReader::price(const Mapping& m, std::string_view key,
                                         std::string_view unit) {
  return price(field(m, key), unit);
}

std::optional<int64_t> YamlReader::price(const Field& f, std::string_view unit) {
  if (!f.present()) return std::nullopt;
  std::optional<int64_t> micros = parse_usd_micros(f.text);
  if (!micros) {
    issue(f.path, "invalid price \"" + f.text + "\": must be a non-negative decimal number of " +
                      std::string(unit) + " with at most 6 decimal places, e.g. \"0.15\"");
  }
  return micros;
}

std::vector<YAML::Node> YamlReader::required_list(const YAML::Node& node, const std::string& path,
                                                  std::string_view what) {
  std::vector<YAML::Node> elements;
  if (!node.IsDefined() || node.IsNull()) {
    issue(path, "is required: list at least one " + std::string(what));
    return elements;
  }
  if (!node.IsSequence()) {
    issue(path,
          "must be a list of " + std::string(what) + "s, not " + std::string(describe_kind(node)));
    return elements;
  }
  if (node.size() == 0) {
    issue(path, "must list at least one " + std::string(what));
    return elements;
  }
  for (const YAML::Node& element : node) elements.push_back(element);
  return elements;
}

std::vector<Field> YamlReader::distinct_scalars(const YAML::Node& node, const std::string& path,
                                                std::string_view what_example,
                                                const std::function<bool(const Field&)>& accept) {
  std::vector<Field> values;
  if (!node.IsDefined() || node.IsNull()) return values;
  if (!node.IsSequence()) {
    issue(path, "must be a list of " + std::string(what_example) + ", not " +
                    std::string(describe_kind(node)));
    return values;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    Field value = scalar(node[i], element_path(path, i));
    if (value.absent() || (value.present() && value.text.empty())) {
      issue(value.path, "must not be empty");
      continue;
    }
    if (!value.present() || !accept(value)) continue;
    const auto same = [&value](const Field& earlier) { return earlier.text == value.text; };
    if (std::any_of(values.begin(), values.end(), same)) {
      issue(value.path, "\"" + value.text + "\" is listed twice");
      continue;
    }
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace tollgate::config::detail
