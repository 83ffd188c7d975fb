// tollgate-mock: a deterministic fake upstream speaking OpenAI, Anthropic and Gemini, for tests,
// demos and benchmarks.
// Flags, headers and faults are documented in docs/mock-upstream.md.
#include "mock_upstream/mock_context.hpp"
#include "mock_upstream/mock_directives.hpp"
#include "mock_upstream/router.hpp"
#include "net/http_server.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;

// In-flight replies skip their remaining delays once shutdown starts, so this is ample.
constexpr std::chrono::milliseconds kShutdownGrace = 5s;

void log_exchange(const tollgate::net::ExchangeRecord& record) {
  std::fprintf(stderr, "tollgate-mock: %s %s %d %lldus %zuB%s%s\n", record.method.c_str(),
               record.path.c_str(), record.status, static_cast<long long>(record.duration.count()),
               record.response_bytes, record.error.empty() ? "" : " ", record.error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  namespace mock = tollgate::mock;
  CLI::App app{"tollgate-mock: a deterministic fake OpenAI / Anthropic / Gemini upstream"};
  tollgate::net::ServerOptions server_options;
  server_options.server_name = "tollgate-mock";
  mock::MockOptions options;
  int64_t ttft_ms = 0;
  int64_t itl_ms = 0;
  bool quiet = false;
  bool log_requests = false;
  app.add_option("--port", server_options.port, "TCP port (0: pick a free one)")->required();
  app.add_option("--host", server_options.host, "address to listen on")->capture_default_str();
  app.add_option("--threads", server_options.threads, "event loop threads")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_option("--ttft-ms", ttft_ms, "delay before the first content token (and JSON replies)")
      ->check(CLI::Range(int64_t{0}, mock::kMaxDelayMs))
      ->capture_default_str();
  app.add_option("--itl-ms", itl_ms, "delay between content tokens")
      ->check(CLI::Range(int64_t{0}, mock::kMaxDelayMs))
      ->capture_default_str();
  app.add_option("--tokens", options.tokens, "output tokens per reply")
      ->check(CLI::Range(0u, mock::kMaxTokens))
      ->capture_default_str();
  app.add_option("--require-key", options.require_key,
                 "accept only this API key, in every format (default: any non-empty key)");
  app.add_option("--name", options.instance_name,
                 "send x-mock-instance: NAME on every response (which mock answered)")
      ->check([](const std::string& name) -> std::string {
        for (const char c : name) {
          if (c < 0x20 || c > 0x7e) return "the name must be printable ASCII (a header value)";
        }
        return name.empty() ? "the name must not be empty" : "";
      });
  auto* quiet_flag = app.add_flag("--quiet", quiet, "print nothing but the listening line");
  app.add_flag("--log-requests", log_requests, "one line per exchange on stderr")
      ->excludes(quiet_flag);
  CLI11_PARSE(app, argc, argv);
  options.ttft = std::chrono::milliseconds(ttft_ms);
  options.itl = std::chrono::milliseconds(itl_ms);

  // Declared before the server: handlers still suspended when the server goes refer to it.
  mock::MockContext context(options, server_options.threads);
  tollgate::net::HttpServer server(server_options, mock::make_mock_handler(context));
  if (log_requests) server.on_exchange(log_exchange);
  try {
    server.bind();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tollgate-mock: cannot listen on %s:%u: %s\n", server_options.host.c_str(),
                 unsigned{server_options.port}, e.what());
    return 1;
  }
  std::printf("tollgate-mock listening on %s:%u\n", server_options.host.c_str(),
              unsigned{server.bound_port()});
  std::fflush(stdout);

  // Signals are waited for on a loop of their own, so that the server's loops stay pure.
  boost::asio::io_context signal_io{1};
  boost::asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    if (!quiet) std::fprintf(stderr, "tollgate-mock: signal %d, shutting down\n", signal_number);
    context.stopping.store(true);
    server.shutdown(kShutdownGrace);
  });
  std::thread signal_thread([&signal_io] { signal_io.run(); });

  server.run();

  signal_io.stop();
  signal_thread.join();
  if (!quiet) std::fprintf(stderr, "tollgate-mock: stopped %s\n", context.stats.to_json().c_str());
  return 0;
}
