// The reference of the core's native money arithmetic (money.hpp): the same operations on
// Boost.Multiprecision's checked 128-bit integers, which test_money.cpp proves the native path
// equal to (docs/design.md §4 allows a native fast path only on that condition).
#pragma once

#include "yibao/money.hpp"

namespace yibao::reference {

inline Money add(Money a, Money b) {
  return Money::from_wide(Wide(a.fen()) + Wide(b.fen()));
}
inline Money subtract(Money a, Money b) {
  return Money::from_wide(Wide(a.fen()) - Wide(b.fen()));
}
inline Money apply_rate(Money base, Rate rate, Rounding mode) {
  return Money::from_wide(divide_rounded(Wide(base.fen()) * rate.ppm(), Rate::one, mode));
}

}  // namespace yibao::reference
