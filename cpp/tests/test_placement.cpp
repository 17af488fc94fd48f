// Unsorted input (cpp/src/placement.cpp): rows placed by member, adjudicated, and their
// results put back must equal, byte for byte, the results of the same rows sorted, for any
// thread count, output layout and kind of member id; and an error must be the one the sorted
// rows raise.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernel_fixtures.hpp"
#include "placement.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/errors.hpp"

using namespace yibao;
using namespace yibao::testing;

namespace {

// Every output word, in either layout.
struct Words {
  std::vector<std::int64_t> deductible, fund, self_pay, capped, ytd;
  std::vector<std::uint16_t> rule;
  friend bool operator==(const Words&, const Words&) = default;
};

Words run_words(const Policy& policy, const Table& t, std::size_t threads,
                MoneyColumn::Layout layout) {
  const std::size_t n = t.member.size();
  const std::size_t width = layout == MoneyColumn::Layout::decimal128 ? 2 : 1;
  Words w{std::vector<std::int64_t>(n * width), std::vector<std::int64_t>(n * width),
          std::vector<std::int64_t>(n * width), std::vector<std::int64_t>(n * width),
          std::vector<std::int64_t>(n * width), std::vector<std::uint16_t>(n)};
  const ClaimColumns claims{t.member,  t.day,        t.level, t.eligible,   t.status,
                            t.service, t.prescriber, t.tier,  t.institution};
  adjudicate(policy, claims,
             {{w.deductible, layout},
              {w.fund, layout},
              {w.self_pay, layout},
              {w.capped, layout},
              {w.ytd, layout},
              w.rule},
             threads);
  return w;
}

// The rows of `t` in the order `order`.
Table take(const Table& t, const std::vector<std::size_t>& order) {
  Table out;
  for (const std::size_t i : order) {
    out.add(t.member[i], t.day[i], t.level[i], t.eligible[i], t.status[i], t.institution[i],
            t.service[i], t.prescriber[i], t.tier[i]);
  }
  return out;
}

// Words of `shuffled` rows put back in the order of the rows they came from.
Words unshuffle(const Words& w, const std::vector<std::size_t>& order, std::size_t width) {
  Words out = w;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t to = order[k];
    for (std::size_t j = 0; j < width; ++j) {
      out.deductible[to * width + j] = w.deductible[k * width + j];
      out.fund[to * width + j] = w.fund[k * width + j];
      out.self_pay[to * width + j] = w.self_pay[k * width + j];
      out.capped[to * width + j] = w.capped[k * width + j];
      out.ytd[to * width + j] = w.ytd[k * width + j];
    }
    out.rule[to] = w.rule[k];
  }
  return out;
}

// Claims sorted by member and day, over `days` days (two calendar years), with one member far
// larger than the others (its rows span more than one of the kernel's blocks) and pharmacy rows.
Table sorted_claims(std::size_t n, std::uint64_t seed, std::uint64_t days = 731) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> member(n);
  for (std::size_t i = 0; i < n; ++i)
    member[i] = i < 10'000 ? 0 : 1 + static_cast<std::int64_t>(rng() % (n / 9));
  std::vector<std::int32_t> day(n);
  for (auto& d : day) d = day_2024_01_01 + static_cast<std::int32_t>(rng() % days);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return member[a] < member[b] || (member[a] == member[b] && day[a] < day[b]);
  });
  Table t;
  for (const std::size_t i : order) {
    const bool pharmacy = rng() % 10 == 0;
    t.add(member[i], day[i], static_cast<std::int8_t>(1 + rng() % 3),
          static_cast<std::int64_t>(rng() % 300'000), static_cast<std::int8_t>(rng() % 2),
          static_cast<std::int64_t>(rng() % 4), pharmacy ? 1 : 0,
          pharmacy ? static_cast<std::int8_t>(1 + rng() % 3) : -1,
          static_cast<std::int8_t>(rng() % 3));
  }
  return t;
}

