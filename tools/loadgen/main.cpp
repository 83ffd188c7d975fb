// tollgate-loadgen: the project's own load generator, for what wrk cannot measure: latency
// distributions kept to 1% (closed and open loop, the latter corrected for coordinated
// omission), SSE time to first frame and frame gaps, and how many concurrent streams a server
// holds. Plain HTTP/1.1 on loopback. Each run prints one JSON object on stdout and nothing else;
// diagnostics go to stderr. Usage: docs/loadgen.md.
#include "loadgen/modes.hpp"
#include "loadgen/target.hpp"

#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace loadgen = tollgate::loadgen;

// Descriptors the process needs besides its sockets (stdio, epoll, timers, resolver).
constexpr rlim_t kSpareDescriptors = 64;

struct TargetOptions {
  std::string url;
  std::string body_file;
  std::vector<std::string> headers;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read --body " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Thousands of sockets need the soft open-file limit raised to the hard one; say so, since
// it changes what the process may do.
rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      std::fprintf(stderr, "tollgate-loadgen: open-file limit raised from %llu to %llu\n",
                   static_cast<unsigned long long>(before),
                   static_cast<unsigned long long>(limit.rlim_max));
    } else {
      limit.rlim_cur = before;
    }
  }
  return limit.rlim_cur;
}

void add_target_options(CLI::App& mode, TargetOptions& target, loadgen::RunOptions& run) {
  mode.add_option("--url", target.url, "http://host:port/path")->required();
  mode.add_option("--body", target.body_file,
                  "file holding the request body (POST); without it, a GET")
      ->check(CLI::ExistingFile);
  mode.add_option("--header", target.headers, "extra request header 'name: value' (repeatable)");
  mode.add_option("--threads", run.threads, "event-loop threads")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  mode.add_option("--duration", run.duration_s, "seconds measured")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void add_loop_options(CLI::App& mode, loadgen::RunOptions& run) {
  mode.add_option("--connections", run.connections, "keep-alive connections")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  mode.add_option("--warmup", run.warmup_s, "seconds run before measuring")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tollgate-loadgen: latency distributions, SSE timings and held streams"};
  app.require_subcommand(1);
  TargetOptions target_options;
  loadgen::RunOptions run;

  CLI::App* closed = app.add_subcommand(
      "closed", "closed loop: each connection sends its next request once the last one answered");
  add_target_options(*closed, target_options, run);
  add_loop_options(*closed, run);

  CLI::App* open = app.add_subcommand(
      "open", "open loop at a constant arrival rate, latency timed from each scheduled send");
  add_target_options(*open, target_options, run);
  add_loop_options(*open, run);
  open->add_option("--rate", run.rate, "requests per second, over all threads")
      ->required()
      ->check(CLI::PositiveNumber);

  CLI::App* stream = app.add_subcommand(
      "stream", "closed loop over SSE responses: time to first frame and gaps between frames");
  add_target_options(*stream, target_options, run);
  add_loop_options(*stream, run);

  CLI::App* hold = app.add_subcommand(
      "hold", "open N streams (one socket each) and count how many the server keeps alive");
  add_target_options(*hold, target_options, run);
  hold->add_option("--streams", run.streams, "concurrent streams")
      ->required()
      ->check(CLI::Range(1u, 1000000u));
  hold->add_option("--ramp-per-second", run.ramp_per_second, "streams started per second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  hold->add_option("--stall", run.stall_s,
                   "an open stream silent for longer than this at the end is not held (seconds)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  // A write to a socket the server closed must be an error value, not the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  const rlim_t open_files = raise_open_file_limit();

  try {
    const std::string body =
        target_options.body_file.empty() ? std::string() : read_file(target_options.body_file);
    const loadgen::Target target =
        loadgen::make_target(target_options.url, body, target_options.headers);
    const rlim_t sockets = hold->parsed() ? run.streams : run.connections;
    if (sockets + kSpareDescriptors > open_files) {
      throw std::runtime_error(std::to_string(sockets) +
                               " sockets need more than the open-file limit (" +
                               std::to_string(open_files) + ")");
    }
    // A loop without a connection would have nothing to do.
    if (!hold->parsed() && run.threads > run.connections) run.threads = run.connections;
    if (hold->parsed() && run.threads > run.streams) run.threads = run.streams;

    std::string report;
    if (closed->parsed()) report = loadgen::run_closed(run, target);
    if (open->parsed()) report = loadgen::run_open(run, target);
    if (stream->parsed()) report = loadgen::run_stream(run, target);
    if (hold->parsed()) report = loadgen::run_hold(run, target);
    std::printf("%s\n", report.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tollgate-loadgen: %s\n", e.what());
    return 1;
  }
}
