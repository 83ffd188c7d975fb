#include "mock_upstream/fault_endpoint.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/json_read.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <utility>

namespace tollgate::mock {
namespace {

using namespace json_read;

ApiError bad_setting(std::string message, std::string_view param = {}) {
  return invalid_request(std::move(message), param, "mock_bad_directive");
}

// The value becomes a response header: printable ASCII only, so that a test cannot split the
// response by accident.
bool header_safe(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Every member is checked, and an unknown one is refused, so that a typo fails the test that
// made it instead of leaving the mock healthy.
boost::system::result<StickyFaultSetting, ApiError> read_setting(std::string& body) {
  auto root = parse_body(body);
  dom::object object;
  if (!root || root->get(object)) {
    return bad_setting(R"(The body must be a JSON object such as {"fault":"500","count":2}.)");
  }
  StickyFaultSetting setting;
  bool fault_given = false;
  for (const auto [key, value] : object) {
    if (value.is_null()) {
      fault_given = fault_given || key == "fault";
      continue;
    }
    if (key == "fault") {
      fault_given = true;
      std::string_view name;
      const auto fault = value.get(name) ? std::nullopt : parse_fault(name);
      if (!fault || *fault == Fault::none) {
        return bad_setting("Unknown fault " + minified(value) + ". Known: " +
                               std::string(known_fault_names()) + ", or null to clear.",
                           "fault");
      }
      setting.fault = *fault;
    } else if (key == "count") {
      uint64_t count = 0;
      if (value.get(count) || count == 0) {
        return bad_setting("'count' must be a whole number of at least 1 (absent: until cleared).",
                           "count");
      }
      setting.remaining = count;
    } else if (key == "retry_after") {
      std::string_view text;
      uint64_t seconds = 0;
      if (!value.get(text) && header_safe(text)) {
        setting.retry_after = std::string(text);
      } else if (!value.get(seconds)) {
        setting.retry_after = std::to_string(seconds);
      } else {
        return bad_setting("'retry_after' must be a whole number or a printable string.",
                           "retry_after");
      }
    } else {
      return bad_setting("Unknown member '" + std::string(key) +
                         "' (use fault, count and retry_after).");
    }
  }
  if (!fault_given) {
    return bad_setting("'fault' is required: a fault name, or null to clear.", "fault");
  }
  if (setting.fault == Fault::none) return StickyFaultSetting{};  // a count alone means nothing
  if (setting.retry_after && !takes_retry_after(setting.fault)) {
    return bad_setting("'retry_after' applies only to the 429, 503 and 529 faults.", "retry_after");
  }
  return setting;
}

boost::asio::awaitable<void> send_setting(net::ResponseWriter& writer,
                                          const StickyFaultSetting& setting) {
  net::Headers headers;
  headers.push_back({"Content-Type", "application/json"});
  std::string body = sticky_fault_json(setting);
  co_await writer.send(200, std::move(headers), std::move(body));
}

}  // namespace

boost::asio::awaitable<void> handle_fault_endpoint(net::HttpRequest& request,
                                                   net::ResponseWriter& writer,
                                                   MockContext& context) {
  if (request.method == "GET") {
    const StickyFaultSetting current = context.sticky_fault.current();
    co_await send_setting(writer, current);
    co_return;
  }
  StickyFaultSetting setting;  // DELETE: the empty setting clears
  if (request.method == "POST") {
    auto read = read_setting(request.body);
    if (read.has_error()) {
      co_await send_api_error(writer, read.error());
      co_return;
    }
    setting = std::move(*read);
  }
  // Answered from the setting itself: requests on other threads may already be counting it down.
  context.sticky_fault.set(setting);
  co_await send_setting(writer, setting);
}

}  // namespace tollgate::mock
