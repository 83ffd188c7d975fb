// Replacing one string value inside a JSON document without re-serialising the rest, for the
// passthrough paths: the public model id goes back into an upstream's response ("model",
// "message.model", "modelVersion") while every other byte stays as the upstream wrote it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::api {

// `json` with the string at `pointer` (RFC 6901, e.g. "/message/model") replaced by `value`.
// nullopt when `json` is not valid JSON up to that value or the value there is not a string;
// the rest of the document after it is not validated.
std::optional<std::string> replace_string_at(std::string_view json, std::string_view pointer,
                                             std::string_view value);

}  // namespace tollgate::api
