// Server-Sent Events codec: an encoder for the frames Tollgate sends to clients and a decoder for
// the streams upstream providers send to Tollgate. Plain code with no I/O, so it can be tested on
// every possible split of a byte stream and reused by the mock upstream.
//
// The decoder follows the WHATWG HTML "event stream interpretation" rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tollgate::net::sse {

// ---------------------------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------------------------

// Appends one event frame to `out`: `event: X` (if given), `id: Y` (if given), one `data: ` line
// per line of `data` (split on LF, CRLF and CR, so a decoder joins them back with LF) and the
// blank line that dispatches it. Line breaks inside `event` and `id` are dropped: they would
// otherwise start new fields and let a value forge the frame.
void append_event(std::string& out, std::string_view data, std::string_view event = {},
                  std::string_view id = {});

std::string encode_event(std::string_view data, std::string_view event = {},
                         std::string_view id = {});

// `: text` followed by a blank line. Clients ignore comments; they keep idle connections (and
// proxies in between) from timing out. Line breaks in `text` become separate comment lines.
void append_comment(std::string& out, std::string_view text);
std::string encode_comment(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------------------------

struct Event {
  std::string event;         // the `event` field; empty means the default type, "message"
  std::string data;          // all `data` lines of the event joined with LF
  std::string id;            // the last event ID seen on the stream (it persists across events)
  std::optional<int> retry;  // a valid `retry` field inside this event's block, in milliseconds

  friend bool operator==(const Event&, const Event&) = default;
};

inline constexpr std::size_t kDefaultMaxEventBytes = std::size_t{16} << 20;  // 16 MiB

class Decoder {
 public:
  // `max_event_bytes` bounds both the length of one line and the size of one event (its data,
  // type and id), so a decoder holds at most about twice that; beyond it the decoder stops with
  // overflowed() instead of growing without bound. The outcome does not depend on how the stream
  // is split into feeds.
  explicit Decoder(std::size_t max_event_bytes = kDefaultMaxEventBytes);

  // Feeds the next bytes of the stream; may be called with any split of the stream (even one byte
  // at a time). `on_event(const Event&)` is called for every complete event, `on_comment
  // (std::string_view)` for every comment line (the text after ':' minus one leading space). The
  // callbacks are passed by reference, without std::function, so a call costs no allocation.
  template <typename OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    feed(bytes, std::forward<OnEvent>(on_event), [](std::string_view) {});
  }

  template <typename OnEvent, typename OnComment>
  void feed(std::string_view bytes, OnEvent&& on_event, OnComment&& on_comment) {
    using EventFn = std::remove_reference_t<OnEvent>;
    using CommentFn = std::remove_reference_t<OnComment>;
    Sinks sinks{
        .event_context = const_cast<void*>(static_cast<const void*>(&on_event)),
        .on_event = [](void* context,
                       const Event& event) { (*static_cast<EventFn*>(context))(event); },
        .comment_context = const_cast<void*>(static_cast<const void*>(&on_comment)),
        .on_comment = [](void* context,
                         std::string_view text) { (*static_cast<CommentFn*>(context))(text); },
    };
    feed_bytes(bytes, sinks);
  }

  // Ends the stream. A started but undispatched event is discarded, as the WHATWG rules require;
  // returns true when that happened, i.e. the stream was cut in the middle of an event. The
  // decoder is then ready for a new stream (overflowed() stays set until reset()).
  bool finish();

  // True when bytes of an event have been seen since the last dispatch point: a field line of an
  // event without its closing blank line, or an unterminated line. A stream that ends while this
  // is true was cut short (e.g. `data: [DONE]` without the final blank line).
  bool has_partial_event() const;

  // True once an event grew beyond max_event_bytes; further input is ignored.
  bool overflowed() const { return overflowed_; }

  // The last valid `retry` value of the stream, if any.
  std::optional<int> reconnection_time_ms() const { return reconnection_time_ms_; }

  // Back to the state of a new decoder (same limit).
  void reset();

 private:
  // Type-erased references to the caller's callbacks: two pointers each, no allocation.
  struct Sinks {
    void* event_context;
    void (*on_event)(void*, const Event&);
    void* comment_context;
    void (*on_comment)(void*, std::string_view);
  };

  void feed_bytes(std::string_view bytes, const Sinks& sinks);
  void feed_lines(std::string_view bytes, const Sinks& sinks);
  void process_line(std::string_view line, const Sinks& sinks);
  void process_field(std::string_view field, std::string_view value);
  void dispatch(const Sinks& sinks);
  bool line_too_long(std::size_t line_bytes) const;
  bool event_too_big(std::size_t extra_bytes) const;
  void enter_overflow();

  std::size_t max_event_bytes_;
  std::string line_;        // an unterminated line carried over from the previous feed
  Event pending_;           // the event being assembled (pending_.id is the last-event-ID buffer)
  bool data_seen_ = false;  // a `data` field arrived since the last dispatch point
  bool block_has_fields_ = false;      // any field arrived since the last dispatch point
  bool skip_leading_lf_ = false;       // the previous feed ended with CR: an LF next ends nothing
  std::size_t bom_bytes_matched_ = 0;  // progress through a UTF-8 BOM at the stream start
  bool at_stream_start_ = true;        // still deciding whether the stream starts with a BOM
  bool overflowed_ = false;
  std::optional<int> reconnection_time_ms_;
};

}  // namespace tollgate::net::sse
