// The gateway's worker threads for work that may block: SQLite reads and writes of the management
// endpoints and password hashing (~100 ms of CPU). An event loop hands such work over with
// run_blocking() and resumes, on its own thread, when the work is done; the loop serves other
// requests meanwhile (DESIGN.md principle 3).
//
// Each worker keeps its own SQLite connection (connections belong to one thread), opened on first
// use and closed when the worker exits.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace tollgate::store {
class Database;
}

namespace tollgate::gateway {

class BlockingPool {
 public:
  static constexpr std::size_t kDefaultThreads = 2;

  explicit BlockingPool(std::string sqlite_path, std::size_t threads = kDefaultThreads);
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool();  // waits for the work under way, then joins the workers

  // Runs f(database) on a worker with that worker's connection and resumes the caller on its own
  // executor with the result. An exception thrown by f is rethrown in the caller. The result
  // type must be default-constructible and movable.
  //
  // GCC 12: build f's captures in locals first; never pass temporaries made of string literals
  // or braced lists inside the co_await operand.
  template <class F>
  auto run_blocking(F f) -> boost::asio::awaitable<std::invoke_result_t<F&, store::Database&>> {
    using Result = std::invoke_result_t<F&, store::Database&>;
    // Built outside the co_await operand (GCC 12 mishandles temporaries inside it).
    auto on_worker = [this, f = std::move(f)]() mutable -> boost::asio::awaitable<Result> {
      co_return f(connection());
    };
    auto executor = pool_.get_executor();
    Result result = co_await boost::asio::co_spawn(executor, std::move(on_worker),
                                                   boost::asio::use_awaitable);
    co_return result;
  }

 private:
  // This worker's connection to sqlite_path_, opened on first use.
  store::Database& connection();

  std::string sqlite_path_;
  boost::asio::thread_pool pool_;
};

}  // namespace tollgate::gateway
