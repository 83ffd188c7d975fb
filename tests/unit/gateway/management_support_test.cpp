// The management endpoints' shared helpers (gateway/management_api.hpp) and the blocking pool
// they run on: exact USD amounts from request bodies, ISO-8601 times, query parameters, and
// run_blocking resuming the caller with the worker's result or exception.
#include "gateway/blocking_pool.hpp"
#include "gateway/management_api.hpp"
#include "store/sqlite_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

namespace tollgate::gateway::management {
namespace {

// The micro-USD of the field at `pointer` in `body`, or the error code.
std::string usd_of(const std::string& body, const std::string& pointer, const std::string& key) {
  const boost::json::value parsed = boost::json::parse(body);
  auto result = usd_field(parsed.as_object().at(key), body, pointer, key);
  if (auto* error = std::get_if<Reply>(&result)) return error->code + ":" + error->param;
  return std::to_string(std::get<billing::Micros>(result));
}

TEST(UsdField, NumbersAndStringsAreReadFromTheirExactText) {
  EXPECT_EQ(usd_of(R"({"a":25})", "/a", "a"), "25000000");
  EXPECT_EQ(usd_of(R"({"a":0.000001})", "/a", "a"), "1");
  EXPECT_EQ(usd_of(R"({"a":"10.50"})", "/a", "a"), "10500000");
  EXPECT_EQ(usd_of(R"({"a" : 0.1 , "b":2})", "/a", "a"), "100000");
}

TEST(UsdField, ANestedNumberIsFoundByItsPointer) {
  const std::string body = R"({"limit":{"retention":"week","threshold":12.345678}})";
  const boost::json::value parsed = boost::json::parse(body);
  auto result = usd_field(parsed.at("limit").at("threshold"), body, "/limit/threshold",
                          "limit.threshold");
  ASSERT_TRUE(std::holds_alternative<billing::Micros>(result));
  EXPECT_EQ(std::get<billing::Micros>(result), 12'345'678);
}

TEST(UsdField, RefusesWhatIsNotAnExactNonNegativeDecimal) {
  for (const char* body : {R"({"a":-1})", R"({"a":1e3})", R"({"a":0.0000001})", R"({"a":"abc"})",
                           R"({"a":true})", R"({"a":null})", R"({"a":[1]})", R"({"a":"1.0000001"})"}) {
    EXPECT_EQ(usd_of(body, "/a", "a"), "invalid_value:a") << body;
  }
}

// Property: every amount with up to 6 decimals written as a JSON number comes back exactly.
TEST(UsdField, EveryDecimalRoundTripsExactly) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 5000; ++i) {
    const int64_t micros = static_cast<int64_t>(random() % 1'000'000'000'000ULL);
    char text[64];
    std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(micros / 1'000'000),
                  static_cast<long long>(micros % 1'000'000));
    const std::string body = std::string(R"({"a":)") + text + "}";
    ASSERT_EQ(usd_of(body, "/a", "a"), std::to_string(micros)) << body;
  }
}

TEST(IsoTime, WritesMillisecondsInUtc) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time(1771397950031), "2026-02-18T06:59:10.031Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999Z");
}

TEST(IsoTime, ParsesWhatItWritesAndShorterFractions) {
  EXPECT_EQ(parse_iso_time("2026-02-18T06:59:10.031Z"), 1771397950031);
  EXPECT_EQ(parse_iso_time("2026-02-18T06:59:10Z"), 1771397950000);
  EXPECT_EQ(parse_iso_time("2026-02-18T06:59:10.5Z"), 1771397950500);
  for (int64_t ms = -86'400'000; ms < 4'000'000'000'000; ms += 7'777'777'777) {
    ASSERT_EQ(parse_iso_time(iso_time(ms)), ms);
  }
}

