// Keeps the last model request (any format) for GET /_mock/last-request.
//
// One slot per event loop (HttpRequest::loop_index) so that recording never contends across
// threads: a loop writes only its own slot (copy-assignment reuses the slot's buffers, so steady
// state does not allocate), and the reader takes the slot with the highest sequence number.
#pragma once

#include "net/http.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::mock {

class RequestRecorder {
 public:
  explicit RequestRecorder(unsigned threads);

  // `format`: "openai" | "anthropic" | "gemini".
  void record(const net::HttpRequest& request, std::string_view format);

  // {"format","method","target","headers":{lowercased name: value},"body"}; nullopt before any
  // request.
  std::optional<std::string> last_request_json() const;

 private:
  struct Slot {
    mutable std::mutex mutex;
    uint64_t sequence = 0;    // 0: empty
    std::string_view format;  // a static string
    std::string method;
    std::string target;
    net::Headers headers;
    std::string body;
  };

  std::unique_ptr<Slot[]> slots_;
  unsigned slot_count_;
  std::atomic<uint64_t> next_sequence_{1};
};

}  // namespace tollgate::mock
