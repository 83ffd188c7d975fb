// StreamEncoder: the exact Responses event frames for IR event streams, with sequence numbers,
// output indexes, content indexes and item ids as OpenAI sends them.
#include "api/responses/stream.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "net/sse/sse.hpp"

namespace tollgate::api::responses {
namespace {

using EventKind = ir::Event::Kind;
using PartKind = ir::Part::Kind;

ir::EncodeOptions options() {
  ir::EncodeOptions options;
  options.model = "public-model";
  options.id = "resp_gw1";
  options.created = 1700000000;
  return options;
}

ir::Event event(EventKind kind, int index = 0) {
  ir::Event e;
  e.kind = kind;
  e.index = index;
  return e;
}

ir::Event message_start(std::string id) {
  ir::Event e = event(EventKind::message_start);
  e.id = std::move(id);
  e.model = "upstream-model";
  return e;
}

ir::Event block_start(int index, PartKind block, std::string id = {}, std::string name = {}) {
  ir::Event e = event(EventKind::block_start, index);
  e.block = block;
  e.id = std::move(id);
  e.name = std::move(name);
  return e;
}

ir::Event with_text(EventKind kind, int index, std::string text) {
  ir::Event e = event(kind, index);
  e.text = std::move(text);
  return e;
}

ir::Event usage_event(std::int64_t input, std::int64_t output, std::int64_t cache_read,
                      std::int64_t reasoning) {
  ir::Event e = event(EventKind::usage);
  e.usage.input = input;
  e.usage.output = output;
  e.usage.cache_read = cache_read;
  e.usage.reasoning = reasoning;
  e.usage.present = true;
  return e;
}

ir::Event stop(ir::StopReason reason) {
  ir::Event e = event(EventKind::stop);
  e.stop_reason = reason;
  return e;
}

std::string encode(const std::vector<ir::Event>& events) {
  std::string out;
  StreamEncoder encoder(out, options());
  for (const ir::Event& e : events) encoder.on_event(e);
  return out;
}

std::string frame(std::string_view type, std::string_view fields) {
  std::string out = "event: ";
  out += type;
  out += "\ndata: {\"type\":\"";
  out += type;
  out += '"';
  out += fields;
  out += "}\n\n";
  return out;
}

// The expected frames, numbered: each gets ,"sequence_number":N at the end.
std::string frames(const std::vector<std::pair<std::string_view, std::string>>& list) {
  std::string out;
  int sequence_number = 0;
  for (const auto& [type, fields] : list) {
    out += frame(type, fields + ",\"sequence_number\":" + std::to_string(sequence_number++));
  }
  return out;
}

constexpr std::string_view kEcho =
    R"(,"instructions":null,"max_output_tokens":null,"parallel_tool_calls":true,)"
    R"("previous_response_id":null,"reasoning":{"effort":null,"summary":null},)"
    R"("temperature":null,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],)"
    R"("top_p":null,"truncation":"disabled","metadata":{})";

std::string response(std::string_view status, std::string_view output, std::string_view usage,
                     std::string_view incomplete = "null", std::string_view error = "null") {
  std::string out = R"(,"response":{"id":"resp_gw1","object":"response","created_at":1700000000,)";
  out += R"("status":")" + std::string(status) + R"(","background":false,"error":)";
  out += error;
  out += R"(,"incomplete_details":)";
  out += incomplete;
  out += R"(,"model":"public-model","output":[)";
  out += output;
  out += R"(],"usage":)";
  out += usage;
  out += kEcho;
  out += "}";
  return out;
}

std::vector<std::pair<std::string_view, std::string>> opening() {
  return {{"response.created", response("in_progress", "", "null")},
          {"response.in_progress", response("in_progress", "", "null")}};
}

// Every frame must parse as an SSE event whose `event` names the data's type, with sequence
// numbers counting up from 0: what the SDK's stream reader relies on.
void expect_well_formed(const std::string& stream) {
  net::sse::Decoder decoder;
  simdjson::dom::parser parser;
  std::int64_t expected_sequence = 0;
  decoder.feed(stream, [&](const net::sse::Event& sse) {
    simdjson::dom::element data;
    ASSERT_EQ(parser.parse(sse.data).get(data), simdjson::SUCCESS) << sse.data;
    std::string_view type;
    ASSERT_EQ(data["type"].get(type), simdjson::SUCCESS);
    EXPECT_EQ(type, sse.event);
    std::int64_t sequence = -1;
    ASSERT_EQ(data["sequence_number"].get(sequence), simdjson::SUCCESS);
    EXPECT_EQ(sequence, expected_sequence++);
  });
  EXPECT_FALSE(decoder.has_partial_event());
  EXPECT_GT(expected_sequence, 0);
}

constexpr std::string_view kTextPartEmpty =
    R"({"type":"output_text","annotations":[],"logprobs":[],"text":""})";

std::string text_part(std::string_view text) {
  return R"({"type":"output_text","annotations":[],"logprobs":[],"text":")" + std::string(text) +
         "\"}";
}

std::string message(std::string_view id, std::string_view status, std::string_view content) {
  return R"({"id":")" + std::string(id) + R"(","type":"message","status":")" + std::string(status) +
         R"(","content":[)" + std::string(content) + R"(],"role":"assistant"})";
}

