// Keeps the summary of the last reply for GET /_mock/last-response (reply_summary_json).
// Replies are planned on every loop thread; one mutex is enough for a string swap.
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace tollgate::mock {

class ReplyRecorder {
 public:
  void record(std::string summary_json) {
    std::lock_guard lock(mutex_);
    last_ = std::move(summary_json);
  }

  std::optional<std::string> last_reply_json() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> last_;
};

}  // namespace tollgate::mock
