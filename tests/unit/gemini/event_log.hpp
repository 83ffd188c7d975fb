// Test helper: an ir::EventSink that records each event as one line of text, so a whole stream
// can be compared with one EXPECT_EQ.
#pragma once

#include <string>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::gemini_test {

inline std::string describe(const ir::Usage& usage) {
  return "in=" + std::to_string(usage.input) + " out=" + std::to_string(usage.output) +
         " cache_read=" + std::to_string(usage.cache_read) +
         " reasoning=" + std::to_string(usage.reasoning);
}

inline std::string describe(const ir::Event& event) {
  using Kind = ir::Event::Kind;
  const std::string index = std::to_string(event.index);
  switch (event.kind) {
    case Kind::message_start:
      return "message_start id=" + event.id + " model=" + event.model +
             (event.usage.present ? " " + describe(event.usage) : "");
    case Kind::block_start: {
      std::string block = event.block == ir::Part::Kind::text       ? "text"
                          : event.block == ir::Part::Kind::thinking ? "thinking"
                                                                    : "tool_call";
      std::string line = "block_start " + index + " " + block;
      if (event.block == ir::Part::Kind::tool_call) line += " id=" + event.id + " name=" + event.name;
      return line;
    }
    case Kind::text_delta: return "text_delta " + index + " " + event.text;
    case Kind::arguments_delta: return "arguments_delta " + index + " " + event.text;
    case Kind::signature_delta: return "signature_delta " + index + " " + event.text;
    case Kind::block_stop: return "block_stop " + index;
    case Kind::usage: return "usage " + describe(event.usage);
    case Kind::stop: return "stop " + std::string(ir::to_string(event.stop_reason));
    case Kind::end: return "end";
    case Kind::error:
      return "error " + std::to_string(event.error.status) + " " + event.error.code + " " +
             event.error.message;
  }
  return "?";
}

class EventLog final : public ir::EventSink {
 public:
  void on_event(const ir::Event& event) override {
    lines.push_back(describe(event));
    events.push_back(event);
  }
  std::vector<std::string> lines;
  std::vector<ir::Event> events;
};

}  // namespace tollgate::gemini_test
