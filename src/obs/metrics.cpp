#include "obs/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <sstream>

namespace tollgate::obs {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

namespace {

double seconds(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1e6;
}

// Request latency: 1 ms .. 2 min. Gateway overhead: 5 µs .. 50 ms (it should sit at the bottom).
const Histogram::BucketBoundaries kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
const Histogram::BucketBoundaries kOverheadBuckets = {0.000005, 0.00001, 0.000025, 0.00005,
                                                      0.0001,   0.00025, 0.0005,   0.001,
                                                      0.0025,   0.005,   0.01,     0.05};

std::string status_class(int status) {
  return std::to_string(status / 100) + "xx";
}

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      BuildCounter()
          .Name("tollgate_requests_total")
          .Help("API requests by surface, public model and HTTP status")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& errors =
      BuildCounter()
          .Name("tollgate_errors_total")
          .Help("Errors returned to clients, by surface and stable error code")
          .Register(*registry);
  prometheus::Family<Histogram>& latency =
      BuildHistogram()
          .Name("tollgate_request_duration_seconds")
          .Help("Total time of an API request, from the complete request head to the last byte")
          .Register(*registry);
  prometheus::Family<Histogram>& overhead =
      BuildHistogram()
          .Name("tollgate_gateway_overhead_seconds")
          .Help("Time spent in the gateway itself: total time minus time waiting on upstreams")
          .Register(*registry);
  prometheus::Family<Histogram>& upstream =
      BuildHistogram()
          .Name("tollgate_upstream_duration_seconds")
          .Help("Time from sending a request upstream to its complete response")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& upstream_responses =
      BuildCounter()
          .Name("tollgate_upstream_responses_total")
          .Help("Upstream responses by provider and status class (0xx = no response)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& transport =
      BuildCounter()
          .Name("tollgate_transport_rejections_total")
          .Help("Requests refused by the HTTP layer (size limits, timeouts, malformed HTTP)")
          .Register(*registry);
  prometheus::Counter& usage_dropped =
      BuildCounter()
          .Name("tollgate_usage_records_dropped_total")
          .Help("Usage records that could not be queued for the usage log")
          .Register(*registry)
          .Add({});
  prometheus::Gauge& usage_backlog =
      BuildGauge()
          .Name("tollgate_usage_backlog")
          .Help("Usage records and ledger entries accepted and not yet written to the database")
          .Register(*registry)
          .Add({});
  prometheus::Family<prometheus::Counter>& attempts =
      BuildCounter()
          .Name("tollgate_upstream_attempts_total")
          .Help("Upstream attempts by deployment and outcome (ok, retryable, transport)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& failovers =
      BuildCounter()
          .Name("tollgate_failovers_total")
          .Help("Requests that left a deployment after a failed attempt, to retry elsewhere")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& breaker_transitions =
      BuildCounter()
          .Name("tollgate_breaker_transitions_total")
          .Help("Circuit breaker state changes by deployment and new state")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& breaker_state =
      BuildGauge()
          .Name("tollgate_breaker_state")
          .Help("Circuit breaker state by deployment: 0 closed, 1 open, 2 half-open")
          .Register(*registry);
  prometheus::Gauge& active_streams = BuildGauge()
                                          .Name("tollgate_active_streams")
                                          .Help("Streaming responses in progress")
                                          .Register(*registry)
                                          .Add({});
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

RequestSeries Metrics::request_series(std::string_view surface, std::string_view model,
                                      int status) {
  std::string surface_label(surface);
  return {&impl_->requests.Add({{"surface", surface_label},
                                {"model", std::string(model)},
                                {"status", std::to_string(status)}}),
          &impl_->latency.Add({{"surface", surface_label}}, kLatencyBuckets),
          &impl_->overhead.Add({{"surface", surface_label}}, kOverheadBuckets)};
}

UpstreamSeries Metrics::upstream_series(std::string_view provider, int status) {
  std::string provider_label(provider);
  return {&impl_->upstream.Add({{"provider", provider_label}}, kLatencyBuckets),
          &impl_->upstream_responses.Add(
              {{"provider", provider_label}, {"status", status_class(status)}})};
}

void Metrics::record(const RequestSeries& series, std::chrono::microseconds total,
                     std::chrono::microseconds overhead) {
  series.requests->Increment();
  series.latency->Observe(seconds(total));
  series.overhead->Observe(seconds(overhead));
}

void Metrics::record(const UpstreamSeries& series, std::chrono::microseconds elapsed) {
  series.latency->Observe(seconds(elapsed));
  series.responses->Increment();
}

void Metrics::record_request(std::string_view surface, std::string_view model, int status,
                             std::chrono::microseconds total, std::chrono::microseconds overhead) {
  record(request_series(surface, model, status), total, overhead);
}

void Metrics::record_error(std::string_view surface, std::string_view code) {
  impl_->errors.Add({{"surface", std::string(surface)}, {"code", std::string(code)}}).Increment();
}

void Metrics::record_upstream(std::string_view provider, int status,
                              std::chrono::microseconds elapsed) {
  record(upstream_series(provider, status), elapsed);
}

void MetricsCache::record_request(std::string_view surface, std::string_view model, int status,
                                  std::chrono::microseconds total,
                                  std::chrono::microseconds overhead) {
  key_.assign(surface);
  key_ += '\0';
  key_ += model;
  key_ += '\0';
  key_ += std::to_string(status);
  auto it = requests_.find(std::string_view(key_));
  if (it == requests_.end()) {
    it = requests_.emplace(key_, metrics_.request_series(surface, model, status)).first;
  }
  Metrics::record(it->second, total, overhead);
}

void MetricsCache::record_upstream(std::string_view provider, int status,
                                   std::chrono::microseconds elapsed) {
  key_.assign(provider);
  key_ += '\0';
  key_ += static_cast<char>('0' + status / 100);
  auto it = upstreams_.find(std::string_view(key_));
  if (it == upstreams_.end()) {
    it = upstreams_.emplace(key_, metrics_.upstream_series(provider, status)).first;
  }
  Metrics::record(it->second, elapsed);
}

void Metrics::record_transport_rejection(std::string_view reason) {
  impl_->transport.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::record_usage_dropped(std::size_t count) {
  impl_->usage_dropped.Increment(static_cast<double>(count));
}

void Metrics::set_usage_backlog(std::size_t submissions) {
  impl_->usage_backlog.Set(static_cast<double>(submissions));
}

DeploymentSeries Metrics::deployment_series(std::string_view deployment, std::string_view model,
                                            std::string_view provider) {
  const std::map<std::string, std::string> labels{{"deployment", std::string(deployment)},
                                                  {"model", std::string(model)},
                                                  {"provider", std::string(provider)}};
  auto with = [&](std::string_view name, std::string_view value) {
    auto more = labels;
    more.emplace(std::string(name), std::string(value));
    return more;
  };
  DeploymentSeries series;
  series.attempts_ok = &impl_->attempts.Add(with("outcome", "ok"));
  series.attempts_retryable = &impl_->attempts.Add(with("outcome", "retryable"));
  series.attempts_transport = &impl_->attempts.Add(with("outcome", "transport"));
  series.failovers = &impl_->failovers.Add(labels);
  series.opened = &impl_->breaker_transitions.Add(with("state", "open"));
  series.half_opened = &impl_->breaker_transitions.Add(with("state", "half_open"));
  series.closed = &impl_->breaker_transitions.Add(with("state", "closed"));
  series.state = &impl_->breaker_state.Add(labels);
  return series;
}

prometheus::Gauge& Metrics::active_streams() {
  return impl_->active_streams;
}

std::string Metrics::render() const {
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace tollgate::obs