std::string call(std::string_view id, std::string_view status, std::string_view arguments,
                 std::string_view call_id, std::string_view name) {
  return R"({"id":")" + std::string(id) + R"(","type":"function_call","status":")" +
         std::string(status) + R"(","arguments":")" + std::string(arguments) + R"(","call_id":")" +
         std::string(call_id) + R"(","name":")" + std::string(name) + "\"}";
}

TEST(ResponsesStream, TextOnly) {
  const std::string out = encode({
      message_start("msg_up"),
      block_start(0, PartKind::text),
      with_text(EventKind::text_delta, 0, "Hel"),
      with_text(EventKind::text_delta, 0, "lo \"you\""),
      event(EventKind::block_stop, 0),
      usage_event(12, 3, 4, 0),
      stop(ir::StopReason::end_turn),
      event(EventKind::end),
  });
  const std::string item = R"("item_id":"msg_gw1_0","output_index":0)";
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"response.output_item.added",
           R"(,"output_index":0,"item":)" + message("msg_gw1_0", "in_progress", "")},
          {"response.content_part.added",
           "," + item + R"(,"content_index":0,"part":)" + std::string(kTextPartEmpty)},
          {"response.output_text.delta",
           "," + item + R"(,"content_index":0,"delta":"Hel","logprobs":[])"},
          {"response.output_text.delta",
           "," + item + R"(,"content_index":0,"delta":"lo \"you\"","logprobs":[])"},
          {"response.output_text.done",
           "," + item + R"(,"content_index":0,"text":"Hello \"you\"","logprobs":[])"},
          {"response.content_part.done",
           "," + item + R"(,"content_index":0,"part":)" + text_part(R"(Hello \"you\")")},
          {"response.output_item.done",
           R"(,"output_index":0,"item":)" +
               message("msg_gw1_0", "completed", text_part(R"(Hello \"you\")"))},
          {"response.completed",
           response(
               "completed", message("msg_gw1_0", "completed", text_part(R"(Hello \"you\")")),
               R"({"input_tokens":12,"input_tokens_details":{"cached_tokens":4},)"
               R"("output_tokens":3,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":15})")},
      });
  EXPECT_EQ(out, frames(expected));
  expect_well_formed(out);
}

