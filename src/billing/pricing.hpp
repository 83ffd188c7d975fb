// The cost of a request in integer micro-USD. Prices are integer micro-USD per 1M tokens
// (config::Pricing), so cost = Σ tokens × price / 1,000,000. The one rounding rule: the exact
// sum is computed first, then rounded UP to the next whole micro-USD (a request that used any
// tokens at a non-zero price never costs 0, and rounding never favours the caller).
#pragma once

#include <cstdint>

namespace tollgate::billing {

using Micros = int64_t;

struct TokenCounts {
  int64_t prompt = 0;  // includes cached
  int64_t cached = 0;  // the part of prompt served from the provider's cache
  int64_t completion = 0;
};

struct TokenPrices {
  Micros input_per_m = 0;
  Micros cached_input_per_m = 0;
  Micros output_per_m = 0;
};

constexpr Micros cost_micros(const TokenCounts& tokens, const TokenPrices& prices) {
  int64_t cached =
      tokens.cached < 0 ? 0 : (tokens.cached > tokens.prompt ? tokens.prompt : tokens.cached);
  // 128-bit intermediate: 10^9 tokens × 10^12 micro-USD would overflow 64 bits.
  __extension__ using Wide = __int128;
  Wide scaled = static_cast<Wide>(tokens.prompt - cached) * prices.input_per_m +
                static_cast<Wide>(cached) * prices.cached_input_per_m +
                static_cast<Wide>(tokens.completion) * prices.output_per_m;
  if (scaled <= 0) return 0;
  return static_cast<Micros>((scaled + 999'999) / 1'000'000);
}

}  // namespace tollgate::billing
