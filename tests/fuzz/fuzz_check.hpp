// What the fuzz targets share: an assertion that stays on in every build type (assert() would
// vanish under NDEBUG) and aborts, which libFuzzer reports as a crash and saves the input for;
// and the support for the "reused parser answers as a fresh one" invariant.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition)                                                                     \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (false)

namespace tollgate::fuzz {

// The hot path keeps one parser per thread and feeds it request after request, so the targets
// do the same and compare each answer with a fresh parser's. TOLLGATE_FUZZ_FRESH_PARSERS=1 makes
// them use a fresh parser for every input instead (and skip that comparison), to fuzz the other
// invariants while a known reuse bug is open.
inline bool reuse_parsers() {
  static const bool reuse = [] {
    const char* fresh = std::getenv("TOLLGATE_FUZZ_FRESH_PARSERS");
    return fresh == nullptr || std::string_view(fresh) != "1";
  }();
  return reuse;
}

// A reused parser that answers differently from a fresh one depends on an earlier input, which
// libFuzzer does not save: print it, so the failure can be replayed (`fuzz_x previous current`).
class PreviousInput {
 public:
  void print() const {
    std::fprintf(stderr, "previous input (%zu bytes), hex:\n", bytes_.size());
    for (unsigned char c : bytes_) std::fprintf(stderr, "%02x", c);
    std::fprintf(stderr, "\n");
  }
  void remember(std::string_view input) { bytes_.assign(input); }

 private:
  std::string bytes_;
};

}  // namespace tollgate::fuzz
