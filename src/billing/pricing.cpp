// The pricing engine: a model's configured prices, the cost of a request, the reservation before
// it, and money as decimal text. See pricing.hpp for the rounding rule.
#include "billing/pricing.hpp"

#include <algorithm>

#include "config/config.hpp"

namespace tollgate::billing {

namespace {

using detail::kPerMillion;
using detail::non_negative;
using detail::saturating_add;
using detail::saturating_mul;
using detail::Wide;

// Micro-USD × markup_ppm carries 10^6 from the price unit (per 1M tokens) and 10^6 from the
// markup: the exact cost is numerator / 10^12.
constexpr Wide kCostDenominator = kPerMillion * kPerMillion;

// Σ tokens × rate, in µUSD × 10^6 (the exact token cost, before the per-1M division).
Wide token_cost_scaled(const TokenRates& rates, const Metered& used) {
  const Wide input = non_negative(used.input);
  const Wide cache_read = std::min(non_negative(used.cache_read), input);
  const Wide cache_write = std::min(non_negative(used.cache_write), input - cache_read);
  const Wide plain_input = input - cache_read - cache_write;
  Wide sum = saturating_mul(plain_input, non_negative(rates.input_per_m));
  sum = saturating_add(sum, saturating_mul(cache_read, non_negative(rates.cache_read_per_m)));
  sum = saturating_add(sum, saturating_mul(cache_write, non_negative(rates.cache_write_per_m)));
  return saturating_add(
      sum, saturating_mul(non_negative(used.output), non_negative(rates.output_per_m)));
}

// The price of `seconds` of video, in whole µUSD (the configured prices are whole µUSD).
Wide video_cost(const ModelPrice& price, int64_t seconds) {
  if (seconds <= 0) return 0;
  if (price.video_durations.empty()) {
    return saturating_mul(seconds, non_negative(price.video_per_second));
  }
  for (const VideoDuration& clip : price.video_durations) {
    if (clip.seconds >= seconds) return non_negative(clip.price);
  }
  const VideoDuration& longest = price.video_durations.back();
  if (longest.seconds <= 0) return 0;  // not produced by the config loader
  const Wide clips = (Wide{seconds} + longest.seconds - 1) / longest.seconds;
  return saturating_mul(clips, non_negative(longest.price));
}

// Per-request, image and video prices, in whole µUSD.
Wide fixed_cost(const ModelPrice& price, const Metered& used) {
  Wide sum = non_negative(price.per_request);
  sum =
      saturating_add(sum, saturating_mul(non_negative(used.images), non_negative(price.per_image)));
  return saturating_add(sum, video_cost(price, used.video_seconds));
}

// (token cost in µUSD × 10^6 + fixed prices in µUSD) × markup, rounded up once to a µUSD.
Micros marked_up(Wide token_cost_scaled, Wide fixed_micros, int64_t markup_ppm) {
  const Wide scaled = saturating_add(token_cost_scaled, saturating_mul(fixed_micros, kPerMillion));
  return detail::round_up(saturating_mul(scaled, non_negative(markup_ppm)), kCostDenominator);
}

// `value` / 10^scale as decimal text, with trailing fractional zeros trimmed down to
// `min_fraction_digits` (and the point dropped when no fraction digit is left).
std::string decimal_text(Wide value, int scale, int min_fraction_digits) {
  const bool negative = value < 0;
  // Callers pass an int64 product at most (|x| <= 2^126), so negating cannot overflow.
  const Wide magnitude = negative ? -value : value;
  Wide divisor = 1;
  for (int i = 0; i < scale; ++i) divisor *= 10;

  // Digits from the right into a buffer wide enough for 2^127 (39 digits), a point and a sign;
  // 64-bit arithmetic while the value fits (every amount a request meets), 128-bit beyond.
  char text[48];
  char* end = text + sizeof text;
  char* p = end;
  auto put_digits = [&p](auto number, int at_least) {
    for (int n = 0; n < at_least || number > 0; ++n, number /= 10) {
      *--p = static_cast<char>('0' + static_cast<int>(number % 10));
    }
  };
  const Wide whole = magnitude / divisor;
  const Wide fraction = magnitude % divisor;
  if (fraction != 0 || min_fraction_digits > 0) {
    if (fraction <= UINT64_MAX)
      put_digits(static_cast<uint64_t>(fraction), scale);
    else
      put_digits(fraction, scale);
    // Trailing zeros go, down to min_fraction_digits.
    char* last = end;
    while (last - p > min_fraction_digits && last[-1] == '0') --last;
    end = last;
    *--p = '.';
  }
  if (whole <= UINT64_MAX)
    put_digits(static_cast<uint64_t>(whole), 1);
  else
    put_digits(whole, 1);
  if (negative) *--p = '-';
  return std::string(p, end);
}

}  // namespace

ModelPrice price_of(const config::ModelConfig& model) {
  const config::Pricing& p = model.pricing;
  ModelPrice price;
  price.base = TokenRates{p.input_micros_per_m, p.output_micros_per_m, p.cached_input_micros_per_m,
                          p.cache_write_micros_per_m};
  for (const config::PricingTier& tier : p.tiers) {
    price.tiers.push_back(
        PriceTier{tier.above_input_tokens,
                  TokenRates{tier.input_micros_per_m, tier.output_micros_per_m,
                             tier.cached_input_micros_per_m, tier.cache_write_micros_per_m}});
  }
  price.per_request = p.per_request_micros;
  price.per_image = p.per_image_micros;
  price.video_per_second = p.video_per_second_micros;
  for (const auto& [seconds, micros] : p.video_duration_micros) {
    price.video_durations.push_back(VideoDuration{seconds, micros});
  }
  return price;
}

const TokenRates& rates_for(const ModelPrice& price, int64_t input_tokens) {
  const TokenRates* rates = &price.base;
  for (const PriceTier& tier : price.tiers) {
    if (input_tokens > tier.above_input_tokens) rates = &tier.rates;
  }
  return *rates;
}

Micros request_cost(const ModelPrice& price, const Metered& used, int64_t markup_ppm) {
  return marked_up(token_cost_scaled(rates_for(price, used.input), used), fixed_cost(price, used),
                   markup_ppm);
}

Micros reserve_amount(const ModelPrice& price, int64_t estimated_input_tokens,
                      int64_t max_output_tokens, int64_t markup_ppm, Micros minimum) {
  const TokenRates& rates = rates_for(price, estimated_input_tokens);
  // Whatever part of the prompt the provider reads from or writes to its cache, no input token
  // costs more than the dearest of the three input rates.
  const Micros dearest_input =
      std::max({rates.input_per_m, rates.cache_read_per_m, rates.cache_write_per_m});
  const Wide scaled = saturating_add(
      saturating_mul(non_negative(estimated_input_tokens), non_negative(dearest_input)),
      saturating_mul(non_negative(max_output_tokens), non_negative(rates.output_per_m)));
  return std::max(marked_up(scaled, non_negative(price.per_request), markup_ppm), minimum);
}

std::string usd_decimal(Micros amount) {
  return decimal_text(amount, 6, 2);
}

std::string credits_decimal(Micros amount, int64_t credits_per_usd) {
  // amount × credits_per_usd / 10^6 is exact with six decimals at most.
  return decimal_text(Wide{amount} * credits_per_usd, 6, 0);
}

}  // namespace tollgate::billing
