// GET the model catalog, in the shape of the API the client speaks:
//
//   GET /v1/models[/{id}]                          OpenAI
//   {"object":"list","data":[{"id","object":"model",...}]} GET /v1/models[/{id}] +
//   anthropic-version      Anthropic {"data":[{"type":"model","id",...}],"has_more",...} GET
//   /v1beta/models[/{id}]                      Gemini   {"models":[{"name":"models/{id}",...}]}
//
// The Anthropic and Gemini lists show the models that may be called through their surface.
#include "api/json_text.hpp"
#include "billing/pricing.hpp"
#include "gateway/gateway.hpp"
#include "gateway/phases.hpp"
#include "gateway/respond.hpp"

namespace tollgate::gateway {

namespace {

using api::append_json_string;

constexpr Surface kSurfaces[] = {Surface::chat,   Surface::messages,   Surface::responses,
                                 Surface::gemini, Surface::embeddings, Surface::images};

// The model's prices as exact decimal USD strings (markup not included: it depends on the
// account).
void append_prices(std::string& out, const billing::TokenRates& rates) {
  const std::pair<std::string_view, billing::Micros> fields[] = {
      {"input_per_m", rates.input_per_m},
      {"output_per_m", rates.output_per_m},
      {"cache_read_per_m", rates.cache_read_per_m},
      {"cache_write_per_m", rates.cache_write_per_m}};
  bool first = true;
  for (const auto& [name, micros] : fields) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_json_string(out, billing::usd_decimal(micros));
  }
}

void append_pricing(std::string& out, const billing::ModelPrice& price) {
  out += R"(,"pricing":{"currency":"USD",)";
  append_prices(out, price.base);
  if (price.per_request > 0) {
    out += R"(,"per_request":)";
    append_json_string(out, billing::usd_decimal(price.per_request));
  }
  if (price.per_image > 0) {
    out += R"(,"per_image":)";
    append_json_string(out, billing::usd_decimal(price.per_image));
  }
  if (!price.tiers.empty()) {
    out += R"(,"tiers":[)";
    for (std::size_t i = 0; i < price.tiers.size(); ++i) {
      if (i) out += ',';
      out += R"({"above_input_tokens":)";
      out += std::to_string(price.tiers[i].above_input_tokens);
      out += ',';
      append_prices(out, price.tiers[i].rates);
      out += '}';
    }
    out += ']';
  }
  out += '}';
}

// "owned_by" and what the route stands for: a model's provider; an alias's or auto's models.
void append_openai_model(std::string& out, const Route& route) {
  out += R"({"id":)";
  append_json_string(out, route.id);
  out += R"(,"object":"model","created":0,"owned_by":)";
  if (route.kind == Route::Kind::model) {
    append_json_string(out, route.model->owned_by);
    if (route.model->context_length) {
      out += R"(,"context_length":)";
      out += std::to_string(*route.model->context_length);
    }
  } else {
    out += R"("tollgate","type":)";
    out += route.kind == Route::Kind::alias ? R"("alias")" : R"("auto")";
    if (!route.description.empty()) {
      out += R"(,"description":)";
      append_json_string(out, route.description);
    }
    out += R"(,"models":[)";
    for (std::size_t i = 0; i < route.members.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, route.members[i]->id);
    }
    out += ']';
  }
  out += R"(,"surfaces":[)";
  bool first = true;
  for (Surface surface : kSurfaces) {
    if (!route.allows(surface)) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, surface_name(surface));
  }
  out += ']';
  if (route.kind == Route::Kind::model) {
    if (route.capabilities) {
      out += R"(,"capabilities":[)";
      first = true;
      for (const auto& name : route.model->capabilities) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, name);
      }
      out += ']';
    }
    append_pricing(out, route.price);
  }
  out += '}';
}

std::optional<std::int64_t> context_length(const Route& route) {
  return route.model ? route.model->context_length : std::nullopt;
}

void append_anthropic_model(std::string& out, const Route& route) {
  out += R"({"type":"model","id":)";
  append_json_string(out, route.id);
  out += R"(,"display_name":)";
  append_json_string(out, route.id);
  out += R"(,"created_at":"1970-01-01T00:00:00Z","capabilities":null,"deprecated_at":null,)"
         R"("lifecycle":"active","line":null,"max_input_tokens":)";
  const auto length = context_length(route);
  out += length ? std::to_string(*length) : "null";
  out += R"(,"max_tokens":null,"retires_at":null})";
}

void append_gemini_model(std::string& out, const Route& route) {
  out += R"({"name":)";
  append_json_string(out, "models/" + route.id);
  out += R"(,"displayName":)";
  append_json_string(out, route.id);
  if (const auto length = context_length(route)) {
    out += R"(,"inputTokenLimit":)";
    out += std::to_string(*length);
  }
  out += R"(,"supportedGenerationMethods":["generateContent","streamGenerateContent"]})";
}

using AppendModel = void (*)(std::string&, const Route&);

struct CatalogShape {
  Surface surface;  // the models listed: those callable through it (chat: every model)
  AppendModel append;
  std::string_view list_open;
};

CatalogShape shape_of(ir::Format format) {
  switch (format) {
    case ir::Format::anthropic:
      return {Surface::messages, append_anthropic_model, R"({"data":[)"};
    case ir::Format::gemini:
      return {Surface::gemini, append_gemini_model, R"({"models":[)"};
    default:
      return {Surface::chat, append_openai_model, R"({"object":"list","data":[)"};
  }
}

bool listed(const Route& route, ir::Format format, Surface surface) {
  return format == ir::Format::openai_chat || route.allows(surface);
}

}  // namespace

boost::asio::awaitable<void> Gateway::models(RequestContext& ctx, std::string_view rest) {
  if (ctx.request.method != "GET") {
    co_await respond_error(ctx, 405, "Method not allowed: use GET", "method_not_allowed");
    co_return;
  }
  if (auto refusal = authenticate(ctx, services_)) co_return co_await refuse(ctx, *refusal);
  const CatalogShape shape = shape_of(ctx.format);

  if (rest.empty() || rest == "/") {
    std::string body(shape.list_open);
    const Route* first = nullptr;
    const Route* last = nullptr;
    for (const auto& route : catalog_.routes()) {
      if (!listed(route, ctx.format, shape.surface)) continue;
      if (last) body += ',';
      shape.append(body, route);
      if (!first) first = &route;
      last = &route;
    }
    body += ']';
    if (ctx.format == ir::Format::anthropic) {
      body += R"(,"has_more":false,"first_id":)";
      first ? append_json_string(body, first->id) : void(body += "null");
      body += R"(,"last_id":)";
      last ? append_json_string(body, last->id) : void(body += "null");
    }
    body += '}';
    co_await respond_json(ctx, 200, std::move(body));
    co_return;
  }

  std::string_view id = rest.substr(1);
  if (ctx.format == ir::Format::gemini && id.starts_with("models/")) id.remove_prefix(7);
  const Route* route = catalog_.find(id);
  if (route && listed(*route, ctx.format, shape.surface)) {
    std::string body;
    shape.append(body, *route);
    co_await respond_json(ctx, 200, std::move(body));
    co_return;
  }
  const Refusal refusal = model_not_found(catalog_, id);
  co_await refuse(ctx, refusal);
}

}  // namespace tollgate::gateway
