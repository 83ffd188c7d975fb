// The deterministic part of the mock: which words it answers with and how it counts tokens.
// The rules are documented in docs/mock-upstream.md; tests compute expected values from them.
#pragma once

#include <cstdint>
#include <string_view>

namespace tollgate::mock {

// 64-bit FNV-1a, continued from `state` so that several pieces can be hashed as one.
inline constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ull;
uint64_t fnv1a(std::string_view bytes, uint64_t state = kFnvOffsetBasis);

// MurmurHash3's 64-bit finaliser: spreads every input bit over the whole result.
uint64_t mix64(uint64_t hash);

// Output token `index` of a reply whose seed is `content_hash` (FNV-1a of the text of the last
// message): kWords[fnv1a(4 little-endian bytes of index, content_hash) >> 58], with its leading
// space. The reply text is the concatenation of tokens 0..n-1.
std::string_view output_token(uint64_t content_hash, uint32_t index);

// Whitespace-separated words (space, \t, \n, \v, \f, \r) in `text`.
uint32_t count_words(std::string_view text);

// Prompt tokens = words in every text content of every message + this many per message.
inline constexpr uint32_t kPromptTokensPerMessage = 3;

}  // namespace tollgate::mock
