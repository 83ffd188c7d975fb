// The money parts of the configuration: a model's `pricing:` (token rates, tiers, per-request,
// image and video prices) and the top-level `billing:` section.
#include "config_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tollgate::config {
namespace {

using testing::issues_of;

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kProviders = R"(
providers:
  - { name: local, type: openai, base_url: "http://127.0.0.1:9099/v1" }
)";

constexpr const char* kModels = R"(
models:
  - id: m1
    provider: local
    pricing: { input_per_m: "1", output_per_m: "2" }
)";

// A valid config whose one model has `pricing_body` (lines indented by 6) as its pricing, and
// `model_extra` (lines indented by 4) before it.
std::string with_pricing(const std::string& pricing_body, const std::string& model_extra = "") {
  return std::string(kProviders) + "models:\n  - id: m1\n    provider: local\n" + model_extra +
         "    pricing:\n" + pricing_body;
}

// A valid config with `billing_body` (lines indented by 2) as its billing section.
std::string with_billing(const std::string& billing_body) {
  return "billing:\n" + billing_body + kProviders + kModels;
}

const Pricing& pricing_of(const std::string& yaml) {
  static Config config;
  config = load_config_text(yaml);
  return config.models.at(0).pricing;
}

// --- pricing --------------------------------------------------------------------------------

