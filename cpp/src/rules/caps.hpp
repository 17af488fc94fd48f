// 最高支付限额 (caps): the rounded fund payment is compared with each cap in turn (docs/design.md
// §4: rounding happens before caps), per visit, then per pool and year, then overall per year.
#pragma once

#include <cstdint>

#include "yibao/claims.hpp"
#include "yibao/money.hpp"

namespace yibao {

class CapChain {
 public:
  explicit CapChain(Money payable) : paid_(payable) {}

  // Limit the payment to what is left of `cap` after `used`; record `flag` if it binds.
  void limit(Money cap, Money used, RuleFlag flag) {
    const Money left = remaining(cap, used);
    if (paid_ > left) {
      paid_ = left;
      flags_ |= flag;
    }
  }

  [[nodiscard]] Money paid() const { return paid_; }
  [[nodiscard]] std::uint8_t flags() const { return flags_; }

 private:
  Money paid_;
  std::uint8_t flags_ = 0;
};

}  // namespace yibao
