// Threads, detached coroutines and timed actions for the event loops of a run.
#include "loadgen/event_loops.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

namespace tollgate::loadgen {

namespace asio = boost::asio;

EventLoops::EventLoops(unsigned count) {
  for (unsigned i = 0; i < count; ++i) {
    // Each loop is driven by exactly one thread and touched by no other once running, so
    // Asio's I/O locking is pure cost.
    loops_.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
  }
}

void EventLoops::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops_.size(); ++i) {
    threads.emplace_back([loop = loops_[i].get()] { loop->run(); });
  }
  loops_[0]->run();  // the main thread drives the first loop
  for (auto& thread : threads) thread.join();
}

void spawn(asio::io_context& io, asio::awaitable<void> task) {
  asio::co_spawn(io, std::move(task), [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tollgate-loadgen: internal error: %s\n", e.what());
    }
    std::abort();
  });
}

namespace {

asio::awaitable<void> act_at(Nanos when, std::function<void()> action) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(to_time_point(when));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  action();
}

}  // namespace

void call_at(asio::io_context& io, Nanos when, std::function<void()> action) {
  spawn(io, act_at(when, std::move(action)));
}

void FailureCounts::add(Failure failure, const Connection& connection) {
  switch (failure) {
    case Failure::none:
      return;
    case Failure::connect:
      ++connect;
      break;
    case Failure::transport:
      ++transport;
      break;
    case Failure::protocol:
      ++protocol;
      break;
  }
  if (first_detail.empty()) first_detail = connection.failure_detail();
}

void FailureCounts::merge(const FailureCounts& other) {
  connect += other.connect;
  transport += other.transport;
  protocol += other.protocol;
  if (first_detail.empty()) first_detail = other.first_detail;
}

void FailureCounts::print(const char* mode) const {
  if (total() == 0) return;
  std::fprintf(stderr,
               "tollgate-loadgen %s: %llu errors (connect %llu, transport %llu, protocol %llu); "
               "first: %s\n",
               mode, static_cast<unsigned long long>(total()),
               static_cast<unsigned long long>(connect), static_cast<unsigned long long>(transport),
               static_cast<unsigned long long>(protocol), first_detail.c_str());
}

}  // namespace tollgate::loadgen
