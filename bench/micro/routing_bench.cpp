// Google Benchmark: the cost of choosing where a request goes. Router::order() for a model with
// 1, 3 and 8 deployments over two priorities, and the whole per-attempt cycle an event loop
// runs (order, begin, succeeded). Goal: < 1 µs per selection.
//
//   cmake --build build --target routing_bench && build/bin/routing_bench
#include "routing/router.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

using namespace tollgate::routing;
using namespace std::chrono_literals;

// n deployments, half in priority 0 and half in priority 1, with uneven weights and caps high
// enough never to refuse, so every call does the full work of checking them.
Router make_router(std::size_t n) {
  std::vector<DeploymentInfo> deployments;
  for (std::size_t d = 0; d < n; ++d) {
    deployments.push_back({.name = "deployment",
                           .priority = static_cast<int>(d % 2),
                           .weight = static_cast<std::uint32_t>(1 + d),
                           .region = static_cast<std::uint8_t>(1 + d % 3),
                           .rpm = 1'000'000'000,
                           .tpm = 1'000'000'000});
  }
  return Router(std::move(deployments), Strategy::weighted, {});
}

std::vector<std::uint16_t> members_of(const Router& router) {
  std::vector<std::uint16_t> members(router.size());
  for (std::size_t d = 0; d < members.size(); ++d) members[d] = static_cast<std::uint16_t>(d);
  return members;
}

void BM_Order(benchmark::State& state) {
  const Router router = make_router(static_cast<std::size_t>(state.range(0)));
  const std::vector<std::uint16_t> members = members_of(router);
  const Preferences preferences{.preferred = 2};
  const Clock::time_point now = Clock::time_point{} + 1h;
  std::uint64_t random = 0;
  for (auto _ : state) {
    Plan plan;
    router.order(members, preferences, ++random, now, plan);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Order)->Arg(1)->Arg(3)->Arg(8);

void BM_OrderBeginSucceeded(benchmark::State& state) {
  Router router = make_router(static_cast<std::size_t>(state.range(0)));
  const std::vector<std::uint16_t> members = members_of(router);
  Clock::time_point now = Clock::time_point{} + 1h;
  std::uint64_t random = 0;
  for (auto _ : state) {
    Plan plan;
    router.order(members, {}, ++random, now, plan);
    const std::uint16_t d = plan.deployments[0];
    benchmark::DoNotOptimize(router.begin(d, 500, now));
    benchmark::DoNotOptimize(router.succeeded(d, 120ms, now));
    now += 1ms;  // time moves on, as it would between requests
  }
}
BENCHMARK(BM_OrderBeginSucceeded)->Arg(3)->Arg(8);

}  // namespace

BENCHMARK_MAIN();
