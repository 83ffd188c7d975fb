// The one JSON object a run prints on stdout: flat counts and rates, and latency summaries in
// microseconds (one decimal: the histogram keeps better than 1%, so more digits would be noise).
#pragma once

#include "loadgen/latency_histogram.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::loadgen {

class JsonObject {
 public:
  // Keys and text values are the generator's own identifiers: nothing needs escaping.
  JsonObject& text(std::string_view key, std::string_view value);
  JsonObject& count(std::string_view key, std::uint64_t value);
  JsonObject& number(std::string_view key, double value);  // one decimal
  JsonObject& object(std::string_view key, const JsonObject& value);
  JsonObject& null(std::string_view key);
  std::string str() const { return body_ + "}"; }

 private:
  void key(std::string_view name);
  std::string body_ = "{";
};

// {p50, p90, p99, p999, max, mean} in microseconds; with `brief`, {p50, p99, max}. All null
// when nothing was recorded.
JsonObject latency_summary(const LatencyHistogram& histogram, bool brief = false);

}  // namespace tollgate::loadgen
