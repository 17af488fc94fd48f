// The reference of the core's native money sums (money.hpp): the same operations on
// Boost.Multiprecision's checked 128-bit integers, which test_money.cpp proves the native path
// equal to (docs/design.md §4 allows a native fast path only on that condition). The reference
// of apply_rate is the core's own apply_rate_wide, the Boost path of every product outside
// the native one.
#pragma once

#include "yibao/money.hpp"

namespace yibao::reference {

inline Money add(Money a, Money b) {
  return Money::from_wide(Wide(a.fen()) + Wide(b.fen()));
}
inline Money subtract(Money a, Money b) {
  return Money::from_wide(Wide(a.fen()) - Wide(b.fen()));
}

}  // namespace yibao::reference
