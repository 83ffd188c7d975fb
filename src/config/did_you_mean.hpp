// Spelling suggestions for unknown keys and names (internal to config/).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::config::detail {

// Edit distance where a swap of two adjacent characters counts as one edit ("listne" → "listen").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo: at most one edit
// for words of up to 4 characters, two up to 9, three beyond. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates);

}  // namespace tollgate::config::detail
