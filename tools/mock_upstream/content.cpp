#include "mock_upstream/content.hpp"

#include <array>

namespace tollgate::mock {
namespace {

// 64 words, picked by the top 6 bits of the hash (FNV-1a's low bits mix poorly); each carries the
// leading space a real tokenizer would give a word in running text.
constexpr std::array<std::string_view, 64> kWords = {
    " the",     " quick",   " brown",  " fox",    " jumps",   " over",    " lazy",    " dog",
    " gateway", " token",   " stream", " model",  " river",   " stone",   " light",   " cloud",
    " bridge",  " signal",  " packet", " harbor", " meadow",  " lantern", " copper",  " orbit",
    " velvet",  " canyon",  " ember",  " falcon", " garden",  " island",  " jasmine", " kettle",
    " ledger",  " marble",  " nectar", " oyster", " pepper",  " quartz",  " ribbon",  " saddle",
    " timber",  " umbra",   " valley", " walnut", " yonder",  " zephyr",  " anchor",  " beacon",
    " cipher",  " delta",   " echo",   " fable",  " glacier", " hollow",  " ivory",   " jetty",
    " kernel",  " lattice", " mosaic", " north",  " opal",    " prism",   " quiet",   " relay",
};
static_assert(kWords.size() == 64);

constexpr bool is_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

}  // namespace

uint64_t fnv1a(std::string_view bytes, uint64_t state) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= 1099511628211ull;
  }
  return state;
}

uint64_t mix64(uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

std::string_view output_token(uint64_t content_hash, uint32_t index) {
  const char index_bytes[4] = {
      static_cast<char>(index & 0xFF), static_cast<char>((index >> 8) & 0xFF),
      static_cast<char>((index >> 16) & 0xFF), static_cast<char>((index >> 24) & 0xFF)};
  uint64_t hash = fnv1a(std::string_view(index_bytes, sizeof index_bytes), content_hash);
  // FNV-1a's top bits barely depend on the last bytes hashed: finish with a 64-bit mixer so
  // every index picks an independent word.
  return kWords[mix64(hash) >> 58];
}

uint32_t count_words(std::string_view text) {
  uint32_t words = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    const bool space = is_space(c);
    words += (!space && !in_word) ? 1 : 0;
    in_word = !space;
  }
  return words;
}

}  // namespace tollgate::mock
