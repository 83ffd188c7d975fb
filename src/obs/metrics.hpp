// Prometheus metrics for the whole process. Families are created once at start-up; the request
// path only looks up (and caches) label children and bumps atomics.
#pragma once

#include "net/string_map.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
}  // namespace prometheus

namespace tollgate::obs {

// The time series one finished request updates, resolved once per label set.
struct RequestSeries {
  prometheus::Counter* requests = nullptr;
  prometheus::Histogram* latency = nullptr;
  prometheus::Histogram* overhead = nullptr;
};
struct UpstreamSeries {
  prometheus::Histogram* latency = nullptr;
  prometheus::Counter* responses = nullptr;
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

  // One finished API request.
  void record_request(std::string_view surface, std::string_view model, int status,
                      std::chrono::microseconds total, std::chrono::microseconds overhead);
  // One error a client saw, by stable code ("invalid_api_key", "upstream_timeout", ...).
  void record_error(std::string_view surface, std::string_view code);
  // Time from sending to an upstream until its response was complete (or failed).
  void record_upstream(std::string_view provider, int status, std::chrono::microseconds elapsed);
  // Requests the HTTP layer refused before any handler (413, 431, timeouts).
  void record_transport_rejection(std::string_view reason);
  void record_usage_dropped(std::size_t count);
  // The usage writer's queue as a scrape finds it.
  void set_usage_backlog(std::size_t submissions);

  // Label lookups take a lock and allocate: the hot path resolves a series once (through a
  // MetricsCache) and then only updates it.
  RequestSeries request_series(std::string_view surface, std::string_view model, int status);
  UpstreamSeries upstream_series(std::string_view provider, int status);
  static void record(const RequestSeries& series, std::chrono::microseconds total,
                     std::chrono::microseconds overhead);
  static void record(const UpstreamSeries& series, std::chrono::microseconds elapsed);

  prometheus::Gauge& active_streams();
  DeploymentSeries deployment_series(std::string_view deployment, std::string_view model,
                                     std::string_view provider);

  // Prometheus text exposition format.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A per-event-loop memo of resolved series: lookups without locks or allocations once warm.
class MetricsCache {
 public:
  explicit MetricsCache(Metrics& metrics) : metrics_(metrics) {}
  void record_request(std::string_view surface, std::string_view model, int status,
                      std::chrono::microseconds total, std::chrono::microseconds overhead);
  void record_upstream(std::string_view provider, int status, std::chrono::microseconds elapsed);
  Metrics& metrics() { return metrics_; }

 private:
  Metrics& metrics_;
  std::string key_;  // reused buffer for building lookup keys
  net::StringMap<RequestSeries> requests_;
  net::StringMap<UpstreamSeries> upstreams_;
};

}  // namespace tollgate::obs
