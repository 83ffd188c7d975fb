#include "net/http.hpp"

#include <gtest/gtest.h>

namespace tollgate::net {
namespace {

using std::chrono::milliseconds;

// Sun, 22 Nov 2026 07:28:00 GMT
const auto kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours(7) +
                  std::chrono::minutes(28);

TEST(RetryAfter, SecondsMillisecondsAndDates) {
  EXPECT_EQ(retry_after({{"retry-after", "30"}}, kNow), milliseconds(30'000));
  EXPECT_EQ(retry_after({{"Retry-After", "0"}}, kNow), milliseconds(0));
  EXPECT_EQ(retry_after({{"retry-after-ms", "250"}, {"retry-after", "1"}}, kNow), milliseconds(250))
      << "the milliseconds form is the finer one";
  EXPECT_EQ(retry_after({{"retry-after", "Sun, 22 Nov 2026 07:28:45 GMT"}}, kNow),
            milliseconds(45'000));
  EXPECT_EQ(retry_after({{"retry-after", "Sun, 22 Nov 2026 07:00:00 GMT"}}, kNow), milliseconds(0))
      << "a date in the past";
}

TEST(RetryAfter, AbsentOrUnreadable) {
  EXPECT_EQ(retry_after({}, kNow), std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after", ""}}, kNow), std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after", "-5"}}, kNow), std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after", "1.5"}}, kNow), std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after", "soon"}}, kNow), std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after", "Sun, 22 Nov 2026 07:28:45 GMT trailing"}}, kNow),
            std::nullopt);
  EXPECT_EQ(retry_after({{"retry-after-ms", "x"}, {"retry-after", "2"}}, kNow), milliseconds(2000))
      << "an unreadable retry-after-ms falls back to retry-after";
}

TEST(QueryParam, DecodesTheFirstMatch) {
  EXPECT_EQ(query_param("alt=sse&key=a%2Bb", "key"), "a+b");
  EXPECT_EQ(query_param("key=x+y", "key"), "x y");
  EXPECT_EQ(query_param("flag&key=1", "flag"), "");
  EXPECT_EQ(query_param("alt=sse", "key"), std::nullopt);
}

}  // namespace
}  // namespace tollgate::net
