#include "mock_upstream/mock_directives.hpp"

#include <charconv>
#include <string>
#include <utility>

namespace tollgate::mock {
namespace {

constexpr std::string_view kPrefix = "x-mock-";

ApiError bad_directive(std::string message) {
  return invalid_request(std::move(message), {}, "mock_bad_directive");
}

// A decimal integer in [0, max]; nullopt otherwise.
std::optional<int64_t> parse_count(std::string_view text, int64_t max) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

boost::system::result<MockDirectives, ApiError> read_mock_directives(const net::Headers& headers,
                                                                     const MockOptions& options,
                                                                     StickyFault& sticky_fault) {
  MockDirectives directives;
  bool fault_named = false;
  directives.ttft = options.ttft;
  directives.itl = options.itl;
  // One pass over the headers: most requests carry none of ours.
  for (const auto& header : headers) {
    std::string_view name = header.name;
    if (name.size() <= kPrefix.size() || !net::iequals(name.substr(0, kPrefix.size()), kPrefix)) {
      continue;
    }
    const std::string_view directive = name.substr(kPrefix.size());
    const std::string_view value = header.value;
    auto count = [&](int64_t max) -> std::optional<int64_t> { return parse_count(value, max); };
    auto out_of_range = [&](int64_t max) {
      return bad_directive("Invalid " + std::string(name) + ": expected an integer from 0 to " +
                           std::to_string(max) + ", got '" + std::string(value) + "'.");
    };
    if (net::iequals(directive, "fault")) {
      auto fault = parse_fault(value);
      if (!fault) {
        return bad_directive("Unknown x-mock-fault '" + std::string(value) +
                             "'. Known: " + std::string(known_fault_names()) + ".");
      }
      directives.fault = *fault;
      fault_named = true;
    } else if (net::iequals(directive, "ttft-ms")) {
      auto ms = count(kMaxDelayMs);
      if (!ms) return out_of_range(kMaxDelayMs);
      directives.ttft = std::chrono::milliseconds(*ms);
    } else if (net::iequals(directive, "itl-ms")) {
      auto ms = count(kMaxDelayMs);
      if (!ms) return out_of_range(kMaxDelayMs);
      directives.itl = std::chrono::milliseconds(*ms);
    } else if (net::iequals(directive, "tokens")) {
      auto tokens = count(kMaxTokens);
      if (!tokens) return out_of_range(kMaxTokens);
      directives.tokens = static_cast<uint32_t>(*tokens);
    } else if (net::iequals(directive, "cached-tokens")) {
      auto tokens = count(UINT32_MAX);
      if (!tokens) return out_of_range(UINT32_MAX);
      directives.cached_tokens = static_cast<uint32_t>(*tokens);
    } else if (net::iequals(directive, "cache-write-tokens")) {
      auto tokens = count(UINT32_MAX);
      if (!tokens) return out_of_range(UINT32_MAX);
      directives.cache_write_tokens = static_cast<uint32_t>(*tokens);
    } else if (net::iequals(directive, "reasoning-tokens")) {
      auto tokens = count(kMaxTokens);
      if (!tokens) return out_of_range(kMaxTokens);
      directives.reasoning_tokens = static_cast<uint32_t>(*tokens);
    } else if (net::iequals(directive, "cut-after")) {
      auto chunks = count(kMaxTokens);
      if (!chunks) return out_of_range(kMaxTokens);
      directives.cut_after = static_cast<uint32_t>(*chunks);
    } else if (net::iequals(directive, "retry-after")) {
      if (!value.empty()) directives.retry_after = std::string(value);
    } else {
      return bad_directive("Unknown mock header '" + std::string(name) +
                           "'. Known: x-mock-fault, x-mock-ttft-ms, x-mock-itl-ms, x-mock-tokens, "
                           "x-mock-cached-tokens, x-mock-cache-write-tokens, "
                           "x-mock-reasoning-tokens, x-mock-cut-after, x-mock-retry-after.");
    }
  }
  // Taken only once the headers are known good: a refused request does not use up a count.
  if (!fault_named) {
    if (auto sticky = sticky_fault.take()) {
      directives.fault = sticky->fault;
      if (!directives.retry_after) directives.retry_after = std::move(sticky->retry_after);
    }
  }
  return directives;
}

}  // namespace tollgate::mock
