// A fault set for the whole mock instance (POST /_mock/fault), so that a failover test can make
// one upstream sick without the gateway passing any x-mock-* header on. Every model request that
// names no fault of its own takes the sticky one, which counts itself down when it has a count.
// Shared by every loop thread: the setting sits behind a mutex, and an atomic flag lets the
// requests of a healthy mock (the benchmark case) skip the lock.
#pragma once

#include "mock_upstream/faults.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace tollgate::mock {

struct StickyFaultSetting {
  Fault fault = Fault::none;          // none: nothing set
  std::optional<uint64_t> remaining;  // requests left to answer with it; nullopt: until cleared
  std::optional<std::string> retry_after;  // as x-mock-retry-after (429, 503, 529 only)
};

class StickyFault {
 public:
  // Fault::none clears.
  void set(StickyFaultSetting setting);
  StickyFaultSetting current() const;
  // For one model request that names no fault: the fault to answer with (counted down), or
  // nullopt when none is set.
  std::optional<StickyFaultSetting> take();

 private:
  mutable std::mutex mutex_;
  StickyFaultSetting setting_;
  std::atomic<bool> armed_{false};  // setting_.fault != none; written under the mutex
};

// {"fault":"500"|null,"remaining":N|null,"retry_after":"7"|null}
std::string sticky_fault_json(const StickyFaultSetting& setting);

}  // namespace tollgate::mock
