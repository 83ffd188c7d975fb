// What every pipeline does around an upstream call: build the request (the family's target,
// credentials and the headers it forwards), time the waits that are not the gateway's overhead,
// turn transport failures into errors in the client's format, and estimate usage when the
// upstream reports none.
#pragma once

#include "gateway/request_context.hpp"
#include "net/http_client.hpp"

#include <boost/asio/awaitable.hpp>

namespace tollgate::obs {
class Metrics;
}

namespace tollgate::gateway {

// Measures a wait on the upstream or the client, so it can be excluded from the overhead.
struct WaitTimer {
  Clock::duration& total;
  Clock::time_point start = Clock::now();
  ~WaitTimer() { total += Clock::now() - start; }
};

// Counts a stream in the active-streams gauge for as long as it lives.
class StreamGauge {
 public:
  explicit StreamGauge(obs::Metrics& metrics);
  ~StreamGauge();
  StreamGauge(const StreamGauge&) = delete;
  StreamGauge& operator=(const StreamGauge&) = delete;

 private:
  obs::Metrics& metrics_;
};

// A POST to `target` on ctx.deployment with `body`: content type, accept, request id, the
// provider's credentials, and the client headers the provider's forward_headers name.
net::ClientRequest upstream_post(const RequestContext& ctx, std::string target, std::string body,
                                 bool stream);

// 504 (timeout) or 502 (unreachable) in the client's format.
boost::asio::awaitable<void> respond_upstream_failure(RequestContext& ctx, net::ClientError error,
                                                      const std::string& detail);

// Headers worth passing from an upstream response to the client (retry-after, rate limits).
void copy_upstream_headers(const net::Headers& from, net::Headers& to);

// Rough token estimates for when the upstream reports no usage: ~4 characters per prompt token,
// one token per streamed delta. Sets usage_source = "estimated".
void estimate_usage(RequestContext& ctx, std::int64_t generated_deltas);

// The upstream's usage when it reported any, else an estimate from `generated_deltas`.
void take_usage(RequestContext& ctx, const ir::Usage& usage, std::int64_t generated_deltas);

// The error a client is told about when the upstream's stream broke (`code` is one of
// upstream_timeout, upstream_invalid_response, upstream_stream_interrupted).
ir::Error stream_failure(std::string_view code);

// Sits after an upstream stream decoder, reading what billing needs, and passes every event on
// to `next` (a client's stream encoder) when there is one.
class MeteringSink final : public ir::EventSink {
 public:
  explicit MeteringSink(ir::EventSink* next = nullptr) : next_(next) {}
  void on_event(const ir::Event& event) override;

  ir::Usage usage;
  std::int64_t deltas = 0;  // text and argument deltas: the basis of estimates
  bool ended = false;       // the stream completed
  bool errored = false;     // an error event was seen

 private:
  ir::EventSink* next_;
};

// A fresh response id for formats that need one when the upstream gave none.
std::string random_id(RequestContext& ctx, std::string_view prefix);

}  // namespace tollgate::gateway
