// What a request costs, in integer micro-USD (1 USD = 1,000,000 µUSD). Prices come from the
// configuration as integers (µUSD per 1M tokens, µUSD per request, per image, per second or per
// clip of video), so every amount here is exact.
//
// THE rounding rule (docs/configuration.md, "How a cost is computed"): the whole cost of a
// request — every token class at its rate, the per-request, image and video prices, all times
// the markup — is computed first as one exact fraction (128-bit integers), then rounded UP once
// to a whole micro-USD. So a request that used anything at a non-zero price never costs 0, no
// cost is ever negative, and rounding never favours the caller by even one micro-USD. A cost
// beyond the int64 range (9.2 trillion USD) saturates at its maximum instead of overflowing.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tollgate::config {
struct ModelConfig;
}  // namespace tollgate::config

namespace tollgate::billing {

using Micros = int64_t;

// A markup (price multiplier) is an integer count of parts per million: 1.0 = 1,000,000.
inline constexpr int64_t kMarkupOne = 1'000'000;

// Token prices in µUSD per 1,000,000 tokens.
struct TokenRates {
  Micros input_per_m = 0;
  Micros output_per_m = 0;
  Micros cache_read_per_m = 0;   // input tokens read from the provider's prompt cache
  Micros cache_write_per_m = 0;  // input tokens written to the provider's prompt cache

  friend bool operator==(const TokenRates&, const TokenRates&) = default;
};

// Long-context pricing: when a request's input tokens EXCEED above_input_tokens, these rates
// apply to the whole request (every token of it, as Google and xAI price long context).
struct PriceTier {
  int64_t above_input_tokens = 0;
  TokenRates rates;
};

// One allowed video length and the price of one clip of that length.
struct VideoDuration {
  int64_t seconds = 0;
  Micros price = 0;
};

struct ModelPrice {
  TokenRates base;
  std::vector<PriceTier> tiers;  // ascending above_input_tokens, each threshold once
  Micros per_request = 0;        // added to every priced call
  Micros per_image = 0;          // per generated image
  Micros video_per_second = 0;   // per second of generated video...
  // ...or, when non-empty, a price per clip length (ascending seconds). A video is priced at the
  // shortest length that holds it; one longer than the longest is priced as that many longest
  // clips, rounded up (a 25 s video with lengths {5, 10} costs three 10 s clips).
  std::vector<VideoDuration> video_durations;
};

// What a request used. `input` counts every prompt token, cache_read and cache_write included:
// those two are billed at their own rates and the rest of input at the input rate (counts beyond
// input are clamped to it). `output` counts every generated token, reasoning included. Negative
// counts count as 0.
struct Metered {
  int64_t input = 0;
  int64_t output = 0;
  int64_t cache_read = 0;
  int64_t cache_write = 0;
  int64_t images = 0;
  int64_t video_seconds = 0;
};

// A model's prices as the configuration states them (markup not applied).
ModelPrice price_of(const config::ModelConfig& model);

// The token rates for a request with `input_tokens` prompt tokens: the last tier whose threshold
// they exceed, else the base rates. At exactly a threshold the tier does not apply yet.
const TokenRates& rates_for(const ModelPrice& price, int64_t input_tokens);

// The cost of one request, with every price multiplied by markup_ppm / 1,000,000.
Micros request_cost(const ModelPrice& price, const Metered& used, int64_t markup_ppm);

// What to hold before dispatch: the estimated input at the applicable tier's dearest input rate
// (input, cache read or cache write: no cache discount is assumed, and a cache write may cost
// more than plain input), the most the request may generate at that tier's output rate, and the
// per-request price, times the markup, rounded up — and at least `minimum`. It covers the cost
// of any usage within those bounds (images and video are not included).
Micros reserve_amount(const ModelPrice& price, int64_t estimated_input_tokens,
                      int64_t max_output_tokens, int64_t markup_ppm, Micros minimum);

// Exact decimal text for the APIs. usd_decimal: USD with trailing zeros trimmed but at least two
// decimals ("0.002343", "1.50", "0.00", "-0.000001"). credits_decimal: the amount in credits at
// `credits_per_usd`, exact, trailing zeros and a bare point trimmed (2343 µUSD at 2,000,000
// credits per USD → "4686"; at 1,000 → "2.343").
std::string usd_decimal(Micros amount);
std::string credits_decimal(Micros amount, int64_t credits_per_usd);

namespace detail {

// Intermediate amounts: 10^12 tokens × 10^12 µUSD per 1M tokens × a markup needs more than 64
// bits. Every operation saturates at kWideMax (all operands are non-negative), so an absurd
// input yields the int64 maximum rather than undefined behaviour.
__extension__ using Wide = __int128;
__extension__ using UnsignedWide = unsigned __int128;
inline constexpr Wide kWideMax = static_cast<Wide>(~UnsignedWide{0} >> 1);
inline constexpr Wide kPerMillion = 1'000'000;

constexpr Wide non_negative(int64_t value) {
  return value < 0 ? 0 : value;
}

constexpr Wide saturating_add(Wide a, Wide b) {
  return a > kWideMax - b ? kWideMax : a + b;
}

constexpr Wide saturating_mul(Wide a, Wide b) {
  if (a == 0 || b == 0) return 0;
  return a > kWideMax / b ? kWideMax : a * b;
}

// ⌈numerator / denominator⌉ for a non-negative numerator, capped to the int64 range.
constexpr Micros round_up(Wide numerator, Wide denominator) {
  if (numerator <= 0) return 0;
  const Wide quotient = numerator / denominator + (numerator % denominator != 0 ? 1 : 0);
  return quotient > std::numeric_limits<Micros>::max() ? std::numeric_limits<Micros>::max()
                                                       : static_cast<Micros>(quotient);
}

}  // namespace detail

// The fee for routing `total_tokens` with the client's own provider key (BYOK), rounded up.
constexpr Micros byok_fee(int64_t total_tokens, Micros fee_per_m) {
  using namespace detail;
  return round_up(saturating_mul(non_negative(total_tokens), non_negative(fee_per_m)), kPerMillion);
}

// A batch request's price: `cost` less `percent_off` percent (clamped to 0..100), rounded up.
constexpr Micros batch_price(Micros cost, int percent_off) {
  using namespace detail;
  const int percent = percent_off < 0 ? 0 : (percent_off > 100 ? 100 : percent_off);
  return round_up(non_negative(cost) * (100 - percent), 100);
}

// `min_charge_usd`: a non-zero cost below `minimum` is raised to it; a zero cost stays zero.
constexpr Micros with_minimum_charge(Micros cost, Micros minimum) {
  return cost > 0 && cost < minimum ? minimum : cost;
}

}  // namespace tollgate::billing
