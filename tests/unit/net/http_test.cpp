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

TEST(FieldText, MovesKeepAViewAViewAndOwnedTextOwned) {
  const std::string configured = "a provider name longer than the small-string buffer";
  FieldText viewed = FieldText::borrow(configured);
  FieldText moved_view = std::move(viewed);
  EXPECT_EQ(moved_view.view().data(), configured.data()) << "still a view, not a copy";

  FieldText owned = std::string("an owned value longer than the small-string buffer");
  FieldText moved_owned = std::move(owned);
  EXPECT_EQ(moved_owned, "an owned value longer than the small-string buffer");
  FieldText short_owned = std::string("41");
  FieldText moved_short = std::move(short_owned);
  EXPECT_EQ(moved_short, "41");

  // Assignments across the two kinds: each takes the other's kind and text.
  moved_view = std::move(moved_short);
  EXPECT_EQ(moved_view, "41");
  EXPECT_NE(moved_view.view().data(), configured.data());
  moved_owned = FieldText::borrow(configured);
  EXPECT_EQ(moved_owned.view().data(), configured.data());
  FieldText from_view = std::string("replaced");
  from_view = std::move(moved_owned);
  EXPECT_EQ(from_view.view().data(), configured.data());

  Headers headers;
  for (int i = 0; i < 40; ++i) {  // reallocations move every header along
    headers.push_back({"x-request-id", FieldText::borrow(configured)});
    headers.push_back({"x-tollgate-attempts", std::to_string(i)});
  }
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(headers[2 * i].value.view().data(), configured.data());
    EXPECT_EQ(headers[2 * i + 1].value, std::to_string(i));
  }
}

TEST(FindHeader, TakesTheFirstOfANameWhateverItsCase) {
  const Headers headers{{"Host", "example.com"},
                        {"X-API-Key", ""},
                        {"authorization", "Bearer first"},
                        {"x-api-key", "second"},
                        {"Authorization", "Bearer second"}};
  EXPECT_EQ(find_header(headers, "authorization"), "Bearer first");
  EXPECT_EQ(find_header(headers, "AUTHORIZATION"), "Bearer first");
  EXPECT_EQ(find_header(headers, "x-api-key"), "") << "the first x-api-key, though it is empty";
  EXPECT_EQ(find_header(headers, "host"), "example.com");
  EXPECT_EQ(find_header(headers, "authorizatio"), "");
  EXPECT_EQ(find_header(headers, "x-goog-api-key"), "");
}

TEST(HeadWriting, FieldLinesAreAppendedInOrderAfterWhatIsThere) {
  const std::string request_id = "req_0123456789abcdef";
  const Headers headers{{"content-type", "application/json"},
                        {"x-request-id", FieldText::borrow(request_id)},
                        {"x-empty", std::string()},
                        {"x-tollgate-attempts", std::to_string(2)}};
  std::string head = "HTTP/1.1 200 OK\r\n";
  append_field_lines(head, headers);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: "
            "req_0123456789abcdef\r\nx-empty: \r\nx-tollgate-attempts: 2\r\n");
  std::string one_by_one = "HTTP/1.1 200 OK\r\n";
  for (const auto& h : headers) append_field_line(one_by_one, h.name, h.value);
  EXPECT_EQ(head, one_by_one);
  append_field_lines(head, {});
  EXPECT_EQ(head, one_by_one) << "no headers, nothing appended";
}

TEST(HeadWriting, StatusCodesAreWrittenAsTheirDigits) {
  for (const int status : {100, 200, 204, 404, 429, 503, 529, 999, 99, 1000, 0}) {
    std::string head = "HTTP/1.1 ";
    append_status_code(head, status);
    EXPECT_EQ(head, "HTTP/1.1 " + std::to_string(status));
  }
}

}  // namespace
}  // namespace tollgate::net

namespace tollgate::net {
namespace {

TEST(FieldText, AStringLiteralIsViewedInPlace) {
  static constexpr char kName[] = "x-tollgate-deployment";
  const FieldText text = kName;
  EXPECT_EQ(text.view().data(), kName);
  EXPECT_EQ(text, "x-tollgate-deployment");
  const FieldText copy = text;
  EXPECT_EQ(copy.view().data(), kName) << "a copy views the same literal";
}

TEST(FieldText, AnyOtherStringIsCopiedAndOwned) {
  std::string source = "a value longer than the small-string buffer";
  FieldText text = source;
  EXPECT_NE(text.view().data(), source.data());
  source.assign("changed");
  EXPECT_EQ(text, "a value longer than the small-string buffer");
  FieldText copy = text;
  EXPECT_NE(copy.view().data(), text.view().data()) << "a copy owns its own text";
  text = FieldText("replaced");
  EXPECT_EQ(copy, "a value longer than the small-string buffer");
  FieldText moved = std::move(copy);
  EXPECT_EQ(moved, "a value longer than the small-string buffer");
  const std::string_view short_view = "short";
  EXPECT_EQ(FieldText(short_view).str(), "short");
}

TEST(FieldText, BorrowedTextIsViewedNotCopied) {
  std::string request_id = "req_0123456789abcdef0123456789abcdef";
  const FieldText text = FieldText::borrow(request_id);
  EXPECT_EQ(text.view().data(), request_id.data());
  request_id[4] = 'X';
  EXPECT_EQ(text.view().substr(0, 5), "req_X") << "a view of the text, as it is now";

  const Header owned{"x-ratelimit-remaining-requests", std::string("41")};
  const Header borrowed = Header::borrow(owned);
  EXPECT_EQ(borrowed.name.view().data(), owned.name.view().data());
  EXPECT_EQ(borrowed.value.view().data(), owned.value.view().data());
  EXPECT_EQ(find_header({borrowed}, "X-RateLimit-Remaining-Requests"), "41");
}

}  // namespace
}  // namespace tollgate::net
