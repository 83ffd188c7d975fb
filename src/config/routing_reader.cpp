#include "config/routing_reader.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "config/did_you_mean.hpp"
#include "config/value_parsing.hpp"

namespace tollgate::config::detail {

namespace {

constexpr uint64_t kMaxAttempts = 10;
constexpr uint64_t kMaxBreakerFailures = 1000;
// The id a request sends to let the gateway choose the model (`routing.auto`).
constexpr std::string_view kAutoModelId = "auto";
constexpr std::size_t kMasterKeyHexDigits = 64;
constexpr std::string_view kMasterKeyHint = "generate one with `openssl rand -hex 32`";

void read_strategy(YamlReader& reader, const Mapping& m, RoutingStrategy& strategy) {
  const Field field = reader.field(m, "strategy");
  if (!field.present()) return;
  if (field.text == "weighted") {
    strategy = RoutingStrategy::weighted;
  } else if (field.text == "least_latency") {
    strategy = RoutingStrategy::least_latency;
  } else {
    reader.issue(field.path,
                 "must be \"weighted\" or \"least_latency\", not \"" + field.text + "\"");
  }
}

void read_retries(YamlReader& reader, const YAML::Node& node, RoutingConfig& routing) {
  const std::optional<Mapping> m =
      reader.mapping(node, "routing.retries",
                     {"max_attempts", "backoff_ms", "max_backoff_ms", "max_retry_after_ms"});
  if (!m) return;
  if (auto attempts = reader.integer(*m, "max_attempts", 1, kMaxAttempts,
                                     "must be a whole number from 1 to 10 (1 = no retry)")) {
    routing.max_attempts = static_cast<int>(*attempts);
  }
  const std::optional<milliseconds> backoff = reader.millis(*m, "backoff_ms");
  const std::optional<milliseconds> max_backoff = reader.millis(*m, "max_backoff_ms");
  if (backoff) routing.backoff = *backoff;
  if (max_backoff) routing.max_backoff = *max_backoff;
  if (auto ms = reader.millis(*m, "max_retry_after_ms")) routing.max_retry_after = *ms;
  if (routing.backoff <= routing.max_backoff) return;
  // Reported on the key that was written: the other one is its default (or also written).
  if (backoff) {
    reader.issue(child_path(m->path(), "backoff_ms"),
                 "must not exceed max_backoff_ms (" + std::to_string(routing.max_backoff.count()) +
                     "): the backoff doubles up to max_backoff_ms");
  } else {
    reader.issue(child_path(m->path(), "max_backoff_ms"),
                 "must not be below backoff_ms (" + std::to_string(routing.backoff.count()) + ")");
  }
}

void read_breaker(YamlReader& reader, const YAML::Node& node, RoutingConfig& routing) {
  const std::optional<Mapping> m =
      reader.mapping(node, "routing.breaker", {"failures", "cooldown_ms"});
  if (!m) return;
  if (auto failures = reader.integer(*m, "failures", 1, kMaxBreakerFailures,
                                     "must be a whole number from 1 to 1000 (consecutive "
                                     "failures that open the breaker)")) {
    routing.breaker_failures = static_cast<int>(*failures);
  }
  if (auto ms = reader.millis(*m, "cooldown_ms")) routing.breaker_cooldown = *ms;
}

// True when `member` names a model; otherwise reports it, with a suggestion when one is close.
bool check_model_reference(YamlReader& reader, const Field& member, const ModelPaths& models) {
  if (models.contains(member.text)) return true;
  if (models.empty()) return false;  // no usable model: already reported under models
  std::vector<std::string_view> ids;
  for (const auto& [id, unused] : models) ids.push_back(id);
  reader.issue(member.path, unknown_name_message("model", member.text, ids));
  return false;
}

// The ids of `models:` in order, each a model id and listed once.
std::vector<std::string> read_model_list(YamlReader& reader, const YAML::Node& node,
                                         const std::string& path, const ModelPaths& models) {
  std::vector<std::string> ids;
  const auto is_model = [&](const Field& member) {
    return check_model_reference(reader, member, models);
  };
  for (Field& member :
       reader.distinct_scalars(node, path, "model ids, e.g. [gpt-4o-mini]", is_model)) {
    ids.push_back(std::move(member.text));
  }
  return ids;
}

class AliasReader {
 public:
  AliasReader(YamlReader& reader, const ModelPaths& models) : reader_(reader), models_(models) {}

