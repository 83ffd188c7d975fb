#include "net/http.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <ostream>

namespace tollgate::net {

namespace {

// ASCII only, as HTTP field names are; std::tolower is a call into the C locale per byte.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

namespace {

// Writes "name: value" and CRLF at `out`, which has room for it, and returns the end. The head is
// sized first (one size change, at most one reallocation) and the pieces copied in place: cheaper
// than four appends that each check the capacity.
char* write_field_line(char* out, std::string_view name, std::string_view value) {
  if (!name.empty()) std::memcpy(out, name.data(), name.size());  // (a null data() otherwise)
  out += name.size();
  *out++ = ':';
  *out++ = ' ';
  if (!value.empty()) std::memcpy(out, value.data(), value.size());
  out += value.size();
  *out++ = '\r';
  *out++ = '\n';
  return out;
}

}  // namespace

void append_field_line(std::string& head, std::string_view name, std::string_view value) {
  const std::size_t at = head.size();
  head.resize(at + name.size() + value.size() + 4);
  write_field_line(head.data() + at, name, value);
}

void append_field_lines(std::string& head, const Headers& headers) {
  std::size_t size = 0;
  for (const auto& h : headers) size += h.name.size() + h.value.size() + 4;
  const std::size_t at = head.size();
  head.resize(at + size);
  char* out = head.data() + at;
  for (const auto& h : headers) out = write_field_line(out, h.name, h.value);
}

void append_status_code(std::string& head, int status) {
  if (status >= 100 && status <= 999) {
    const char digits[3] = {static_cast<char>('0' + status / 100),
                            static_cast<char>('0' + status / 10 % 10),
                            static_cast<char>('0' + status % 10)};
    head.append(digits, 3);
  } else {
    head += std::to_string(status);
  }
}

// Out of line: a coroutine defined in a header is compiled into every file that calls it, and
// GCC names its frame's fields differently in each, which link-time optimisation reports as an
// ODR violation.
boost::asio::awaitable<bool> ResponseWriter::send(int status, Headers headers, std::string body) {
  std::optional<bool> sent = send_now(status, std::move(headers), std::move(body));
  if (!sent) sent = co_await finish_send();
  co_return *sent;
}

std::ostream& operator<<(std::ostream& out, const FieldText& text) {
  return out << text.view();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

namespace {

// Field names compare without case; most arrive in lowercase, as they are looked up.
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a == b || iequals(a, b));
}

}  // namespace

std::string_view find_header(const Headers& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (same_name(h.name, name)) return h.value;
  }
  return {};
}

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
               hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    const std::size_t equals = pair.find('=');
    if (percent_decode(pair.substr(0, equals), true) != name) continue;
    return equals == std::string_view::npos ? std::string()
                                            : percent_decode(pair.substr(equals + 1), true);
  }
  return std::nullopt;
}

namespace {

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::chrono::milliseconds> retry_after(const Headers& headers,
                                                     std::chrono::system_clock::time_point now) {
  if (auto ms = whole_number(find_header(headers, "retry-after-ms"))) {
    return std::chrono::milliseconds(*ms);
  }
  const std::string_view value = find_header(headers, "retry-after");
  if (value.empty()) return std::nullopt;
  if (auto seconds = whole_number(value)) {
    return std::chrono::milliseconds(std::min<std::int64_t>(*seconds, INT64_MAX / 1000) * 1000);
  }
  std::tm when{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when);
  if (!end || *end != '\0') return std::nullopt;
  const auto left = std::chrono::system_clock::from_time_t(timegm(&when)) - now;
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(left),
                  std::chrono::milliseconds::zero());
}

}  // namespace tollgate::net
