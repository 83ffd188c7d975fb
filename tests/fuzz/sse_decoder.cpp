// Fuzzes the SSE decoder that reads upstream streams. The first two bytes of the input choose a
// split point; the rest is the stream.
//
// Invariants, with the default limit and with a 64-byte max_event_bytes:
//   - never crashes;
//   - split invariance: the stream fed whole, fed in two pieces at the chosen point and (for
//     short inputs) fed one byte at a time gives the same events, comments, retry value,
//     partial-event and overflow state;
//   - with the small limit, no event exceeds it (data + type + id), nor does a comment line;
//   - every event decoded with the default limit, encoded again with encode_event and decoded by
//     a new decoder, comes back as the same event (the encoder and decoder agree).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/sse/sse.hpp"

namespace {

namespace sse = tollgate::net::sse;

struct Outcome {
  std::vector<sse::Event> events;
  std::vector<std::string> comments;
  bool partial_before_finish = false;
  bool cut_in_event = false;  // what finish() returned
  bool overflowed = false;
  std::optional<int> reconnection_time_ms;

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Feeds `pieces` in order to a new decoder with `limit`, then finishes the stream.
template <typename Pieces>
Outcome decode(const Pieces& pieces, std::size_t limit) {
  sse::Decoder decoder(limit);
  Outcome outcome;
  for (std::string_view piece : pieces) {
    decoder.feed(
        piece, [&](const sse::Event& event) { outcome.events.push_back(event); },
        [&](std::string_view comment) { outcome.comments.emplace_back(comment); });
  }
  outcome.partial_before_finish = decoder.has_partial_event();
  outcome.overflowed = decoder.overflowed();
  outcome.reconnection_time_ms = decoder.reconnection_time_ms();
  outcome.cut_in_event = decoder.finish();
  FUZZ_CHECK(decoder.overflowed() == outcome.overflowed);  // finish() keeps it
  return outcome;
}

void check_split_invariance(std::string_view stream, std::size_t split, std::size_t limit) {
  const std::string_view whole_pieces[] = {stream};
  const Outcome whole = decode(whole_pieces, limit);

  const std::string_view split_pieces[] = {stream.substr(0, split), stream.substr(split)};
  FUZZ_CHECK(decode(split_pieces, limit) == whole);

  if (stream.size() <= 512) {
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
    FUZZ_CHECK(decode(bytes, limit) == whole);
  }

  if (limit < sse::kDefaultMaxEventBytes) {
    for (const sse::Event& event : whole.events) {
      FUZZ_CHECK(event.data.size() + event.event.size() + event.id.size() <= limit);
    }
    for (const std::string& comment : whole.comments) FUZZ_CHECK(comment.size() <= limit);
    return;
  }

  // Round trip through the encoder. Decoded values hold no CR and `event`/`id` no LF either, so
  // encode_event must give them back exactly; `retry` is not something the encoder writes.
  for (const sse::Event& event : whole.events) {
    const std::string encoded = sse::encode_event(event.data, event.event, event.id);
    const std::string_view encoded_pieces[] = {encoded};
    const Outcome decoded = decode(encoded_pieces, limit);
    FUZZ_CHECK(decoded.events.size() == 1);
    FUZZ_CHECK(decoded.events[0].data == event.data);
    FUZZ_CHECK(decoded.events[0].event == event.event);
    FUZZ_CHECK(decoded.events[0].id == event.id);
    FUZZ_CHECK(!decoded.cut_in_event);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t split_seed = (std::size_t{data[0]} << 8) | data[1];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t split = split_seed % (stream.size() + 1);

  check_split_invariance(stream, split, sse::kDefaultMaxEventBytes);
  check_split_invariance(stream, split, 64);
  return 0;
}
