// Parsers for the typed values a configuration holds (internal to config/). Each one reads the
// scalar's text exactly as written: numbers never pass through a double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tollgate::config::detail {

// Letters, digits, ".", "_" and "-" only (provider names, regions). True for "": callers that
// need a value check for emptiness themselves.
bool is_plain_name(std::string_view name);

// Model ids, alias ids and deployment names appear in URLs, JSON and logs: they may hold "/" or
// ":" (e.g. "qwen2.5:7b") but no spaces or control characters. True for "", like is_plain_name.
bool is_model_id(std::string_view id);

// A plain run of decimal digits (no sign, no spaces, no exponent) that fits in uint64_t.
std::optional<uint64_t> parse_decimal_uint(std::string_view text);

// A byte count: digits, optionally followed by a unit B, KiB, MiB or GiB (a space before the
// unit is allowed): "16384", "16KiB", "8 MiB". nullopt if malformed or it overflows.
std::optional<uint64_t> parse_byte_size(std::string_view text);

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  uint16_t port = 0;
};

// What is wrong with a value, as a message for the user.
struct ParseError {
  std::string message;
};

// Either the parsed value or what is wrong with the text.
template <typename T>
using ParseResult = std::variant<T, ParseError>;

// "host:port", "[v6]:port". Port 0 is allowed (pick a free one).
ParseResult<HostPort> parse_listen_address(std::string_view text);

// An upstream base URL: http:// or https://, a host, an optional port 1..65535, an optional path;
// no user info, query or fragment. Returns the URL without trailing slashes.
ParseResult<std::string> parse_base_url(std::string_view text);

}  // namespace tollgate::config::detail
