#include "config/billing_reader.hpp"

#include <limits>
#include <map>
#include <string_view>
#include <vector>

#include "config/value_parsing.hpp"

namespace tollgate::config::detail {

namespace {

constexpr std::string_view kPerMillionTokens = "USD per 1M tokens";
constexpr uint64_t kMaxTokens = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
constexpr uint64_t kMaxClipSeconds = 24 * 60 * 60;
constexpr uint64_t kMaxDefaultMaxTokens = 10'000'000;
constexpr uint64_t kMaxCreditsPerUsd = 1'000'000'000'000;
constexpr int64_t kMaxMarkupPpm = 1000 * int64_t{1'000'000};

// The four token prices of the base rates or of one tier.
struct TokenPrices {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cache_read = 0;
  int64_t cache_write = 0;
};

// input_per_m and output_per_m are required; both cache prices default to the input price.
TokenPrices read_token_prices(YamlReader& reader, const Mapping& m) {
  TokenPrices prices;
  const Field input = reader.field(m, "input_per_m");
  const Field output = reader.field(m, "output_per_m");
  if (input.absent()) reader.issue(input.path, "is required");
  if (output.absent()) reader.issue(output.path, "is required");
  if (auto micros = reader.price(input)) prices.input = *micros;
  if (auto micros = reader.price(output)) prices.output = *micros;
  prices.cache_read = prices.input;
  prices.cache_write = prices.input;

  const Field cache_read = reader.field(m, "cache_read_per_m");
  const Field alias = reader.field(m, "cached_input_per_m");
  if (cache_read.present() && alias.present()) {
    reader.issue(alias.path, "is another name for cache_read_per_m: give only one of them");
  } else if (auto micros = reader.price(cache_read.present() ? cache_read : alias)) {
    prices.cache_read = *micros;
  }
  if (auto micros = reader.price(m, "cache_write_per_m")) prices.cache_write = *micros;
  return prices;
}

std::optional<int64_t> read_threshold(YamlReader& reader, const Mapping& m) {
  const Field field = reader.field(m, "above_input_tokens");
  if (field.absent()) {
    reader.issue(field.path, "is required");
    return std::nullopt;
  }
  if (!field.present()) return std::nullopt;
  const std::optional<uint64_t> tokens = parse_decimal_uint(field.text);
  if (!tokens || *tokens == 0 || *tokens > kMaxTokens) {
    reader.issue(field.path, "must be a positive whole number of tokens");
    return std::nullopt;
  }
  return static_cast<int64_t>(*tokens);
}

// Tiers must ascend strictly (the last one exceeded wins), and stay below the context length.
bool threshold_in_order(YamlReader& reader, const std::string& path, int64_t threshold,
                        const std::optional<int64_t>& previous,
                        const std::optional<int64_t>& context_length) {
  if (previous && threshold <= *previous) {
    reader.issue(path, "must be greater than the previous tier's (" + std::to_string(*previous) +
                           "): list tiers in ascending order, each threshold once");
    return false;
  }
  if (context_length && threshold >= *context_length) {
    reader.issue(path, "must be below the model's context_length (" +
                           std::to_string(*context_length) + "), or the tier never applies");
    return false;
  }
  return true;
}

void read_tiers(YamlReader& reader, const YAML::Node& node, const std::string& path,
                const std::optional<int64_t>& context_length, std::vector<PricingTier>& tiers) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence() || node.size() == 0) {
    reader.issue(path,
                 "must be a non-empty list of tiers, e.g. [{ above_input_tokens: 200000, "
                 "input_per_m: \"2.50\", output_per_m: \"15\" }]");
    return;
  }
  static const std::vector<std::string_view> kTierKeys = {
      "above_input_tokens", "input_per_m",        "output_per_m",
      "cache_read_per_m",   "cached_input_per_m", "cache_write_per_m"};
  std::optional<int64_t> previous;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string tier_path = element_path(path, i);
    if (!node[i].IsMap()) {
      reader.issue(tier_path,
                   "must be a mapping with above_input_tokens, input_per_m and "
                   "output_per_m, not " +
                       std::string(describe_kind(node[i])));
      continue;
    }
    const std::optional<Mapping> m = reader.mapping(node[i], tier_path, kTierKeys);
    if (!m) continue;
    const std::optional<int64_t> threshold = read_threshold(reader, *m);
    const bool in_order =
        threshold && threshold_in_order(reader, child_path(tier_path, "above_input_tokens"),
                                        *threshold, previous, context_length);
    if (threshold) previous = threshold;
    const TokenPrices prices = read_token_prices(reader, *m);
    if (!in_order) continue;
    tiers.push_back(PricingTier{*threshold, prices.input, prices.output, prices.cache_read,
                                prices.cache_write});
  }
}

