// Test helpers: ir::Events as one readable line each, so event sequences compare as strings, and
// a sink that records them.
#pragma once

#include <string>
#include <vector>

#include "ir/ir.hpp"

namespace tollgate::test {

inline std::string describe(const ir::Event& e) {
  using K = ir::Event::Kind;
  const std::string index = "[" + std::to_string(e.index) + "]";
  switch (e.kind) {
    case K::message_start:
      return "message_start id=" + e.id + " model=" + e.model +
             (e.usage.present ? " in=" + std::to_string(e.usage.input) +
                                    " out=" + std::to_string(e.usage.output) +
                                    " cr=" + std::to_string(e.usage.cache_read) +
                                    " cw=" + std::to_string(e.usage.cache_write)
                              : "");
    case K::block_start: {
      std::string kind;
      switch (e.block) {
        case ir::Part::Kind::text:
          kind = "text";
          break;
        case ir::Part::Kind::thinking:
          kind = "thinking";
          break;
        case ir::Part::Kind::redacted_thinking:
          kind = "redacted_thinking data=" + e.text;
          break;
        case ir::Part::Kind::tool_call:
          kind = "tool_call id=" + e.id + " name=" + e.name;
          break;
        default:
          kind = "other";
          break;
      }
      return "block_start" + index + " " + kind;
    }
    case K::text_delta:
      return "text" + index + " " + e.text;
    case K::arguments_delta:
      return "args" + index + " " + e.text;
    case K::signature_delta:
      return "signature" + index + " " + e.text;
    case K::block_stop:
      return "block_stop" + index;
    case K::usage:
      return "usage in=" + std::to_string(e.usage.input) +
             " out=" + std::to_string(e.usage.output) +
             " cr=" + std::to_string(e.usage.cache_read) +
             " cw=" + std::to_string(e.usage.cache_write) +
             " reasoning=" + std::to_string(e.usage.reasoning);
    case K::stop:
      return "stop " + std::string(ir::to_string(e.stop_reason)) +
             (e.stop_sequence.empty() ? "" : " seq=" + e.stop_sequence);
    case K::end:
      return "end";
    case K::error:
      return "error " + std::to_string(e.error.status) + " " + e.error.code + ": " +
             e.error.message;
  }
  return "?";
}

class RecordingSink final : public ir::EventSink {
 public:
  void on_event(const ir::Event& event) override {
    lines.push_back(describe(event));
    events.push_back(event);
  }
  std::vector<std::string> lines;
  std::vector<ir::Event> events;
};

}  // namespace tollgate::test
