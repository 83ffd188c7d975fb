// What every pipeline does around an upstream call: send the request (the family's target,
// credentials and the headers it forwards), time the waits that are not the gateway's overhead,
// turn transport failures into errors in the client's format, open and close the client's
// stream, and estimate usage when the upstream reports none.
#pragma once

#include "gateway/request_context.hpp"
#include "net/http_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>

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

// One exchange with one deployment (an attempt, then the upstream side of the relay): every
// wait on it counts as upstream time, not overhead; its outcome is recorded in the upstream
// metrics once.
class UpstreamCall {
 public:
  UpstreamCall(RequestContext& ctx, const Deployment& deployment)
      : ctx_(ctx), deployment_(deployment) {}
  ~UpstreamCall() { record(); }
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  // The exchange, in two steps around the HTTP client (no coroutine of the call's own):
  //   net::ClientRequest request = call.request(std::move(target), std::move(body), stream);
  //   net::ClientResult result = co_await ctx.loop.client.send(deployment.origin,
  //   std::move(request)); net::ClientError sent = call.received(std::move(result));
  // request(): the POST of `body` to `target` with the provider's credentials (or the key's own,
  // BYOK) and the forwarded client headers; the call's clock starts. received(): the response
  // head; the wait for it counts as upstream time. An error code when the provider could not be
  // reached or did not answer in time (failure_detail() says more); nothing is sent to the
  // client here.
  net::ClientRequest request(std::string target, std::string body, bool stream);
  net::ClientError received(net::ClientResult result);
  const std::string& failure_detail() const { return failure_detail_; }

  const Deployment& deployment() const { return deployment_; }
  int status() const { return response_->status(); }
  bool ok() const { return status() >= 200 && status() < 300; }
  // From sending the request to its response head.
  Clock::duration time_to_head() const { return head_at_ - started_; }
  // The wait the upstream asked for (retry-after-ms, or retry-after in seconds or as an HTTP
  // date); nullopt when it named none.
  std::optional<Clock::duration> retry_after() const;
  std::string_view content_type() const;
  bool is_event_stream() const { return content_type().starts_with("text/event-stream"); }
  // Body bytes have arrived already (with the head, as a stream's first event often does).
  bool body_bytes_received() const { return response_->body_bytes_received(); }
  // Headers worth passing on to the client: retry-after and rate limits.
  void copy_headers(net::Headers& to) const;

  // The whole body when it is in hand already (drained, or it came with the head), without the
  // event loop; else nullopt, and read_body() reads it:
  //   std::optional<std::string> body = call.received_body();
  //   if (!body) body = co_await call.read_body();
  std::optional<std::string> received_body();
  // The whole body; nullopt when reading it failed (the client has had its 502/504).
  boost::asio::awaitable<std::optional<std::string>> read_body();
  // Reads a failed attempt's (small) error body now, so its connection goes back to the pool
  // for the next request; read_body() then returns it. A body that cannot be read is dropped
  // with its connection.
  boost::asio::awaitable<void> drain();
  // The next piece of a streamed body: empty at its end; an error code if the read failed. A
  // client head held for the first frame is written first if the read has to wait.
  boost::asio::awaitable<std::pair<net::ClientError, std::string_view>> read_piece();
  // Records the upstream metric (status, time); later calls do nothing.
  void record();
  // The relay has read all it needs (the stream's final event): what is left of the body is
  // read in the background and the connection goes back to the pool (net::discard_rest). Only
  // record() may be called after it.
  void discard_rest();

 private:
  boost::asio::awaitable<std::pair<net::ClientError, std::string_view>> write_head_then_read();

  RequestContext& ctx_;
  const Deployment& deployment_;
  std::unique_ptr<net::ClientResponse> response_;
  std::optional<std::string> drained_;
  std::string failure_detail_;
  Clock::time_point started_;
  Clock::time_point head_at_;
  bool recorded_ = false;
};

// The attempts (dispatch.cpp): the call whose answer is to be relayed (a success, a client error
// the upstream judged, or the last retryable failure), or nullptr once the client has had its
// error.
boost::asio::awaitable<std::unique_ptr<UpstreamCall>> dispatch(RequestContext& ctx,
                                                               Services& services, Surface surface);

// The client's 504 (timeout) or 502 (unreachable), in its format, for a failed exchange with
// `deployment`.
boost::asio::awaitable<void> respond_upstream_failure(RequestContext& ctx,
                                                      const Deployment& deployment,
                                                      net::ClientError error,
                                                      const std::string& detail);

// The upstream's error response passed on with its status and body as they are (for a client
// that speaks the upstream's format).
boost::asio::awaitable<void> relay_upstream_error(RequestContext& ctx, const UpstreamCall& call,
                                                  std::string body);

// Starts the client's SSE response (status 200, the upstream's rate-limit headers, and when
// `cost_trailers` the announcement of the cost trailers). False when the client has gone. When
// the upstream's first bytes came with its head, the client's head waits for the first frame
// and goes out with it in one write; otherwise it is sent at once, for the client to see while
// the upstream thinks.
boost::asio::awaitable<bool> start_client_stream(RequestContext& ctx, const UpstreamCall& call,
                                                 bool cost_trailers);

// The code of a failed stream read: upstream_timeout or upstream_stream_interrupted.
std::string_view stream_read_failure(net::ClientError error);

// Ends the client's stream. `client_ok` false: the client went away (recorded as such). A
// `stream_error` code: the stream broke, and `append_error` is asked to write the client
// format's error event into `out` (unless `error_sent`: one is already in it or was sent).
// `out` holds frames not written yet; `trailers` end the body (the cost echo).
boost::asio::awaitable<void> finish_client_stream(
    RequestContext& ctx, bool client_ok, std::string& out, std::string_view stream_error,
    bool error_sent, const std::function<void(const ir::Error&)>& append_error,
    net::Headers trailers = {});

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