TEST(ConfigPricing, EveryPriceKeyLoadsExactly) {
  const Pricing& p = pricing_of(with_pricing(R"(      input_per_m: "1.25"
      output_per_m: "10"
      cache_read_per_m: "0.125"
      cache_write_per_m: "1.5625"
      tiers:
        - above_input_tokens: 200000
          input_per_m: "2.50"
          output_per_m: "15"
          cache_read_per_m: "0.25"
          cache_write_per_m: "3.125"
        - { above_input_tokens: 1000000, input_per_m: "5", output_per_m: "20" }
      per_request: "0.001"
      per_image: "0.04"
      video_per_second: "0.10"
)"));
  EXPECT_EQ(p.input_micros_per_m, 1'250'000);
  EXPECT_EQ(p.output_micros_per_m, 10'000'000);
  EXPECT_EQ(p.cached_input_micros_per_m, 125'000);
  EXPECT_EQ(p.cache_write_micros_per_m, 1'562'500);
  ASSERT_EQ(p.tiers.size(), 2u);
  EXPECT_EQ(p.tiers[0].above_input_tokens, 200'000);
  EXPECT_EQ(p.tiers[0].input_micros_per_m, 2'500'000);
  EXPECT_EQ(p.tiers[0].output_micros_per_m, 15'000'000);
  EXPECT_EQ(p.tiers[0].cached_input_micros_per_m, 250'000);
  EXPECT_EQ(p.tiers[0].cache_write_micros_per_m, 3'125'000);
  EXPECT_EQ(p.tiers[1].above_input_tokens, 1'000'000);
  EXPECT_EQ(p.tiers[1].input_micros_per_m, 5'000'000);
  EXPECT_EQ(p.tiers[1].output_micros_per_m, 20'000'000);
  EXPECT_EQ(p.tiers[1].cached_input_micros_per_m, 5'000'000) << "defaults to the tier's input";
  EXPECT_EQ(p.tiers[1].cache_write_micros_per_m, 5'000'000) << "defaults to the tier's input";
  EXPECT_EQ(p.per_request_micros, 1'000);
  EXPECT_EQ(p.per_image_micros, 40'000);
  EXPECT_EQ(p.video_per_second_micros, 100'000);
  EXPECT_THAT(p.video_duration_micros, IsEmpty());
}

TEST(ConfigPricing, CachePricesDefaultToTheInputPriceAndTheRestToZero) {
  const Pricing& p = pricing_of(with_pricing(R"(      { input_per_m: "3", output_per_m: "15" }
)"));
  EXPECT_EQ(p.cached_input_micros_per_m, 3'000'000);
  EXPECT_EQ(p.cache_write_micros_per_m, 3'000'000);
  EXPECT_THAT(p.tiers, IsEmpty());
  EXPECT_EQ(p.per_request_micros, 0);
  EXPECT_EQ(p.per_image_micros, 0);
  EXPECT_EQ(p.video_per_second_micros, 0);
}

TEST(ConfigPricing, CachedInputIsAnAliasOfCacheReadButNotBoth) {
  EXPECT_EQ(
      pricing_of(
          with_pricing(R"(      { input_per_m: "3", output_per_m: "15", cached_input_per_m: "0.3" }
)"))
          .cached_input_micros_per_m,
      300'000);
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "3"
      output_per_m: "15"
      cache_read_per_m: "0.3"
      cached_input_per_m: "0.3"
)")),
              ElementsAre("models[0].pricing.cached_input_per_m: is another name for "
                          "cache_read_per_m: give only one of them"));
}

TEST(ConfigPricing, OtherPricesNameTheirUnitWhenInvalid) {
  EXPECT_THAT(
      issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      cache_write_per_m: "-1"
      per_request: "0.0000001"
      per_image: "$0.04"
      video_per_second: "1e-1"
)")),
      ElementsAre("models[0].pricing.cache_write_per_m: invalid price \"-1\": must be a "
                  "non-negative decimal number of USD per 1M tokens with at most 6 decimal "
                  "places, e.g. \"0.15\"",
                  "models[0].pricing.per_request: invalid price \"0.0000001\": must be a "
                  "non-negative decimal number of USD per request with at most 6 decimal places, "
                  "e.g. \"0.15\"",
                  "models[0].pricing.per_image: invalid price \"$0.04\": must be a non-negative "
                  "decimal number of USD per image with at most 6 decimal places, e.g. \"0.15\"",
                  "models[0].pricing.video_per_second: invalid price \"1e-1\": must be a "
                  "non-negative decimal number of USD per second of video with at most 6 "
                  "decimal places, e.g. \"0.15\""));
}

TEST(ConfigPricing, UnknownKeysSuggestTheClosestOne) {
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      cache_write_per_million: "1"
      per_images: "1"
      tiers: [{ above_input_tokens: 10, input_per_m: "1", output_per_m: "2", ouput_per_m: "3" }]
)")),
              ElementsAre("models[0].pricing.cache_write_per_million: unknown key (valid keys "
                          "here: input_per_m, output_per_m, cache_read_per_m, "
                          "cached_input_per_m, cache_write_per_m, tiers, per_request, per_image, "
                          "video_per_second, video_durations)",
                          "models[0].pricing.per_images: unknown key (did you mean "
                          "\"per_image\"?)",
                          "models[0].pricing.tiers[0].ouput_per_m: unknown key (did you mean "
                          "\"output_per_m\"?)"));
}

// --- tiers ----------------------------------------------------------------------------------

TEST(ConfigPricing, TierThresholdsMustAscendEachOnce) {
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers:
        - { above_input_tokens: 200000, input_per_m: "2", output_per_m: "4" }
        - { above_input_tokens: 200000, input_per_m: "3", output_per_m: "6" }
        - { above_input_tokens: 128000, input_per_m: "3", output_per_m: "6" }
        - { above_input_tokens: 500000, input_per_m: "3", output_per_m: "6" }
)")),
              ElementsAre("models[0].pricing.tiers[1].above_input_tokens: must be greater than "
                          "the previous tier's (200000): list tiers in ascending order, each "
                          "threshold once",
                          "models[0].pricing.tiers[2].above_input_tokens: must be greater than "
                          "the previous tier's (200000): list tiers in ascending order, each "
                          "threshold once"));
}

TEST(ConfigPricing, TierThresholdIsAPositiveTokenCountBelowTheContextLength) {
  const std::string message =
      "models[0].pricing.tiers[0].above_input_tokens: must be a positive whole number of tokens";
  for (const char* bad : {"0", "-1", "1.5", "many", "99999999999999999999"}) {
    EXPECT_THAT(issues_of(with_pricing(std::string(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers: [{ above_input_tokens: )") +
                                       bad + R"(, input_per_m: "2", output_per_m: "4" }]
)")),
                ElementsAre(message))
        << bad;
  }
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers: [{ above_input_tokens: 128000, input_per_m: "2", output_per_m: "4" }]
)",
                                     "    context_length: 128000\n")),
              ElementsAre("models[0].pricing.tiers[0].above_input_tokens: must be below the "
                          "model's context_length (128000), or the tier never applies"));
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers: [{ above_input_tokens: 127999, input_per_m: "2", output_per_m: "4" }]
)",
                                     "    context_length: 128000\n")),
              IsEmpty());
}

