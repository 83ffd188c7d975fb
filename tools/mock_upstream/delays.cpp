#include "mock_upstream/delays.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace tollgate::mock {

boost::asio::awaitable<bool> sleep_unless_stopping(std::chrono::milliseconds duration,
                                                   const std::atomic<bool>& stopping) {
  constexpr std::chrono::milliseconds kSlice{100};
  if (duration.count() <= 0) co_return !stopping.load(std::memory_order_relaxed);
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    if (stopping.load(std::memory_order_relaxed)) co_return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) co_return true;
    timer.expires_at(std::min(deadline, now + kSlice));
    boost::system::error_code ignored;  // a cancelled wait just ends this slice early
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  }
}

}  // namespace tollgate::mock
