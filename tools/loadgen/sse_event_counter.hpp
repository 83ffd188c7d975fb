// Counts complete server-sent events that carry data, across arbitrary splits of the stream: an
// event is complete at the blank line that ends it, and counts when one of its lines is a
// `data` field (so `data: [DONE]` counts; comments, `event:`-only and `retry:` blocks do not).
// Lines may end in LF, CRLF or CR, as the SSE specification allows. Keeps five bytes of state.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::loadgen {

class SseEventCounter {
 public:
  void reset() noexcept { *this = SseEventCounter{}; }

  // Feeds the next bytes of the body; returns how many data events they completed.
  std::size_t feed(std::string_view bytes) noexcept;

 private:
  void end_line(std::size_t& completed) noexcept;

  char prefix_[5] = {};  // the first bytes of the current line
  std::size_t line_length_ = 0;
  bool after_cr_ = false;  // a CR ended the last line: an LF right after belongs to it
  bool event_has_data_ = false;
};

}  // namespace tollgate::loadgen
