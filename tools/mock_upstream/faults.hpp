// Failures on demand, chosen per request by the `x-mock-fault` header or for the whole instance
// by POST /_mock/fault (sticky_fault.hpp).
#pragma once

#include "mock_upstream/conversation.hpp"
#include "net/http.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <optional>
#include <string_view>

namespace tollgate::mock {

struct MockDirectives;

enum class Fault {
  none,
  reset,           // drop the connection (RST), no response
  close,           // close without a response (for now also an RST: see docs)
  timeout,         // never answer
  rate_limited,    // 429 + retry-after
  server_error,    // 500
  unavailable,     // 503
  overloaded,      // 529 (Anthropic's overloaded_error; 503 in the other formats)
  bad_request,     // 400 from "the provider"
  malformed_json,  // 200 application/json with a cut-off body
  malformed_sse,   // stream: good chunks, then a frame that is not JSON, then [DONE]
  cut_stream,      // stream: N content chunks, then RST without [DONE]
  stream_error,    // stream: N content chunks, then the format's mid-stream error event
  slow_headers,    // delay the status line itself by the TTFT
  gzip,            // Content-Encoding: gzip on a JSON reply
};

// nullopt: not a fault this mock knows (the caller answers 400, so typos in tests show).
// "" is Fault::none.
std::optional<Fault> parse_fault(std::string_view name);

// The name parse_fault() reads ("429", "cut-stream"; "" for none).
std::string_view fault_name(Fault fault);

// "reset, close, …, gzip": the names, for the 400 that refuses an unknown one.
std::string_view known_fault_names();

// The faults whose answer may carry a retry-after header (x-mock-retry-after).
constexpr bool takes_retry_after(Fault fault) {
  return fault == Fault::rate_limited || fault == Fault::unavailable || fault == Fault::overloaded;
}

// Faults that answer without looking at the request body.
constexpr bool answers_before_parsing(Fault fault) {
  switch (fault) {
    case Fault::reset:
    case Fault::close:
    case Fault::timeout:
    case Fault::rate_limited:
    case Fault::server_error:
    case Fault::unavailable:
    case Fault::overloaded:
    case Fault::bad_request:
      return true;
    default:
      return false;
  }
}

struct ApiError;

// The error a fault answers with, in `format`'s shape (429, 500, 503, 529, 400).
ApiError fault_error(WireFormat format, Fault fault);

// The error event of the `stream-error` fault.
ApiError stream_fault_error(WireFormat format);

// Answers (or refuses to answer) a request with one of the faults above.
boost::asio::awaitable<void> answer_before_parsing(WireFormat format, Fault fault,
                                                   const MockDirectives& directives,
                                                   net::ResponseWriter& writer,
                                                   const std::atomic<bool>& stopping);

}  // namespace tollgate::mock
