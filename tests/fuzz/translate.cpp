// Fuzzes every translator of the IR with one target. The first byte picks what the rest is:
//   0–3  a client request body (chat, messages, responses, gemini), decoded and, when accepted,
//        encoded for each upstream family;
//   4–6  an upstream response body (openai, anthropic, gemini), decoded and, when accepted,
//        encoded for each surface;
//   7–9  an upstream SSE stream (openai, anthropic, gemini), decoded event by event into each
//        surface's stream encoder;
//   10+  an upstream error body, decoded by each family and encoded as each surface's error.
//
// Invariants: never crashes; whatever the input, every body a translator writes (upstream
// requests, client responses, error bodies, each stream frame's data) is valid JSON.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/anthropic/messages.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/responses/request.hpp"
#include "api/responses/response.hpp"
#include "api/responses/stream.hpp"
#include "fuzz_check.hpp"
#include "json_grammar.hpp"
#include "net/sse/sse.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/openai/chat_codec.hpp"

namespace {

using namespace tollgate;
using tollgate::fuzz::JsonGrammar;

void check_json(std::string_view text) { FUZZ_CHECK(JsonGrammar::is_valid(text)); }

std::optional<ir::Error> decode_request(int surface, std::string_view body, ir::Request& out) {
  switch (surface) {
    case 0: return api::openai::decode_request(body, out);
    case 1: return api::anthropic::decode_request(body, out);
    case 2: return api::responses::decode_request(body, out);
    default: return api::gemini::decode_request(body, "model", false, out);
  }
}

void encode_for_every_family(const ir::Request& request) {
  std::string body;
  if (!providers::openai::encode_chat_request(request, "up", body)) check_json(body);
  body.clear();
  if (!providers::anthropic::encode_request(request, "up", body)) check_json(body);
  body.clear();
  if (!providers::gemini::encode_request(request, body)) check_json(body);
}

std::optional<ir::Error> decode_response(int family, std::string_view body, ir::Response& out) {
  switch (family) {
    case 0: return providers::openai::decode_chat_response(body, out);
    case 1: return providers::anthropic::decode_response(body, out);
    default: return providers::gemini::decode_response(body, out);
  }
}

const ir::EncodeOptions kOptions{"public-model", "id_1", 1, true};

void encode_for_every_surface(const ir::Response& response) {
  check_json(api::openai::encode_response(response, kOptions));
  check_json(api::anthropic::encode_response(response, kOptions));
  check_json(api::responses::encode_response(response, kOptions, nullptr));
  check_json(api::gemini::encode_response(response, kOptions));
}

std::unique_ptr<ir::EventSink> surface_encoder(int surface, std::string& out) {
  switch (surface) {
    case 0: return std::make_unique<api::openai::ChatStreamEncoder>(out, kOptions);
    case 1: return std::make_unique<api::anthropic::StreamEncoder>(out, kOptions);
    case 2: return std::make_unique<api::responses::StreamEncoder>(out, kOptions, nullptr);
    default: return std::make_unique<api::gemini::StreamEncoder>(out, kOptions);
  }
}

// Every frame the encoder wrote carries JSON data (or OpenAI's [DONE]).
void check_frames(std::string_view out) {
  net::sse::Decoder decoder;
  decoder.feed(out, [](const net::sse::Event& event) {
    if (event.data != "[DONE]") check_json(event.data);
  });
}

template <class Decoder>
void run_stream(std::string_view bytes, int surface) {
  std::string out;
  auto encoder = surface_encoder(surface, out);
  Decoder decoder;
  net::sse::Decoder sse;
  sse.feed(bytes, [&](const net::sse::Event& event) {
    if (!decoder.failed()) decoder.feed(event.event, event.data, *encoder);
  });
  decoder.finish(*encoder);
  check_frames(out);
}

void stream_through(int family, std::string_view bytes) {
  for (int surface = 0; surface < 4; ++surface) {
    switch (family) {
      case 0: run_stream<providers::openai::ChatStreamDecoder>(bytes, surface); break;
      case 1: run_stream<providers::anthropic::StreamDecoder>(bytes, surface); break;
      default: run_stream<providers::gemini::StreamDecoder>(bytes, surface); break;
    }
  }
}

void errors_through(std::string_view body) {
  const ir::Error errors[] = {providers::openai::decode_chat_error(429, body),
                              providers::anthropic::decode_error(529, body),
                              providers::gemini::decode_error(400, body)};
  for (const auto& error : errors) {
    check_json(api::openai::error_body(error));
    check_json(api::anthropic::error_body(error, "req_1"));
    check_json(api::responses::error_body(error));
    check_json(api::gemini::error_body(error));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int selector = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (selector < 4) {
    ir::Request request;
    if (!decode_request(selector, rest, request)) encode_for_every_family(request);
  } else if (selector < 7) {
    ir::Response response;
    if (!decode_response(selector - 4, rest, response)) encode_for_every_surface(response);
  } else if (selector < 10) {
    stream_through(selector - 7, rest);
  } else {
    errors_through(rest);
  }
  return 0;
}
