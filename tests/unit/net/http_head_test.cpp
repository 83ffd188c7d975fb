// The fast head and body readers (net/http_head.hpp) against Beast's parser: what the head reader
// accepts, Beast must accept and read the same way (method, target, version, every field in order,
// Content-Length, chunked, keep-alive, where the head ends); what it turns down goes to Beast. A
// chunked body read by SimpleBody, and by Beast from where SimpleBody finds it unusual, must read
// as Beast reads it alone: the same data, the same end, refused when Beast refuses it. Checked on
// hand-picked heads and bodies and on a few hundred thousand random edits of real ones.
#include "net/http_head.hpp"

#include "head_reading.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::net {
namespace {

using testing::beast_reading;
using testing::HeadReading;
using testing::reading_of;

constexpr std::size_t kLimit = 8 * 1024;

// Fails the test, with the head, when the fast reader accepted `bytes` and Beast disagrees.
template <bool isRequest>
void expect_same_as_beast(std::string_view bytes, const SimpleHead& head) {
  std::string error;
  const std::optional<HeadReading> beast = beast_reading<isRequest>(bytes, kLimit, error);
  const std::string shown = ::testing::PrintToString(std::string(bytes));
  ASSERT_TRUE(beast) << "accepted a head Beast refuses (" << error << "): " << shown;
  EXPECT_EQ(reading_of(head), *beast) << shown;
}

bool read_request(std::string_view bytes, SimpleHead& head) {
  const bool simple = read_simple_request_head(bytes, kLimit, head);
  if (simple) expect_same_as_beast<true>(bytes, head);
  return simple;
}

bool read_response(std::string_view bytes, SimpleHead& head) {
  const bool simple = read_simple_response_head(bytes, kLimit, head);
  if (simple) expect_same_as_beast<false>(bytes, head);
  return simple;
}

const std::string kSdkRequest =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "host: 127.0.0.1:8080\r\n"
    "accept: application/json\r\n"
    "content-type: application/json\r\n"
    "user-agent: OpenAI/JS 4.104.0\r\n"
    "x-stainless-lang: js\r\n"
    "x-stainless-retry-count: 0\r\n"
    "authorization: Bearer tg-AbC12xYz0123456789012345678901234567890123456789\r\n"
    "content-length: 27\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "{\"model\":\"gpt-4o\",\"x\":true}";

const std::string kUpstreamResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "openai-processing-ms: 312\r\n"
    "x-request-id: req_0123456789abcdef\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

TEST(SimpleHead, ReadsATypicalRequestAsBeastDoes) {
  SimpleHead head;
  ASSERT_TRUE(read_request(kSdkRequest, head));
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/v1/chat/completions");
  EXPECT_EQ(head.version, 11u);
  EXPECT_EQ(head.fields().size(), 9u);
  EXPECT_EQ(head.fields()[0].name, "host");
  EXPECT_EQ(head.fields()[0].value, "127.0.0.1:8080");
  EXPECT_TRUE(head.has_content_length);
  EXPECT_EQ(head.content_length, 27u);
  EXPECT_TRUE(head.keep_alive());
  EXPECT_EQ(kSdkRequest.substr(head.size), "{\"model\":\"gpt-4o\",\"x\":true}");
}

TEST(SimpleHead, ReadsATypicalResponseAsBeastDoes) {
  SimpleHead head;
  ASSERT_TRUE(read_response(kUpstreamResponse, head));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.fields().size(), 4u);
  EXPECT_EQ(head.content_length, 2u);
  EXPECT_EQ(kUpstreamResponse.substr(head.size), "{}");
}

TEST(SimpleHead, TrimsValuesAndKeepsTabsAndObsTextInside) {
  SimpleHead head;
  ASSERT_TRUE(read_request(
      "GET /a?b=c HTTP/1.1\r\nX-A: \t v1 \t v2 \t \r\nX-B:\r\nX-C:    \r\nX-D: caf\xc3\xa9\r\n\r\n",
      head));
  ASSERT_EQ(head.fields().size(), 4u);
  EXPECT_EQ(head.fields()[0].value, "v1 \t v2");
  EXPECT_EQ(head.fields()[1].value, "");
  EXPECT_EQ(head.fields()[2].value, "");
  EXPECT_EQ(head.fields()[3].value, "caf\xc3\xa9");
  EXPECT_FALSE(head.has_content_length);
}

TEST(SimpleHead, KeepAliveFollowsTheVersionAndTheConnectionField) {
  SimpleHead head;
  ASSERT_TRUE(read_request("GET / HTTP/1.1\r\n\r\n", head));
  EXPECT_TRUE(head.keep_alive());
  ASSERT_TRUE(read_request("GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", head));
  EXPECT_FALSE(head.keep_alive());
  ASSERT_TRUE(read_request("GET / HTTP/1.0\r\n\r\n", head));
  EXPECT_FALSE(head.keep_alive());
  ASSERT_TRUE(read_request("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", head));
  EXPECT_TRUE(head.keep_alive());
  EXPECT_EQ(head.version, 10u);
}

// Each of these is left to Beast, which may accept it (and frame it its way) or refuse it.
TEST(SimpleHead, LeavesEverythingElseToBeast) {
  const std::vector<std::string> requests = {
      "",                                 // nothing yet
      "GET / HTTP/1.1\r\nHost: a\r\n",    // head not complete
      "GET / HTTP/1.1\r\nHost: a\r\n\r",  // nor here
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
      "GET / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx",
      "GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",
      "GET / HTTP/1.1\r\nContent-Length: 0x1\r\n\r\nx",
      "GET / HTTP/1.1\r\nContent-Length:\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",  // 19 digits
      "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: TE\r\n\r\n",
      "GET / HTTP/1.1\r\nProxy-Connection: keep-alive\r\n\r\n",
      "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",  // obs-fold
      "GET / HTTP/1.1\r\nX-Folded:\r\n\tb\r\n\r\n",
      "GET / HTTP/1.1\nHost: a\n\n",  // bare LF
      "GET / HTTP/1.1\r\nHost: a\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",  // bare CR
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",    // space before the colon
      "GET / HTTP/1.1\r\n: a\r\n\r\n",         // no name
      "GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n",  // control character
      "GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n",  // DEL
      "GET / HTTP/1.2\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "GET / HTTP/1.1 \r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET /\x7f HTTP/1.1\r\n\r\n",
      "G(T / HTTP/1.1\r\n\r\n",
      " GET / HTTP/1.1\r\n\r\n",
  };
  SimpleHead head;
  for (const std::string& request : requests) {
    EXPECT_FALSE(read_simple_request_head(request, kLimit, head))
        << ::testing::PrintToString(request);
  }
  std::string many = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i <= SimpleHead::kMaxFields; ++i) many += "X-F: v\r\n";
  many += "\r\n";
  EXPECT_FALSE(read_simple_request_head(many, kLimit, head));
  // A head over the limit, even by one byte.
  const std::string request = "GET / HTTP/1.1\r\nX-A: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_TRUE(read_simple_request_head(request, request.size(), head));
  EXPECT_FALSE(read_simple_request_head(request, request.size() - 1, head));

