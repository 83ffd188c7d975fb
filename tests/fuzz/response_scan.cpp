// Fuzzes the scan of a non-streaming upstream response (ResponseScanner::restore_model): the
// upstream is outside input too, and its body goes back to the client with `model` replaced.
//
// Invariants:
//   - never crashes; a reused scanner answers as a fresh one does (see fuzz_check.hpp);
//   - a body reported as not valid JSON comes back unchanged, with no usage;
//   - a body reported as valid JSON comes back as valid JSON (RFC 8259's grammar, checked by
//     json_grammar.hpp), with non-negative token counts; scanning the result again says valid_json,
//     reads the same usage and changes nothing (the model is already public);
//   - conversely, a JSON object simdjson's DOM parser accepts (nesting well inside the scanner's
//     bound) is reported as valid JSON: the scanner must not leave a good response unpatched;
//   - the result is exactly the one simdjson alone gives (restore_model() reads the common
//     response by hand), and a body the hand-written scan accepts is valid JSON.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "json_grammar.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/openai/passthrough_detail.hpp"

namespace {

using tollgate::providers::openai::ResponseScan;
using tollgate::providers::openai::ResponseScanner;
using tollgate::providers::openai::Usage;
namespace detail = tollgate::providers::openai::detail;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kPublicModel = "public-model";

// RFC 8259 lets a parser ignore a leading BOM, and the scanner does.
bool is_valid_json(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  return tollgate::fuzz::JsonGrammar::is_valid(text);
}

// A JSON object nested at most kDomDepth levels that simdjson's DOM parser accepts. Its numbers
// are read as the scanner reads them, so anything it accepts the scanner must accept too.
bool is_shallow_json_object(std::string_view text) {
  constexpr std::size_t kDomDepth = 120;  // below the scanner's 128, so off-by-ones cannot matter
  static simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(simdjson::SIMDJSON_MAXSIZE_BYTES / 1024, kDomDepth)) std::abort();
    return p;
  }();
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return false;
  return root.is_object();
}

// simdjson 3.0.1's On-Demand get_double() rejects an exponent of 19 digits or more (even
// "0e0000000000000000000"), which its DOM parser accepts: such inputs are left out of the
// converse check (conservatively, wherever the bytes appear).
bool has_long_exponent(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != 'e' && text[i] != 'E') continue;
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    std::size_t digits = 0;
    while (j + digits < text.size() && text[j + digits] >= '0' && text[j + digits] <= '9') ++digits;
    if (digits >= 19) return true;
  }
  return false;
}

bool same_scan(const ResponseScan& a, const ResponseScan& b) {
  return a.valid_json == b.valid_json && a.usage == b.usage && a.body == b.body;
}

void print_scan(const char* label, const ResponseScan& scan) {
  const Usage& u = scan.usage;
  std::fprintf(stderr,
               "%s: valid_json=%d usage.present=%d prompt=%lld completion=%lld total=%lld "
               "cached=%lld reasoning=%lld\n  body=%s\n",
               label, scan.valid_json, u.present, static_cast<long long>(u.prompt_tokens),
               static_cast<long long>(u.completion_tokens), static_cast<long long>(u.total_tokens),
               static_cast<long long>(u.cached_tokens), static_cast<long long>(u.reasoning_tokens),
               scan.body.c_str());
}

bool counts_are_non_negative(const Usage& usage) {
  return usage.prompt_tokens >= 0 && usage.completion_tokens >= 0 && usage.total_tokens >= 0 &&
         usage.cached_tokens >= 0 && usage.reasoning_tokens >= 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ResponseScanner reused;  // fed input after input, as on the hot path
  static tollgate::fuzz::PreviousInput previous;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ResponseScan scan = ResponseScanner().restore_model(input, kPublicModel);
  const ResponseScan slow = detail::restore_model_with_simdjson_only(input, kPublicModel);
  if (!same_scan(scan, slow)) {
    print_scan("restore_model", scan);
    print_scan("simdjson alone", slow);
  }
  FUZZ_CHECK(same_scan(scan, slow));
  detail::CommonResponse common;
  if (detail::scan_common_response(input, common)) {
    FUZZ_CHECK(tollgate::fuzz::JsonGrammar::is_valid(input));
  }
  if (tollgate::fuzz::reuse_parsers()) {
    const ResponseScan reused_scan = reused.restore_model(input, kPublicModel);
    const bool same = same_scan(reused_scan, scan);
    if (!same) {
      std::fprintf(stderr, "reused scanner: valid_json=%d, fresh scanner: valid_json=%d\n",
                   reused_scan.valid_json, scan.valid_json);
      previous.print();
    }
    FUZZ_CHECK(same);
    previous.remember(input);
  }

  FUZZ_CHECK(counts_are_non_negative(scan.usage));
  if (!scan.valid_json) {
    const bool dom_accepts = !has_long_exponent(input) && is_shallow_json_object(input);
    if (dom_accepts) {
      std::fprintf(stderr, "DOM accepts an object the scanner rejects:\n%.*s\n",
                   static_cast<int>(input.size()), input.data());
    }
    FUZZ_CHECK(!dom_accepts);
    FUZZ_CHECK(scan.body == input);
    FUZZ_CHECK(scan.usage == Usage{});
    return 0;
  }
  if (!scan.usage.present) FUZZ_CHECK(scan.usage == Usage{});

  if (!is_valid_json(scan.body)) {
    std::fprintf(stderr, "scanner accepted, DOM rejects its output:\n%s\n", scan.body.c_str());
  }
  FUZZ_CHECK(is_valid_json(scan.body));

  const ResponseScan again = ResponseScanner().restore_model(scan.body, kPublicModel);
  FUZZ_CHECK(again.valid_json);
  FUZZ_CHECK(again.usage == scan.usage);
  FUZZ_CHECK(again.body == scan.body);
  return 0;
}
