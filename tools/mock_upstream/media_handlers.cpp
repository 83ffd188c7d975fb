#include "mock_upstream/media_handlers.hpp"

#include "mock_upstream/api_error.hpp"
#include "mock_upstream/auth.hpp"
#include "mock_upstream/base64.hpp"
#include "mock_upstream/content.hpp"
#include "mock_upstream/gzip.hpp"
#include "mock_upstream/json_read.hpp"
#include "mock_upstream/json_text.hpp"
#include "mock_upstream/mock_directives.hpp"
#include "mock_upstream/model_handler.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstring>
#include <vector>

namespace tollgate::mock {
namespace {

using namespace json_read;

constexpr int64_t kDefaultDimensions = 8;
constexpr int64_t kMaxDimensions = 4096;
constexpr int64_t kMaxImages = 10;
constexpr uint32_t kOutputTokensPerImage = 272;  // gpt-image-1, low quality, 1024x1024

// A 1×1 RGBA PNG.
constexpr unsigned char kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf0, 0xef, 0x3a, 0xf1, 0x1f, 0x00, 0x05, 0x6e, 0x02, 0xa1, 0x35, 0xd4,
    0x35, 0x66, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

std::string_view png_bytes() {
  return {reinterpret_cast<const char*>(kPng), sizeof kPng};
}

ApiError invalid_json() {
  return invalid_request("We could not parse the JSON body of your request.");
}

ApiError missing(std::string_view param) {
  return invalid_request("Missing required parameter: '" + std::string(param) + "'.", param,
                         "missing_required_parameter");
}

// Authentication, directives and the faults that ignore the body; nullopt once answered.
boost::asio::awaitable<std::optional<MockDirectives>> openai_prologue(net::HttpRequest& request,
                                                                      net::ResponseWriter& writer,
                                                                      MockContext& context) {
  note_request(request, context, WireFormat::openai);
  if (auto error = check_openai_key(request, context.options)) {
    co_await send_api_error(writer, *error);
    co_return std::nullopt;
  }
  auto directives = read_mock_directives(request.headers, context.options, context.sticky_fault);
  if (directives.has_error()) {
    co_await send_api_error(writer, directives.error());
    co_return std::nullopt;
  }
  if (answers_before_parsing(directives->fault)) {
    co_await answer_before_parsing(WireFormat::openai, directives->fault, *directives, writer,
                                   context.stopping);
    co_return std::nullopt;
  }
  co_return *directives;
}

// The reply, spoiled as the malformed-json and gzip faults ask (other faults do not apply).
boost::asio::awaitable<void> send_json_reply(net::ResponseWriter& writer, Fault fault,
                                             std::string body) {
  net::Headers headers;
  headers.push_back({"Content-Type", "application/json"});
  if (fault == Fault::malformed_json) body.resize(body.size() / 2);
  if (fault == Fault::gzip) {
    body = gzip_compress(body);
    headers.push_back({"Content-Encoding", "gzip"});
  }
  co_await writer.send(200, std::move(headers), std::move(body));
}

// ---- embeddings

struct EmbeddingsRequest {
  std::string model;
  std::vector<std::string> inputs;  // texts, or token arrays as their JSON text
  uint32_t prompt_tokens = 0;
  int64_t dimensions = kDefaultDimensions;
  bool base64 = false;
};

// One input: a string (its words count) or an array of token ids (each counts one).
bool read_embedding_input(dom::element value, EmbeddingsRequest& request) {
  std::string_view text;
  if (!value.get(text)) {
    request.inputs.emplace_back(text);
    request.prompt_tokens += count_words(text);
    return true;
  }
  dom::array tokens;
  if (value.get(tokens)) return false;
  for (dom::element token : tokens) {
    if (!token.is_int64()) return false;
  }
  request.inputs.push_back(minified(value));
  request.prompt_tokens += static_cast<uint32_t>(tokens.size());
  return true;
}

ApiError bad_input() {
  return invalid_request(
      "'input' must be a string, an array of strings, an array of tokens or an array of token "
      "arrays.",
      "input", "invalid_type");
}

boost::system::result<EmbeddingsRequest, ApiError> parse_embeddings(std::string& body) {
  auto root = parse_body(body);
  if (!root) return invalid_json();
  EmbeddingsRequest request;
  if (string_member(member(*root, "model")).empty()) return missing("model");
  request.model = string_member(member(*root, "model"));
  auto input = member(*root, "input");
  if (absent(input)) return missing("input");
  dom::array inputs;
  const bool single =
      input->is_string() || (!input->get(inputs) && inputs.size() > 0 && inputs.at(0).is_int64());
  if (single) {
    if (!read_embedding_input(*input, request)) return bad_input();
  } else {
    if (input->get(inputs) || inputs.size() == 0) return bad_input();
    for (dom::element item : inputs) {
      if (!read_embedding_input(item, request)) return bad_input();
    }
  }
  if (auto dimensions = member(*root, "dimensions"); !absent(dimensions)) {
    if (dimensions->get(request.dimensions) || request.dimensions < 1 ||
        request.dimensions > kMaxDimensions) {
      return invalid_request("Invalid 'dimensions': expected an integer from 1 to 4096.",
                             "dimensions", "invalid_value");
    }
  }
  const std::string_view format = string_member(member(*root, "encoding_format"));
  request.base64 = format == "base64";
  return request;
}

// Component `index` of the vector of `input`: a multiple of 2^-15 in [-1, 1), exact as a float.
float embedding_value(uint64_t input_hash, uint32_t index) {
  const char index_bytes[4] = {
      static_cast<char>(index & 0xFF), static_cast<char>((index >> 8) & 0xFF),
      static_cast<char>((index >> 16) & 0xFF), static_cast<char>((index >> 24) & 0xFF)};
  const uint64_t hash = mix64(fnv1a(std::string_view(index_bytes, 4), input_hash));
  return static_cast<float>(static_cast<int64_t>(hash >> 48) - 32768) / 32768.0f;
}

void append_embedding(std::string& out, std::string_view input, const EmbeddingsRequest& request) {
  const uint64_t input_hash = fnv1a(input);
  const auto dimensions = static_cast<uint32_t>(request.dimensions);
  if (request.base64) {
    std::string bytes(std::size_t{dimensions} * 4, '\0');
    for (uint32_t i = 0; i < dimensions; ++i) {
      const float value = embedding_value(input_hash, i);
      std::memcpy(bytes.data() + std::size_t{i} * 4, &value, 4);  // little-endian hosts only
    }
    out.push_back('"');
    out.append(base64_encode(bytes));
    out.push_back('"');
    return;
  }
  out.push_back('[');
  for (uint32_t i = 0; i < dimensions; ++i) {
    if (i > 0) out.push_back(',');
    char digits[32];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits,
                                   static_cast<double>(embedding_value(input_hash, i)));
    (void)ec;  // 32 characters hold any double
    out.append(digits, end);
  }
  out.push_back(']');
}

std::string embeddings_body(const EmbeddingsRequest& request) {
  std::string body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    if (i > 0) body.push_back(',');
    body.append(R"({"object":"embedding","index":)");
    append_uint(body, i);
    body.append(R"(,"embedding":)");
    append_embedding(body, request.inputs[i], request);
    body.push_back('}');
  }
  body.append(R"(],"model":)");
  append_json_string(body, request.model);
  body.append(R"(,"usage":{"prompt_tokens":)");
  append_uint(body, request.prompt_tokens);
  body.append(R"(,"total_tokens":)");
  append_uint(body, request.prompt_tokens);
  body.append("}}");
  return body;
}