  const std::vector<std::string> responses = {
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n",  // to the end: Beast's
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
      "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",  // no SP after the status
      "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n",
  };
  for (const std::string& response : responses) {
    EXPECT_FALSE(read_simple_response_head(response, kLimit, head))
        << ::testing::PrintToString(response);
  }
  EXPECT_TRUE(read_response("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", head));  // no reason
}

TEST(SimpleHead, ReadsAChunkedResponseAsBeastDoes) {
  SimpleHead head;
  ASSERT_TRUE(read_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\ntransfer-encoding: Chunked\r\n\r\n",
      head));
  EXPECT_TRUE(head.chunked);
  EXPECT_FALSE(head.has_content_length);
  // A request's chunked body is Beast's to read.
  EXPECT_FALSE(read_simple_request_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                                        kLimit, head));
}

using testing::beast_body_reading;
using testing::BodyReading;
using testing::fast_body_reading;

// Reads `bytes` as a chunked body with SimpleBody (and Beast after it where it is unusual), in
// one piece and in every way of cutting it in two, expecting Beast's reading of the same pieces
// each time; returns the one-piece reading.
BodyReading expect_body_as_beast_reads_it(std::string_view bytes) {
  const BodyReading whole = fast_body_reading(bytes);
  EXPECT_EQ(whole, beast_body_reading(bytes)) << ::testing::PrintToString(std::string(bytes));
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    EXPECT_EQ(fast_body_reading(bytes, {cut}), beast_body_reading(bytes, {cut}))
        << "cut at " << cut << ": " << ::testing::PrintToString(std::string(bytes));
  }
  return whole;
}