TEST(ResponsesStream, ReasoningThenText) {
  const std::string out = encode({
      message_start("resp_up"),
      block_start(0, PartKind::thinking),
      with_text(EventKind::text_delta, 0, "Think"),
      with_text(EventKind::text_delta, 0, "ing."),
      with_text(EventKind::signature_delta, 0, "sig"),
      event(EventKind::block_stop, 0),
      block_start(1, PartKind::text),
      with_text(EventKind::text_delta, 1, "Hi"),
      event(EventKind::block_stop, 1),
      usage_event(10, 30, 0, 20),
      stop(ir::StopReason::end_turn),
      event(EventKind::end),
  });
  // The upstream's Responses id is kept, so item ids derive from it.
  auto replace_id = [](std::string text) {
    for (std::size_t at; (at = text.find("resp_gw1")) != std::string::npos;) {
      text.replace(at, 8, "resp_up");
    }
    return text;
  };
  const std::string rs = R"("item_id":"rs_up_0","output_index":0)";
  const std::string msg = R"("item_id":"msg_up_1","output_index":1)";
  const std::string reasoning_done =
      R"({"id":"rs_up_0","type":"reasoning","summary":[{"type":"summary_text","text":"Thinking."}],"encrypted_content":"sig"})";
  std::vector<std::pair<std::string_view, std::string>> expected = {
      {"response.created", replace_id(response("in_progress", "", "null"))},
      {"response.in_progress", replace_id(response("in_progress", "", "null"))},
      {"response.output_item.added",
       R"(,"output_index":0,"item":{"id":"rs_up_0","type":"reasoning","summary":[]})"},
      {"response.reasoning_summary_part.added",
       "," + rs + R"(,"summary_index":0,"part":{"type":"summary_text","text":""})"},
      {"response.reasoning_summary_text.delta", "," + rs + R"(,"summary_index":0,"delta":"Think")"},
      {"response.reasoning_summary_text.delta", "," + rs + R"(,"summary_index":0,"delta":"ing.")"},
      {"response.reasoning_summary_text.done",
       "," + rs + R"(,"summary_index":0,"text":"Thinking.")"},
      {"response.reasoning_summary_part.done",
       "," + rs + R"(,"summary_index":0,"part":{"type":"summary_text","text":"Thinking."})"},
      {"response.output_item.done", R"(,"output_index":0,"item":)" + reasoning_done},
      {"response.output_item.added",
       R"(,"output_index":1,"item":)" + message("msg_up_1", "in_progress", "")},
      {"response.content_part.added",
       "," + msg + R"(,"content_index":0,"part":)" + std::string(kTextPartEmpty)},
      {"response.output_text.delta",
       "," + msg + R"(,"content_index":0,"delta":"Hi","logprobs":[])"},
      {"response.output_text.done", "," + msg + R"(,"content_index":0,"text":"Hi","logprobs":[])"},
      {"response.content_part.done", "," + msg + R"(,"content_index":0,"part":)" + text_part("Hi")},
      {"response.output_item.done",
       R"(,"output_index":1,"item":)" + message("msg_up_1", "completed", text_part("Hi"))},
      {"response.completed",
       replace_id(response(
           "completed", reasoning_done + "," + message("msg_up_1", "completed", text_part("Hi")),
           R"({"input_tokens":10,"input_tokens_details":{"cached_tokens":0},)"
           R"("output_tokens":30,"output_tokens_details":{"reasoning_tokens":20},"total_tokens":40})"))},
  };
  EXPECT_EQ(out, frames(expected));
  expect_well_formed(out);
}

