#include "config/env_substitution.hpp"

#include <cstdlib>

namespace tollgate::config::detail {

namespace {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    // Configuration is loaded once at start-up, before any thread could call setenv().
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
  };
}

SubstitutionResult substitute_env(std::string_view text, const EnvLookup& lookup) {
  SubstitutionResult result;
  result.value.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 == text.size()) {
      result.value.push_back(c);
      ++i;
      continue;
    }
    const char next = text[i + 1];
    if (next == '$') {
      result.value.push_back('$');
      i += 2;
      continue;
    }
    if (next != '{') {
      result.value.push_back('$');
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      result.errors.push_back(R"(unterminated "${" (write "$$" for a literal "$"))");
      return result;
    }
    const std::string_view reference = text.substr(i, close + 1 - i);  // "${...}"
    const std::string_view body = text.substr(i + 2, close - (i + 2));
    std::string_view name = body;
    std::optional<std::string_view> fallback;
    if (const std::size_t sep = body.find(":-"); sep != std::string_view::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    i = close + 1;

    if (!is_valid_name(name)) {
      result.errors.push_back(
          "invalid environment variable reference \"" + std::string(reference) +
          "\" (names are letters, digits and \"_\", not starting with a digit)");
      continue;
    }
    std::optional<std::string> value = lookup(std::string(name));
    if (fallback && (!value || value->empty())) {
      result.value.append(*fallback);
    } else if (value) {
      result.value.append(*value);
    } else {
      result.errors.push_back("environment variable " + std::string(name) + " is not set");
    }
  }
  return result;
}

}  // namespace tollgate::config::detail
