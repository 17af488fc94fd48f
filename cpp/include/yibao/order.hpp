// The split of sorted rows into member-aligned chunks for threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace yibao {

// Boundaries [b0=0, b1, ..., bk=n] of rows such that no member spans two chunks; at most
// `chunks` chunks of roughly equal size.
inline std::vector<std::size_t> member_chunks(std::span<const std::int64_t> member,
                                              std::size_t chunks) {
  const std::size_t n = member.size();
  chunks = std::max<std::size_t>(1, std::min(chunks, n));
  std::vector<std::size_t> bounds{0};
  for (std::size_t k = 1; k < chunks; ++k) {
    std::size_t b = std::max(bounds.back(), n * k / chunks);
    // Move the cut forward until it falls between two members.
    while (b > 0 && b < n && member[b] == member[b - 1]) ++b;
    if (b > bounds.back() && b < n) bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace yibao