TEST(SimpleBody, CountsDownAContentLength) {
  SimpleHead head;
  head.has_content_length = true;
  head.content_length = 5;
  SimpleBody body(head);
  std::string data;
  SimpleBody::Step step = body.read("abc", data);
  EXPECT_EQ(step.outcome, SimpleBody::Outcome::more);
  EXPECT_EQ(step.used, 3u);
  step = body.read("deHTTP/1.1", data);
  EXPECT_EQ(step.outcome, SimpleBody::Outcome::done);
  EXPECT_EQ(step.used, 2u);  // what follows is not the body's
  EXPECT_EQ(data, "abcde");
  EXPECT_TRUE(body.done());

  head.content_length = 0;
  EXPECT_TRUE(SimpleBody(head).done());
}

TEST(SimpleBody, ReadsPlainChunksAsBeastDoes) {
  using Outcome = BodyReading::Outcome;
  BodyReading reading = expect_body_as_beast_reads_it("5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(reading.outcome, Outcome::done);
  EXPECT_EQ(reading.body, "hello");
  EXPECT_EQ(reading.end, 15u);
  // Upper and lower case hex, leading zeros, the largest size read here (15 digits) cut short.
  reading = expect_body_as_beast_reads_it("A\r\n0123456789\r\n00b\r\n0123456789a\r\n0\r\n\r\nX");
  EXPECT_EQ(reading.outcome, Outcome::done);
  EXPECT_EQ(reading.body, "01234567890123456789a");
  EXPECT_EQ(reading.end, 38u);
  EXPECT_EQ(expect_body_as_beast_reads_it("fffffffffffffff\r\nabc").outcome, Outcome::more);
  // Event-stream frames, one chunk each, the last one not complete yet.
  reading = expect_body_as_beast_reads_it(
      "f\r\ndata: {\"a\":1}\n\n\r\nf\r\ndata: {\"a\":2}\n\n\r\n6\r\ndata:");
  EXPECT_EQ(reading.outcome, Outcome::more);
  EXPECT_EQ(reading.body, "data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata:");
}

TEST(SimpleBody, LeavesExtensionsTrailersAndLongSizesToBeast) {
  using Outcome = BodyReading::Outcome;
  // A chunk extension (and a quoted one), trailer fields, 16 hex digits: Beast reads them.
  BodyReading reading = expect_body_as_beast_reads_it(
      "3\r\nabc\r\n2;name=value\r\nde\r\n1;q=\"x;y\"\r\nf\r\n0\r\n\r\n");
  EXPECT_EQ(reading.outcome, Outcome::done);
  EXPECT_EQ(reading.body, "abcdef");
  reading = expect_body_as_beast_reads_it("3\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n");
  EXPECT_EQ(reading.outcome, Outcome::done);
  EXPECT_EQ(reading.body, "abc");
  reading = expect_body_as_beast_reads_it("0000000000000003\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(reading.outcome, Outcome::done);
  EXPECT_EQ(reading.body, "abc");
  // Malformed, whoever finds it: a size that is not hex, whitespace, a bare LF, data longer or
  // shorter than its size, a size that overflows 64 bits.
  for (std::string_view bad :
       {"x\r\n", "3 \r\nabc\r\n0\r\n\r\n", "3\nabc\r\n0\r\n\r\n", "3\r\nabcd\r\n0\r\n\r\n",
        "3\r\nab\r\n0\r\n\r\n", "3\r\nabc\n0\r\n\r\n", "10000000000000000\r\n"}) {
    EXPECT_EQ(expect_body_as_beast_reads_it(bad).outcome, Outcome::error)
        << ::testing::PrintToString(std::string(bad));
  }
}

// Random edits of real heads: whatever the fast reader accepts, Beast reads the same way.
class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : random_(seed) {}

  std::string mutate(std::string text) {
    const int edits = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < edits; ++i) edit(text);
    return text;
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
  }
  char some_byte() {
    // (An array, so that its size counts the NUL in the middle and nothing past the end.)
    static constexpr char kInteresting[] =
        "\r\n \t:,;=\"()/\\\x00\x01\x7f\x80\xff"
        "aZ09-_";
    if (pick(4) == 0) return static_cast<char>(pick(256));
    return kInteresting[pick(sizeof kInteresting - 1)];
  }
  void edit(std::string& text) {
    static const std::vector<std::string> kLines = {
        "Transfer-Encoding: chunked\r\n",
        "Content-Length: 5\r\n",
        "content-length: 0\r\n",
        "Connection: close\r\n",
        "connection: keep-alive\r\n",
        "Connection: upgrade\r\n",
        "Expect: 100-continue\r\n",
        "Upgrade: websocket\r\n",
        "X-Fold: a\r\n b\r\n",
        "X-Empty:\r\n",
        "X-Tab:\tv\t\r\n",
        "Content-Length: 007\r\n",
    };
    const std::size_t at = text.empty() ? 0 : pick(text.size() + 1);
    switch (pick(7)) {
      case 0:
        if (!text.empty()) text[std::min(at, text.size() - 1)] = some_byte();
        break;
      case 1:
        text.insert(at, 1, some_byte());
        break;
      case 2:
        if (at < text.size()) text.erase(at, 1 + pick(3));
        break;
      case 3: {  // a whole line, at the start of a line
        const std::size_t line = text.find("\r\n", at);
        if (line != std::string::npos) text.insert(line + 2, kLines[pick(kLines.size())]);
        break;
      }
      case 4: {  // a line repeated
        const std::size_t start = text.rfind("\r\n", at);
        const std::size_t stop =
            start == std::string::npos ? std::string::npos : text.find("\r\n", start + 2);
        if (stop != std::string::npos) text.insert(stop + 2, text.substr(start + 2, stop - start));
        break;
      }
      case 5:  // case flipped
        if (at < text.size() && std::isalpha(static_cast<unsigned char>(text[at])))
          text[at] ^= 0x20;
        break;
      case 6:
        text.resize(at);
        break;  // cut short
    }
  }

  std::mt19937 random_;
};