  void read(const YAML::Node& node, std::vector<AliasConfig>& aliases) {
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string path = "routing.aliases";
    if (!node.IsSequence()) {
      reader_.issue(path, "must be a list of aliases, not " + std::string(describe_kind(node)));
      return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string element = element_path(path, i);
      if (!node[i].IsMap()) {
        reader_.issue(element, "must be a mapping with id and models, not " +
                                   std::string(describe_kind(node[i])));
        continue;
      }
      const std::optional<Mapping> m =
          reader_.mapping(node[i], element, {"id", "models", "description"});
      if (!m) continue;
      aliases.push_back(read_alias(*m));
    }
  }

 private:
  AliasConfig read_alias(const Mapping& m) {
    AliasConfig alias;
    if (const Field id = reader_.field(m, "id"); id.absent()) {
      reader_.issue(id.path, "is required");
    } else if (id.present()) {
      check_id(id, m.path());
      alias.id = id.text;
    }
    const YAML::Node members = m.get("models");
    const std::string members_path = child_path(m.path(), "models");
    if (!members.IsDefined() || members.IsNull()) {
      reader_.issue(members_path, "is required: the model ids the alias stands for, in order");
    } else if (members.IsSequence() && members.size() == 0) {
      reader_.issue(members_path, "must list at least one model id");
    } else {
      alias.models = read_model_list(reader_, members, members_path, models_);
    }
    if (auto description = reader_.string(m, "description")) {
      alias.description = std::move(*description);
    }
    return alias;
  }

  // `alias_path` (routing.aliases[i]) names the alias in duplicate messages.
  void check_id(const Field& id, const std::string& alias_path) {
    if (id.text.empty() || !is_model_id(id.text)) {
      reader_.issue(id.path, "must be non-empty and contain no spaces or control characters");
    } else if (id.text == kAutoModelId) {
      reader_.issue(id.path,
                    "\"auto\" is reserved for the gateway's choice of a model "
                    "(routing.auto)");
    } else if (auto model = models_.find(id.text); model != models_.end()) {
      reader_.issue(id.path, "\"" + id.text + "\" is already the id of a model (" + model->second +
                                 "): an alias needs an id of its own");
    } else if (auto first = alias_paths_.find(id.text); first != alias_paths_.end()) {
      reader_.issue(id.path,
                    "duplicate alias id \"" + id.text + "\" (also used by " + first->second + ")");
    } else {
      alias_paths_.emplace(id.text, alias_path);
    }
  }

  YamlReader& reader_;
  const ModelPaths& models_;
  std::map<std::string, std::string, std::less<>> alias_paths_;
};

void read_auto(YamlReader& reader, const YAML::Node& node, const ModelPaths& models,
               RoutingConfig& routing) {
  const std::optional<Mapping> m = reader.mapping(node, "routing.auto", {"enabled", "models"});
  if (!m) return;
  if (auto enabled = reader.boolean(*m, "enabled")) routing.auto_enabled = *enabled;
  routing.auto_models =
      read_model_list(reader, m->get("models"), child_path(m->path(), "models"), models);
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

void read_routing(YamlReader& reader, const YAML::Node& node, const ModelPaths& models,
                  RoutingConfig& routing) {
  if (const std::optional<Mapping> m =
          reader.mapping(node, "routing", {"strategy", "retries", "breaker", "aliases", "auto"})) {
    read_strategy(reader, *m, routing.strategy);
    read_retries(reader, m->get("retries"), routing);
    read_breaker(reader, m->get("breaker"), routing);
    AliasReader(reader, models).read(m->get("aliases"), routing.aliases);
    read_auto(reader, m->get("auto"), models, routing);
  }
  // Checked with or without a routing section: auto is on by default.
  if (auto model = models.find(kAutoModelId); model != models.end() && routing.auto_enabled) {
    reader.issue(child_path(model->second, "id"),
                 "\"auto\" is reserved for the gateway's choice of a model while "
                 "routing.auto.enabled is true: rename the model, or turn auto off");
  }
}

void read_byok(YamlReader& reader, const YAML::Node& node, ByokConfig& byok) {
  const std::optional<Mapping> m = reader.mapping(node, "byok", {"master_key"});
  if (!m) return;
  const Field key = reader.field(*m, "master_key");
  if (!key.present() || key.text.empty()) return;  // BYOK credentials are refused
  if (key.text.size() != kMasterKeyHexDigits) {
    reader.issue(key.path, "must be exactly 64 hex digits (a 256-bit key), not " +
                               std::to_string(key.text.size()) + " characters; " +
                               std::string(kMasterKeyHint));
    return;
  }
  for (char c : key.text) {
    if (!is_hex_digit(c)) {
      reader.issue(key.path,
                   "must be exactly 64 hex digits (0-9, a-f) and holds another "
                   "character; " +
                       std::string(kMasterKeyHint));
      return;
    }
  }
  byok.master_key = key.text;
}

}  // namespace tollgate::config::detail
