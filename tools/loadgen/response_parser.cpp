// The response parser: head, content-length bodies, chunked bodies (extensions and trailers
// skipped) and bodies delimited by the close.
#include "loadgen/response_parser.hpp"

#include <algorithm>
#include <charconv>

namespace tollgate::loadgen {

namespace {

// Longest chunk-size line or trailer line waited for before giving up (a real one is tiny).
constexpr std::size_t kMaxLineBytes = 4096;

bool equals_ignoring_case(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Whether the comma-separated header value lists `token` (e.g. "gzip, chunked" has "chunked").
bool lists_token(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equals_ignoring_case(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void ResponseParser::start() noexcept {
  stage_ = Stage::head;
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
  error_reason_ = "";
}

ResponseParser::Progress ResponseParser::fail(const char* reason) noexcept {
  error_reason_ = reason;
  keep_alive_ = false;
  return Progress::error;
}

void ResponseParser::deliver(std::string_view bytes, ResponseObserver* observer) noexcept {
  if (observer != nullptr && !bytes.empty()) observer->on_body(bytes);
}

bool ResponseParser::parse_head(std::string_view head) noexcept {
  // "HTTP/1.x SSS reason"
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1." || head[8] != ' ') return false;
  const bool http10 = head[7] == '0';
  int status = 0;
  const auto [end, ec] = std::from_chars(head.data() + 9, head.data() + 12, status);
  if (ec != std::errc{} || end != head.data() + 12 || status < 100 || status > 999) return false;
  status_ = status;

  bool chunked = false;
  bool has_length = false;
  bool close = http10;
  std::uint64_t length = 0;
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    line_start += 2;
    std::size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos) line_end = head.size();
    const std::string_view line = head.substr(line_start, line_end - line_start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (equals_ignoring_case(name, "content-length")) {
      const auto [vend, vec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (vec != std::errc{} || vend != value.data() + value.size()) return false;
      has_length = true;
    } else if (equals_ignoring_case(name, "transfer-encoding")) {
      chunked = lists_token(value, "chunked");
    } else if (equals_ignoring_case(name, "connection")) {
      if (lists_token(value, "close")) close = true;
      if (http10 && lists_token(value, "keep-alive")) close = false;
    }
    line_start = line_end;
  }

  keep_alive_ = !close;
  if (status_ < 200) {
    stage_ = Stage::head;  // an interim response (100 Continue): the real one follows
  } else if (status_ == 204 || status_ == 304) {
    stage_ = Stage::done;
  } else if (chunked) {
    stage_ = Stage::chunk_size;
  } else if (has_length) {
    remaining_ = length;
    stage_ = length == 0 ? Stage::done : Stage::fixed_body;
  } else {
    stage_ = Stage::until_close;
    keep_alive_ = false;
  }
  return true;
}

ResponseParser::Progress ResponseParser::parse(std::string_view bytes, std::size_t& used,
                                               ResponseObserver* observer) noexcept {
  used = 0;
  while (stage_ != Stage::done) {
    const std::string_view rest = bytes.substr(used);
    switch (stage_) {
      case Stage::head: {
        const std::size_t end = rest.find("\r\n\r\n");
        if (end == std::string_view::npos) return Progress::need_more;
        if (!parse_head(rest.substr(0, end))) return fail("malformed response head");
        used += end + 4;
        if (status_ >= 200 && observer != nullptr) observer->on_status(status_);
        break;
      }
      case Stage::fixed_body:
      case Stage::chunk_data: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        if (n == 0) return Progress::need_more;
        deliver(rest.substr(0, n), observer);
        used += n;
        remaining_ -= n;
        if (remaining_ == 0) stage_ = stage_ == Stage::fixed_body ? Stage::done : Stage::chunk_end;
        break;
      }
      case Stage::chunk_size: {
        const std::size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          return rest.size() > kMaxLineBytes ? fail("chunk size line too long")
                                             : Progress::need_more;
        }
        const std::string_view line = rest.substr(0, eol);
        std::uint64_t size = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        // Anything after the digits must be a chunk extension (";name=value") or blanks.
        const std::string_view after =
            trim(line.substr(static_cast<std::size_t>(end - line.data())));
        if (ec != std::errc{} || (!after.empty() && after.front() != ';')) {
          return fail("malformed chunk size");
        }
        used += eol + 2;
        remaining_ = size;
        stage_ = size == 0 ? Stage::trailers : Stage::chunk_data;
        break;
      }
      case Stage::chunk_end:
        if (rest.size() < 2) return Progress::need_more;
        if (rest[0] != '\r' || rest[1] != '\n') return fail("chunk not followed by CRLF");
        used += 2;
        stage_ = Stage::chunk_size;
        break;
      case Stage::trailers: {
        const std::size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          return rest.size() > kMaxLineBytes ? fail("trailer line too long") : Progress::need_more;
        }
        used += eol + 2;
        if (eol == 0) stage_ = Stage::done;  // the blank line after the last chunk
        break;
      }
      case Stage::until_close:
        deliver(rest, observer);
        used += rest.size();
        return Progress::need_more;
      case Stage::done:
        break;
    }
  }
  return Progress::done;
}

ResponseParser::Progress ResponseParser::finish_at_eof() noexcept {
  if (stage_ == Stage::until_close) {
    stage_ = Stage::done;
    return Progress::done;
  }
  return fail(stage_ == Stage::head ? "connection closed before a response"
                                    : "connection closed inside the body");
}

}  // namespace tollgate::loadgen
