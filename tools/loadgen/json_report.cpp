// JSON text for the report.
#include "loadgen/json_report.hpp"

#include <cstdio>

namespace tollgate::loadgen {

void JsonObject::key(std::string_view name) {
  if (body_.size() > 1) body_ += ',';
  body_ += '"';
  body_ += name;
  body_ += "\":";
}

JsonObject& JsonObject::text(std::string_view name, std::string_view value) {
  key(name);
  body_ += '"';
  body_ += value;
  body_ += '"';
  return *this;
}

JsonObject& JsonObject::count(std::string_view name, std::uint64_t value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::number(std::string_view name, double value) {
  key(name);
  char text[64];
  std::snprintf(text, sizeof text, "%.1f", value);
  body_ += text;
  return *this;
}

JsonObject& JsonObject::object(std::string_view name, const JsonObject& value) {
  key(name);
  body_ += value.str();
  return *this;
}

JsonObject& JsonObject::null(std::string_view name) {
  key(name);
  body_ += "null";
  return *this;
}

JsonObject latency_summary(const LatencyHistogram& histogram, bool brief) {
  JsonObject summary;
  const auto add = [&](std::string_view name, double nanoseconds) {
    if (histogram.count() == 0) {
      summary.null(name);
    } else {
      summary.number(name, nanoseconds / 1000.0);
    }
  };
  const auto at = [&](double percent) {
    return static_cast<double>(histogram.percentile(percent));
  };
  add("p50", at(50));
  if (!brief) add("p90", at(90));
  add("p99", at(99));
  if (!brief) add("p999", at(99.9));
  add("max", static_cast<double>(histogram.max()));
  if (!brief) add("mean", histogram.mean());
  return summary;
}

}  // namespace tollgate::loadgen
