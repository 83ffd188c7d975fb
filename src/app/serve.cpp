// `tollgate serve`: wire the process together and run until SIGTERM/SIGINT.
#include "app/commands.hpp"
#include "auth/key_cache.hpp"
#include "auth/secret_box.hpp"
#include "billing/usage_writer.hpp"
#include "billing/wallet.hpp"
#include "billing/wallet_sync.hpp"
#include "config/config.hpp"
#include "gateway/gateway.hpp"
#include "net/http_server.hpp"
#include "routing/rate_limiter.hpp"
#include "obs/access_log.hpp"
#include "obs/metrics.hpp"
#include "store/sqlite_database.hpp"

#include <prometheus/gauge.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

namespace tollgate::app {

namespace {

// This process's name in the ledger's `instance` column: host, pid and a random suffix.
std::string instance_name() {
  char host[64] = "host";
  gethostname(host, sizeof host - 1);
  char name[128];
  std::snprintf(name, sizeof name, "%s-%d-%08x", host, static_cast<int>(getpid()),
                static_cast<unsigned>(std::random_device{}()));
  return name;
}

}  // namespace

int serve(const std::string& config_path) {
  config::Config config = config::load_config_file(config_path);
  const auto& server_config = config.server;

  {  // The schema is created or upgraded before anything reads it.
    store::Database database(config.store.sqlite_path);
    database.migrate();
  }

  // Every connection is a descriptor, and idle keep-alive clients and long streams hold theirs:
  // use all the descriptors the hard limit allows (the soft default is often 1024).
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // SIGINT/SIGTERM are taken by one waiting thread (blocked everywhere else, so no handler
  // ever runs on an event loop).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The keys' BYOK credentials are opened with the config's master key as they are loaded.
  std::shared_ptr<const auth::SecretBox> secret_box;
  if (!config.byok.master_key.empty()) {
    std::optional<auth::SecretBox> box = auth::SecretBox::from_hex(config.byok.master_key);
    if (!box) throw std::runtime_error("byok.master_key must be 64 hex digits");
    secret_box = std::make_shared<const auth::SecretBox>(*box);
  }
  auth::KeyCache keys(secret_box);
  auth::KeyCacheRefresher key_refresher(keys, config.store.sqlite_path);
  key_refresher.start();
  const std::string instance = instance_name();
  billing::UsageWriterOptions usage_options;
  usage_options.instance = instance;
  usage_options.max_delay = config.store.usage_batch;
  billing::UsageWriter usage(config.store.sqlite_path, usage_options);
  obs::Metrics metrics;
  obs::AccessLog access_log(server_config.access_log);

  unsigned threads = server_config.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  // Billing: the wallet is loaded from the ledger before the first request (reservations a crash
  // left open are released first) and follows what other processes append.
  std::optional<billing::Wallet> wallet;
  std::optional<billing::WalletSync> wallet_sync;
  if (config.billing.enabled) {
    wallet.emplace();
    wallet_sync.emplace(*wallet, config.store.sqlite_path, instance);
    const int64_t released = wallet_sync->start();
    if (released > 0) {
      std::fprintf(stderr, "tollgate: released %lld reservations left open by an earlier run\n",
                   static_cast<long long>(released));
    }
    // A limit set while the gateway runs (its keys API, another gateway's, the CLI) counts what
    // the key already spent in its period, loaded before the limit takes effect.
    keys.on_new_limit([&wallet](store::Database& source, const auth::AuthenticatedKey& key) {
      const billing::KeyLimit limit{
          *key.limit_threshold_micros,
          billing::parse_retention(key.limit_retention).value_or(billing::Retention::no_reset)};
      billing::load_key_spend(*wallet, source, key.account_id, key.prefix, limit,
                              std::chrono::floor<std::chrono::seconds>(
                                  std::chrono::system_clock::now()));
    });
  }

  routing::LocalRateLimiter rate_limiter;
  gateway::Gateway gateway(config,
                           {keys, usage, metrics, config.billing, wallet ? &*wallet : nullptr,
                            instance, &rate_limiter},
                           threads);
  net::ServerOptions options;
  options.host = server_config.listen_host;
  options.port = server_config.listen_port;
  options.threads = threads;
  options.max_header_bytes = server_config.max_header_bytes;
  options.max_body_bytes = server_config.max_body_bytes;
  options.header_timeout = server_config.header_timeout;
  options.body_timeout = server_config.body_timeout;
  options.idle_timeout = server_config.idle_timeout;
  net::HttpServer server(options, gateway.handler());
  server.on_exchange([&](const net::ExchangeRecord& record) {
    access_log.write(record);
    if (record.path.empty() && !record.error.empty()) {
      metrics.record_transport_rejection(record.error);
    }
  });
  server.bind();
  std::printf("tollgate listening on http://%s:%u (%u event loops)\n", options.host.c_str(),
              static_cast<unsigned>(server.bound_port()), threads);
  std::fflush(stdout);

  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    std::fprintf(stderr, "tollgate: %s received, draining (up to %lld ms)\n",
                 received == SIGINT ? "SIGINT" : "SIGTERM",
                 static_cast<long long>(server_config.shutdown_grace.count()));
    gateway.set_draining();
    server.shutdown(server_config.shutdown_grace);
  });

  server.run([&](unsigned index, boost::asio::io_context& io) { gateway.start_loop(index, io); },
             [&](unsigned index) { gateway.stop_loop(index); });

  // Every loop has stopped: nothing produces usage any more. Commit what is queued.
  usage.stop();
  if (wallet_sync) wallet_sync->stop();
  key_refresher.stop();
  access_log.flush();
  std::fprintf(stderr, "tollgate: stopped (%llu usage records written)\n",
               static_cast<unsigned long long>(usage.written()));
  if (signal_thread.joinable()) {
    // run() can only return after shutdown(), which the signal thread called.
    signal_thread.join();
  }
  return 0;
}

}  // namespace tollgate::app
