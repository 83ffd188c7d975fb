// An oracle for "is this valid JSON": RFC 8259's grammar, byte by byte, with UTF-8 checked as
// RFC 3629 defines it. Library parsers make poor oracles for a fuzzer because each adds limits of
// its own (simdjson's DOM rejects integers beyond 64 bits, Boost.JSON exponents that overflow
// even when the number is 0), and those are not what "valid JSON" means to a client.
// Numbers are unlimited; `\u` escapes are checked for shape only (a lone surrogate escape is
// grammatical). Nesting is bounded to keep the recursion shallow.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::fuzz {

class JsonGrammar {
 public:
  // True when `text` is exactly one JSON value with optional whitespace around it.
  static bool is_valid(std::string_view text) {
    JsonGrammar grammar(text);
    grammar.skip_whitespace();
    if (!grammar.value(1)) return false;
    grammar.skip_whitespace();
    return grammar.at_ == text.size();
  }

 private:
  static constexpr int kMaxDepth = 1024;

  explicit JsonGrammar(std::string_view text) : text_(text) {}

  bool at_end() const { return at_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[at_]); }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++at_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool value(int depth) {
    if (at_end()) return false;
    switch (peek()) {
      case '{':
        return depth <= kMaxDepth && object(depth);
      case '[':
        return depth <= kMaxDepth && array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(int depth) {
    ++at_;  // '{'
    skip_whitespace();
    if (!at_end() && peek() == '}') return ++at_, true;
    while (true) {
      skip_whitespace();
      if (at_end() || peek() != '"' || !string()) return false;
      skip_whitespace();
      if (at_end() || peek() != ':') return false;
      ++at_;
      skip_whitespace();
      if (!value(depth + 1)) return false;
      skip_whitespace();
      if (at_end()) return false;
      if (peek() == '}') return ++at_, true;
      if (peek() != ',') return false;
      ++at_;
    }
  }

  bool array(int depth) {
    ++at_;  // '['
    skip_whitespace();
    if (!at_end() && peek() == ']') return ++at_, true;
    while (true) {
      skip_whitespace();
      if (!value(depth + 1)) return false;
      skip_whitespace();
      if (at_end()) return false;
      if (peek() == ']') return ++at_, true;
      if (peek() != ',') return false;
      ++at_;
    }
  }

  bool digits() {
    const std::size_t start = at_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++at_;
    return at_ > start;
  }

  bool number() {
    if (!at_end() && peek() == '-') ++at_;
    if (at_end()) return false;
    if (peek() == '0') {
      ++at_;
    } else if (!digits()) {
      return false;
    }
    if (!at_end() && peek() == '.') {
      ++at_;
      if (!digits()) return false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++at_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++at_;
      if (!digits()) return false;
    }
    return true;
  }

  static bool is_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool continuation_byte(unsigned char low = 0x80, unsigned char high = 0xBF) {
    if (at_end() || peek() < low || peek() > high) return false;
    ++at_;
    return true;
  }

  // One UTF-8 sequence of two bytes or more, its lead byte at at_ (Unicode Table 3-7).
  bool utf8_sequence() {
    const unsigned char lead = peek();
    ++at_;
    if (lead >= 0xC2 && lead <= 0xDF) return continuation_byte();
    if (lead == 0xE0) return continuation_byte(0xA0, 0xBF) && continuation_byte();
    if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      return continuation_byte() && continuation_byte();
    }
    if (lead == 0xED) return continuation_byte(0x80, 0x9F) && continuation_byte();
    if (lead == 0xF0) {
      return continuation_byte(0x90, 0xBF) && continuation_byte() && continuation_byte();
    }
    if (lead >= 0xF1 && lead <= 0xF3) {
      return continuation_byte() && continuation_byte() && continuation_byte();
    }
    if (lead == 0xF4) {
      return continuation_byte(0x80, 0x8F) && continuation_byte() && continuation_byte();
    }
    return false;
  }

  bool string() {
    ++at_;  // '"'
    while (!at_end()) {
      const unsigned char c = peek();
      if (c == '"') return ++at_, true;
      if (c < 0x20) return false;
      if (c >= 0x80) {
        if (!utf8_sequence()) return false;
        continue;
      }
      ++at_;
      if (c != '\\') continue;
      if (at_end()) return false;
      const unsigned char escaped = peek();
      ++at_;
      if (escaped == 'u') {
        for (int i = 0; i < 4; ++i, ++at_) {
          if (at_end() || !is_hex(peek())) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(static_cast<char>(escaped)) ==
                 std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace tollgate::fuzz