TEST(ResponsesStream, TextThenTwoFunctionCalls) {
  const std::string out = encode({
      message_start("msg_up"),
      block_start(0, PartKind::text),
      with_text(EventKind::text_delta, 0, "Checking."),
      event(EventKind::block_stop, 0),
      block_start(1, PartKind::tool_call, "call_a", "weather"),
      with_text(EventKind::arguments_delta, 1, R"({"city":)"),
      with_text(EventKind::arguments_delta, 1, R"("Paris"})"),
      event(EventKind::block_stop, 1),
      block_start(2, PartKind::tool_call, "call_b", "time"),
      event(EventKind::block_stop, 2),
      stop(ir::StopReason::tool_use),
      usage_event(40, 22, 0, 0),
      event(EventKind::end),
  });
  const std::string msg = R"("item_id":"msg_gw1_0","output_index":0)";
  const std::string fc1 = R"("item_id":"fc_gw1_1","output_index":1)";
  const std::string fc2 = R"("item_id":"fc_gw1_2","output_index":2)";
  const std::string paris = R"({\"city\":\"Paris\"})";
  const std::string message_done = message("msg_gw1_0", "completed", text_part("Checking."));
  const std::string call1_done = call("fc_gw1_1", "completed", paris, "call_a", "weather");
  const std::string call2_done = call("fc_gw1_2", "completed", "{}", "call_b", "time");
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"response.output_item.added",
           R"(,"output_index":0,"item":)" + message("msg_gw1_0", "in_progress", "")},
          {"response.content_part.added",
           "," + msg + R"(,"content_index":0,"part":)" + std::string(kTextPartEmpty)},
          {"response.output_text.delta",
           "," + msg + R"(,"content_index":0,"delta":"Checking.","logprobs":[])"},
          {"response.output_text.done",
           "," + msg + R"(,"content_index":0,"text":"Checking.","logprobs":[])"},
          {"response.content_part.done",
           "," + msg + R"(,"content_index":0,"part":)" + text_part("Checking.")},
          {"response.output_item.done", R"(,"output_index":0,"item":)" + message_done},
          {"response.output_item.added",
           R"(,"output_index":1,"item":)" +
               call("fc_gw1_1", "in_progress", "", "call_a", "weather")},
          {"response.function_call_arguments.delta", "," + fc1 + R"(,"delta":"{\"city\":")"},
          {"response.function_call_arguments.delta", "," + fc1 + R"(,"delta":"\"Paris\"}")"},
          {"response.function_call_arguments.done",
           "," + fc1 + R"(,"name":"weather","arguments":")" + paris + "\""},
          {"response.output_item.done", R"(,"output_index":1,"item":)" + call1_done},
          {"response.output_item.added",
           R"(,"output_index":2,"item":)" + call("fc_gw1_2", "in_progress", "", "call_b", "time")},
          {"response.function_call_arguments.done",
           "," + fc2 + R"(,"name":"time","arguments":"{}")"},
          {"response.output_item.done", R"(,"output_index":2,"item":)" + call2_done},
          {"response.completed",
           response(
               "completed", message_done + "," + call1_done + "," + call2_done,
               R"({"input_tokens":40,"input_tokens_details":{"cached_tokens":0},)"
               R"("output_tokens":22,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":62})")},
      });
  EXPECT_EQ(out, frames(expected));
  expect_well_formed(out);
}

TEST(ResponsesStream, ErrorMidStreamSendsErrorThenFailed) {
  ir::Event error = event(EventKind::error);
  error.error = ir::make_error(502, "Upstream connection lost.", "upstream_disconnected");
  const std::string out = encode({
      message_start("msg_up"),
      block_start(0, PartKind::text),
      with_text(EventKind::text_delta, 0, "Par"),
      error,
      with_text(EventKind::text_delta, 0, "is"),  // nothing after an error is written
      event(EventKind::end),
  });
  const std::string msg = R"("item_id":"msg_gw1_0","output_index":0)";
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"response.output_item.added",
           R"(,"output_index":0,"item":)" + message("msg_gw1_0", "in_progress", "")},
          {"response.content_part.added",
           "," + msg + R"(,"content_index":0,"part":)" + std::string(kTextPartEmpty)},
          {"response.output_text.delta",
           "," + msg + R"(,"content_index":0,"delta":"Par","logprobs":[])"},
          {"error",
           R"(,"code":"upstream_disconnected","message":"Upstream connection lost.","param":null)"},
          {"response.failed",
           response("failed", message("msg_gw1_0", "in_progress", text_part("Par")), "null", "null",
                    R"({"code":"server_error","message":"Upstream connection lost."})")},
      });
  EXPECT_EQ(out, frames(expected));
  expect_well_formed(out);
}

