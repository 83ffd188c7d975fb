#include "config/value_parsing.hpp"

#include <array>
#include <cctype>
#include <limits>

#include <arpa/inet.h>

#include "config/config.hpp"

namespace tollgate::config {

std::optional<int64_t> parse_usd_micros(std::string_view text) {
  constexpr int kFractionDigits = 6;
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  // "1." and ".5" are rejected: a price is written the way a person reads it.
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return std::nullopt;
  if (fraction.size() > kFractionDigits) return std::nullopt;

  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t micros = 0;
  auto push_digit = [&micros](char c) {
    if (c < '0' || c > '9') return false;
    const int digit = c - '0';
    if (micros > (kMax - digit) / 10) return false;
    micros = micros * 10 + digit;
    return true;
  };
  for (char c : whole) {
    if (!push_digit(c)) return std::nullopt;
  }
  for (char c : fraction) {
    if (!push_digit(c)) return std::nullopt;
  }
  for (std::size_t i = fraction.size(); i < kFractionDigits; ++i) {
    if (!push_digit('0')) return std::nullopt;
  }
  return micros;
}

namespace detail {

bool is_plain_name(std::string_view name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_model_id(std::string_view id) {
  for (char c : id) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::optional<uint64_t> parse_decimal_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<uint64_t> parse_byte_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::optional<uint64_t> number = parse_decimal_uint(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(digits);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.empty() && digits < text.size()) return std::nullopt;  // "16 " with nothing after

  struct Unit {
    std::string_view name;
    uint64_t bytes;
  };
  static constexpr std::array<Unit, 5> kUnits{{
      {"", 1},
      {"B", 1},
      {"KiB", uint64_t{1} << 10},
      {"MiB", uint64_t{1} << 20},
      {"GiB", uint64_t{1} << 30},
  }};
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    if (*number > std::numeric_limits<uint64_t>::max() / u.bytes) return std::nullopt;
    return *number * u.bytes;
  }
  return std::nullopt;
}

namespace {

bool is_hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_ipv6_literal_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

// RFC 3986 path characters, "%" excepted (checked with the two hex digits that must follow it).
bool is_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

bool all_of(std::string_view text, bool (*pred)(char)) {
  for (char c : text) {
    if (!pred(c)) return false;
  }
  return true;
}

struct Authority {
  std::string host;       // empty when missing
  std::string_view port;  // as written, without the ":"
  bool has_port = false;
};

// Splits "host", "host:port", "[v6]" or "[v6]:port". An empty host is not an error here: the
// callers word that message differently.
ParseResult<Authority> split_authority(std::string_view text) {
  Authority out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return ParseError{R"("[" without a matching "]")"};
    const std::string_view v6 = text.substr(1, close - 1);
    in6_addr parsed{};
    if (!all_of(v6, is_ipv6_literal_char) ||
        inet_pton(AF_INET6, std::string(v6).c_str(), &parsed) != 1) {
      return ParseError{"invalid IPv6 address \"" + std::string(v6) + "\""};
    }
    out.host = std::string(v6);
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return ParseError{R"(expected ":port" after "]")"};
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return ParseError{R"(IPv6 addresses must be in brackets, e.g. "[::1]:8080")"};
    }
    const std::string_view host = text.substr(0, colon);
    if (!all_of(host, is_hostname_char)) {
      return ParseError{"invalid host \"" + std::string(host) + "\""};
    }
    out.host = std::string(host);
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (!rest.empty()) {  // ":digits"
    out.has_port = true;
    out.port = rest.substr(1);
  }
  return out;
}

}  // namespace

ParseResult<HostPort> parse_listen_address(std::string_view text) {
  const ParseError shape{R"(expected "host:port", e.g. "127.0.0.1:8080" or "[::1]:8080")"};
  ParseResult<Authority> parsed = split_authority(text);
  if (auto* error = std::get_if<ParseError>(&parsed)) return *error;
  Authority& a = std::get<Authority>(parsed);
  if (!a.has_port) return shape;
  if (a.host.empty()) {
    return ParseError{R"(the host is missing (use "0.0.0.0:PORT" to listen on all interfaces))"};
  }
  // The server binds an address, it does not resolve names.
  in_addr v4{};
  if (text.front() != '[' && inet_pton(AF_INET, a.host.c_str(), &v4) != 1) {
    return ParseError{R"(the host must be an IP address, e.g. "127.0.0.1", "0.0.0.0" or "[::1]")"};
  }
  const std::optional<uint64_t> port = parse_decimal_uint(a.port);
  if (!port || *port > 65535) return ParseError{"the port must be a number from 0 to 65535"};
  return HostPort{std::move(a.host), static_cast<uint16_t>(*port)};
}

ParseResult<std::string> parse_base_url(std::string_view text) {
  std::size_t scheme_length = 0;
  if (text.starts_with("http://")) {
    scheme_length = 7;
  } else if (text.starts_with("https://")) {
    scheme_length = 8;
  } else {
    return ParseError{"must start with http:// or https://"};
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return ParseError{"must not contain spaces or control characters"};
    }
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    return ParseError{R"(must not contain a query ("?") or a fragment ("#"))"};
  }
  const std::string_view rest = text.substr(scheme_length);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    return ParseError{R"(must not contain user info ("user@"); put the key in api_key)"};
  }
  ParseResult<Authority> parsed = split_authority(authority);
  if (auto* error = std::get_if<ParseError>(&parsed)) return *error;
  const Authority& a = std::get<Authority>(parsed);
  if (a.host.empty()) return ParseError{"has no host"};
  if (a.has_port) {
    const std::optional<uint64_t> port = parse_decimal_uint(a.port);
    if (!port || *port == 0 || *port > 65535) {
      return ParseError{"invalid port \"" + std::string(a.port) +
                        "\": must be a number from 1 to 65535"};
    }
  }
  const std::string_view path = rest.substr(authority.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return ParseError{R"(has a "%" in its path that is not followed by two hex digits)"};
      }
    } else if (!is_path_char(path[i])) {
      return ParseError{"has an invalid character \"" + std::string(1, path[i]) +
                        "\" in its path (percent-encode it)"};
    }
  }
  // "…/v1/" and "…/v1" mean the same base; keep one spelling so paths join cleanly.
  std::string normalized(text);
  const std::size_t keep_at_least = scheme_length + authority.size();
  while (normalized.size() > keep_at_least && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace detail
}  // namespace tollgate::config
