// The gateway's configuration: what `tollgate serve --config FILE` reads.
// Loading substitutes ${ENV} references and validates everything up front; every problem is
// reported with its YAML path (e.g. "models[1].pricing.input_per_m") and a clear message.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::config {

using std::chrono::milliseconds;

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;  // 0 = pick a free port (printed at start-up)
  std::string admin_key;        // empty = admin API disabled
  unsigned threads = 0;         // 0 = one event loop per core
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  milliseconds header_timeout{10'000};  // whole request head must arrive within this
  milliseconds body_timeout{30'000};    // whole request body must arrive within this
  milliseconds idle_timeout{60'000};    // keep-alive connection with no request
  milliseconds shutdown_grace{
      15'000};                        // SIGTERM: in-flight requests/streams may finish within this
  std::string access_log = "stderr";  // "stderr", "off", or a file path (JSON lines)
};

struct StoreConfig {
  std::string sqlite_path = "./tollgate.db";
  // How long a usage row may wait for others before they are written in one transaction: longer
  // makes fewer, larger commits (less CPU and disk per row) and rows visible later.
  milliseconds usage_batch{20};
};

struct UpstreamTimeouts {
  milliseconds connect{5'000};
  milliseconds first_byte{60'000};  // from request sent to response head
  milliseconds idle{60'000};        // max gap between two body reads
  milliseconds total{600'000};      // whole exchange
};

struct ProviderConfig {
  std::string name;
  // Where the provider's servers are ("eu", "us-east", ...): the default region of the
  // deployments on it. Empty: none.
  std::string region;
  std::string type;      // wire format: "openai" (OpenAI-compatible), "anthropic" or "gemini"
  std::string base_url;  // e.g. "https://api.openai.com/v1" or "http://127.0.0.1:9099/v1"
  // Sent as "Authorization: Bearer <api_key>" (openai), "x-api-key" (anthropic) or
  // "x-goog-api-key" (gemini); may be empty.
  std::string api_key;
  std::string ca_file;   // optional extra CA bundle (PEM) for TLS verification
  bool tls_verify = true;
  UpstreamTimeouts timeouts;
  std::size_t max_idle_connections = 64;  // per event loop
  // Client request headers passed on to this provider, by case-insensitive name prefix
  // (e.g. "x-mock-" for the mock upstream's fault injection). Empty: none.
  std::vector<std::string> forward_headers;
  // openai only: the name of the token limit in translated requests, "max_completion_tokens"
  // (OpenAI's current name) or "max_tokens" (servers that only know the older one).
  std::string max_tokens_field = "max_completion_tokens";
};

// Prices are exact decimals as written in the config (e.g. "0.15" USD per 1M tokens), kept as
// integer micro-USD so nothing is ever rounded through a double. billing::price_of turns them
// into the pricing engine's ModelPrice.

// Long-context rates: they apply to a whole request whose input tokens exceed the threshold.
struct PricingTier {
  int64_t above_input_tokens = 0;
  int64_t input_micros_per_m = 0;
  int64_t output_micros_per_m = 0;
  int64_t cached_input_micros_per_m = 0;  // cache_read_per_m; defaults to the tier's input price
  int64_t cache_write_micros_per_m = 0;   // defaults to the tier's input price
};

struct Pricing {
  int64_t input_micros_per_m = 0;
  int64_t output_micros_per_m = 0;
  // `cache_read_per_m` (alias `cached_input_per_m`); defaults to the input price.
  int64_t cached_input_micros_per_m = 0;
  int64_t cache_write_micros_per_m = 0;  // defaults to the input price
  std::vector<PricingTier> tiers{};      // ascending above_input_tokens, each threshold once
  int64_t per_request_micros = 0;
  int64_t per_image_micros = 0;
  int64_t video_per_second_micros = 0;
  // Clip length in seconds → price of one clip; when set, video_per_second is 0.
  std::map<int64_t, int64_t> video_duration_micros{};
};

// One place a model is served: a provider with its upstream model name, and how the router
// treats it. A model without a `deployments` list has exactly one, made from its own `provider`
// and `upstream_model`.
struct DeploymentConfig {
  std::string name;            // unique; defaults to "<model id>@<provider>" ("#2", "#3" if repeated)
  std::string provider;        // ProviderConfig::name
  std::string upstream_model;  // defaults to the model's upstream_model
  std::string region;          // defaults to the provider's region
  int priority = 0;            // lower is tried first; 0..1000
  std::uint32_t weight = 1;    // share of traffic within its priority; 1..1'000'000
  std::optional<int64_t> rpm;  // this deployment's own requests-per-minute cap
  std::optional<int64_t> tpm;  // and tokens-per-minute cap
  // Fully resolved: the provider's timeouts, overridden by the model's `timeouts`, overridden by
  // the deployment's own `timeouts` (each field separately).
  UpstreamTimeouts timeouts;
};

// What a model can do, for `model: "auto"` (config `capabilities`).
inline constexpr std::string_view kCapabilityNames = "tools, vision or structured_output";
bool is_capability_name(std::string_view name);

struct ModelConfig {
  std::string id;              // public id clients use
  std::string provider;        // ProviderConfig::name
  std::string upstream_model;  // defaults to id
  std::optional<int64_t> context_length;
  Pricing pricing;
  std::string owned_by;  // shown in /v1/models; defaults to provider name
  // The inbound APIs the model may be called through: "chat" (/v1/chat/completions), "messages"
  // (/v1/messages), "responses" (/v1/responses), "gemini" (/v1beta/models/...:generateContent),
  // "embeddings" (/v1/embeddings), "images" (/v1/images/generations).
  std::vector<std::string> surfaces{"chat", "messages", "responses", "gemini"};
  // "tools" (function calling), "vision" (image inputs), "structured_output" (JSON schema).
  // `auto` only picks a model for a request that needs one of these when it lists it.
  std::vector<std::string> capabilities{};
  // Never empty after loading (see DeploymentConfig); `provider` and `upstream_model` above are
  // the first deployment's.
  std::vector<DeploymentConfig> deployments{};
};

// Every surface name a model's `surfaces` may list, for messages.
inline constexpr std::string_view kSurfaceNames =
    "chat, messages, responses, gemini, embeddings or images";
bool is_surface_name(std::string_view name);

// When a response waits for its ledger entries to be on disk.
enum class Durability : uint8_t {
  batched,  // group commit in the background; a crash may lose the last few milliseconds
  sync,     // the response waits for the commit
};

// The top-level `billing:` section: wallets, reservations and the rules every price follows.
struct BillingConfig {
  bool enabled = false;  // false: usage is metered and priced, no wallet is charged
  Durability durability = Durability::batched;
  int64_t default_max_tokens = 4096;  // output tokens reserved when a request sets no limit
  int64_t min_reserve_micros = 100;   // the smallest reservation (USD 0.0001)
  int64_t min_charge_micros = 0;      // a non-zero cost below this is raised to it
  int64_t credits_per_usd = 2'000'000;
  int64_t markup_ppm = 1'000'000;  // multiplier on every price, in parts per million (1.0)
  int batch_discount_percent = 50;
  int64_t byok_fee_micros_per_m = 500'000;  // per 1M tokens sent with the client's own key
  int64_t low_balance_micros = 0;           // warn when a balance falls below this; 0 = never
};

// The top-level `auth:` section: account sessions for the account endpoints (management API).
struct AuthConfig {
  bool registration = false;  // POST /auth/register open to anyone; off: it answers 404
  // HS256 key for the session tokens /auth/login issues (at least 32 bytes). Required when
  // registration is on; empty: no sessions (login answers 404, JWTs are refused).
  std::string jwt_secret;
  int64_t token_ttl_seconds = 86'400;  // how long a session token is valid
};

// The top-level `routing:` section: how a request's deployments are chosen and retried.
enum class RoutingStrategy : uint8_t {
  weighted,       // within a priority, a weighted random order
  least_latency,  // within a priority, lowest recent time-to-first-byte (EWMA) first
};

// A public id standing for an ordered list of models (e.g. "smart-code"): the first model's
// deployments are tried first, then the next model's, and so on.
struct AliasConfig {
  std::string id;
  std::vector<std::string> models;  // ModelConfig ids, at least one
  std::string description;
};

struct RoutingConfig {
  RoutingStrategy strategy = RoutingStrategy::weighted;
  // retries: attempts per request across all candidates (1 = no retry)
  int max_attempts = 3;
  milliseconds backoff{50};             // before retrying a deployment already tried; doubles
  milliseconds max_backoff{2'000};
  milliseconds max_retry_after{10'000};  // a longer retry-after: not retried in this request
  // breaker: consecutive failures that open a deployment's breaker, and how long it stays open
  // before one probe request is let through (half-open).
  int breaker_failures = 5;
  milliseconds breaker_cooldown{30'000};
  std::vector<AliasConfig> aliases;
  // `model: "auto"`: the cheapest capable model among `auto_models` (empty: every model).
  bool auto_enabled = true;
  std::vector<std::string> auto_models;
};

// The top-level `byok:` section: keys may carry their own provider credentials, stored
// encrypted (AES-256-GCM) with this master key.
struct ByokConfig {
  std::string master_key;  // 64 hex digits (32 bytes); empty: BYOK credentials are refused
};

struct Config {
  ServerConfig server;
  StoreConfig store;
  BillingConfig billing;
  AuthConfig auth;
  RoutingConfig routing;
  ByokConfig byok;
  std::vector<ProviderConfig> providers;
  std::vector<ModelConfig> models;

  const ProviderConfig* find_provider(std::string_view name) const;
  const ModelConfig* find_model(std::string_view id) const;
};

// One problem found in a config file.
struct ConfigIssue {
  std::string path;     // "providers[0].base_url"
  std::string message;  // "must start with http:// or https://"
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigIssue> issues);
  const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

// Reads, substitutes ${ENV} and ${ENV:-default}, validates. Throws ConfigError listing every
// problem found (not just the first). `source_name` is used in messages (the file path).
Config load_config_file(const std::string& path);
Config load_config_text(const std::string& yaml_text, const std::string& source_name = "<config>");

// Parses a decimal USD string such as "0.15" or "2" into micro-USD; nullopt if not a
// non-negative decimal with at most 6 fractional digits.
std::optional<int64_t> parse_usd_micros(std::string_view text);

}  // namespace tollgate::config
