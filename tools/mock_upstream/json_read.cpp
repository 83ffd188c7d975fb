#include "mock_upstream/json_read.hpp"

namespace tollgate::mock::json_read {

std::optional<dom::element> parse_body(std::string& body) {
  // Zeroed padding (not whatever the string's spare capacity held), then back to the body.
  const std::size_t size = body.size();
  body.append(simdjson::SIMDJSON_PADDING, '\0');
  body.resize(size);
  // One parser per loop thread: it keeps its buffers between requests. Parsing never suspends,
  // so no other request on this thread can use it meanwhile.
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(body.data(), size, false).get(root)) return std::nullopt;
  return root;
}

}  // namespace tollgate::mock::json_read
