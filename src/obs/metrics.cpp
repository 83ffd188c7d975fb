#include "obs/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

namespace tollgate::obs {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

namespace {

// Request latency: 1 ms .. 2 min. Gateway overhead: 5 µs .. 50 ms, finest where it should sit
// (a p99 read from the buckets is only as good as the bound above it). In microseconds, as
// durations are measured.
constexpr std::int64_t kLatencyBucketsUs[] = {
    1'000,   2'500,    5'000,     10'000,    25'000,     50'000,     100'000,    250'000,
    500'000, 1000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000, 120'000'000};
constexpr std::int64_t kOverheadBucketsUs[] = {
    5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 250, 500, 1'000, 2'500, 5'000, 10'000, 50'000};

// The name and help text of each family the loops' series are added up into.
struct FamilyText {
  std::string_view name;
  std::string_view help;
};
constexpr FamilyText kRequests{"tollgate_requests_total",
                               "API requests by surface, public model and HTTP status"};
constexpr FamilyText kLatency{
    "tollgate_request_duration_seconds",
    "Total time of an API request, from the complete request head to the last byte"};
constexpr FamilyText kOverhead{
    "tollgate_gateway_overhead_seconds",
    "Time spent in the gateway itself: total time minus time waiting on upstreams"};
constexpr FamilyText kUpstream{"tollgate_upstream_duration_seconds",
                               "Time from sending a request upstream to its complete response"};
constexpr FamilyText kUpstreamResponses{
    "tollgate_upstream_responses_total",
    "Upstream responses by provider and status class (0xx = no response)"};

std::string status_class(int status) {
  return std::to_string(status / 100) + "xx";
}

MetricFamily family(const FamilyText& text, MetricType type) {
  MetricFamily family;
  family.name = text.name;
  family.help = text.help;
  family.type = type;
  return family;
}

std::vector<ClientMetric::Label> labels(
    std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<ClientMetric::Label> out;
  for (const auto& [name, value] : pairs) out.push_back({std::string(name), std::string(value)});
  return out;
}

// The loops' counts of one series, added up for a scrape.
struct HistogramTotals {
  explicit HistogramTotals(std::span<const std::int64_t> bounds_us)
      : bounds_us(bounds_us), buckets(bounds_us.size() + 1) {}
  std::span<const std::int64_t> bounds_us;
  std::vector<std::uint64_t> buckets;
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;

  ClientMetric metric(std::vector<ClientMetric::Label> labels) const {
    ClientMetric metric;
    metric.label = std::move(labels);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      cumulative += buckets[i];
      const double bound = i < bounds_us.size() ? static_cast<double>(bounds_us[i]) / 1e6
                                                : std::numeric_limits<double>::infinity();
      metric.histogram.bucket.push_back({cumulative, bound});
    }
    // The buckets' total, as prometheus-cpp reports it: read while the loops write, the count
    // may be a request ahead of them.
    metric.histogram.sample_count = cumulative;
    metric.histogram.sample_sum = static_cast<double>(sum_us) / 1e6;
    return metric;
  }
};

ClientMetric counter_metric(std::vector<ClientMetric::Label> labels, std::uint64_t value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = static_cast<double>(value);
  return metric;
}

}  // namespace

LoopHistogram::LoopHistogram(std::span<const std::int64_t> upper_bounds_us)
    : bounds_(upper_bounds_us), buckets_(std::make_unique<LoopCounter[]>(bounds_.size() + 1)) {}

void LoopHistogram::observe(std::chrono::microseconds duration) {
  const std::int64_t us = std::max<std::int64_t>(duration.count(), 0);
  // The first bound at or above it ("le"), or the +Inf bucket after them all.
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), us) - bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].add();
  count_.add();
  sum_us_.add(static_cast<std::uint64_t>(us));
}

void LoopHistogram::add_to(std::span<std::uint64_t> bucket_totals, std::uint64_t& count,
                           std::uint64_t& sum_us) const {
  for (std::size_t i = 0; i <= bounds_.size() && i < bucket_totals.size(); ++i) {
    bucket_totals[i] += buckets_[i].value();
  }
  count += count_.value();
  sum_us += sum_us_.value();
}

RequestSeries::RequestSeries(std::string surface, std::string model, int status)
    : surface(std::move(surface)),
      model(std::move(model)),
      status_code(status),
      status(std::to_string(status)),
      latency(kLatencyBucketsUs),
      overhead(kOverheadBucketsUs) {}

UpstreamSeries::UpstreamSeries(std::string provider, int status)
    : provider(std::move(provider)),
      status_code(status),
      status_class(obs::status_class(status)),
      latency(kLatencyBucketsUs) {}

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& errors =
      BuildCounter()
          .Name("tollgate_errors_total")
          .Help("Errors returned to clients, by surface and stable error code")
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

  // Every event loop's own series (MetricsCache), added up by render(). A deque: a series
  // never moves, as its loop holds a pointer to it.
  mutable std::mutex loop_series_mutex;
  std::deque<RequestSeries> request_series;
  std::deque<UpstreamSeries> upstream_series;

  std::vector<MetricFamily> collect_loop_series() const;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

