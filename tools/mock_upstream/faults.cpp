#include "mock_upstream/faults.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/delays.hpp"
#include "mock_upstream/mock_directives.hpp"

#include <array>
#include <string>
#include <utility>

namespace tollgate::mock {

std::optional<Fault> parse_fault(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Fault>, 13> kFaults = {{
      {"", Fault::none},
      {"reset", Fault::reset},
      {"close", Fault::close},
      {"timeout", Fault::timeout},
      {"429", Fault::rate_limited},
      {"500", Fault::server_error},
      {"503", Fault::unavailable},
      {"400", Fault::bad_request},
      {"malformed-json", Fault::malformed_json},
      {"malformed-sse", Fault::malformed_sse},
      {"cut-stream", Fault::cut_stream},
      {"slow-headers", Fault::slow_headers},
      {"gzip", Fault::gzip},
  }};
  for (const auto& [known, fault] : kFaults) {
    if (known == name) return fault;
  }
  return std::nullopt;
}

boost::asio::awaitable<void> answer_before_parsing(Fault fault, const MockDirectives& directives,
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
    case Fault::rate_limited: {
      net::Headers headers;
      headers.push_back({"retry-after", std::string(directives.retry_after)});
      const ApiError error =
          api_error(429, "requests", "Rate limit reached for requests (x-mock-fault: 429).",
                    "rate_limit_exceeded");
      co_await send_api_error(writer, error, std::move(headers));
      co_return;
    }
    case Fault::server_error: {
      const ApiError error = api_error(500, "server_error",
                                       "The server had an error while processing your request. "
                                       "Sorry about that! (x-mock-fault: 500)");
      co_await send_api_error(writer, error);
      co_return;
    }
    case Fault::unavailable: {
      const ApiError error = api_error(503, "server_error",
                                       "The engine is currently overloaded, please try again "
                                       "later. (x-mock-fault: 503)");
      co_await send_api_error(writer, error);
      co_return;
    }
    case Fault::bad_request: {
      const ApiError error = api_error(400, "invalid_request_error",
                                       "The upstream rejected this request (x-mock-fault: 400).");
      co_await send_api_error(writer, error);
      co_return;
    }
    default: {
      const ApiError error =
          api_error(500, "server_error", "mock: this fault is not answered before parsing");
      co_await send_api_error(writer, error);
      co_return;
    }
  }
}

}  // namespace tollgate::mock
