#include "obs/access_log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace tollgate::obs {

namespace {

// Paths and methods come from the network: escape them so each line stays valid JSON.
void append_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

AccessLog::AccessLog(const std::string& destination) {
  if (destination == "off" || destination.empty()) return;
  static std::once_flag pool_once;
  // The queue's slots are allocated up front (~400 bytes each): 8192 hold a quarter of a second
  // of lines at 30k requests/s while the writer thread drains them, for ~3 MB of memory (65536
  // took 26 MB, most of an idle gateway's RSS).
  std::call_once(pool_once, [] { spdlog::init_thread_pool(8192, 1); });
  spdlog::sink_ptr sink;
  if (destination == "stderr") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination);
  }
  // Never block a loop: when the queue is full the oldest line is dropped.
  logger_ = std::make_shared<spdlog::async_logger>("access", sink, spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::overrun_oldest);
  logger_->set_pattern("%v");
}

AccessLog::~AccessLog() {
  flush();
}

void AccessLog::flush() {
  if (logger_) logger_->flush();
}

void AccessLog::write(const net::ExchangeRecord& r) {
  if (!logger_) return;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::string line;
  line.reserve(256);
  line += "{\"ts_ms\":";
  line += std::to_string(ms);
  line += ",\"method\":\"";
  append_escaped(line, r.method);
  line += "\",\"path\":\"";
  append_escaped(line, r.path);
  line += "\",\"status\":";
  line += std::to_string(r.status);
  line += ",\"duration_us\":";
  line += std::to_string(r.duration.count());
  line += ",\"request_bytes\":";
  line += std::to_string(r.request_bytes);
  line += ",\"response_bytes\":";
  line += std::to_string(r.response_bytes);
  line += ",\"remote\":\"";
  append_escaped(line, r.remote_address);
  line += '"';
  if (!r.error.empty()) {
    line += ",\"error\":\"";
    append_escaped(line, r.error);
    line += '"';
  }
  if (!r.annotations.empty()) {
    line += ',';
    line += r.annotations;
  }
  line += '}';
  logger_->info(line);
}

}  // namespace tollgate::obs
