// The entry points of the inbound APIs other than OpenAI chat (chat_completions.cpp):
//
//   POST /v1/messages                                    Anthropic Messages
//   POST /v1/responses                                   OpenAI Responses
//   POST /v1beta/models/{model}:generateContent          Gemini
//   POST /v1beta/models/{model}:streamGenerateContent?alt=sse
//   POST /v1/embeddings, /v1/images/generations          OpenAI, forwarded as they are
//
// Each one authenticates, reads the body in its own format, resolves the model for its surface,
// is admitted, and hands over to dispatch (dispatch.cpp), whose attempts end in the relay that
// fits the deployment that answered: the same-format passthrough (same_format.cpp) when the
// upstream speaks the client's own format, the translated pipeline (translate.cpp) otherwise.
#include "api/anthropic/messages.hpp"
#include "api/gemini/generate_content.hpp"
#include "api/openai/model_field.hpp"
#include "api/responses/request.hpp"
#include "gateway/admission.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"
#include "gateway/upstream_call.hpp"

#include <simdjson.h>

#include <algorithm>

namespace tollgate::gateway {

namespace {

// Decoded request → the context fields every phase after decode reads.
void take_request(RequestContext& ctx) {
  ctx.ir_decoded = true;
  ctx.model_call = true;
  ctx.requested_model = ctx.ir.model;
  ctx.stream = ctx.ir.stream;
  ctx.prompt_chars = ctx.ir.prompt_chars;
  ctx.max_tokens = ctx.ir.max_tokens;
}

// The images an image generation returned: the length of its `data` array.
std::int64_t count_images(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::array data;
  if (parser.parse(body).at_key("data").get_array().get(data)) return 0;
  return static_cast<std::int64_t>(data.size());
}

}  // namespace

Verdict Gateway::messages(RequestContext& ctx) {
  if (auto refusal = authenticate(ctx, services_)) return refusal;
  // An Anthropic upstream gets the body as it is, with only the model replaced: a light read
  // finds the model; the body is decoded only when a deployment of another format needs it
  // (dispatch.cpp). A body the light read refuses is decoded now, for Anthropic's own error.
  auto light = api::openai::read_model_field(ctx.request.body);
  if (auto* view = std::get_if<api::openai::ModelFieldView>(&light)) {
    ctx.model_call = true;
    ctx.requested_model = view->model;
    ctx.stream = view->stream;
    ctx.prompt_chars = ctx.request.body.size();  // not decoded: the body's size is a ceiling
    ctx.max_tokens = view->max_tokens;
    ctx.model_field = std::move(*view);
  } else {
    if (auto error = api::anthropic::decode_request(ctx.request.body, ctx.ir)) {
      return Refusal{std::move(*error), {}};
    }
    take_request(ctx);
  }
  if (auto refusal = resolve(ctx, catalog_, ctx.requested_model, Surface::messages)) {
    return refusal;
  }
  return admit(ctx, services_, Surface::messages);
}

Verdict Gateway::responses(RequestContext& ctx) {
  if (auto refusal = authenticate(ctx, services_)) return refusal;
  if (auto error = api::responses::decode_request(ctx.request.body, ctx.ir)) {
    return Refusal{std::move(*error), {}};
  }
  take_request(ctx);
  if (auto refusal = resolve(ctx, catalog_, ctx.ir.model, Surface::responses)) {
    return refusal;
  }
  return admit(ctx, services_, Surface::responses);
}

Verdict Gateway::generate_content(RequestContext& ctx, std::string_view model_and_method) {
  if (auto refusal = authenticate(ctx, services_)) return refusal;
  std::size_t colon = model_and_method.rfind(':');
  std::string_view method =
      colon == std::string_view::npos ? std::string_view{} : model_and_method.substr(colon + 1);
  std::string model = net::percent_decode(model_and_method.substr(0, colon), false);
  bool stream = method == "streamGenerateContent";
  if (colon == std::string_view::npos || model.empty() ||
      (method != "generateContent" && !stream)) {
    return turn_away(404,
                     "Unknown method in " + std::string(ctx.request.path()) +
                         ": use models/{model}:generateContent or "
                         ":streamGenerateContent?alt=sse",
                     "unknown_url");
  }
  if (stream && net::query_param(ctx.request.query(), "alt") != "sse") {
    return turn_away(400,
                     "streamGenerateContent is supported with alt=sse only (Server-Sent "
                     "Events); the JSON array stream is not supported.",
                     "unsupported_stream_format", "alt");
  }
  // The model is in the URL: a Gemini upstream gets the body exactly as the client sent it, and
  // judges it (it is Gemini: its errors are the ones the client expects). The body is decoded
  // only when a deployment of another format needs it (dispatch.cpp).
  ctx.model_call = true;
  ctx.requested_model = model;
  ctx.stream = stream;
  ctx.prompt_chars = ctx.request.body.size();  // not decoded: the body's size is a ceiling
  if (auto refusal = resolve(ctx, catalog_, model, Surface::gemini)) {
    return refusal;
  }
  return admit(ctx, services_, Surface::gemini);
}

// Embeddings and image generations: forwarded to an OpenAI-compatible upstream with only
// `model` replaced, the response relayed with only `model` restored and usage read.
Verdict Gateway::forward_openai_json(RequestContext& ctx, Surface surface) {
  if (auto refusal = authenticate(ctx, services_)) return refusal;
  auto read = api::openai::read_model_field(ctx.request.body);
  if (auto* error = std::get_if<api::openai::RequestError>(&read)) {
    return turn_away(400, error->message, error->code, error->param);
  }
  auto& view = std::get<api::openai::ModelFieldView>(read);
  ctx.model_call = true;
  ctx.requested_model = view.model;
  if (view.stream) {
    return turn_away(400,
                     "stream: true is not supported for " + std::string(surface_path(surface)) +
                         " by this gateway.",
                     "unsupported_parameter", "stream");
  }
  ctx.prompt_chars = ctx.request.body.size();  // not decoded: the body's size is a ceiling
  ctx.max_tokens = 0;                          // nothing generated but what the usage says
  if (surface == Surface::images) ctx.images = std::clamp<std::int64_t>(view.n.value_or(1), 1, 100);
  ctx.model_field = std::move(view);
  if (auto refusal = resolve(ctx, catalog_, ctx.requested_model, surface)) {
    return refusal;
  }
  return admit(ctx, services_, surface);
}

boost::asio::awaitable<void> Gateway::relay_openai_json(RequestContext& ctx, UpstreamCall& call,
                                                        Surface surface) {
  std::optional<std::string> body = call.received_body();
  if (!body) body = co_await call.read_body();
  if (!body) co_return;
  if (!call.ok()) {
    co_await relay_upstream_error(ctx, call, std::move(*body));
    co_return;
  }
  providers::openai::Usage usage;
  std::string restored =
      ctx.loop.response_scanner.restore_model(*body, call.deployment().model->id, usage);
  ctx.usage.input = usage.prompt_tokens;
  ctx.usage.output = usage.completion_tokens;
  ctx.usage.present = usage.present;
  if (surface == Surface::images) ctx.images = count_images(*body);
  ctx.usage_source = usage.present ? "upstream" : "none";
  net::Headers extra = charge(ctx, services_);
  if (settle_uncommitted(ctx, services_)) co_await commit_settle(ctx, services_);
  call.copy_headers(extra);
  std::string body_with_cost = with_cost_echo(extra, std::move(restored));
  if (!respond_json_now(ctx, 200, std::move(body_with_cost), std::move(extra)))
    co_await finish_response(ctx);
}

}  // namespace tollgate::gateway
