#include "gateway/select.hpp"

#include "billing/pricing.hpp"
#include "gateway/loop_state.hpp"
#include "gateway/respond.hpp"
#include "routing/router.hpp"

#include <algorithm>
#include <array>

namespace tollgate::gateway {

namespace {

constexpr std::size_t kMaxModels = 32;

bool has_image(const std::vector<ir::Part>& parts) {
  for (const ir::Part& part : parts) {
    if (part.kind == ir::Part::Kind::image) return true;
    if (part.kind == ir::Part::Kind::tool_result && has_image(part.content)) return true;
  }
  return false;
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether the key may use `model` when it asked for `route` (an alias or "auto" the key lists
// covers its models).
bool key_allows(const auth::AuthenticatedKey& key, const Route& route, const Route& model) {
  const auto& allowed = key.allowed_models;
  return allowed.empty() || listed(allowed, model.id) ||
         (route.kind != Route::Kind::model && listed(allowed, route.id));
}

std::string capability_list(std::uint8_t bits) {
  std::string out;
  auto add = [&](std::uint8_t bit, std::string_view name) {
    if (!(bits & bit)) return;
    if (!out.empty()) out += ", ";
    out += name;
  };
  add(kTools, "tools");
  add(kVision, "vision");
  add(kStructuredOutput, "structured output");
  return out;
}

// The models to try, in order, and why there are none when so.
struct Candidates {
  std::array<const Route*, kMaxModels> models{};
  std::size_t size = 0;
  bool surface_refused = false;  // some model was left out for the surface
  bool key_refused = false;      // ... because the key may not use it
  bool unable = false;           // ... because it lacks what the request needs (auto)

  void push(const Route* model) {
    if (size < kMaxModels) models[size++] = model;
  }
};

// Auto: the cheapest first — the request's estimated cost at each model's prices.
void sort_by_price(Candidates& candidates, const RequestContext& ctx, const Services& services) {
  const std::int64_t input = static_cast<std::int64_t>((ctx.prompt_chars + 3) / 4);
  const std::int64_t output = ctx.max_tokens.value_or(services.billing.default_max_tokens);
  std::array<billing::Micros, kMaxModels> cost{};
  for (std::size_t i = 0; i < candidates.size; ++i) {
    cost[i] = billing::request_cost(candidates.models[i]->price, {.input = input, .output = output},
                                    billing::kMarkupOne);
  }
  std::array<std::size_t, kMaxModels> order{};
  for (std::size_t i = 0; i < candidates.size; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.begin() + candidates.size,
                   [&](std::size_t a, std::size_t b) { return cost[a] < cost[b]; });
  Candidates sorted = candidates;
  for (std::size_t i = 0; i < candidates.size; ++i) sorted.models[i] = candidates.models[order[i]];
  candidates = sorted;
}

Candidates candidates_of(const RequestContext& ctx, const Services& services, Surface surface) {
  const Route& route = *ctx.route;
  Candidates out;
  if (route.kind == Route::Kind::model) {
    if (!key_allows(*ctx.key, route, route)) {
      out.key_refused = true;
    } else {
      out.push(&route);
    }
    return out;
  }
  const Needs needs = route.kind == Route::Kind::automatic ? needs_of(ctx) : Needs{};
  for (const Route* model : route.members) {
    if (!model->allows(surface)) {
      out.surface_refused = true;
    } else if (!key_allows(*ctx.key, route, *model)) {
      out.key_refused = true;
    } else if ((model->capabilities & needs.capabilities) != needs.capabilities ||
               (model->model->context_length &&
                *model->model->context_length < needs.context_tokens)) {
      out.unable = true;
    } else {
      out.push(model);
    }
  }
  if (route.kind == Route::Kind::automatic) sort_by_price(out, ctx, services);
  return out;
}

}  // namespace

Needs needs_of(const RequestContext& ctx) {
  Needs needs;
  needs.context_tokens = static_cast<std::int64_t>((ctx.prompt_chars + 3) / 4) +
                         ctx.max_tokens.value_or(0);
  if (!ctx.ir_decoded) return needs;
  const ir::Request& request = ctx.ir;
  if (!request.tools.empty()) needs.capabilities |= kTools;
  if (request.response_format.type == ir::ResponseFormat::Type::json_schema) {
    needs.capabilities |= kStructuredOutput;
  }
  for (const ir::Message& message : request.messages) {
    if (has_image(message.parts)) {
      needs.capabilities |= kVision;
      break;
    }
  }
  return needs;
}

Verdict select(RequestContext& ctx, Services& services, Surface surface) {
  const Route& route = *ctx.route;
  const Candidates candidates = candidates_of(ctx, services, surface);
  if (candidates.size == 0) {
    ir::Error error;
    if (candidates.key_refused && !candidates.unable) {
      error = ir::make_error(403, "This API key may not use the model `" + route.id + "`.",
                             "model_not_allowed", "model");
    } else if (route.kind == Route::Kind::automatic) {
      const Needs needs = needs_of(ctx);
      std::string message = "No model can serve this request through " +
                            std::string(surface_path(surface)) + " for `auto`";
      if (needs.capabilities) message += ": it needs " + capability_list(needs.capabilities);
      message += " and a context of about " + std::to_string(needs.context_tokens) + " tokens.";
      error = ir::make_error(400, std::move(message), "no_capable_model", "model");
    } else {
      error = ir::make_error(400,
                             "No model of `" + route.id + "` can be called through " +
                                 std::string(surface_path(surface)) + ".",
                             "unsupported_surface", "model");
    }
    return Refusal{std::move(error), {}};
  }

  // Regions: the key's policy restricts, the request's header prefers.
  routing::Preferences preferences;
  const Catalog& catalog = *services.catalog;
  if (!ctx.key->regions.empty()) {
    preferences.allowed.bits = 0;
    for (const auto& name : ctx.key->regions) {
      if (std::uint8_t id = catalog.region_id(name)) preferences.allowed.bits |= 1ull << id;
    }
  }
  if (std::string_view wanted = ctx.request.header(kRegionHeader); !wanted.empty()) {
    preferences.preferred = catalog.region_id(wanted);
    if (preferences.preferred == 0) {
      std::string known;
      for (const auto& name : catalog.regions()) {
        if (!known.empty()) known += ", ";
        known += name;
      }
      return turn_away(400,
                       "Unknown region `" + std::string(wanted) + "` in " +
                           std::string(kRegionHeader) +
                           (known.empty() ? std::string(": no deployment has a region.")
                                          : "; the regions are: " + known + "."),
                       "invalid_region");
    }
  }

  // A request with one deployment to go to is sent there whatever its health (Preferences::sole).
  std::size_t reachable = 0;
  for (std::size_t i = 0; i < candidates.size; ++i) {
    for (std::uint16_t d : candidates.models[i]->deployments) {
      reachable += preferences.allowed.contains(catalog.deployments()[d].region) ? 1 : 0;
    }
  }
  preferences.sole = ctx.sole_deployment = reachable == 1;

  routing::Router& router = *services.router;
  const auto now = routing::Clock::now();
  ctx.plan = {};
  for (std::size_t i = 0; i < candidates.size; ++i) {
    router.order(candidates.models[i]->deployments, preferences, ctx.loop.rng(), now, ctx.plan);
  }
  if (ctx.plan.size == 0) {
    // Nothing usable: outside the key's regions, or every deployment is out for now.
    bool in_region = false;
    std::array<std::uint16_t, routing::kMaxCandidates> all{};
    std::size_t count = 0;
    for (std::size_t i = 0; i < candidates.size; ++i) {
      for (std::uint16_t d : candidates.models[i]->deployments) {
        if (preferences.allowed.contains(router.info(d).region)) {
          in_region = true;
          if (count < all.size()) all[count++] = d;
        }
      }
    }
    if (!in_region) {
      return turn_away(403,
                       "This API key may only be routed to deployments in its regions, and `" +
                           route.id + "` has none there.",
                       "region_not_allowed", "model");
    }
    const auto wait = router.next_available({all.data(), count}, now) - now;
    const auto seconds = std::max<std::int64_t>(
        1, std::chrono::ceil<std::chrono::seconds>(wait).count());
    Refusal refusal = turn_away(503,
                                "Every deployment of `" + route.id +
                                    "` is failing or at its limits right now; try again in " +
                                    std::to_string(seconds) + " s.",
                                "no_healthy_deployment");
    refusal.headers.push_back({"retry-after", std::to_string(seconds)});
    return refusal;
  }
  ctx.deployment = &catalog.deployments()[ctx.plan.deployments[0]];
  return std::nullopt;
}

}  // namespace tollgate::gateway