// A shuffle that keeps the rows of one member on one day in input order (ties in processing
// order keep input order, so moving them would change the answer).
std::vector<std::size_t> tie_preserving_shuffle(const Table& t, std::uint64_t seed) {
  const std::size_t n = t.member.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
  // Rows of one (member, day) take the positions their group holds, in input order.
  std::vector<std::size_t> first(n);
  for (std::size_t i = 0; i < n; ++i) {
    first[i] =
        i > 0 && t.member[i] == t.member[i - 1] && t.day[i] == t.day[i - 1] ? first[i - 1] : i;
  }
  std::vector<std::vector<std::size_t>> slots(n);
  for (std::size_t k = 0; k < n; ++k) slots[first[order[k]]].push_back(k);
  std::vector<std::size_t> out(n);
  for (std::size_t g = 0; g < n; ++g) {
    std::sort(slots[g].begin(), slots[g].end());
    std::vector<std::size_t> rows;
    for (std::size_t i = g; i < n && first[i] == g; ++i) rows.push_back(i);
    for (std::size_t j = 0; j < rows.size(); ++j) out[slots[g][j]] = rows[j];
  }
  return out;
}

// Whether `rows` taken in the order `order` give, row for row, the results `expected` of the
// rows sorted.
bool shuffled_gives(const Words& expected, const Policy& policy, const Table& rows,
                    const std::vector<std::size_t>& order, std::size_t threads,
                    MoneyColumn::Layout layout = MoneyColumn::Layout::fen64) {
  const std::size_t width = layout == MoneyColumn::Layout::decimal128 ? 2 : 1;
  return unshuffle(run_words(policy, take(rows, order), threads, layout), order, width) == expected;
}

}  // namespace

TEST(Placement, ShuffledRowsGiveTheSortedRowsResults) {
  // 140,000 rows: three destination blocks of 2^16 rows, and parts, chunks and blocks that
  // cut through members.
  const Table sorted = sorted_claims(140'000, 1);
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 2);
  for (const auto layout : {MoneyColumn::Layout::fen64, MoneyColumn::Layout::decimal128}) {
    const Words expected = run_words(chongqing(), sorted, 1, layout);
    for (const std::size_t threads : {1U, 2U, 3U, 8U}) {
      EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, order, threads, layout))
          << threads << " threads";
    }
  }
}

TEST(Placement, RowsSortedByDateAloneTakeTheSameOrder) {
  // Claim files often come sorted by date but not by member: each member's rows are in day
  // order already, and are taken as placed (a partition in day order is not sorted by day).
  // With two of one member's rows swapped, that member's rows must still be put in day order.
  const Table sorted = sorted_claims(60'000, 31);
  const std::size_t n = sorted.member.size();
  std::vector<std::size_t> by_date(n);
  std::iota(by_date.begin(), by_date.end(), 0);
  std::stable_sort(by_date.begin(), by_date.end(),
                   [&](std::size_t a, std::size_t b) { return sorted.day[a] < sorted.day[b]; });
  const Words expected = run_words(chongqing(), sorted, 1, MoneyColumn::Layout::fen64);
  std::vector<std::size_t> swapped = by_date;
  std::vector<std::size_t> position(n);
  for (std::size_t k = 0; k < n; ++k) position[by_date[k]] = k;
  std::size_t i = 10'000;  // past member 0, whose 10,000 rows are a batch of their own
  while (i + 1 < n &&
         (sorted.member[i + 1] != sorted.member[i] || sorted.day[i + 1] == sorted.day[i]))
    ++i;
  ASSERT_LT(i + 1, n);
  std::swap(swapped[position[i]], swapped[position[i + 1]]);
  for (const std::size_t threads : {1U, 2U}) {
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, by_date, threads))
        << threads << " threads";
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, swapped, threads))
        << threads << " threads, two rows swapped";
  }
}

