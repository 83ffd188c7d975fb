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
// for words of up to 4 characters, two up to 9, three beyond; a candidate that is the word with
// "_ms" appended counts as one edit. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string_view>& candidates);

// The message for a reference to a name that is not configured: `unknown provider "opnai" (did
// you mean "openai"?)` when one is close, else `unknown provider "azure" (configured providers:
// local, openai)`. `kind` is the singular noun; its plural adds an "s".
std::string unknown_name_message(std::string_view kind, std::string_view name,
                                 const std::vector<std::string_view>& known);

}  // namespace tollgate::config::detail
