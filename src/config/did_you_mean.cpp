#include "config/did_you_mean.hpp"

#include <algorithm>

namespace tollgate::config::detail {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over three rolling rows.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates) {
  const std::size_t allowed = word.size() <= 4 ? 1 : word.size() <= 9 ? 2 : 3;
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (std::string_view candidate : candidates) {
    // Durations are keys ending in "_ms": "backoff" or "idle" should point there, although the
    // suffix alone is three edits.
    const bool without_unit = candidate.size() == word.size() + 3 && candidate.starts_with(word) &&
                              candidate.ends_with("_ms");
    const std::size_t d = without_unit ? 1 : edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string unknown_name_message(std::string_view kind, std::string_view name,
                                 const std::vector<std::string_view>& known) {
  std::string message = "unknown " + std::string(kind) + " \"" + std::string(name) + "\"";
  if (std::optional<std::string> guess = closest_match(name, known)) {
    return message + " (did you mean \"" + *guess + "\"?)";
  }
  std::string listed;
  for (std::string_view candidate : known) {
    if (!listed.empty()) listed += ", ";
    listed += candidate;
  }
  return message + " (configured " + std::string(kind) + "s: " + listed + ")";
}

}  // namespace tollgate::config::detail
