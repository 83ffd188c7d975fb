#include "gateway/formats.hpp"

#include "api/anthropic/messages.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/openai/chat_ir.hpp"
#include "api/responses/request.hpp"
#include "api/responses/response.hpp"
#include "api/responses/stream.hpp"
#include "gateway/catalog.hpp"
#include "providers/anthropic/messages.hpp"
#include "providers/gemini/generate_content.hpp"
#include "providers/openai/chat_codec.hpp"

namespace tollgate::gateway {

namespace {

// --- surfaces ---------------------------------------------------------------------------------

class OpenAiChatSurface final : public SurfaceCodec {
 public:
  std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                              const ir::Request&) const override {
    return api::openai::encode_response(response, options);
  }
  std::unique_ptr<ir::EventSink> stream_encoder(std::string& out, const ir::EncodeOptions& options,
                                                const ir::Request&) const override {
    return std::make_unique<api::openai::ChatStreamEncoder>(out, options);
  }
  std::string error_body(const ir::Error& error, std::string_view) const override {
    return api::openai::error_body(error);
  }
  std::string_view id_prefix() const override { return "chatcmpl-"; }
};

class ResponsesSurface final : public SurfaceCodec {
 public:
  std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                              const ir::Request& request) const override {
    return api::responses::encode_response(response, options, &request);
  }
  std::unique_ptr<ir::EventSink> stream_encoder(std::string& out, const ir::EncodeOptions& options,
                                                const ir::Request& request) const override {
    return std::make_unique<api::responses::StreamEncoder>(out, options, &request);
  }
  std::string error_body(const ir::Error& error, std::string_view) const override {
    return api::responses::error_body(error);
  }
  std::string_view id_prefix() const override { return "resp_"; }
};

class AnthropicSurface final : public SurfaceCodec {
 public:
  std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                              const ir::Request&) const override {
    return api::anthropic::encode_response(response, options);
  }
  std::unique_ptr<ir::EventSink> stream_encoder(std::string& out, const ir::EncodeOptions& options,
                                                const ir::Request&) const override {
    return std::make_unique<api::anthropic::StreamEncoder>(out, options);
  }
  std::string error_body(const ir::Error& error, std::string_view request_id) const override {
    return api::anthropic::error_body(error, request_id);
  }
  std::string_view id_prefix() const override { return "msg_"; }
};

class GeminiSurface final : public SurfaceCodec {
 public:
  std::string encode_response(const ir::Response& response, const ir::EncodeOptions& options,
                              const ir::Request&) const override {
    return api::gemini::encode_response(response, options);
  }
  std::unique_ptr<ir::EventSink> stream_encoder(std::string& out, const ir::EncodeOptions& options,
                                                const ir::Request&) const override {
    return std::make_unique<api::gemini::StreamEncoder>(out, options);
  }
  std::string error_body(const ir::Error& error, std::string_view) const override {
    return api::gemini::error_body(error);
  }
  std::string_view id_prefix() const override { return ""; }
};

// --- provider families ------------------------------------------------------------------------

// Adapts a family's concrete stream decoder to the interface.
template <class Decoder>
class StreamDecoderOf final : public UpstreamStreamDecoder {
 public:
  void feed(std::string_view type, std::string_view data, ir::EventSink& sink) override {
    decoder_.feed(type, data, sink);
  }
  bool finish(ir::EventSink& sink) override { return decoder_.finish(sink); }
  bool failed() const override { return decoder_.failed(); }

 private:
  Decoder decoder_;
};

class OpenAiFamily final : public FamilyCodec {
 public:
  std::optional<ir::Error> encode_request(const ir::Request& request, const Deployment& deployment,
                                          std::string& body) const override {
    providers::openai::ChatDialect dialect;
    dialect.max_tokens_field = deployment.provider->max_tokens_field;
    return providers::openai::encode_chat_request(request, deployment.upstream_model, body,
                                                  dialect);
  }
  std::optional<ir::Error> decode_response(std::string_view body,
                                           ir::Response& out) const override {
    return providers::openai::decode_chat_response(body, out);
  }
  ir::Error decode_error(int status, std::string_view body) const override {
    return providers::openai::decode_chat_error(status, body);
  }
  std::unique_ptr<UpstreamStreamDecoder> stream_decoder() const override {
    return std::make_unique<StreamDecoderOf<providers::openai::ChatStreamDecoder>>();
  }
};

class AnthropicFamily final : public FamilyCodec {
 public:
  std::optional<ir::Error> encode_request(const ir::Request& request, const Deployment& deployment,
                                          std::string& body) const override {
    return providers::anthropic::encode_request(request, deployment.upstream_model, body);
  }
  std::optional<ir::Error> decode_response(std::string_view body,
                                           ir::Response& out) const override {
    return providers::anthropic::decode_response(body, out);
  }
  ir::Error decode_error(int status, std::string_view body) const override {
    return providers::anthropic::decode_error(status, body);
  }
  std::unique_ptr<UpstreamStreamDecoder> stream_decoder() const override {
    return std::make_unique<StreamDecoderOf<providers::anthropic::StreamDecoder>>();
  }
};

class GeminiFamily final : public FamilyCodec {
 public:
  std::optional<ir::Error> encode_request(const ir::Request& request, const Deployment&,
                                          std::string& body) const override {
    return providers::gemini::encode_request(request, body);  // the model is in the URL
  }
  std::optional<ir::Error> decode_response(std::string_view body,
                                           ir::Response& out) const override {
    return providers::gemini::decode_response(body, out);
  }
  ir::Error decode_error(int status, std::string_view body) const override {
    return providers::gemini::decode_error(status, body);
  }
  std::unique_ptr<UpstreamStreamDecoder> stream_decoder() const override {
    return std::make_unique<StreamDecoderOf<providers::gemini::StreamDecoder>>();
  }
};

}  // namespace

const SurfaceCodec& surface_codec(ir::Format format) {
  static const OpenAiChatSurface chat;
  static const ResponsesSurface responses;
  static const AnthropicSurface anthropic;
  static const GeminiSurface gemini;
  switch (format) {
    case ir::Format::openai_responses: return responses;
    case ir::Format::anthropic: return anthropic;
    case ir::Format::gemini: return gemini;
    default: return chat;
  }
}

const FamilyCodec& family_codec(ir::Format family) {
  static const OpenAiFamily openai;
  static const AnthropicFamily anthropic;
  static const GeminiFamily gemini;
  switch (family) {
    case ir::Format::anthropic: return anthropic;
    case ir::Format::gemini: return gemini;
    default: return openai;
  }
}

}  // namespace tollgate::gateway
