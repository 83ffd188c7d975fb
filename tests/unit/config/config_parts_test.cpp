// The pieces the loader is built from: ${ENV} substitution, spelling suggestions, value parsers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/did_you_mean.hpp"
#include "config/env_substitution.hpp"
#include "config/value_parsing.hpp"

namespace tollgate::config::detail {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(EnvSubstitution, ReplacesReferencesAndKeepsTheRest) {
  const EnvLookup env = fake_env({{"A", "1"}, {"B_2", "two"}, {"EMPTY", ""}});
  auto sub = [&](std::string_view text) {
    SubstitutionResult r = substitute_env(text, env);
    EXPECT_THAT(r.errors, IsEmpty()) << text;
    return r.value;
  };
  EXPECT_EQ(sub("plain"), "plain");
  EXPECT_EQ(sub(""), "");
  EXPECT_EQ(sub("${A}"), "1");
  EXPECT_EQ(sub("x${A}y${B_2}z"), "x1ytwoz");
  EXPECT_EQ(sub("${EMPTY}"), "");
  EXPECT_EQ(sub("${MISSING:-d}"), "d");
  EXPECT_EQ(sub("${EMPTY:-d}"), "d");
  EXPECT_EQ(sub("${A:-d}"), "1");
  EXPECT_EQ(sub("${MISSING:-}"), "");
  EXPECT_EQ(sub("${MISSING:-a:-b c}"), "a:-b c") << "the default is literal up to the first }";
  EXPECT_EQ(sub("${MISSING:-${A}"), "${A") << "defaults are not expanded again";
  EXPECT_EQ(sub("$$"), "$");
  EXPECT_EQ(sub("$${A}"), "${A}");
  EXPECT_EQ(sub("$"), "$");
  EXPECT_EQ(sub("a$b$"), "a$b$");
  EXPECT_EQ(sub("$A"), "$A") << "only the braced form is a reference";
}

TEST(EnvSubstitution, ReportsEveryBadReference) {
  const EnvLookup env = fake_env({});
  EXPECT_THAT(
      substitute_env("${X}${Y:-ok}${Z}", env).errors,
      ElementsAre("environment variable X is not set", "environment variable Z is not set"));
  EXPECT_THAT(substitute_env("${A-b}", env).errors,
              ElementsAre("invalid environment variable reference \"${A-b}\" (names are letters, "
                          "digits and \"_\", not starting with a digit)"));
  EXPECT_THAT(substitute_env("abc ${X", env).errors,
              ElementsAre("unterminated \"${\" (write \"$$\" for a literal \"$\")"));
}

TEST(DidYouMean, EditDistanceCountsASwapAsOneEdit) {
  EXPECT_EQ(edit_distance("listen", "listen"), 0u);
  EXPECT_EQ(edit_distance("listne", "listen"), 1u);
  EXPECT_EQ(edit_distance("lsten", "listen"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(DidYouMean, SuggestsOnlyPlausibleTypos) {
  const std::vector<std::string_view> keys = {"listen", "threads", "admin_key", "id"};
  EXPECT_EQ(closest_match("listne", keys), "listen");
  EXPECT_EQ(closest_match("thread", keys), "threads");
  EXPECT_EQ(closest_match("admin-key", keys), "admin_key");
  EXPECT_EQ(closest_match("ids", keys), "id");
  EXPECT_EQ(closest_match("xyz", keys), std::nullopt);
  EXPECT_EQ(closest_match("port", keys), std::nullopt);
}

TEST(DidYouMean, AKeyWrittenWithoutItsMillisecondSuffixFindsIt) {
  const std::vector<std::string_view> keys = {"connect_ms", "idle_ms", "backoff_ms",
                                              "max_backoff_ms"};
  EXPECT_EQ(closest_match("idle", keys), "idle_ms");
  EXPECT_EQ(closest_match("backoff", keys), "backoff_ms");
  EXPECT_EQ(closest_match("max_backoff", keys), "max_backoff_ms");
  EXPECT_EQ(closest_match("connect", keys), "connect_ms");
  // Only the unit suffix is forgiven, not any three extra characters.
  EXPECT_EQ(closest_match("idl", {"idle_ms"}), std::nullopt);
  EXPECT_EQ(closest_match("idle", {"idle_xx"}), std::nullopt);
}

TEST(DidYouMean, UnknownNameMessageSuggestsOrListsTheNames) {
  const std::vector<std::string_view> providers = {"openai", "local"};
  EXPECT_EQ(unknown_name_message("provider", "opnai", providers),
            "unknown provider \"opnai\" (did you mean \"openai\"?)");
  EXPECT_EQ(unknown_name_message("model", "azure", providers),
            "unknown model \"azure\" (configured models: openai, local)");
}

TEST(ValueParsing, DecimalUint) {
  EXPECT_EQ(parse_decimal_uint("0"), 0u);
  EXPECT_EQ(parse_decimal_uint("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_decimal_uint("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_decimal_uint(""), std::nullopt);
  EXPECT_EQ(parse_decimal_uint("+1"), std::nullopt);
  EXPECT_EQ(parse_decimal_uint("1 "), std::nullopt);
}

TEST(ValueParsing, ByteSize) {
  EXPECT_EQ(parse_byte_size("0"), 0u) << "zero is rejected by the caller, not the parser";
  EXPECT_EQ(parse_byte_size("10B"), 10u);
  EXPECT_EQ(parse_byte_size("10 KiB"), 10240u);
  EXPECT_EQ(parse_byte_size("16777216GiB"), uint64_t{1} << 54);
  EXPECT_EQ(parse_byte_size("17179869184GiB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("KiB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("10 "), std::nullopt);
  EXPECT_EQ(parse_byte_size("10KB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("10 TiB"), std::nullopt);
}

}  // namespace
}  // namespace tollgate::config::detail
