// Standard base64 (RFC 4648, with padding): embedding vectors in `encoding_format: base64` and
// generated images in `b64_json`.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::mock {

std::string base64_encode(std::string_view bytes);

}  // namespace tollgate::mock
