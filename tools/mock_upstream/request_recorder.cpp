#include "mock_upstream/request_recorder.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace tollgate::mock {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

RequestRecorder::RequestRecorder(unsigned threads)
    : slots_(std::make_unique<Slot[]>(std::max(1u, threads))), slot_count_(std::max(1u, threads)) {}

void RequestRecorder::record(const net::HttpRequest& request, std::string_view format) {
  Slot& slot = slots_[request.loop_index % slot_count_];
  const uint64_t sequence = next_sequence_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(slot.mutex);
  slot.sequence = sequence;
  slot.format = format;
  slot.method = request.method;
  slot.target = request.target;
  slot.headers.clear();
  for (const net::Header& header : request.headers)
    slot.headers.push_back(net::Header::copy(header));
  slot.body = request.body;
}

std::optional<std::string> RequestRecorder::last_request_json() const {
  boost::json::object json;
  uint64_t newest = 0;
  for (unsigned i = 0; i < slot_count_; ++i) {
    const Slot& slot = slots_[i];
    std::lock_guard lock(slot.mutex);
    if (slot.sequence <= newest) continue;
    newest = slot.sequence;
    boost::json::object headers;
    for (const auto& header : slot.headers) {
      // A repeated header reads as HTTP would fold it: values joined by ", ".
      auto [it, inserted] = headers.emplace(lowercase(header.name), header.value.view());
      if (!inserted) {
        auto& joined = it->value().as_string();
        joined.append(", ");
        joined.append(header.value.view());
      }
    }
    json = boost::json::object{{"format", slot.format},
                               {"method", slot.method},
                               {"target", slot.target},
                               {"headers", std::move(headers)},
                               {"body", slot.body}};
  }
  if (newest == 0) return std::nullopt;
  return boost::json::serialize(json);
}

}  // namespace tollgate::mock