TEST(SimpleHead, AgreesWithBeastOnRandomEditsOfRealHeads) {
  const std::vector<std::string> requests = {
      kSdkRequest,
      "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.88.1\r\nAccept: "
      "*/*\r\n\r\n",
      "POST /v1/messages HTTP/1.0\r\nx-api-key: tg-x\r\nanthropic-version: 2023-06-01\r\n"
      "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}",
  };
  const std::vector<std::string> responses = {
      kUpstreamResponse,
      "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 0\r\nConnection: "
      "close\r\n\r\n",
      "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
  };
  Mutator mutator(20261207);
  SimpleHead head;
  int accepted_requests = 0, accepted_responses = 0;
  constexpr int kRounds = 100'000;
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    accepted_requests += read_request(mutator.mutate(requests[i % requests.size()]), head);
    accepted_responses += read_response(mutator.mutate(responses[i % responses.size()]), head);
  }
  // The edits leave a fair share of heads simple, so the comparison is not an empty one.
  EXPECT_GT(accepted_requests, kRounds / 10);
  EXPECT_GT(accepted_responses, kRounds / 10);
}

TEST(SimpleBody, AgreesWithBeastOnRandomEditsOfRealBodies) {
  const std::vector<std::string> bodies = {
      "2b\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n\r\n"
      "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n",
      "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
      "00000005\r\nhello\r\n0\r\n\r\n",
  };
  Mutator mutator(20261208);
  std::mt19937 random(7);
  int done = 0;
  constexpr int kRounds = 100'000;
  for (int i = 0; i < kRounds && !HasFailure(); ++i) {
    const std::string bytes = mutator.mutate(bodies[i % bodies.size()]);
    std::vector<std::size_t> pieces;
    for (std::size_t at = 0; at < bytes.size();) {
      pieces.push_back(1 + random() % 24);
      at += pieces.back();
    }
    const BodyReading beast = beast_body_reading(bytes, pieces);
    ASSERT_EQ(fast_body_reading(bytes, pieces), beast) << ::testing::PrintToString(bytes);
    done += beast.outcome == BodyReading::Outcome::done;
  }
  EXPECT_GT(done, kRounds / 20);  // and the others agree on where and why they stop
}

}  // namespace
}  // namespace tollgate::net
