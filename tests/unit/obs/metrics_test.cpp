#include "obs/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>

namespace tollgate::obs {
namespace {

using std::chrono::microseconds;

// The value of the sample named exactly `series` (name and labels as rendered), or -1.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(Metrics, EachLoopsSeriesAreAddedUpByAScrape) {
  Metrics metrics;
  MetricsCache first_loop(metrics);
  MetricsCache second_loop(metrics);
  first_loop.record_request("openai.chat", "gpt-4o", 200, microseconds(800), microseconds(5));
  first_loop.record_request("openai.chat", "gpt-4o", 200, microseconds(3'000), microseconds(40));
  second_loop.record_request("openai.chat", "gpt-4o", 200, microseconds(200'000'000),
                             microseconds(60'000));
  second_loop.record_request("openai.chat", "claude", 429, microseconds(1'000), microseconds(6));
  first_loop.record_upstream("mock", 200, microseconds(700));
  second_loop.record_upstream("mock", 503, microseconds(2'000));
  second_loop.record_upstream("mock", 201, microseconds(900));

  const std::string text = metrics.render();
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="gpt-4o",status="200",surface="openai.chat"})"),
      3);
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="claude",status="429",surface="openai.chat"})"),
      1);
  // The histograms are by surface: every model and status of it.
  const std::string latency =
      R"(tollgate_request_duration_seconds_bucket{surface="openai.chat",le=)";
  EXPECT_EQ(sample(text, latency + R"("0.001"})"), 2);  // 800 µs, and 1 ms on its bound
  EXPECT_EQ(sample(text, latency + R"("0.0025"})"), 2);
  EXPECT_EQ(sample(text, latency + R"("0.005"})"), 3);
  EXPECT_EQ(sample(text, latency + R"("120"})"), 3);
  EXPECT_EQ(sample(text, latency + R"("+Inf"})"), 4);  // 200 s: above every bound
  EXPECT_EQ(sample(text, R"(tollgate_request_duration_seconds_count{surface="openai.chat"})"), 4);
  EXPECT_DOUBLE_EQ(sample(text, R"(tollgate_request_duration_seconds_sum{surface="openai.chat"})"),
                   200.0048);
  const std::string overhead =
      R"(tollgate_gateway_overhead_seconds_bucket{surface="openai.chat",le=)";
  EXPECT_EQ(sample(text, overhead + R"("5e-06"})"), 1);
  EXPECT_EQ(sample(text, overhead + R"("1e-05"})"), 2);
  EXPECT_EQ(sample(text, overhead + R"("3e-05"})"), 2);  // the finer bounds below 100 µs
  EXPECT_EQ(sample(text, overhead + R"("4e-05"})"), 3);  // 40 µs, on its bound
  EXPECT_EQ(sample(text, overhead + R"("5e-05"})"), 3);
  EXPECT_EQ(sample(text, overhead + R"("0.05"})"), 3);
  EXPECT_EQ(sample(text, overhead + R"("+Inf"})"), 4);

  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="mock",status="2xx"})"), 2);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="mock",status="5xx"})"), 1);
  EXPECT_EQ(
      sample(text, R"(tollgate_upstream_duration_seconds_bucket{provider="mock",le="0.001"})"), 2);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_duration_seconds_count{provider="mock"})"), 3);
  EXPECT_NE(text.find("# TYPE tollgate_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("# TYPE tollgate_requests_total counter"), std::string::npos);
}

TEST(Metrics, ALoopSwitchingBetweenSeriesCountsEachInItsOwn) {
  Metrics metrics;
  MetricsCache loop(metrics);
  for (int i = 0; i < 3; ++i) {
    loop.record_request("openai.chat", "a", 200, microseconds(10), microseconds(1));
    loop.record_request("openai.chat", "b", 200, microseconds(10), microseconds(1));
    loop.record_request("openai.chat", "a", 400, microseconds(10), microseconds(1));
    loop.record_request("anthropic.messages", "a", 200, microseconds(10), microseconds(1));
    loop.record_upstream("p", 200, microseconds(10));
    loop.record_upstream("p", 204, microseconds(10));  // the same class: the same series
    loop.record_upstream("p", 500, microseconds(10));
    loop.record_upstream("q", 200, microseconds(10));
  }
  const std::string text = metrics.render();
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="a",status="200",surface="openai.chat"})"), 3);
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="b",status="200",surface="openai.chat"})"), 3);
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="a",status="400",surface="openai.chat"})"), 3);
  EXPECT_EQ(
      sample(text,
             R"(tollgate_requests_total{model="a",status="200",surface="anthropic.messages"})"),
      3);
  EXPECT_EQ(sample(text, R"(tollgate_request_duration_seconds_count{surface="openai.chat"})"), 9);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="p",status="2xx"})"), 6);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="p",status="5xx"})"), 3);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="q",status="2xx"})"), 3);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_duration_seconds_count{provider="p"})"), 9);
}

TEST(Metrics, LoopsRecordWhileAScrapeReadsAndNothingIsLost) {
  Metrics metrics;
  constexpr int kPerLoop = 50'000;
  auto loop = [&metrics] {
    MetricsCache cache(metrics);
    for (int i = 0; i < kPerLoop; ++i) {
      cache.record_request("openai.chat", "m", 200, microseconds(i % 3'000), microseconds(7));
      cache.record_upstream("p", 200, microseconds(10));
    }
  };
  std::thread first(loop);
  std::thread second(loop);
  for (int scrape = 0; scrape < 20; ++scrape) {
    const double seen =
        sample(metrics.render(),
               R"(tollgate_requests_total{model="m",status="200",surface="openai.chat"})");
    EXPECT_LE(seen, 2 * kPerLoop);
  }
  first.join();
  second.join();
  const std::string text = metrics.render();
  EXPECT_EQ(
      sample(text, R"(tollgate_requests_total{model="m",status="200",surface="openai.chat"})"),
      2 * kPerLoop);
  EXPECT_EQ(sample(text, R"(tollgate_request_duration_seconds_count{surface="openai.chat"})"),
            2 * kPerLoop);
  EXPECT_EQ(
      sample(text, R"(tollgate_gateway_overhead_seconds_bucket{surface="openai.chat",le="1e-05"})"),
      2 * kPerLoop);
  EXPECT_EQ(sample(text, R"(tollgate_upstream_responses_total{provider="p",status="2xx"})"),
            2 * kPerLoop);
}

}  // namespace
}  // namespace tollgate::obs