std::optional<int64_t> read_clip_seconds(YamlReader& reader, const std::string& key,
                                         const std::string& key_path) {
  const std::optional<uint64_t> seconds = parse_decimal_uint(key);
  if (!seconds || *seconds == 0 || *seconds > kMaxClipSeconds) {
    reader.issue(key_path, "invalid clip length \"" + key +
                               "\": must be a whole number of seconds from 1 to 86400");
    return std::nullopt;
  }
  return static_cast<int64_t>(*seconds);
}

// { "5": "0.20", "10": "0.375" }: clip length in seconds → USD per clip.
void read_video_durations(YamlReader& reader, const YAML::Node& node, const std::string& path,
                          std::map<int64_t, int64_t>& durations) {
  if (!node.IsMap() || node.size() == 0) {
    reader.issue(path,
                 "must map clip lengths in seconds to prices, e.g. { \"5\": \"0.20\", "
                 "\"10\": \"0.375\" }");
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      reader.issue(path, "keys must be clip lengths in seconds, not " +
                             std::string(describe_kind(entry.first)));
      continue;
    }
    const std::string& key = entry.first.Scalar();
    const std::string key_path = child_path(path, key);
    const std::optional<int64_t> seconds = read_clip_seconds(reader, key, key_path);
    const Field value = reader.scalar(entry.second, key_path);
    if (value.absent()) reader.issue(key_path, "needs a price");
    const std::optional<int64_t> micros = reader.price(value, "USD per clip");
    if (!seconds || !micros) continue;
    if (!durations.emplace(*seconds, *micros).second) {
      reader.issue(key_path, "clip length " + std::to_string(*seconds) + " s is listed twice");
    }
  }
}

void read_video_prices(YamlReader& reader, const Mapping& m, Pricing& pricing) {
  if (auto micros = reader.price(m, "video_per_second", "USD per second of video")) {
    pricing.video_per_second_micros = *micros;
  }
  const YAML::Node durations = m.get("video_durations");
  if (!durations.IsDefined() || durations.IsNull()) return;
  const std::string path = child_path(m.path(), "video_durations");
  if (const YAML::Node per_second = m.get("video_per_second");
      per_second.IsDefined() && !per_second.IsNull()) {
    reader.issue(path, "give video_per_second or video_durations, not both");
    return;
  }
  read_video_durations(reader, durations, path, pricing.video_duration_micros);
}

void read_durability(YamlReader& reader, const Mapping& m, Durability& durability) {
  const Field field = reader.field(m, "durability");
  if (!field.present()) return;
  if (field.text == "batched") {
    durability = Durability::batched;
  } else if (field.text == "sync") {
    durability = Durability::sync;
  } else {
    reader.issue(field.path, "must be \"batched\" or \"sync\", not \"" + field.text + "\"");
  }
}

