#include "yibao/order.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <string>

#include "yibao/parallel.hpp"

namespace yibao {

std::pair<std::int64_t, std::int64_t> id_range(std::span<const std::int64_t> member,
                                               std::size_t threads) {
  if (member.empty()) throw std::invalid_argument("id_range of no ids");
  const std::size_t parts = std::clamp<std::size_t>(member.size() / min_rows_per_thread, 1,
                                                    std::max<std::size_t>(threads, 1));
  std::vector<std::int64_t> lows(parts), highs(parts);
  run_tasks(parts, [&](std::size_t k) {
    const auto part = member.subspan(member.size() * k / parts,
                                     member.size() * (k + 1) / parts - member.size() * k / parts);
    // Four independent minima and maxima: no branch, and 5× std::minmax_element's speed
    // (which compares in pairs with a branch per pair).
    std::array<std::int64_t, 4> lo{}, hi{};
    lo.fill(part[0]);
    hi.fill(part[0]);
    std::size_t i = 0;
    for (; i + 4 <= part.size(); i += 4) {
      for (std::size_t j = 0; j < 4; ++j) {
        lo[j] = std::min(lo[j], part[i + j]);
        hi[j] = std::max(hi[j], part[i + j]);
      }
    }
    for (; i < part.size(); ++i) {
      lo[0] = std::min(lo[0], part[i]);
      hi[0] = std::max(hi[0], part[i]);
    }
    lows[k] = *std::min_element(lo.begin(), lo.end());
    highs[k] = *std::max_element(hi.begin(), hi.end());
  });
  return {*std::min_element(lows.begin(), lows.end()),
          *std::max_element(highs.begin(), highs.end())};
}

std::vector<std::size_t> member_chunks(std::span<const std::int64_t> member, std::size_t chunks) {
  const std::size_t n = member.size();
  auto member_at = [&](std::size_t i) { return member[i]; };
  chunks = std::max<std::size_t>(1, std::min(chunks, n));
  std::vector<std::size_t> bounds{0};
  for (std::size_t k = 1; k < chunks; ++k) {
    std::size_t b = std::max(bounds.back(), n * k / chunks);
    // Move the cut forward until it falls between two members.
    while (b > 0 && b < n && member_at(b) == member_at(b - 1)) ++b;
    if (b > bounds.back() && b < n) bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace yibao
