// Waiting inside a handler without holding up shutdown.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>

namespace tollgate::mock {

// Sleeps for `duration` in slices of at most 100 ms and returns true; returns false early once
// `stopping` is set (a plain flag is simpler than cancelling every pending timer at shutdown).
boost::asio::awaitable<bool> sleep_unless_stopping(std::chrono::milliseconds duration,
                                                   const std::atomic<bool>& stopping);

}  // namespace tollgate::mock
