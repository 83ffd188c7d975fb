// SSE event boundaries, one byte at a time (frames are a few hundred bytes; no copies).
#include "loadgen/sse_event_counter.hpp"

namespace tollgate::loadgen {

void SseEventCounter::end_line(std::size_t& completed) noexcept {
  if (line_length_ == 0) {
    if (event_has_data_) ++completed;
    event_has_data_ = false;
    return;
  }
  const std::string_view start(prefix_, line_length_ < 5 ? line_length_ : 5);
  // "data" alone is a data field with an empty value; "data:..." the usual form.
  if (start == "data:" || (line_length_ == 4 && start == "data")) event_has_data_ = true;
  line_length_ = 0;
}

std::size_t SseEventCounter::feed(std::string_view bytes) noexcept {
  std::size_t completed = 0;
  for (const char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      end_line(completed);
      continue;
    }
    if (line_length_ < 5) prefix_[line_length_] = c;
    ++line_length_;
  }
  return completed;
}

}  // namespace tollgate::loadgen
