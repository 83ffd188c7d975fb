#include "api/characters.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace tollgate::api {
namespace {

// One byte at a time: what count_characters must agree with however it reads the bytes.
std::size_t count_one_by_one(std::string_view utf8) {
  std::size_t characters = 0;
  for (char c : utf8) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return characters;
}

TEST(CountCharacters, CountsCodePointsNotBytes) {
  EXPECT_EQ(count_characters(""), 0u);
  EXPECT_EQ(count_characters("hello"), 5u);
  EXPECT_EQ(count_characters("caf\xC3\xA9"), 4u);               // é: two bytes
  EXPECT_EQ(count_characters("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);  // 日本: three bytes each
  EXPECT_EQ(count_characters("\xF0\x9F\x98\x80!"), 2u);         // 😀: four bytes
  // Across the sixteen-byte blocks: 15 ASCII bytes, then a character split between two blocks.
  EXPECT_EQ(count_characters(std::string(15, 'a') + "\xF0\x9F\x98\x80" + std::string(20, 'b')),
            36u);
  // Stray continuation bytes count for nothing; a lone lead byte or 0xFF counts as one.
  EXPECT_EQ(count_characters("\x80\x80\xBF"), 0u);
  EXPECT_EQ(count_characters("\xC3\xFF\x7F"), 3u);
}

TEST(CountCharacters, AgreesWithAByteByByteCountOnEveryByteAtEveryPosition) {
  for (std::size_t size = 1; size <= 72; ++size) {  // past two 32-byte blocks
    for (std::size_t at = 0; at < size; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(size, 'x');
        text[at] = static_cast<char>(byte);
        ASSERT_EQ(count_characters(text), count_one_by_one(text))
            << "size " << size << ", byte " << byte << " at " << at;
      }
    }
  }
}

TEST(CountCharacters, AgreesWithAByteByByteCountOnRandomText) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(0, 300);
  for (int round = 0; round < 2000; ++round) {
    std::string text(size(random), '\0');
    for (char& c : text) c = static_cast<char>(byte(random));
    ASSERT_EQ(count_characters(text), count_one_by_one(text)) << "round " << round;
  }
}

}  // namespace
}  // namespace tollgate::api
