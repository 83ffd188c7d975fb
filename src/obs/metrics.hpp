// Prometheus metrics for the whole process. Families are created once at start-up; the request
// path only looks up (and caches) label children and bumps atomics.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
class Gauge;
}  // namespace prometheus

namespace tollgate::obs {

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

  prometheus::Gauge& active_streams();

  // Prometheus text exposition format.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::obs
