// The four ways of loading a server, one file each. Every mode returns the JSON object that
// main() prints, and throws std::runtime_error only while setting up (bad target, no server).
#pragma once

#include "loadgen/target.hpp"

#include <cstddef>
#include <string>

namespace tollgate::loadgen {

struct RunOptions {
  unsigned threads = 1;
  unsigned connections = 1;
  double duration_s = 10;
  double warmup_s = 0;
  double rate = 0;                // open: arrivals per second
  unsigned streams = 0;           // hold
  double ramp_per_second = 2000;  // hold
  double stall_s = 5;             // hold: silence after which an open stream is not "held"
};

// Read buffer of each connection of the throughput modes: large reads for large bodies. The
// hold mode keeps thousands of sockets and uses its own, smaller one.
constexpr std::size_t kReadBufferBytes = 16 * 1024;

std::string run_closed(const RunOptions& options, const Target& target);
std::string run_open(const RunOptions& options, const Target& target);
std::string run_stream(const RunOptions& options, const Target& target);
std::string run_hold(const RunOptions& options, const Target& target);

}  // namespace tollgate::loadgen
