// An independent oracle for the pricing tests: unbounded non-negative integers (base 10^9 limbs)
// with just what exact-cost checks need — add, multiply by a 64-bit factor, compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tollgate::billing::oracle {

class BigNat {
 public:
  explicit BigNat(uint64_t value = 0) {
    for (; value > 0; value /= kBase) limbs_.push_back(static_cast<uint32_t>(value % kBase));
  }

  BigNat& operator+=(const BigNat& other) {
    uint64_t carry = 0;
    for (std::size_t i = 0; i < other.limbs_.size() || carry > 0; ++i) {
      if (i == limbs_.size()) limbs_.push_back(0);
      const uint64_t sum = limbs_[i] + carry + (i < other.limbs_.size() ? other.limbs_[i] : 0);
      limbs_[i] = static_cast<uint32_t>(sum % kBase);
      carry = sum / kBase;
    }
    return *this;
  }

  BigNat times(uint64_t factor) const {
    // Long multiplication by the factor's base-10^9 digits, one at a time.
    BigNat result;
    BigNat shifted = *this;
    for (; factor > 0; factor /= kBase) {
      result += shifted.times_limb(static_cast<uint32_t>(factor % kBase));
      shifted.limbs_.insert(shifted.limbs_.begin(), 0);
    }
    return result;
  }

  friend bool operator<(const BigNat& a, const BigNat& b) {
    const std::vector<uint32_t> x = a.trimmed(), y = b.trimmed();
    if (x.size() != y.size()) return x.size() < y.size();
    for (std::size_t i = x.size(); i-- > 0;) {
      if (x[i] != y[i]) return x[i] < y[i];
    }
    return false;
  }
  bool is_zero() const { return trimmed().empty(); }

 private:
  static constexpr uint64_t kBase = 1'000'000'000;

  BigNat times_limb(uint32_t limb) const {
    BigNat out;
    uint64_t carry = 0;
    for (uint32_t digit : limbs_) {
      const uint64_t product = uint64_t{digit} * limb + carry;
      out.limbs_.push_back(static_cast<uint32_t>(product % kBase));
      carry = product / kBase;
    }
    if (carry > 0) out.limbs_.push_back(static_cast<uint32_t>(carry));
    return out;
  }
  std::vector<uint32_t> trimmed() const {
    std::vector<uint32_t> out = limbs_;
    while (!out.empty() && out.back() == 0) out.pop_back();
    return out;
  }

  std::vector<uint32_t> limbs_;
};

}  // namespace tollgate::billing::oracle