RequestSeries& Metrics::request_series(std::string_view surface, std::string_view model,
                                       int status) {
  std::lock_guard lock(impl_->loop_series_mutex);
  return impl_->request_series.emplace_back(std::string(surface), std::string(model), status);
}

UpstreamSeries& Metrics::upstream_series(std::string_view provider, int status) {
  std::lock_guard lock(impl_->loop_series_mutex);
  return impl_->upstream_series.emplace_back(std::string(provider), status);
}

void Metrics::record_error(std::string_view surface, std::string_view code) {
  impl_->errors.Add({{"surface", std::string(surface)}, {"code", std::string(code)}}).Increment();
}

void MetricsCache::record_request(std::string_view surface, std::string_view model, int status,
                                  std::chrono::microseconds total,
                                  std::chrono::microseconds overhead) {
  if (!last_request_ || !last_request_->has_labels(surface, model, status)) {
    key_.assign(surface);
    key_ += '\0';
    key_ += model;
    key_ += '\0';
    key_ += std::to_string(status);
    auto it = requests_.find(std::string_view(key_));
    if (it == requests_.end()) {
      it = requests_.emplace(key_, &metrics_.request_series(surface, model, status)).first;
    }
    last_request_ = it->second;
  }
  last_request_->requests.add();
  last_request_->latency.observe(total);
  last_request_->overhead.observe(overhead);
}

void MetricsCache::record_upstream(std::string_view provider, int status,
                                   std::chrono::microseconds elapsed) {
  if (!last_upstream_ || !last_upstream_->has_labels(provider, status)) {
    key_.assign(provider);
    key_ += '\0';
    key_ += static_cast<char>('0' + status / 100);
    auto it = upstreams_.find(std::string_view(key_));
    if (it == upstreams_.end()) {
      it = upstreams_.emplace(key_, &metrics_.upstream_series(provider, status)).first;
    }
    last_upstream_ = it->second;
  }
  last_upstream_->latency.observe(elapsed);
  last_upstream_->responses.add();
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

std::vector<MetricFamily> Metrics::Impl::collect_loop_series() const {
  // Each family's values by their labels, the label names in prometheus-cpp's (sorted) order.
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> requests;
  std::map<std::string, HistogramTotals> latency;
  std::map<std::string, HistogramTotals> overhead;
  std::map<std::string, HistogramTotals> upstream;
  std::map<std::pair<std::string, std::string>, std::uint64_t> responses;
  auto add = [](std::map<std::string, HistogramTotals>& totals, const std::string& label,
                const LoopHistogram& histogram) {
    HistogramTotals& into = totals.try_emplace(label, histogram.upper_bounds_us()).first->second;
    histogram.add_to(into.buckets, into.count, into.sum_us);
  };
  {
    std::lock_guard lock(loop_series_mutex);
    for (const RequestSeries& series : request_series) {
      requests[{series.model, series.status, series.surface}] += series.requests.value();
      add(latency, series.surface, series.latency);
      add(overhead, series.surface, series.overhead);
    }
    for (const UpstreamSeries& series : upstream_series) {
      add(upstream, series.provider, series.latency);
      responses[{series.provider, series.status_class}] += series.responses.value();
    }
  }

  std::vector<MetricFamily> families;
  MetricFamily& request_counts = families.emplace_back(family(kRequests, MetricType::Counter));
  for (const auto& [key, total] : requests) {
    const auto& [model, status, surface] = key;
    request_counts.metric.push_back(counter_metric(
        labels({{"model", model}, {"status", status}, {"surface", surface}}), total));
  }
  auto histograms = [&](const FamilyText& text, std::string_view label,
                        const std::map<std::string, HistogramTotals>& totals) {
    MetricFamily& histogram = families.emplace_back(family(text, MetricType::Histogram));
    for (const auto& [value, total] : totals) {
      histogram.metric.push_back(total.metric(labels({{label, value}})));
    }
  };
  histograms(kLatency, "surface", latency);
  histograms(kOverhead, "surface", overhead);
  histograms(kUpstream, "provider", upstream);
  MetricFamily& response_counts =
      families.emplace_back(family(kUpstreamResponses, MetricType::Counter));
  for (const auto& [key, total] : responses) {
    response_counts.metric.push_back(
        counter_metric(labels({{"provider", key.first}, {"status", key.second}}), total));
  }
  return families;
}

std::string Metrics::render() const {
  std::vector<MetricFamily> families = impl_->registry->Collect();
  for (MetricFamily& family : impl_->collect_loop_series()) families.push_back(std::move(family));
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, families);
  return out.str();
}

}  // namespace tollgate::obs