TEST(IsoTime, RefusesOtherShapesAndImpossibleDates) {
  for (const char* text : {"2026-02-30T00:00:00Z", "2026-02-18T24:00:00Z", "2026-02-18 06:59:10Z",
                           "2026-02-18T06:59:10", "2026-02-18T06:59:10.1234Z",
                           "2026-02-18T06:59:10+01:00", "tomorrow", "", "2026-02-18T06:59:10.Z"}) {
    EXPECT_EQ(parse_iso_time(text), std::nullopt) << text;
  }
}

TEST(QueryParam, DecodesTheFirstMatch) {
  EXPECT_EQ(query_param("account=acme&limit=2", "limit"), "2");
  EXPECT_EQ(query_param("account=big+co%21&account=x", "account"), "big co!");
  EXPECT_EQ(query_param("flag&x=1", "flag"), "");
  EXPECT_EQ(query_param("x=%zz", "x"), "%zz");
  EXPECT_EQ(query_param("accounts=1", "account"), std::nullopt);
  EXPECT_EQ(query_param("", "account"), std::nullopt);
}

TEST(ReadBody, EmptyIsAnObjectAndUnknownFieldsAreNamed) {
  EXPECT_TRUE(std::holds_alternative<boost::json::object>(read_body("  ", {"a"})));
  auto unknown = read_body(R"({"a":1,"b":2})", {"a"});
  ASSERT_TRUE(std::holds_alternative<Reply>(unknown));
  EXPECT_EQ(std::get<Reply>(unknown).code, "unknown_parameter");
  EXPECT_EQ(std::get<Reply>(unknown).param, "b");
  EXPECT_EQ(std::get<Reply>(read_body("[1]", {"a"})).code, "invalid_type");
  EXPECT_EQ(std::get<Reply>(read_body("{", {"a"})).code, "invalid_json");
}

class BlockingPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("tollgate-pool-" + std::to_string(std::random_device{}()) + ".db");
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::filesystem::path path_;
};

TEST_F(BlockingPoolTest, RunsOnAWorkerAndResumesOnTheCallersThread) {
  BlockingPool pool(path_.string());
  boost::asio::io_context io;
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id worker_thread;
  std::thread::id resumed_on;
  std::string database_path;
  auto task = [&]() -> boost::asio::awaitable<void> {
    auto work = [&](store::Database& db) {
      worker_thread = std::this_thread::get_id();
      return db.path();
    };
    database_path = co_await pool.run_blocking(std::move(work));
    resumed_on = std::this_thread::get_id();
  };
  boost::asio::co_spawn(io, task(), boost::asio::detached);
  io.run();
  EXPECT_EQ(database_path, path_.string());
  EXPECT_NE(worker_thread, loop_thread);
  EXPECT_EQ(resumed_on, loop_thread);
}

TEST_F(BlockingPoolTest, AnExceptionReachesTheCaller) {
  BlockingPool pool(path_.string());
  boost::asio::io_context io;
  std::string caught;
  auto task = [&]() -> boost::asio::awaitable<void> {
    auto work = [](store::Database&) -> int { throw std::runtime_error("disk on fire"); };
    try {
      co_await pool.run_blocking(std::move(work));
    } catch (const std::runtime_error& error) {
      caught = error.what();
    }
  };
  boost::asio::co_spawn(io, task(), boost::asio::detached);
  io.run();
  EXPECT_EQ(caught, "disk on fire");
}

TEST_F(BlockingPoolTest, EachWorkerKeepsOneConnection) {
  BlockingPool pool(path_.string(), 1);
  boost::asio::io_context io;
  const store::Database* first = nullptr;
  const store::Database* second = nullptr;
  auto task = [&]() -> boost::asio::awaitable<void> {
    auto see = [](store::Database& db) { return &db; };
    first = co_await pool.run_blocking(see);
    second = co_await pool.run_blocking(see);
  };
  boost::asio::co_spawn(io, task(), boost::asio::detached);
  io.run();
  EXPECT_NE(first, nullptr);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace tollgate::gateway::management