TEST(Placement, SparseIdsTakeTheSameOrder) {
  const Table sorted = sorted_claims(40'000, 3);
  Table sparse = sorted;
  for (auto& m : sparse.member) m = m * 1'000'000'007LL - 5;  // no counting sort possible
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 4);
  const Words expected = run_words(chongqing(), sorted, 1, MoneyColumn::Layout::fen64);
  for (const std::size_t threads : {1U, 2U, 5U}) {
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sparse, order, threads))
        << threads << " threads";
  }
}

TEST(Placement, PerVisitRulesReadTheCallersInstitutions) {
  // 伊犁 第十一条: visits are (member, day, institution); institution_id is not packed with
  // the rows but read from the caller's column.
  Table sorted = sorted_claims(30'000, 5);
  for (auto& s : sorted.service) s = 0;
  for (auto& d : sorted.day) d = 18993 + (d - day_2024_01_01);  // from 2022-01-01
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 6);
  const Words expected = run_words(ili(), sorted, 1, MoneyColumn::Layout::fen64);
  for (const std::size_t threads : {1U, 2U, 4U}) {
    EXPECT_TRUE(shuffled_gives(expected, ili(), sorted, order, threads)) << threads << " threads";
  }
}

TEST(Placement, OverflowOfDecimal128IsTheSortedRowsError) {
  // No caps, rate 100%: two claims of 6 × 10^17 fen take the year's sum past what
  // decimal128(18, 2) holds, at the member's second claim in processing order.
  Policy uncapped = chongqing();
  auto& pool = uncapped.versions[0].pools[0];
  pool.has_annual_cap = false;
  for (auto& by_status : pool.rate) by_status.fill(Rate::from_ppm(Rate::one));
  for (auto& by_status : pool.threshold) by_status.fill(Money{});
  constexpr std::int64_t big = 600'000'000'000'000'000;
  Table unsorted;
  unsorted.add(5, day_2024_01_01 + 9, 1, big);  // the member's second claim
  for (int i = 0; i < 20; ++i) unsorted.add(6 + i, day_2024_01_01, 1, 100);
  unsorted.add(5, day_2024_01_01 + 1, 1, big);
  for (const std::size_t threads : {1U, 2U}) {
    try {
      run_words(uncapped, unsorted, threads, MoneyColumn::Layout::decimal128);
      FAIL() << "no overflow";
    } catch (const OverflowError& e) {
      EXPECT_EQ(e.row(), 0);
      EXPECT_EQ(e.column(), "eligible");
      EXPECT_NE(std::string(e.what()).find("decimal128(18, 2)"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("year-to-date"), std::string::npos);
    }
    // int64 fen holds it.
    const Words fen = run_words(uncapped, unsorted, threads, MoneyColumn::Layout::fen64);
    EXPECT_EQ(fen.ytd[0], 2 * big);
  }
}

TEST(Placement, AnyThreadCountGivesTheSameResults) {
  // More threads than rows, members or destination blocks; far more than can start.
  const Table sorted = sorted_claims(20'000, 7);
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 8);
  const auto fen = MoneyColumn::Layout::fen64;
  const Words expected = run_words(chongqing(), sorted, 1, fen);
  for (const std::size_t threads : {65U, 1000U, 100'000U}) {
    EXPECT_TRUE(run_words(chongqing(), sorted, threads, fen) == expected) << threads;
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, order, threads)) << threads;
  }
}

