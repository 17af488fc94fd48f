#include "yibao/order.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <string>

#include "yibao/parallel.hpp"

namespace yibao {
namespace {

// A member has a handful of rows: insertion sort is stable, allocates nothing (std::stable_sort
// takes a temporary buffer on every call) and is fastest on short, nearly sorted runs.
template <class It, class Less>
void stable_sort_small(It first, It last, Less less) {
  if (last - first > 32) {
    std::stable_sort(first, last, less);
    return;
  }
  for (It i = first + (first != last ? 1 : 0); i < last; ++i) {
    const auto value = *i;
    It j = i;
    for (; j != first && less(value, *(j - 1)); --j) *j = *(j - 1);
    *j = value;
  }
}

}  // namespace

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

bool in_processing_order(std::span<const std::int64_t> member, std::span<const std::int32_t> day,
                         std::size_t threads) {
  // Branch-free within blocks, so the check runs at memory speed; each range stops at its
  // first block out of order.
  constexpr std::size_t block = 4096;
  const std::size_t n = member.size();
  std::atomic<bool> sorted = true;
  for_each_range(n, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t start = std::max<std::size_t>(first, 1); start < last; start += block) {
      const std::size_t stop = std::min(last, start + block);
      bool out_of_order = false;
      for (std::size_t i = start; i < stop; ++i) {
        // int, not bool, operands: no branch per row
        out_of_order |=
            static_cast<int>(member[i] < member[i - 1]) |
            (static_cast<int>(member[i] == member[i - 1]) & static_cast<int>(day[i] < day[i - 1]));
      }
      if (out_of_order || !sorted.load(std::memory_order_relaxed)) {
        sorted = false;
        return;
      }
    }
  });
  return sorted;
}

std::vector<std::int64_t> processing_order(std::span<const std::int64_t> member,
                                           std::span<const std::int32_t> day, std::size_t threads) {
  const std::size_t n = member.size();
  std::vector<std::int64_t> order(n);
  if (n == 0) return order;
  const auto range = id_range(member, threads);
  const std::int64_t low = range.first, high = range.second;
  const std::size_t parts =
      std::clamp<std::size_t>(n / min_rows_per_thread, 1, std::max<std::size_t>(threads, 1));
  auto part_begin = [&](std::size_t k) { return n * k / parts; };

  auto by_day = [&](std::int64_t a, std::int64_t b) {
    return day[static_cast<std::size_t>(a)] < day[static_cast<std::size_t>(b)];
  };
  // Dense member ids (e.g. 1..M, or factorized codes): a counting sort keeps input order within
  // each member, then a stable sort on day inside each member gives (member, day, position).
  // Each thread counts and places the rows of its own range (ranges in input order, so the
  // sort stays stable). (high - low computed unsigned: it cannot overflow.)
  const auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  if (span < 2 * static_cast<std::uint64_t>(n) + 2) {
    const auto buckets = static_cast<std::size_t>(span) + 1;
    auto bucket = [&](std::size_t i) {
      return static_cast<std::size_t>(static_cast<std::uint64_t>(member[i]) -
                                      static_cast<std::uint64_t>(low));
    };
    // One count per member per thread: at most about 4 counts per row in all, whatever the
    // number of threads (many threads over a wide id range would otherwise need gigabytes).
    const std::size_t counting = std::clamp<std::size_t>(4 * n / buckets, 1, parts);
    auto counting_begin = [&](std::size_t k) { return n * k / counting; };
    std::vector<std::vector<std::int64_t>> next(counting, std::vector<std::int64_t>(buckets, 0));
    run_tasks(counting, [&](std::size_t k) {
      for (std::size_t i = counting_begin(k); i < counting_begin(k + 1); ++i) ++next[k][bucket(i)];
    });
    std::vector<std::int64_t> end(buckets);  // one past each member's last row in `order`
    std::int64_t running = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      for (std::size_t k = 0; k < counting; ++k) {
        const std::int64_t count = next[k][b];
        next[k][b] = running;
        running += count;
      }
      end[b] = running;
    }
    run_tasks(counting, [&](std::size_t k) {
      auto& slot = next[k];
      for (std::size_t i = counting_begin(k); i < counting_begin(k + 1); ++i)
        order[static_cast<std::size_t>(slot[bucket(i)]++)] = static_cast<std::int64_t>(i);
    });
    // Each member's rows by day, members split between threads by row count.
    run_tasks(parts, [&](std::size_t k) {
      const auto first_bucket = static_cast<std::size_t>(
          std::lower_bound(end.begin(), end.end(), static_cast<std::int64_t>(part_begin(k)) + 1) -
          end.begin());
      const auto last_bucket = static_cast<std::size_t>(
          std::lower_bound(end.begin(), end.end(),
                           static_cast<std::int64_t>(part_begin(k + 1)) + 1) -
          end.begin());
      std::int64_t begin = first_bucket == 0 ? 0 : end[first_bucket - 1];
      for (std::size_t b = first_bucket; b < last_bucket && b < buckets; ++b) {
        if (end[b] - begin > 1)
          stable_sort_small(order.begin() + begin, order.begin() + end[b], by_day);
        begin = end[b];
      }
    });
    return order;
  }
  // Arbitrary int64 ids (read in place from the caller's column): one stable sort.
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const auto ma = member[static_cast<std::size_t>(a)];
    const auto mb = member[static_cast<std::size_t>(b)];
    return ma < mb || (ma == mb && by_day(a, b));
  });
  return order;
}

std::vector<std::size_t> member_chunks(std::span<const std::int64_t> order,
                                       std::span<const std::int64_t> member, std::size_t chunks) {
  const std::size_t n = order.empty() ? member.size() : order.size();
  auto member_at = [&](std::size_t i) {
    return order.empty() ? member[i] : member[static_cast<std::size_t>(order[i])];
  };
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
