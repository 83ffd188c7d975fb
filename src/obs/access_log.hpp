// The access log: one JSON line per HTTP exchange, written by a background thread so an event
// loop never waits on stderr or the disk. Lines never contain headers, keys or bodies.
#pragma once

#include "net/http_server.hpp"

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace tollgate::obs {

class AccessLog {
 public:
  // destination: "stderr", "off", or a file path.
  explicit AccessLog(const std::string& destination);
  ~AccessLog();
  void write(const net::ExchangeRecord& record);
  void flush();

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace tollgate::obs
