// A JSON value that satisfies a JSON schema: the arguments of the mock's tool calls and its
// structured-output replies. Placeholders by type: string "test", integer 1, number 1.5,
// boolean true, null null; enum and const give their (first) value; an object gets its required
// properties (every property when none is required); an array gets one item; anyOf / oneOf /
// allOf take their first schema; local "$ref"s ("#/...") are followed. Types are matched without
// regard to case, so Gemini's OpenAPI-style schemas ("OBJECT", "STRING") work too.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::mock {

// Minified JSON text. An empty or unparseable schema gives "{}". Nesting deeper than 32 levels
// and output beyond 4096 values are cut short with empty objects and arrays, so hostile
// (recursive or exploding) schemas stay cheap.
std::string sample_json(std::string_view schema);

}  // namespace tollgate::mock