TEST(ResponsesStream, ErrorBeforeAnythingStillOpensTheResponse) {
  ir::Event error = event(EventKind::error);
  error.error = ir::make_error(429, "Rate limited upstream.", "");
  const std::string out = encode({error});
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"error",
           R"(,"code":"rate_limit_exceeded","message":"Rate limited upstream.","param":null)"},
          {"response.failed",
           response("failed", "", "null", "null",
                    R"({"code":"rate_limit_exceeded","message":"Rate limited upstream."})")},
      });
  EXPECT_EQ(out, frames(expected));
}

TEST(ResponsesStream, MaxTokensEndsIncomplete) {
  const std::string out = encode({
      message_start("msg_up"),
      block_start(0, PartKind::text),
      with_text(EventKind::text_delta, 0, "Once"),
      stop(ir::StopReason::max_tokens),  // the block is left open: end closes it
      event(EventKind::end),
  });
  const std::string msg = R"("item_id":"msg_gw1_0","output_index":0)";
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"response.output_item.added",
           R"(,"output_index":0,"item":)" + message("msg_gw1_0", "in_progress", "")},
          {"response.content_part.added",
           "," + msg + R"(,"content_index":0,"part":)" + std::string(kTextPartEmpty)},
          {"response.output_text.delta",
           "," + msg + R"(,"content_index":0,"delta":"Once","logprobs":[])"},
          {"response.output_text.done",
           "," + msg + R"(,"content_index":0,"text":"Once","logprobs":[])"},
          {"response.content_part.done",
           "," + msg + R"(,"content_index":0,"part":)" + text_part("Once")},
          {"response.output_item.done",
           R"(,"output_index":0,"item":)" + message("msg_gw1_0", "completed", text_part("Once"))},
          {"response.incomplete",
           response("incomplete", message("msg_gw1_0", "incomplete", text_part("Once")), "null",
                    R"({"reason":"max_output_tokens"})")},
      });
  EXPECT_EQ(out, frames(expected));
  expect_well_formed(out);
}

TEST(ResponsesStream, RedactedAndEmptyThinkingHaveNoSummaryEvents) {
  ir::Event redacted = block_start(0, PartKind::redacted_thinking);
  redacted.text = "b3BhcXVl";
  const std::string out = encode({
      message_start("msg_up"),
      redacted,
      event(EventKind::block_stop, 0),
      block_start(1, PartKind::thinking),
      with_text(EventKind::signature_delta, 1, "sig"),
      event(EventKind::block_stop, 1),
      stop(ir::StopReason::end_turn),
      event(EventKind::end),
  });
  const std::string first =
      R"({"id":"rs_gw1_0","type":"reasoning","summary":[],"encrypted_content":"b3BhcXVl"})";
  const std::string second =
      R"({"id":"rs_gw1_1","type":"reasoning","summary":[],"encrypted_content":"sig"})";
  auto expected = opening();
  expected.insert(
      expected.end(),
      {
          {"response.output_item.added", R"(,"output_index":0,"item":)" + first},
          {"response.output_item.done", R"(,"output_index":0,"item":)" + first},
          {"response.output_item.added",
           R"(,"output_index":1,"item":{"id":"rs_gw1_1","type":"reasoning","summary":[]})"},
          {"response.output_item.done", R"(,"output_index":1,"item":)" + second},
          {"response.completed", response("completed", first + "," + second, "null")},
      });
  EXPECT_EQ(out, frames(expected));
}

TEST(ResponsesStream, RequestFieldsAreEchoed) {
  ir::Request request;
  request.system.push_back(ir::Part::make_text("Be kind."));
  request.max_tokens = 64;
  std::string out;
  StreamEncoder encoder(out, options(), &request);
  encoder.on_event(message_start("msg_up"));
  EXPECT_NE(out.find(R"("instructions":"Be kind.","max_output_tokens":64,)"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace tollgate::api::responses
