// A uniquely named SQLite file under the system temp directory, removed (with its -wal and -shm
// companions) when the test ends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace tollgate::testing {

class TempDatabasePath {
 public:
  TempDatabasePath() {
    static std::atomic<int> counter{0};
    path_ =
        (std::filesystem::temp_directory_path() /
         ("tollgate-unit-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db"))
            .string();
    remove_files();
  }
  TempDatabasePath(const TempDatabasePath&) = delete;
  TempDatabasePath& operator=(const TempDatabasePath&) = delete;
  ~TempDatabasePath() { remove_files(); }

  const std::string& path() const { return path_; }

 private:
  void remove_files() {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }

  std::string path_;
};

}  // namespace tollgate::testing
