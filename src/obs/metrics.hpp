// Prometheus metrics for the whole process. Families are created once at start-up; the request
// path only looks up (and caches) label children and bumps atomics.
//
// What every request updates (its count, latency and overhead, and its upstream's) is kept per
// event loop: each loop's MetricsCache owns its series, written by that loop alone with plain
// relaxed stores, no lock and no locked instruction, and a scrape adds the loops' series up. The
// rest (errors, routing, the usage writer) is rare enough for prometheus-cpp's shared series.
#pragma once

#include "net/string_map.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
}  // namespace prometheus

namespace tollgate::obs {

// A count that one thread adds to and any thread reads.
class LoopCounter {
 public:
  void add(std::uint64_t amount = 1) {  // the owning thread only
    value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A histogram of durations that one thread observes and any thread reads: each bucket counts the
// durations up to its bound (and above the one before it), the last one those above every
// bound; the sum is in whole microseconds, as the durations are measured.
class LoopHistogram {
 public:
  explicit LoopHistogram(std::span<const std::int64_t> upper_bounds_us);
  void observe(std::chrono::microseconds duration);  // the owning thread only

  std::span<const std::int64_t> upper_bounds_us() const { return bounds_; }
  // Adds this histogram's bucket counts (bounds, then +Inf), count and sum to the totals.
  void add_to(std::span<std::uint64_t> bucket_totals, std::uint64_t& count,
              std::uint64_t& sum_us) const;

 private:
  std::span<const std::int64_t> bounds_;
  std::unique_ptr<LoopCounter[]> buckets_;  // one per bound, then +Inf
  LoopCounter count_;
  LoopCounter sum_us_;
};

// The time series of one event loop that finished requests with one surface, public model and
// status update (the histograms are labelled by surface alone: a scrape adds up every model's
// and status's).
struct RequestSeries {
  RequestSeries(std::string surface, std::string model, int status);
  bool has_labels(std::string_view surface, std::string_view model, int status) const {
    return status == status_code && surface == this->surface && model == this->model;
  }
  const std::string surface;
  const std::string model;
  const int status_code;
  const std::string status;
  LoopCounter requests;
  LoopHistogram latency;
  LoopHistogram overhead;
};

// One event loop's series for one provider and status class (the histogram is by provider).
struct UpstreamSeries {
  UpstreamSeries(std::string provider, int status);
  bool has_labels(std::string_view provider, int status) const {
    return status / 100 == status_code / 100 && provider == this->provider;
  }
  const std::string provider;
  const int status_code;           // the first one seen: only its class is a label
  const std::string status_class;  // "2xx" ... ("0xx": no response)
  LoopCounter responses;
  LoopHistogram latency;
};

// One deployment's routing series, created once at start-up (no lookups on the request path).
struct DeploymentSeries {
  // Attempts by outcome: "ok" (an answer to relay), "retryable" (429 / 5xx), "transport"
  // (connect failure, reset, timeout before the head).
  prometheus::Counter* attempts_ok = nullptr;
  prometheus::Counter* attempts_retryable = nullptr;
  prometheus::Counter* attempts_transport = nullptr;
  prometheus::Counter* failovers = nullptr;  // requests that moved on from it to another try
  // Breaker state changes by new state, and the current state (0 closed, 1 open, 2 half-open).
  prometheus::Counter* opened = nullptr;
  prometheus::Counter* half_opened = nullptr;
  prometheus::Counter* closed = nullptr;
  prometheus::Gauge* state = nullptr;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One error a client saw, by stable code ("invalid_api_key", "upstream_timeout", ...).
  void record_error(std::string_view surface, std::string_view code);
  // Requests the HTTP layer refused before any handler (413, 431, timeouts).
  void record_transport_rejection(std::string_view reason);
  void record_usage_dropped(std::size_t count);
  // The usage writer's queue as a scrape finds it.
  void set_usage_backlog(std::size_t submissions);

  // A new series for one event loop (through its MetricsCache, which keeps it): they take a
  // lock and allocate, and live as long as the Metrics.
  RequestSeries& request_series(std::string_view surface, std::string_view model, int status);
  UpstreamSeries& upstream_series(std::string_view provider, int status);

  prometheus::Gauge& active_streams();
  DeploymentSeries deployment_series(std::string_view deployment, std::string_view model,
                                     std::string_view provider);

  // Prometheus text exposition format.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One event loop's series, found by their labels without locks or allocations once warm. Only
// its own loop may record through it.
class MetricsCache {
 public:
  explicit MetricsCache(Metrics& metrics) : metrics_(metrics) {}
  // One finished API request.
  void record_request(std::string_view surface, std::string_view model, int status,
                      std::chrono::microseconds total, std::chrono::microseconds overhead);
  // Time from sending to an upstream until its response was complete (or failed).
  void record_upstream(std::string_view provider, int status, std::chrono::microseconds elapsed);
  Metrics& metrics() { return metrics_; }

 private:
  Metrics& metrics_;
  std::string key_;  // reused buffer for building lookup keys
  net::StringMap<RequestSeries*> requests_;
  net::StringMap<UpstreamSeries*> upstreams_;
  // The series used last, checked before the maps: most requests repeat their predecessor's.
  RequestSeries* last_request_ = nullptr;
  UpstreamSeries* last_upstream_ = nullptr;
};

}  // namespace tollgate::obs
