#include "yibao/order.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "yibao/errors.hpp"

namespace yibao {

std::vector<std::int64_t> processing_order(std::span<const std::int64_t> member,
                                           std::span<const std::int32_t> day) {
  const std::size_t n = member.size();
  std::vector<std::int64_t> order(n);
  std::int64_t max_code = -1;
  bool sorted = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (member[i] < 0) {
      throw InputError("member code must be non-negative", static_cast<std::int64_t>(i),
                       "member_id");
    }
    max_code = std::max(max_code, member[i]);
    if (i > 0 && (member[i] < member[i - 1] || (member[i] == member[i - 1] && day[i] < day[i - 1])))
      sorted = false;
  }
  if (sorted) {
    std::iota(order.begin(), order.end(), std::int64_t{0});
    return order;
  }
  // Counting sort on member codes keeps input order within each member (stable) ...
  std::vector<std::int64_t> start(static_cast<std::size_t>(max_code) + 2, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[static_cast<std::size_t>(member[i]) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  for (std::size_t i = 0; i < n; ++i) {
    order[static_cast<std::size_t>(start[static_cast<std::size_t>(member[i])]++)] =
        static_cast<std::int64_t>(i);
  }
  // ... so a stable sort on day within each member gives (member, day, input position).
  auto by_day = [&](std::int64_t a, std::int64_t b) {
    return day[static_cast<std::size_t>(a)] < day[static_cast<std::size_t>(b)];
  };
  std::size_t begin = 0;
  while (begin < n) {
    std::size_t end = begin + 1;
    const auto code = member[static_cast<std::size_t>(order[begin])];
    while (end < n && member[static_cast<std::size_t>(order[end])] == code) ++end;
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(begin),
                     order.begin() + static_cast<std::ptrdiff_t>(end), by_day);
    begin = end;
  }
  return order;
}

std::vector<std::size_t> member_chunks(std::span<const std::int64_t> order,
                                       std::span<const std::int64_t> member, std::size_t chunks) {
  const std::size_t n = order.size();
  chunks = std::max<std::size_t>(1, std::min(chunks, n));
  std::vector<std::size_t> bounds{0};
  for (std::size_t k = 1; k < chunks; ++k) {
    std::size_t b = std::max(bounds.back(), n * k / chunks);
    // Move the cut forward until it falls between two members.
    while (b > 0 && b < n &&
           member[static_cast<std::size_t>(order[b])] ==
               member[static_cast<std::size_t>(order[b - 1])]) {
      ++b;
    }
    if (b > bounds.back() && b < n) bounds.push_back(b);
  }
  bounds.push_back(n);
  return bounds;
}

}  // namespace yibao
