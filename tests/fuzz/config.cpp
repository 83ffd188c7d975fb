// Fuzzes the configuration loader (YAML parse, ${ENV} substitution, validation). A config file
// is operator input rather than network input, but it is parsed by a large C++ library and a
// crash at start-up is still a bug.
//
// Invariants:
//   - load_config_text either returns a Config or throws ConfigError with at least one issue;
//     any other exception (a yaml-cpp one escaping, std::out_of_range, ...) or a crash is a bug;
//   - it terminates (libFuzzer's -timeout catches a hang). yaml-cpp 0.7 loops forever in
//     YAML::LoadAll on a stray "," (yaml-cpp issue 1040); this target found it, and the loader
//     now bounds the document count instead (src/config/config.cpp);
//   - a returned Config is as validated as the header promises: at least one provider and one
//     model, unique provider names and model ids, every model's provider configured, every
//     base_url http(s), positive sizes and timeouts, non-negative prices.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "config/config.hpp"
#include "fuzz_check.hpp"

namespace {

using tollgate::config::Config;
using tollgate::config::ConfigError;

void check_config(const Config& config) {
  FUZZ_CHECK(!config.providers.empty());
  FUZZ_CHECK(!config.models.empty());
  FUZZ_CHECK(config.server.max_header_bytes > 0 && config.server.max_body_bytes > 0);
  FUZZ_CHECK(config.server.header_timeout.count() > 0 && config.server.body_timeout.count() > 0);
  FUZZ_CHECK(config.server.idle_timeout.count() > 0 && config.server.shutdown_grace.count() > 0);
  FUZZ_CHECK(!config.server.listen_host.empty());

  std::set<std::string, std::less<>> provider_names;
  for (const auto& provider : config.providers) {
    FUZZ_CHECK(!provider.name.empty());
    FUZZ_CHECK(provider_names.insert(provider.name).second);
    FUZZ_CHECK(provider.type == "openai" || provider.type == "anthropic" || provider.type == "gemini");
    FUZZ_CHECK(std::string_view(provider.base_url).starts_with("http://") ||
               std::string_view(provider.base_url).starts_with("https://"));
    FUZZ_CHECK(provider.timeouts.connect.count() > 0 && provider.timeouts.total.count() > 0);
    FUZZ_CHECK(provider.timeouts.first_byte.count() > 0 && provider.timeouts.idle.count() > 0);
  }
  std::set<std::string, std::less<>> model_ids;
  for (const auto& model : config.models) {
    FUZZ_CHECK(!model.id.empty());
    FUZZ_CHECK(model_ids.insert(model.id).second);
    FUZZ_CHECK(config.find_provider(model.provider) != nullptr);
    FUZZ_CHECK(config.find_model(model.id) == &model);
    FUZZ_CHECK(!model.upstream_model.empty());
    FUZZ_CHECK(!model.context_length || *model.context_length >= 1);
    FUZZ_CHECK(model.pricing.input_micros_per_m >= 0);
    FUZZ_CHECK(model.pricing.output_micros_per_m >= 0);
    FUZZ_CHECK(model.pricing.cached_input_micros_per_m >= 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const Config config = tollgate::config::load_config_text(text, "fuzz.yaml");
    check_config(config);
  } catch (const ConfigError& error) {
    FUZZ_CHECK(!error.issues().empty());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "load_config_text threw something other than ConfigError: %s\n",
                 error.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "load_config_text threw a non-std exception\n");
    std::abort();
  }
  return 0;
}
