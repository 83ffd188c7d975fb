#include "net/sse/sse.hpp"

#include <cstring>
#include <limits>

namespace tollgate::net::sse {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A decoder that once held a huge event keeps its capacity for the next one; beyond this size the
// memory goes back to the allocator instead, so one outlier does not pin megabytes per stream.
constexpr std::size_t kRetainedCapacity = std::size_t{1} << 20;

// Offset of the first CR or LF in `text`, or npos. memchr is vectorised by the C library, which
// beats a byte loop on long data lines (base64 images, big tool arguments).
std::size_t find_line_break(std::string_view text) {
  const char* begin = text.data();
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', text.size()));
  const std::size_t cr_search_length = lf ? static_cast<std::size_t>(lf - begin) : text.size();
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', cr_search_length));
  if (cr) return static_cast<std::size_t>(cr - begin);
  if (lf) return static_cast<std::size_t>(lf - begin);
  return std::string_view::npos;
}

// Appends `value` minus any CR or LF (see append_event for why).
void append_single_line(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

// Calls `emit(line)` for each line of `text`, splitting on LF, CRLF and CR. An empty text is one
// empty line, and a trailing line break yields a trailing empty line, so that the decoder's
// LF-join gives back the text (with line breaks normalised to LF).
template <typename Emit>
void for_each_line(std::string_view text, Emit&& emit) {
  while (true) {
    const std::size_t line_break = find_line_break(text);
    if (line_break == std::string_view::npos) {
      emit(text);
      return;
    }
    emit(text.substr(0, line_break));
    std::size_t next = line_break + 1;
    if (text[line_break] == '\r' && next < text.size() && text[next] == '\n') ++next;
    text.remove_prefix(next);
  }
}

// The WHATWG rule for `retry`: ASCII digits only. Values that do not fit an int are ignored too.
std::optional<int> parse_retry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  long long milliseconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    milliseconds = milliseconds * 10 + (c - '0');
    if (milliseconds > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(milliseconds);
}

void release_if_oversized(std::string& buffer) {
  if (buffer.capacity() > kRetainedCapacity) std::string().swap(buffer);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

void append_event(std::string& out, std::string_view data, std::string_view event,
                  std::string_view id) {
  out.reserve(out.size() + data.size() + event.size() + id.size() + 32);
  if (!event.empty()) {
    out.append("event: ");
    append_single_line(out, event);
    out.push_back('\n');
  }
  if (!id.empty()) {
    out.append("id: ");
    append_single_line(out, id);
    out.push_back('\n');
  }
  for_each_line(data, [&out](std::string_view line) {
    out.append("data: ");
    out.append(line);
    out.push_back('\n');
  });
  out.push_back('\n');
}

std::string encode_event(std::string_view data, std::string_view event, std::string_view id) {
  std::string out;
  append_event(out, data, event, id);
  return out;
}

void append_comment(std::string& out, std::string_view text) {
  if (text.empty()) {
    out.append(":\n\n");
    return;
  }
  for_each_line(text, [&out](std::string_view line) {
    out.append(": ");
    out.append(line);
    out.push_back('\n');
  });
  out.push_back('\n');
}

std::string encode_comment(std::string_view text) {
  std::string out;
  append_comment(out, text);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

Decoder::Decoder(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void Decoder::reset() {
  const std::size_t limit = max_event_bytes_;
  *this = Decoder(limit);
}

bool Decoder::has_partial_event() const {
  const bool undecided_bom_bytes = at_stream_start_ && bom_bytes_matched_ > 0;
  return overflowed_ || !line_.empty() || block_has_fields_ || undecided_bom_bytes;
}

bool Decoder::finish() {
  const bool cut_in_event = has_partial_event();
  const bool overflowed = overflowed_;
  reset();
  overflowed_ = overflowed;
  return cut_in_event;
}

void Decoder::feed_bytes(std::string_view bytes, const Sinks& sinks) {
  if (overflowed_) return;
  if (at_stream_start_) {
    // The BOM may itself arrive split across feeds, so match it byte by byte.
    while (!bytes.empty() && bom_bytes_matched_ < kUtf8Bom.size()) {
      if (bytes.front() != kUtf8Bom[bom_bytes_matched_]) break;
      ++bom_bytes_matched_;
      bytes.remove_prefix(1);
    }
    if (bom_bytes_matched_ == kUtf8Bom.size()) {
      at_stream_start_ = false;
    } else if (bytes.empty()) {
      return;  // undecided: the next feed tells whether this was a BOM
    } else {
      // Not a BOM after all: the bytes matched so far are ordinary content.
      at_stream_start_ = false;
      feed_lines(kUtf8Bom.substr(0, bom_bytes_matched_), sinks);
    }
    bom_bytes_matched_ = 0;
  }
  feed_lines(bytes, sinks);
}

void Decoder::feed_lines(std::string_view bytes, const Sinks& sinks) {
  while (!bytes.empty() && !overflowed_) {
    if (skip_leading_lf_) {
      // CR ended the previous feed's last line; this LF is the second half of that CRLF.
      skip_leading_lf_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const std::size_t line_break = find_line_break(bytes);
    if (line_break == std::string_view::npos) {
      if (line_too_long(line_.size() + bytes.size())) return enter_overflow();
      line_.append(bytes);
      return;
    }
    std::size_t consumed = line_break + 1;
    if (bytes[line_break] == '\r') {
      if (consumed == bytes.size()) {
        skip_leading_lf_ = true;
      } else if (bytes[consumed] == '\n') {
        ++consumed;
      }
    }
    const std::string_view tail = bytes.substr(0, line_break);
    if (line_.empty()) {
      // The common case: the whole line is in this feed and is processed without a copy. The
      // length check is the same as for a buffered line, so the outcome never depends on how
      // the stream was split.
      if (line_too_long(tail.size())) return enter_overflow();
      process_line(tail, sinks);
    } else {
      if (line_too_long(line_.size() + tail.size())) return enter_overflow();
      line_.append(tail);
      process_line(line_, sinks);
      line_.clear();
      release_if_oversized(line_);
    }
    bytes.remove_prefix(consumed);
  }
}

void Decoder::process_line(std::string_view line, const Sinks& sinks) {
  if (line.empty()) return dispatch(sinks);
  if (line.front() == ':') {
    std::string_view text = line.substr(1);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    sinks.on_comment(sinks.comment_context, text);
    return;
  }
  const std::size_t colon = line.find(':');
  std::string_view field = line;
  std::string_view value;
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  process_field(field, value);
}

void Decoder::process_field(std::string_view field, std::string_view value) {
  block_has_fields_ = true;
  if (field == "data") {
    if (event_too_big(value.size() + (data_seen_ ? 1 : 0))) return enter_overflow();
    if (data_seen_) pending_.data.push_back('\n');
    pending_.data.append(value);
    data_seen_ = true;
  } else if (field == "event") {
    if (event_too_big(value.size())) return enter_overflow();
    pending_.event.assign(value);
  } else if (field == "id") {
    // An id with NUL is ignored by the standard (it could not be sent back in Last-Event-ID).
    if (value.find('\0') != std::string_view::npos) return;
    if (event_too_big(value.size())) return enter_overflow();
    pending_.id.assign(value);
  } else if (field == "retry") {
    if (const std::optional<int> milliseconds = parse_retry(value)) {
      pending_.retry = milliseconds;
      reconnection_time_ms_ = milliseconds;
    }
  }
  // Any other field is ignored, as the standard requires.
}

void Decoder::dispatch(const Sinks& sinks) {
  if (data_seen_) sinks.on_event(sinks.event_context, pending_);
  // The last event ID persists across events; everything else belongs to one event.
  pending_.data.clear();
  pending_.event.clear();
  pending_.retry.reset();
  release_if_oversized(pending_.data);
  data_seen_ = false;
  block_has_fields_ = false;
}

bool Decoder::line_too_long(std::size_t line_bytes) const {
  return line_bytes > max_event_bytes_;
}

bool Decoder::event_too_big(std::size_t extra_bytes) const {
  const std::size_t held = pending_.data.size() + pending_.event.size() + pending_.id.size();
  return extra_bytes > max_event_bytes_ || held > max_event_bytes_ - extra_bytes;
}

void Decoder::enter_overflow() {
  overflowed_ = true;
  // Give the memory back now: the caller will abandon this stream.
  std::string().swap(line_);
  pending_ = Event{};
  data_seen_ = false;
}

}  // namespace tollgate::net::sse