// ---- images

struct ImageRequest {
  std::string model = "dall-e-2";
  uint32_t prompt_words = 0;
  int64_t count = 1;
  bool base64 = false;  // b64_json, else url
  bool gpt_image = false;
};

boost::system::result<ImageRequest, ApiError> parse_image_request(std::string& body) {
  auto root = parse_body(body);
  if (!root) return invalid_json();
  ImageRequest request;
  const std::string_view prompt = string_member(member(*root, "prompt"));
  if (prompt.empty()) return missing("prompt");
  request.prompt_words = count_words(prompt);
  if (auto model = string_member(member(*root, "model")); !model.empty()) request.model = model;
  request.gpt_image = request.model.rfind("gpt-image", 0) == 0;
  if (auto n = member(*root, "n"); !absent(n)) {
    if (n->get(request.count) || request.count < 1 || request.count > kMaxImages) {
      return invalid_request("Invalid 'n': expected an integer from 1 to 10.", "n",
                             "invalid_value");
    }
  }
  const std::string_view format = string_member(member(*root, "response_format"));
  if (request.gpt_image && !format.empty()) {
    return invalid_request("Unknown parameter: 'response_format'.", "response_format",
                           "unknown_parameter");
  }
  request.base64 = request.gpt_image || format == "b64_json";
  return request;
}

std::string image_body(const ImageRequest& request, std::string_view host) {
  std::string body = R"({"created":)";
  append_int(body, std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count());
  body.append(R"(,"data":[)");
  const std::string png = base64_encode(png_bytes());
  for (int64_t i = 0; i < request.count; ++i) {
    if (i > 0) body.push_back(',');
    if (request.base64) {
      body.append(R"({"b64_json":")").append(png).append("\"}");
    } else {
      body.append(R"({"url":)");
      append_json_string(body, "http://" + std::string(host) + "/_mock/image.png");
      body.push_back('}');
    }
  }
  body.push_back(']');
  if (request.gpt_image) {
    const uint64_t output = uint64_t{kOutputTokensPerImage} * static_cast<uint64_t>(request.count);
    body.append(R"(,"usage":{"input_tokens":)");
    append_uint(body, request.prompt_words);
    body.append(R"(,"output_tokens":)");
    append_uint(body, output);
    body.append(R"(,"total_tokens":)");
    append_uint(body, request.prompt_words + output);
    body.append(R"(,"input_tokens_details":{"text_tokens":)");
    append_uint(body, request.prompt_words);
    body.append(R"(,"image_tokens":0}})");
  }
  body.push_back('}');
  return body;
}

}  // namespace

boost::asio::awaitable<void> handle_embeddings(net::HttpRequest& request,
                                               net::ResponseWriter& writer, MockContext& context) {
  auto directives = co_await openai_prologue(request, writer, context);
  if (!directives) co_return;
  auto embeddings = parse_embeddings(request.body);
  if (embeddings.has_error()) {
    co_await send_api_error(writer, embeddings.error());
    co_return;
  }
  co_await send_json_reply(writer, directives->fault, embeddings_body(*embeddings));
}

boost::asio::awaitable<void> handle_image_generation(net::HttpRequest& request,
                                                     net::ResponseWriter& writer,
                                                     MockContext& context) {
  auto directives = co_await openai_prologue(request, writer, context);
  if (!directives) co_return;
  auto image = parse_image_request(request.body);
  if (image.has_error()) {
    co_await send_api_error(writer, image.error());
    co_return;
  }
  co_await send_json_reply(writer, directives->fault, image_body(*image, request.header("host")));
}

boost::asio::awaitable<void> send_mock_image(net::ResponseWriter& writer) {
  net::Headers headers;
  headers.push_back({"Content-Type", "image/png"});
  co_await writer.send(200, std::move(headers), std::string(png_bytes()));
}

}  // namespace tollgate::mock