TEST(ConfigPricing, TierShapeErrors) {
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers:
        - { input_per_m: "2" }
        - "200000"
)")),
              ElementsAre("models[0].pricing.tiers[0].above_input_tokens: is required",
                          "models[0].pricing.tiers[0].output_per_m: is required",
                          "models[0].pricing.tiers[1]: must be a mapping with "
                          "above_input_tokens, input_per_m and output_per_m, not a single value"));
  for (const char* bad : {"[]", "{ above_input_tokens: 1 }", "\"200000\""}) {
    EXPECT_THAT(issues_of(with_pricing(std::string(R"(      input_per_m: "1"
      output_per_m: "2"
      tiers: )") + bad + "\n")),
                ElementsAre("models[0].pricing.tiers: must be a non-empty list of tiers, e.g. "
                            "[{ above_input_tokens: 200000, input_per_m: \"2.50\", "
                            "output_per_m: \"15\" }]"))
        << bad;
  }
}

// --- video ----------------------------------------------------------------------------------

TEST(ConfigPricing, VideoDurationsMapClipLengthsToPrices) {
  const Pricing& p = pricing_of(with_pricing(R"(      input_per_m: "0"
      output_per_m: "0"
      video_durations: { "5": "0.20", "10": "0.375" }
)"));
  EXPECT_EQ(p.video_duration_micros, (std::map<int64_t, int64_t>{{5, 200'000}, {10, 375'000}}));
  EXPECT_EQ(p.video_per_second_micros, 0);
}

TEST(ConfigPricing, VideoDurationErrors) {
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "0"
      output_per_m: "0"
      video_per_second: "0.1"
      video_durations: { "5": "0.20" }
)")),
              ElementsAre("models[0].pricing.video_durations: give video_per_second or "
                          "video_durations, not both"));
  EXPECT_THAT(issues_of(with_pricing(R"(      input_per_m: "0"
      output_per_m: "0"
      video_durations: { "5s": "0.20", "0": "0.1", "10": "0.1234567", "05": "1", "5": "2", "20": }
)")),
              ElementsAre("models[0].pricing.video_durations.5s: invalid clip length \"5s\": "
                          "must be a whole number of seconds from 1 to 86400",
                          "models[0].pricing.video_durations.0: invalid clip length \"0\": must "
                          "be a whole number of seconds from 1 to 86400",
                          "models[0].pricing.video_durations.10: invalid price \"0.1234567\": "
                          "must be a non-negative decimal number of USD per clip with at most 6 "
                          "decimal places, e.g. \"0.15\"",
                          "models[0].pricing.video_durations.5: clip length 5 s is listed twice",
                          "models[0].pricing.video_durations.20: needs a price"));
  for (const char* bad : {"{}", "[5, 10]", "\"0.20\""}) {
    EXPECT_THAT(issues_of(with_pricing(std::string(R"(      input_per_m: "0"
      output_per_m: "0"
      video_durations: )") + bad + "\n")),
                ElementsAre("models[0].pricing.video_durations: must map clip lengths in seconds "
                            "to prices, e.g. { \"5\": \"0.20\", \"10\": \"0.375\" }"))
        << bad;
  }
}

// --- billing --------------------------------------------------------------------------------

TEST(ConfigBilling, AbsentSectionGivesTheDocumentedDefaults) {
  for (const std::string& yaml : {std::string(kProviders) + kModels, with_billing("")}) {
    const BillingConfig b = load_config_text(yaml).billing;
    EXPECT_FALSE(b.enabled);
    EXPECT_EQ(b.durability, Durability::batched);
    EXPECT_EQ(b.default_max_tokens, 4096);
    EXPECT_EQ(b.min_reserve_micros, 100);
    EXPECT_EQ(b.min_charge_micros, 0);
    EXPECT_EQ(b.credits_per_usd, 2'000'000);
    EXPECT_EQ(b.markup_ppm, 1'000'000);
    EXPECT_EQ(b.batch_discount_percent, 50);
    EXPECT_EQ(b.byok_fee_micros_per_m, 500'000);
    EXPECT_EQ(b.low_balance_micros, 0);
  }
}

TEST(ConfigBilling, EveryKeyLoadsExactly) {
  const BillingConfig b = load_config_text(with_billing(R"(  enabled: true
  durability: sync
  default_max_tokens: 8192
  min_reserve_usd: "0.01"
  min_charge_usd: "0.000005"
  credits_per_usd: 1000
  markup: "1.000001"
  batch_discount_percent: 0
  byok_fee_per_m: "0"
  low_balance_usd: "5"
)"))
                              .billing;
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.durability, Durability::sync);
  EXPECT_EQ(b.default_max_tokens, 8192);
  EXPECT_EQ(b.min_reserve_micros, 10'000);
  EXPECT_EQ(b.min_charge_micros, 5);
  EXPECT_EQ(b.credits_per_usd, 1000);
  EXPECT_EQ(b.markup_ppm, 1'000'001);
  EXPECT_EQ(b.batch_discount_percent, 0);
  EXPECT_EQ(b.byok_fee_micros_per_m, 0);
  EXPECT_EQ(b.low_balance_micros, 5'000'000);
}

TEST(ConfigBilling, MarkupIsAPositiveExactMultiplierUpTo1000) {
  for (const auto& [text, ppm] : std::vector<std::pair<std::string, int64_t>>{
           {"1", 1'000'000}, {"0.000001", 1}, {"1.25", 1'250'000}, {"1000", 1'000'000'000}}) {
    EXPECT_EQ(load_config_text(with_billing("  markup: \"" + text + "\"\n")).billing.markup_ppm,
              ppm)
        << text;
  }
  for (const char* bad : {"0", "1000.000001", "-1", "1.0000001", "x1.5", "150%"}) {
    EXPECT_THAT(issues_of(with_billing(std::string("  markup: \"") + bad + "\"\n")),
                ElementsAre("billing.markup: invalid markup \"" + std::string(bad) +
                            "\": must be a positive decimal multiplier of at most 1000 with at "
                            "most 6 decimal places, e.g. \"1.25\" (25% on every price)"))
        << bad;
  }
}

TEST(ConfigBilling, EveryProblemIsReportedWithItsPath) {
  EXPECT_THAT(
      issues_of(with_billing(R"(  enabled: yes
  durability: async
  default_max_tokens: 0
  min_reserve_usd: "0.00001x"
  min_charge_usd: -1
  credits_per_usd: 0
  batch_discount_percent: 101
  byok_fee_per_m: "0.5 USD"
  low_balance_usd: "1,000"
  markups: "1.1"
)")),
      ElementsAre(
          "billing.markups: unknown key (did you mean \"markup\"?)",
          "billing.enabled: must be true or false",
          "billing.durability: must be \"batched\" or \"sync\", not \"async\"",
          "billing.default_max_tokens: must be a whole number of tokens from 1 to 10000000",
          "billing.min_reserve_usd: invalid price \"0.00001x\": must be a non-negative decimal "
          "number of USD with at most 6 decimal places, e.g. \"0.15\"",
          "billing.min_charge_usd: invalid price \"-1\": must be a non-negative decimal number "
          "of USD with at most 6 decimal places, e.g. \"0.15\"",
          "billing.credits_per_usd: must be a whole number from 1 to 1000000000000",
          "billing.batch_discount_percent: must be a whole number from 0 to 100",
          "billing.byok_fee_per_m: invalid price \"0.5 USD\": must be a non-negative decimal "
          "number of USD per 1M tokens with at most 6 decimal places, e.g. \"0.15\"",
          "billing.low_balance_usd: invalid price \"1,000\": must be a non-negative decimal "
          "number of USD with at most 6 decimal places, e.g. \"0.15\""));
  EXPECT_THAT(issues_of("billing: [enabled]\n" + std::string(kProviders) + kModels),
              ElementsAre("billing: must be a mapping of keys to values, not a list"));
}

}  // namespace
}  // namespace tollgate::config
