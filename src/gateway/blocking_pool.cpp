#include "gateway/blocking_pool.hpp"

#include "store/sqlite_database.hpp"

#include <memory>

namespace tollgate::gateway {

BlockingPool::BlockingPool(std::string sqlite_path, std::size_t threads)
    : sqlite_path_(std::move(sqlite_path)), pool_(threads) {}

BlockingPool::~BlockingPool() {
  pool_.join();
}

store::Database& BlockingPool::connection() {
  // One per worker thread, closed when the thread exits. The path is checked so that a thread
  // could never hand one pool's connection to another pool's work (pools do not share threads,
  // but a connection to the wrong file would be a silent disaster).
  thread_local std::unique_ptr<store::Database> database;
  if (!database || database->path() != sqlite_path_) {
    database = std::make_unique<store::Database>(sqlite_path_);
  }
  return *database;
}

}  // namespace tollgate::gateway
