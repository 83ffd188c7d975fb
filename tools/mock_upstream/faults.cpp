#include "mock_upstream/faults.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/delays.hpp"
#include "mock_upstream/mock_directives.hpp"

#include <array>
#include <string>
#include <utility>

namespace tollgate::mock {
namespace {

constexpr std::array<std::pair<std::string_view, Fault>, 15> kFaultNames = {{
    {"", Fault::none},
    {"reset", Fault::reset},
    {"close", Fault::close},
    {"timeout", Fault::timeout},
    {"429", Fault::rate_limited},
    {"500", Fault::server_error},
    {"503", Fault::unavailable},
    {"529", Fault::overloaded},
    {"400", Fault::bad_request},
    {"malformed-json", Fault::malformed_json},
    {"malformed-sse", Fault::malformed_sse},
    {"cut-stream", Fault::cut_stream},
    {"stream-error", Fault::stream_error},
    {"slow-headers", Fault::slow_headers},
    {"gzip", Fault::gzip},
}};

ApiError openai_fault_error(Fault fault) {
  switch (fault) {
    case Fault::rate_limited:
      return api_error(429, "requests", "Rate limit reached for requests (x-mock-fault: 429).",
                       "rate_limit_exceeded");
    case Fault::server_error:
      return api_error(500, "server_error",
                       "The server had an error while processing your request. Sorry about that! "
                       "(x-mock-fault: 500)");
    case Fault::unavailable:
    case Fault::overloaded:
      return api_error(503, "server_error",
                       "The engine is currently overloaded, please try again later. "
                       "(x-mock-fault: " +
                           std::string(fault == Fault::overloaded ? "529" : "503") + ")");
    default:
      return api_error(400, "invalid_request_error",
                       "The upstream rejected this request (x-mock-fault: 400).");
  }
}

ApiError anthropic_fault_error(Fault fault) {
  switch (fault) {
    case Fault::rate_limited:
      return api_error(429, "rate_limit_error",
                       "Number of requests has exceeded your rate limit (x-mock-fault: 429).");
    case Fault::server_error:
      return api_error(500, "api_error", "Internal server error (x-mock-fault: 500).");
    case Fault::unavailable:
      return api_error(503, "api_error", "Service unavailable (x-mock-fault: 503).");
    case Fault::overloaded:
      return api_error(529, "overloaded_error", "Overloaded (x-mock-fault: 529).");
    default:
      return api_error(400, "invalid_request_error",
                       "The upstream rejected this request (x-mock-fault: 400).");
  }
}

ApiError gemini_fault_error(Fault fault) {
  switch (fault) {
    case Fault::rate_limited:
      return api_error(429, "RESOURCE_EXHAUSTED",
                       "Resource has been exhausted (e.g. check quota). (x-mock-fault: 429)");
    case Fault::server_error:
      return api_error(500, "INTERNAL",
                       "An internal error has occurred. Please retry or report in "
                       "https://developers.generativeai.google/guide/troubleshooting "
                       "(x-mock-fault: 500)");
    case Fault::unavailable:
    case Fault::overloaded:
      return api_error(503, "UNAVAILABLE",
                       "The model is overloaded. Please try again later. (x-mock-fault: " +
                           std::string(fault == Fault::overloaded ? "529" : "503") + ")");
    default:
      return api_error(400, "INVALID_ARGUMENT",
                       "The upstream rejected this request (x-mock-fault: 400).");
  }
}

}  // namespace

std::optional<Fault> parse_fault(std::string_view name) {
  for (const auto& [known, fault] : kFaultNames) {
    if (known == name) return fault;
  }
  return std::nullopt;
}

std::string_view fault_name(Fault fault) {
  for (const auto& [name, known] : kFaultNames) {
    if (known == fault) return name;
  }
  return {};
}

std::string_view known_fault_names() {
  static const std::string names = [] {
    std::string joined;
    for (const auto& [name, fault] : kFaultNames) {
      if (fault == Fault::none) continue;
      if (!joined.empty()) joined += ", ";
      joined += name;
    }
    return joined;
  }();
  return names;
}

ApiError fault_error(WireFormat format, Fault fault) {
  switch (format) {
    case WireFormat::anthropic:
      return anthropic_fault_error(fault);
    case WireFormat::gemini:
      return gemini_fault_error(fault);
    case WireFormat::openai:
      break;
  }
  return openai_fault_error(fault);
}

ApiError stream_fault_error(WireFormat format) {
  switch (format) {
    case WireFormat::anthropic:
      return api_error(529, "overloaded_error", "Overloaded (x-mock-fault: stream-error).");
    case WireFormat::gemini:
      return api_error(503, "UNAVAILABLE",
                       "The model is overloaded. Please try again later. "
                       "(x-mock-fault: stream-error)");
    case WireFormat::openai:
      break;
  }
  return api_error(500, "server_error",
                   "The server had an error while processing your request. "
                   "(x-mock-fault: stream-error)");
}

boost::asio::awaitable<void> answer_before_parsing(WireFormat format, Fault fault,
                                                   const MockDirectives& directives,
                                                   net::ResponseWriter& writer,
                                                   const std::atomic<bool>& stopping) {
  using namespace std::chrono_literals;
  switch (fault) {
    case Fault::reset:
      writer.abort_connection();  // RST
      co_return;
    case Fault::close:
      writer.close_after_response();  // no response, then FIN
      co_return;
    case Fault::timeout:
      // The client cannot be watched without writing to it, so wait for an hour or shutdown.
      co_await sleep_unless_stopping(1h, stopping);
      writer.abort_connection();
      co_return;
    default:
      break;
  }
  net::Headers headers;
  if (fault == Fault::rate_limited) {
    headers.push_back({"retry-after", directives.retry_after.value_or("1")});
  } else if (takes_retry_after(fault) && directives.retry_after) {
    headers.push_back({"retry-after", *directives.retry_after});
  }
  co_await send_api_error(writer, format, fault_error(format, fault), std::move(headers));
}

}  // namespace tollgate::mock
