// api/json_parser.hpp: a parser kept by its thread keeps small buffers, gives large ones back, and
// reserve_parser() keeps what is large enough.
#include "api/json_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tollgate::api {
namespace {

std::string array_of_bytes(std::size_t size) {
  std::string json = "[";
  while (json.size() + 3 < size) json += "1,";
  json += "1]";
  return json;
}

int64_t sum(simdjson::dom::parser& parser, std::string_view json) {
  simdjson::dom::array values;
  EXPECT_EQ(parser.parse(json.data(), json.size()).get(values), simdjson::SUCCESS);
  int64_t total = 0;
  for (simdjson::dom::element value : values) total += value.get_int64().value_unsafe();
  return total;
}

TEST(ParserLease, KeepsASmallDocumentsBuffersAndGivesALargeOnesBack) {
  simdjson::dom::parser parser;
  {
    const ParserLease lease(parser);
    EXPECT_EQ(sum(parser, "[1,2,3]"), 6);
  }
  const std::size_t kept = parser.capacity();
  EXPECT_GT(kept, 0u);
  {
    const ParserLease lease(parser);
    EXPECT_EQ(sum(parser, "[4,5]"), 9);
  }
  EXPECT_EQ(parser.capacity(), kept) << "the same buffers serve the next document";

  const std::string large = array_of_bytes(kRetainedParserCapacity + 1000);
  {
    const ParserLease lease(parser);
    EXPECT_EQ(sum(parser, large), static_cast<int64_t>(large.size() / 2));
    EXPECT_GT(parser.capacity(), kRetainedParserCapacity);
  }
  EXPECT_EQ(parser.capacity(), 0u) << "a large document's buffers are not kept";
  const ParserLease lease(parser);
  EXPECT_EQ(sum(parser, "[7]"), 7);
}

TEST(ReserveParser, KeepsBuffersLargeEnoughAndEnforcesTheDepth) {
  simdjson::dom::parser parser;
  ASSERT_EQ(reserve_parser(parser, 1000, 4), simdjson::SUCCESS);
  EXPECT_EQ(parser.capacity(), 1000u);
  EXPECT_EQ(parser.max_depth(), 4u);
  ASSERT_EQ(reserve_parser(parser, 10, 4), simdjson::SUCCESS);
  EXPECT_EQ(parser.capacity(), 1000u) << "a smaller document reuses the buffers";
  ASSERT_EQ(reserve_parser(parser, 5000, 4), simdjson::SUCCESS);
  EXPECT_EQ(parser.capacity(), 5000u);

  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(std::string_view("[[[[1]]]]")).get(root), simdjson::DEPTH_ERROR);
  EXPECT_EQ(parser.parse(std::string_view("[[[1]]]")).get(root), simdjson::SUCCESS);
  ASSERT_EQ(reserve_parser(parser, 10, 8), simdjson::SUCCESS);
  EXPECT_EQ(parser.max_depth(), 8u);
  EXPECT_EQ(parser.parse(std::string_view("[[[[1]]]]")).get(root), simdjson::SUCCESS);
}

}  // namespace
}  // namespace tollgate::api
