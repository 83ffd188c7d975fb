#include "mock_upstream/conversation.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace tollgate::mock {

std::string_view format_name(WireFormat format) {
  switch (format) {
    case WireFormat::openai:
      return "openai";
    case WireFormat::anthropic:
      return "anthropic";
    case WireFormat::gemini:
      return "gemini";
  }
  return "openai";
}

uint32_t Conversation::prompt_tokens() const {
  const uint64_t total = uint64_t{text_words} + uint64_t{message_units} * kPromptTokensPerMessage +
                         uint64_t{image_media_types.size()} * kPromptTokensPerImage +
                         uint64_t{tools.size()} * kPromptTokensPerTool;
  return static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX));
}

std::string image_media_type_of_url(std::string_view url) {
  constexpr std::string_view kData = "data:";
  if (url.substr(0, kData.size()) == kData) {
    const auto end = url.find_first_of(";,");
    return std::string(url.substr(
        kData.size(), end == std::string_view::npos ? std::string_view::npos : end - kData.size()));
  }
  const auto query = url.find_first_of("?#");
  std::string path(url.substr(0, query));
  std::transform(path.begin(), path.end(), path.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kExtensions = {{
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
  }};
  for (const auto& [extension, media_type] : kExtensions) {
    if (path.size() >= extension.size() &&
        path.compare(path.size() - extension.size(), extension.size(), extension) == 0) {
      return std::string(media_type);
    }
  }
  return "unknown";
}

}  // namespace tollgate::mock
