// The translators of every wire format behind two small interfaces, so the translated pipeline
// (translate.cpp) is written once: a SurfaceCodec writes what the client reads (responses,
// stream frames, errors) and a FamilyCodec speaks to an upstream (request bodies, responses,
// streams, errors). Decoding a client's request is not here: each surface's entry point does it,
// since where the model and the streaming flag come from differs (body or URL).
#pragma once

#include "ir/ir.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::gateway {

struct Deployment;

class SurfaceCodec {
 public:
  virtual ~SurfaceCodec() = default;
  virtual std::string encode_response(const ir::Response& response,
                                      const ir::EncodeOptions& options,
                                      const ir::Request& request) const = 0;
  // An encoder appending the surface's SSE frames to `out` as events arrive.
  virtual std::unique_ptr<ir::EventSink> stream_encoder(std::string& out,
                                                        const ir::EncodeOptions& options,
                                                        const ir::Request& request) const = 0;
  // `request_id` is the gateway's id of the request, for formats whose errors carry one.
  virtual std::string error_body(const ir::Error& error, std::string_view request_id) const = 0;
  // The fallback response id prefix ("chatcmpl-", "msg_", "resp_", ...).
  virtual std::string_view id_prefix() const = 0;
};

// Reads one upstream stream, event by event (SSE `event:` type and data).
class UpstreamStreamDecoder {
 public:
  virtual ~UpstreamStreamDecoder() = default;
  virtual void feed(std::string_view type, std::string_view data, ir::EventSink& sink) = 0;
  // The upstream body ended; true when the stream had completed properly.
  virtual bool finish(ir::EventSink& sink) = 0;
  virtual bool failed() const = 0;
};

class FamilyCodec {
 public:
  virtual ~FamilyCodec() = default;
  virtual std::optional<ir::Error> encode_request(const ir::Request& request,
                                                  const Deployment& deployment,
                                                  std::string& body) const = 0;
  virtual std::optional<ir::Error> decode_response(std::string_view body,
                                                   ir::Response& out) const = 0;
  virtual ir::Error decode_error(int status, std::string_view body) const = 0;
  virtual std::unique_ptr<UpstreamStreamDecoder> stream_decoder() const = 0;
};

// The codec of a client wire format (openai_chat, openai_responses, anthropic, gemini).
const SurfaceCodec& surface_codec(ir::Format format);
// The codec of an upstream family (openai_chat, anthropic, gemini).
const FamilyCodec& family_codec(ir::Format family);

}  // namespace tollgate::gateway
