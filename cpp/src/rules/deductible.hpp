// 起付线 (deductible) mechanics.
#pragma once

#include <algorithm>

#include "yibao/money.hpp"

namespace yibao {

// The part of `eligible` that goes to a deductible of `threshold` of which `paid` is
// already paid. Cumulative deductibles (渝医保发〔2023〕32号 第四条, 南昌 四(二)1) use a
// threshold by status; Jining's 累计补差 (二(一)1) uses the threshold of the row's level, so
// a higher-level row tops up only the difference and a lower-level one pays none.
// Ili's per-visit deductible (第十一条) applies the same formula within one visit.
inline Money deductible_part(Money eligible, Money threshold, Money paid) {
  return std::min(eligible, remaining(threshold, paid));
}

}  // namespace yibao