TEST(Placement, AmountsBeyond32BitsComeBackWhole) {
  // Results travel back in 32-bit amounts where they fit (placement.hpp); these rows' do not
  // (their claims, and without a cap their year-to-date sums too).
  Policy uncapped = chongqing();
  auto& pool = uncapped.versions[0].pools[0];
  pool.has_annual_cap = false;
  for (auto& by_status : pool.rate) by_status.fill(Rate::from_ppm(Rate::one));
  Table sorted = sorted_claims(70'000, 9);
  for (std::size_t i = 0; i < sorted.eligible.size(); i += 97)
    sorted.eligible[i] = 6'000'000'000LL + static_cast<std::int64_t>(i);  // 60 million yuan
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 10);
  for (const Policy& policy : {chongqing(), uncapped}) {
    for (const auto layout : {MoneyColumn::Layout::fen64, MoneyColumn::Layout::decimal128}) {
      const Words expected = run_words(policy, sorted, 1, layout);
      // Over the annual cap (Chongqing) the rest is capped; without a cap the fund pays it.
      const auto& big =
          policy.versions[0].pools[0].has_annual_cap ? expected.capped : expected.fund;
      EXPECT_GT(*std::max_element(big.begin(), big.end()), std::int64_t{1} << 31);
      for (const std::size_t threads : {1U, 2U}) {
        EXPECT_TRUE(shuffled_gives(expected, policy, sorted, order, threads, layout))
            << threads << " threads";
      }
    }
  }
}

TEST(Placement, ClaimsOverDecadesTakeTheSameOrder) {
  // Members' rows are put in day order a partition at a time, by a counting sort over the
  // partition's days (placement.cpp); a partition whose days span 4,096 days or more is sorted
  // by std::stable_sort instead. Here members below 2,000 claim within two years (counting
  // sorts) and the others over 30 years (stable sorts).
  Table decades = sorted_claims(60'000, 11, 30 * 365);
  for (std::size_t i = 0; i < decades.day.size(); ++i) {
    if (decades.member[i] < 2'000)
      decades.day[i] = day_2024_01_01 + (decades.day[i] - day_2024_01_01) % 731;
  }
  std::vector<std::size_t> by_member_and_day(decades.day.size());
  std::iota(by_member_and_day.begin(), by_member_and_day.end(), 0);
  std::stable_sort(
      by_member_and_day.begin(), by_member_and_day.end(), [&](std::size_t a, std::size_t b) {
        return decades.member[a] < decades.member[b] ||
               (decades.member[a] == decades.member[b] && decades.day[a] < decades.day[b]);
      });
  const Table sorted = take(decades, by_member_and_day);
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 12);
  const Words expected = run_words(chongqing(), sorted, 1, MoneyColumn::Layout::fen64);
  for (const std::size_t threads : {1U, 3U}) {
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, order, threads))
        << threads << " threads";
  }
}

