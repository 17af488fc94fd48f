// The adjudication kernel: one pass over the claims in (member, date, input order), state
// per member and calendar year, outputs written at each row's own position.
#pragma once

#include <cstddef>

#include "yibao/claims.hpp"
#include "yibao/policy.hpp"

namespace yibao {

// Adjudicate every row of `claims`, columns converted already, under `policy`: the one route
// (adjudicate_frame.hpp) with every reader skipped. Results are identical for any `threads`
// (>= 1) and any order of the input rows (ties on the same member and date keep input
// order). Throws a yibao::Error naming the first offending row in processing order.
void adjudicate(const Policy& policy, const ClaimColumns& claims, const AdjudicationColumns& out,
                std::size_t threads = 1);

}  // namespace yibao
