// The helpers every management endpoint shares (management_api.hpp): replies, the account a call
// acts on, request bodies, query strings, exact USD amounts, rate limits and timestamps.
#include "gateway/management_api.hpp"

#include "api/json_text.hpp"
#include "billing/wallet.hpp"
#include "store/accounts.hpp"
#include "store/ledger.hpp"

#include <simdjson.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace tollgate::gateway::management {

Reply Reply::json(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

Reply Reply::error(int status, std::string message, std::string code, std::string param) {
  Reply reply;
  reply.status = status;
  reply.message = std::move(message);
  reply.code = std::move(code);
  reply.param = std::move(param);
  return reply;
}

std::variant<int64_t, Reply> resolve_account(store::Database& db, const Caller& caller) {
  store::AccountStore accounts(db);
  if (caller.kind == CallerKind::admin) {
    if (!caller.account_name) return store::kDefaultAccountId;
    std::optional<store::Account> account = accounts.find_by_name(*caller.account_name);
    if (!account) {
      return Reply::error(404, "No account named \"" + *caller.account_name + "\".",
                          "account_not_found", "account");
    }
    return account->id;
  }
  if (caller.kind == CallerKind::session) {
    // The token may outlive its account's right to use it.
    std::optional<store::Account> account = accounts.find(caller.account_id);
    if (!account || account->disabled) {
      return Reply::error(401, "The session token's account is disabled or no longer exists.",
                          "invalid_token");
    }
  }
  return caller.account_id;
}

std::variant<boost::json::object, Reply> read_body(std::string_view body,
                                                   const std::vector<std::string_view>& allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return boost::json::object{};
  boost::system::error_code error;
  boost::json::value parsed = boost::json::parse(body, error);
  if (error) {
    return Reply::error(400, "The request body is not valid JSON: " + error.message() + ".",
                        "invalid_json");
  }
  if (!parsed.is_object()) {
    return Reply::error(400, "The request body must be a JSON object.", "invalid_type");
  }
  for (const auto& field : parsed.as_object()) {
    const std::string_view name = field.key();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message = "Unknown parameter: '" + api::json_escape(name) + "'. Known: ";
      for (std::size_t i = 0; i < allowed.size(); ++i) {
        if (i) message += ", ";
        message += allowed[i];
      }
      return Reply::error(400, message + ".", "unknown_parameter", std::string(name));
    }
  }
  return std::move(parsed.as_object());
}

namespace {

// The text of the JSON number at `pointer` in `body`, as written.
std::optional<std::string> raw_number_text(std::string_view body, std::string_view pointer) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document)) return std::nullopt;
  simdjson::ondemand::value value;
  if (document.at_pointer(pointer).get(value)) return std::nullopt;
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\r' ||
                            token.back() == '\n')) {
    token.remove_suffix(1);
  }
  return std::string(token);
}

}  // namespace

std::variant<billing::Micros, Reply> usd_field(const boost::json::value& field,
                                               std::string_view raw_body, std::string_view pointer,
                                               const std::string& param) {
  std::optional<std::string> text;
  if (field.is_string()) {
    text = std::string(field.as_string());
  } else if (field.is_number()) {
    text = raw_number_text(raw_body, pointer);
  }
  const std::optional<int64_t> micros = text ? config::parse_usd_micros(*text) : std::nullopt;
  if (!micros) {
    return Reply::error(400,
                        "'" + param +
                            "' must be a non-negative USD amount with at most 6 decimal places, "
                            "as a number or a decimal string (e.g. 25 or \"10.50\").",
                        "invalid_value", param);
  }
  return *micros;
}

std::variant<std::optional<std::string>, Reply> read_rate_limits(const boost::json::value& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (!value.is_object()) {
    return Reply::error(400, "'rate_limits' must be an object such as {\"rpm\": 60}, or null.",
                        "invalid_type", "rate_limits");
  }
  std::string json = "{";
  for (const auto& field : value.as_object()) {
    const std::string_view name = field.key();
    if (name != "rpm" && name != "tpm" && name != "concurrency") {
      return Reply::error(400,
                          "Unknown parameter: 'rate_limits." + api::json_escape(name) +
                              "' (use rpm, tpm or concurrency).",
                          "unknown_parameter", "rate_limits." + std::string(name));
    }
    const boost::json::value& limit = field.value();
    const bool whole = (limit.is_int64() && limit.as_int64() > 0) ||
                       (limit.is_uint64() && limit.as_uint64() > 0 &&
                        limit.as_uint64() <= static_cast<uint64_t>(INT64_MAX));
    if (!whole) {
      return Reply::error(
          400, "'rate_limits." + std::string(name) + "' must be a positive whole number.",
          "invalid_value", "rate_limits." + std::string(name));
    }
    if (json.size() > 1) json += ',';
    json += api::json_string(name) + ":" + std::to_string(limit.to_number<int64_t>());
  }
  return std::optional<std::string>(json + "}");
}

billing::Micros account_balance(store::Database& db, const Environment& env, int64_t account_id) {
  if (env.services.wallet) return env.services.wallet->balance(account_id);
  return store::LedgerStore(db).balance(account_id);
}

std::string iso_time(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds(unix_ms)};
  const sys_days day = floor<days>(time);
  const year_month_day date(day);
  const hh_mm_ss<milliseconds> clock(time - day);
  char text[40];
  std::snprintf(
      text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return text;
}

namespace {

// `count` decimal digits at text[at...] as a number, or -1.
int digits_at(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<int64_t> parse_iso_time(std::string_view text) {
  using namespace std::chrono;
  // 2026-02-18T06:59:10Z or 2026-02-18T06:59:10.031Z (1 to 3 fraction digits)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const int y = digits_at(text, 0, 4), mo = digits_at(text, 5, 2), d = digits_at(text, 8, 2);
  const int h = digits_at(text, 11, 2), mi = digits_at(text, 14, 2), s = digits_at(text, 17, 2);
  int millis = 0;
  if (text.size() > 20) {
    const std::size_t fraction = text.size() - 21;  // digits between '.' and 'Z'
    if (text[19] != '.' || fraction < 1 || fraction > 3) return std::nullopt;
    millis = digits_at(text, 20, fraction);
    for (std::size_t i = fraction; i < 3; ++i) millis *= 10;
  }
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 ||
      millis < 0) {
    return std::nullopt;
  }
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)),
                            day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  const auto time = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + milliseconds(millis);
  return duration_cast<milliseconds>(time.time_since_epoch()).count();
}

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string json_string_or_null(const std::optional<std::string>& text) {
  return text ? api::json_string(*text) : std::string("null");
}

}  // namespace tollgate::gateway::management
