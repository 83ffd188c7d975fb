#include "mock_upstream/sticky_fault.hpp"

#include "mock_upstream/json_text.hpp"

#include <utility>

namespace tollgate::mock {

void StickyFault::set(StickyFaultSetting setting) {
  std::lock_guard lock(mutex_);
  if (setting.fault == Fault::none) setting = {};
  setting_ = std::move(setting);
  armed_.store(setting_.fault != Fault::none, std::memory_order_release);
}

StickyFaultSetting StickyFault::current() const {
  std::lock_guard lock(mutex_);
  return setting_;
}

std::optional<StickyFaultSetting> StickyFault::take() {
  if (!armed_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mutex_);
  // Another thread may have taken the last count between the flag and the lock.
  if (setting_.fault == Fault::none) return std::nullopt;
  StickyFaultSetting taken = setting_;
  if (setting_.remaining && --*setting_.remaining == 0) {
    setting_ = {};
    armed_.store(false, std::memory_order_release);
  }
  return taken;
}

std::string sticky_fault_json(const StickyFaultSetting& setting) {
  std::string out = R"({"fault":)";
  if (setting.fault == Fault::none) {
    out += "null";
  } else {
    append_json_string(out, fault_name(setting.fault));
  }
  out += R"(,"remaining":)";
  if (setting.remaining) {
    append_uint(out, *setting.remaining);
  } else {
    out += "null";
  }
  out += R"(,"retry_after":)";
  if (setting.retry_after) {
    append_json_string(out, *setting.retry_after);
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

}  // namespace tollgate::mock