// A multiplier such as "1.25", exact to the millionth, kept in parts per million.
void read_markup(YamlReader& reader, const Mapping& m, int64_t& markup_ppm) {
  const Field field = reader.field(m, "markup");
  if (!field.present()) return;
  const std::optional<int64_t> ppm = parse_usd_micros(field.text);
  if (!ppm || *ppm == 0 || *ppm > kMaxMarkupPpm) {
    reader.issue(field.path, "invalid markup \"" + field.text +
                                 "\": must be a positive decimal multiplier of at most 1000 with "
                                 "at most 6 decimal places, e.g. \"1.25\" (25% on every price)");
    return;
  }
  markup_ppm = *ppm;
}

}  // namespace

void read_pricing(YamlReader& reader, const YAML::Node& node, const std::string& path,
                  const std::optional<int64_t>& context_length, Pricing& pricing) {
  if (!node.IsDefined() || node.IsNull()) {
    reader.issue(path,
                 R"(is required (write input_per_m: "0" and output_per_m: "0" for a free model))");
    return;
  }
  static const std::vector<std::string_view> kPricingKeys = {
      "input_per_m", "output_per_m", "cache_read_per_m", "cached_input_per_m", "cache_write_per_m",
      "tiers",       "per_request",  "per_image",        "video_per_second",   "video_durations"};
  const std::optional<Mapping> m = reader.mapping(node, path, kPricingKeys);
  if (!m) return;
  const TokenPrices prices = read_token_prices(reader, *m);
  pricing.input_micros_per_m = prices.input;
  pricing.output_micros_per_m = prices.output;
  pricing.cached_input_micros_per_m = prices.cache_read;
  pricing.cache_write_micros_per_m = prices.cache_write;
  read_tiers(reader, m->get("tiers"), child_path(path, "tiers"), context_length, pricing.tiers);
  if (auto micros = reader.price(*m, "per_request", "USD per request")) {
    pricing.per_request_micros = *micros;
  }
  if (auto micros = reader.price(*m, "per_image", "USD per image")) {
    pricing.per_image_micros = *micros;
  }
  read_video_prices(reader, *m, pricing);
}

void read_billing(YamlReader& reader, const YAML::Node& node, BillingConfig& billing) {
  const std::optional<Mapping> m = reader.mapping(
      node, "billing",
      {"enabled", "durability", "default_max_tokens", "min_reserve_usd", "min_charge_usd",
       "credits_per_usd", "markup", "batch_discount_percent", "byok_fee_per_m", "low_balance_usd"});
  if (!m) return;
  if (auto enabled = reader.boolean(*m, "enabled")) billing.enabled = *enabled;
  read_durability(reader, *m, billing.durability);
  if (auto tokens = reader.integer(*m, "default_max_tokens", 1, kMaxDefaultMaxTokens,
                                   "must be a whole number of tokens from 1 to 10000000")) {
    billing.default_max_tokens = static_cast<int64_t>(*tokens);
  }
  if (auto micros = reader.price(*m, "min_reserve_usd", "USD"))
    billing.min_reserve_micros = *micros;
  if (auto micros = reader.price(*m, "min_charge_usd", "USD")) billing.min_charge_micros = *micros;
  if (auto credits = reader.integer(*m, "credits_per_usd", 1, kMaxCreditsPerUsd,
                                    "must be a whole number from 1 to 1000000000000")) {
    billing.credits_per_usd = static_cast<int64_t>(*credits);
  }
  read_markup(reader, *m, billing.markup_ppm);
  if (auto percent = reader.integer(*m, "batch_discount_percent", 0, 100,
                                    "must be a whole number from 0 to 100")) {
    billing.batch_discount_percent = static_cast<int>(*percent);
  }
  if (auto micros = reader.price(*m, "byok_fee_per_m", kPerMillionTokens)) {
    billing.byok_fee_micros_per_m = *micros;
  }
  if (auto micros = reader.price(*m, "low_balance_usd", "USD"))
    billing.low_balance_micros = *micros;
}

}  // namespace tollgate::config::detail
