// The threads of a run: one io_context per thread, each owning its connections outright (no
// locks, no cross-thread posts), and the per-loop pieces every mode shares: how connections
// are opened before measuring, how a run is stopped, how failures are counted.
#pragma once

#include "loadgen/clock.hpp"
#include "loadgen/connection.hpp"
#include "loadgen/target.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tollgate::loadgen {

class EventLoops {
 public:
  explicit EventLoops(unsigned count);
  unsigned size() const { return static_cast<unsigned>(loops_.size()); }
  boost::asio::io_context& loop(unsigned index) { return *loops_[index]; }
  // Runs each loop on a thread of its own until it has no work left; returns when all have.
  void run();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
};

// Starts `task` on `io` (detached). The load generator's coroutines report failures as values,
// so an exception escaping one is a bug: it ends the process with a message.
void spawn(boost::asio::io_context& io, boost::asio::awaitable<void> task);

// Calls `action` on `io`'s thread at `when`.
void call_at(boost::asio::io_context& io, Nanos when, std::function<void()> action);

// Transport failures of one loop (or, merged, of the run), by kind, with the first one's cause.
struct FailureCounts {
  std::uint64_t connect = 0;
  std::uint64_t transport = 0;
  std::uint64_t protocol = 0;
  std::string first_detail;

  void add(Failure failure, const Connection& connection);
  void merge(const FailureCounts& other);
  std::uint64_t total() const { return connect + transport + protocol; }
  // One line on stderr when there were failures (stdout carries only the JSON report).
  void print(const char* mode) const;
};

// What one loop owns in the modes that keep a fixed set of keep-alive connections.
template <class Stats>
struct LoopShare {
  std::vector<std::unique_ptr<Connection>> connections;
  bool stopping = false;  // set at the end of the window, before the connections close
  Stats stats;
};

// Opens `total` connections, spread evenly over the loops, synchronously: they are all
// established before the clock starts. Throws std::runtime_error when one cannot connect.
template <class Stats>
void open_connections(EventLoops& loops, const Target& target, unsigned total,
                      std::size_t buffer_bytes, std::vector<LoopShare<Stats>>& shares);

// At `when`, marks the share as stopping and closes its connections, so that every coroutine
// suspended on one resumes, sees the flag and ends; the loop then runs out of work.
template <class Stats>
void stop_at(boost::asio::io_context& io, Nanos when, LoopShare<Stats>& share) {
  call_at(io, when, [&share] {
    share.stopping = true;
    for (auto& connection : share.connections) connection->close();
  });
}

template <class Stats>
void open_connections(EventLoops& loops, const Target& target, unsigned total,
                      std::size_t buffer_bytes, std::vector<LoopShare<Stats>>& shares) {
  shares.resize(loops.size());
  for (unsigned i = 0; i < total; ++i) {
    const unsigned index = i % loops.size();
    auto connection = std::make_unique<Connection>(loops.loop(index), target, buffer_bytes);
    if (connection->connect_now()) {
      throw std::runtime_error("cannot connect to the target: " + connection->failure_detail());
    }
    shares[index].connections.push_back(std::move(connection));
  }
}

// The run of the modes with a fixed set of keep-alive connections: opens them, starts the
// window (`warmup_s` then `duration_s` seconds from now), lets `prepare(loop, stats)` set up each
// loop's share, spawns `drive(connection, window, share)` on every connection, stops them all at
// the window's end, and returns the loops' stats merged.
template <class Stats, class Drive, class Prepare>
Stats run_connections(EventLoops& loops, const Target& target, unsigned connections,
                      std::size_t buffer_bytes, double warmup_s, double duration_s,
                      Window& window, Drive drive, Prepare prepare) {
  std::vector<LoopShare<Stats>> shares;
  open_connections(loops, target, connections, buffer_bytes, shares);
  window.start = now_ns();
  window.measure_from = window.start + seconds_to_ns(warmup_s);
  window.end = window.measure_from + seconds_to_ns(duration_s);
  for (unsigned i = 0; i < loops.size(); ++i) {
    prepare(i, shares[i].stats);
    for (auto& connection : shares[i].connections) {
      spawn(loops.loop(i), drive(*connection, window, shares[i]));
    }
    stop_at(loops.loop(i), window.end, shares[i]);
  }
  loops.run();
  Stats total;
  for (const auto& share : shares) total.merge(share.stats);
  return total;
}

}  // namespace tollgate::loadgen
