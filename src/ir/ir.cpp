#include "ir/ir.hpp"

namespace tollgate::ir {

std::string_view to_string(Format format) {
  switch (format) {
    case Format::openai_chat: return "openai";
    case Format::openai_responses: return "openai-responses";
    case Format::anthropic: return "anthropic";
    case Format::gemini: return "gemini";
  }
  return "unknown";
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
  }
  return "unknown";
}

std::string_view to_string(StopReason reason) {
  switch (reason) {
    case StopReason::unset: return "unset";
    case StopReason::end_turn: return "end_turn";
    case StopReason::max_tokens: return "max_tokens";
    case StopReason::stop_sequence: return "stop_sequence";
    case StopReason::tool_use: return "tool_use";
    case StopReason::content_filter: return "content_filter";
    case StopReason::pause_turn: return "pause_turn";
    case StopReason::error: return "error";
  }
  return "unknown";
}

std::int64_t effort_to_budget(std::string_view effort) {
  if (effort == "minimal") return 512;
  if (effort == "low") return 1024;
  if (effort == "high") return 24576;
  if (effort == "xhigh") return 32768;
  if (effort == "max") return 65536;
  return 8192;  // medium, and anything unknown
}

std::string_view budget_to_effort(std::int64_t budget) {
  if (budget <= 768) return "minimal";
  if (budget <= 4096) return "low";
  if (budget <= 16384) return "medium";
  return "high";
}

Error::Kind kind_for_status(int status) {
  switch (status) {
    case 400: return Error::Kind::invalid_request;
    case 401: return Error::Kind::authentication;
    case 402: return Error::Kind::payment_required;
    case 403: return Error::Kind::permission;
    case 404: return Error::Kind::not_found;
    case 413: return Error::Kind::request_too_large;
    case 429: return Error::Kind::rate_limit;
    case 503:
    case 529: return Error::Kind::overloaded;
    case 504: return Error::Kind::timeout;
    default: break;
  }
  if (status >= 400 && status < 500) return Error::Kind::invalid_request;
  return Error::Kind::api_error;
}

Error make_error(int status, std::string message, std::string code, std::string param) {
  Error e;
  e.kind = kind_for_status(status);
  e.status = status;
  e.message = std::move(message);
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

namespace {

std::string_view family_name(Format family) {
  switch (family) {
    case Format::openai_chat: return "an OpenAI-compatible";
    case Format::openai_responses: return "an OpenAI Responses";
    case Format::anthropic: return "an Anthropic";
    case Format::gemini: return "a Gemini";
  }
  return "this";
}

}  // namespace

Error unsupported_extra(const Extra& extra, Format family) {
  std::string message = "Parameter '" + extra.name + "' is not supported by this model: it is served by ";
  message += family_name(family);
  message += " upstream, which has no equivalent.";
  return make_error(400, std::move(message), "unsupported_parameter", extra.name);
}

Error unsupported(std::string param, std::string_view what, Format family) {
  std::string message(what);
  message += " is not supported by this model: it is served by ";
  message += family_name(family);
  message += " upstream.";
  return make_error(400, std::move(message), "unsupported_parameter", std::move(param));
}

}  // namespace tollgate::ir