TEST(Placement, MemberIdsThatChangeWhileReadAreCaught) {
  // Rows are counted by partition, then placed: ids that differ between the two reads (the
  // caller's column written to meanwhile) must neither write past the records nor leave a
  // slot unwritten for the kernel to read. A row that changes partition is caught; one that
  // changes member within its partition is taken as the member it was placed as (each
  // record is read once, and sorted by the member it holds).
  auto place_ids = [](const std::vector<std::int64_t>& counted,
                      const std::vector<std::int64_t>& placed_ids) {
    Table rows;
    for (const std::int64_t id : placed_ids) rows.add(id, day_2024_01_01, 1, 100);
    const ClaimColumns block{rows.member,     rows.day,    rows.level,
                             rows.eligible,   rows.status, rows.service,
                             rows.prescriber, rows.tier,   rows.institution};
    const auto placement = detail::MemberPlacement::for_dense_ids(counted, 1);
    placement->place(0, block.size(), [&](std::size_t, std::size_t) { return block; });
    placement->close();
    detail::Sorting scratch;
    for (std::size_t p = 0; p < placement->chunks().back(); ++p)
      (void)placement->sorted(p, scratch);
    return placement->chunks().back();  // the partitions
  };
  const std::vector<std::int64_t> counted{0, 1, 1, 2};
  EXPECT_NO_THROW(place_ids(counted, {1, 0, 2, 1}));
  // Rows moved to other members of their (only) partition.
  EXPECT_NO_THROW(place_ids(counted, {0, 0, 1, 2}));
  EXPECT_NO_THROW(place_ids(counted, {2, 2, 2, 2}));
  // 40,000 members of one row each fill several partitions: a row that moves to another
  // partition overfills that partition's slice, whether its first rows or a whole buffer.
  std::vector<std::int64_t> many(40'000);
  std::iota(many.begin(), many.end(), 0);
  EXPECT_GT(place_ids(many, many), 1U);
  for (const std::size_t row : {0U, 20'000U, 39'999U}) {
    std::vector<std::int64_t> moved = many;
    moved[row] = row == 0 ? 39'999 : 0;
    EXPECT_THROW(place_ids(many, moved), std::logic_error) << row;
  }
  // A partition whose rows are all one member's: a row moved to a member without rows in
  // the same partition is that member's; moved to another partition, it is caught.
  std::vector<std::int64_t> one_member(40'000, 30'000);
  std::iota(one_member.begin(), one_member.begin() + 20'000, 0);
  EXPECT_NO_THROW(place_ids(one_member, one_member));
  std::vector<std::int64_t> moved = one_member;
  moved.back() = 25'000;
  EXPECT_NO_THROW(place_ids(one_member, moved));
  moved.back() = 0;
  EXPECT_THROW(place_ids(one_member, moved), std::logic_error);
}

TEST(Placement, AMemberWithEveryRowOfItsPartitionIsReadInPlace) {
  // Member 0's 10,000 rows alone in their partition (ids 1 to 20,000 have none) give the
  // sorted rows' results.
  Table sorted = sorted_claims(30'000, 21);
  for (auto& m : sorted.member) m = m == 0 ? 0 : m + 20'000;
  const Words expected = run_words(chongqing(), sorted, 1, MoneyColumn::Layout::fen64);
  const std::vector<std::size_t> order = tie_preserving_shuffle(sorted, 22);
  for (const std::size_t threads : {1U, 2U}) {
    EXPECT_TRUE(shuffled_gives(expected, chongqing(), sorted, order, threads))
        << threads << " threads";
  }
}

TEST(Placement, IdsOutsideTheSampledRangeAreCounted) {
  // Counting sorts size their counts from ids sampled across the column (placement.cpp) and
  // fall back to the exact range when an id lies outside: here one such id leaves the ids
  // dense, and another makes them sparse (numbered densely first, adjudicate_frame.cpp).
  Table sorted = sorted_claims(20'000, 13);
  for (auto& m : sorted.member) m += 1'000;
  const std::vector<std::size_t> shuffle = tie_preserving_shuffle(sorted, 14);
  const auto with_member = [&](std::int64_t id) {
    // Row 1 of the shuffled input (never sampled) becomes member `id`'s only claim.
    Table unsorted = take(sorted, shuffle);
    unsorted.member[1] = id;
    std::vector<std::size_t> by_member(unsorted.member.size());
    std::iota(by_member.begin(), by_member.end(), 0);
    std::stable_sort(by_member.begin(), by_member.end(), [&](std::size_t a, std::size_t b) {
      return unsorted.member[a] < unsorted.member[b] ||
             (unsorted.member[a] == unsorted.member[b] && unsorted.day[a] < unsorted.day[b]);
    });
    std::vector<std::size_t> order(by_member.size());  // the unsorted rows, from the sorted
    for (std::size_t k = 0; k < by_member.size(); ++k) order[by_member[k]] = k;
    const Table resorted = take(unsorted, by_member);
    const Words expected = run_words(chongqing(), resorted, 1, MoneyColumn::Layout::fen64);
    for (const std::size_t threads : {1U, 2U}) {
      EXPECT_TRUE(shuffled_gives(expected, chongqing(), resorted, order, threads))
          << id << ", " << threads << " threads";
    }
  };
  with_member(0);                  // 1,000 below the others: still dense
  with_member(1'000'000'000'000);  // sparse
}
