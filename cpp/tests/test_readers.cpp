// The column readers of the one route (src/readers.hpp) and adjudicate_frame over
// layouts other than the fused one: each reader's values and bad rows, and the whole pass
// equal to yibao::adjudicate on the same claims, sorted and unsorted.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "kernel_fixtures.hpp"
#include "readers.hpp"
#include "yibao/adjudicate_frame.hpp"

namespace {

using namespace yibao;
using yibao::testing::Result;
using yibao::testing::Table;

constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();

TEST(Readers, DaysFromEveryUnitRoundDown) {
  // 1969-12-31T23:00 is day -1; 1970-01-02T00:00 is day 1, in every unit.
  for (const std::int64_t per_hour : {3'600LL, 3'600'000LL, 3'600'000'000LL, 3'600'000'000'000LL,
                                      1LL /* hours: a run-time divisor */}) {
    const std::int64_t per_day = 24 * per_hour;
    const std::vector<std::int64_t> ticks{-per_hour, 0, per_day, 400 * per_day + 5};
    std::array<std::int32_t, 4> days{};
    EXPECT_FALSE(detail::read_days({ticks, per_day, {}}, 0, 4, days.data()));
    EXPECT_EQ(days, (std::array<std::int32_t, 4>{-1, 0, 1, 400})) << per_day;
  }
  const std::vector<std::int64_t> missing{0, nat};
  std::array<std::int32_t, 2> days{};
  EXPECT_TRUE(detail::read_days({missing, ns_per_day, {}}, 0, 2, days.data()));
  EXPECT_FALSE(detail::read_days({missing, ns_per_day, {}}, 0, 1, days.data()));
  // Seconds beyond int32 days: bad, not wrapped.
  const std::vector<std::int64_t> far{std::numeric_limits<std::int64_t>::max() / 2};
  EXPECT_TRUE(detail::read_days({far, 86'400, {}}, 0, 1, days.data()));
  const std::vector<std::int32_t> date32{19'000, missing_day};
  EXPECT_FALSE(detail::read_days({{}, 1, date32}, 0, 1, days.data()));
  EXPECT_EQ(days[0], 19'000);
  EXPECT_TRUE(detail::read_days({{}, 1, date32}, 1, 1, days.data()));
}

TEST(Readers, AmountsFromEachLayout) {
  std::array<std::int64_t, 3> fen{};
  const std::vector<double> yuan{12.34, 0.0, 1e6};
  EXPECT_FALSE(detail::read_fen({yuan, {}, 2, {}, 100}, nullptr, 1'000'000'00, 0, 3, fen.data()));
  EXPECT_EQ(fen, (std::array<std::int64_t, 3>{1234, 0, 100'000'000}));
  EXPECT_TRUE(detail::read_fen({yuan, {}, 2, {}, 100}, nullptr, 99'999'999, 0, 3, fen.data()));
  // decimal128 words: 12.34 and -0.05 at scale 2; 1.2300 at scale 4 (exact); 7 at scale 0.
  const std::vector<std::uint64_t> cents{1234, 0, static_cast<std::uint64_t>(-5), ~0ULL};
  EXPECT_FALSE(detail::read_fen({{}, cents, 2, {}, 100}, nullptr, 10'000, 0, 1, fen.data()));
  EXPECT_EQ(fen[0], 1234);
  EXPECT_TRUE(detail::read_fen({{}, cents, 2, {}, 100}, nullptr, 10'000, 1, 1, fen.data()));
  EXPECT_EQ(fen[0], -5);
  const std::vector<std::uint64_t> scaled{12'300, 0, 7, 0};
  EXPECT_FALSE(detail::read_fen({{}, scaled, 4, {}, 100}, nullptr, 10'000, 0, 1, fen.data()));
  EXPECT_EQ(fen[0], 123);
  EXPECT_FALSE(detail::read_fen({{}, scaled, 0, {}, 100}, nullptr, 10'000, 1, 1, fen.data()));
  EXPECT_EQ(fen[0], 700);
  EXPECT_THROW(  // 1.2345 needs a rounding mode
      (void)detail::read_fen({{}, std::vector<std::uint64_t>{12'345, 0}, 4, {}, 100}, nullptr,
                             10'000, 0, 1, fen.data()),
      InputError);
  // Integers with a unit: yuan × 100, fen × 1; overflow and negatives are bad.
  const std::vector<std::int64_t> units{3, std::numeric_limits<std::int64_t>::max() / 10, -1};
  EXPECT_FALSE(detail::read_fen({{}, {}, 2, units, 100}, nullptr, 1'000, 0, 1, fen.data()));
  EXPECT_EQ(fen[0], 300);
  EXPECT_TRUE(detail::read_fen({{}, {}, 2, units, 100}, nullptr, 1'000, 1, 1, fen.data()));
  EXPECT_TRUE(detail::read_fen({{}, {}, 2, units, 1}, nullptr, 1'000, 2, 1, fen.data()));
}

TEST(Readers, LevelsOfEveryWidthMaskAndNaN) {
  std::array<std::int8_t, 4> out{};
  const std::vector<std::int64_t> wide{0, 3, 2, 1};
  EXPECT_FALSE(
      detail::read_levels({std::span<const std::int64_t>(wide), {}}, false, 0, 4, out.data()));
  EXPECT_EQ(out, (std::array<std::int8_t, 4>{0, 3, 2, 1}));
  const std::vector<std::int64_t> too_big{259};  // 259 would be 3 as int8: bad, not wrapped
  EXPECT_TRUE(
      detail::read_levels({std::span<const std::int64_t>(too_big), {}}, false, 0, 1, out.data()));
  const std::vector<std::uint16_t> unsigned_levels{3, 4};
  EXPECT_FALSE(detail::read_levels({std::span<const std::uint16_t>(unsigned_levels), {}}, false, 0,
                                   1, out.data()));
  EXPECT_TRUE(detail::read_levels({std::span<const std::uint16_t>(unsigned_levels), {}}, false, 1,
                                  1, out.data()));
  // Masked (pandas' nullable ints) and NaN (float columns) are missing: -1 where allowed.
  const std::vector<std::int8_t> values{2, 99};
  const std::vector<std::uint8_t> mask{0, 1};
  EXPECT_FALSE(
      detail::read_levels({std::span<const std::int8_t>(values), mask}, true, 0, 2, out.data()));
  EXPECT_EQ(out[0], 2);
  EXPECT_EQ(out[1], -1);
  EXPECT_TRUE(
      detail::read_levels({std::span<const std::int8_t>(values), mask}, false, 0, 2, out.data()));
  const std::vector<double> floats{1.0, std::nan(""), 2.5, -1.0};
  const LevelColumn float_levels{std::span<const double>(floats), {}};
  EXPECT_FALSE(detail::read_levels(float_levels, true, 0, 2, out.data()));
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], -1);
  EXPECT_TRUE(detail::read_levels(float_levels, false, 1, 1, out.data()));
  EXPECT_TRUE(detail::read_levels(float_levels, true, 2, 1, out.data()));
  EXPECT_TRUE(detail::read_levels(float_levels, true, 3, 1, out.data()));
}

TEST(Readers, CategoryCodesThroughTheirTable) {
  LabelColumn column;
  const std::vector<std::int16_t> codes{1, 0, 1, -1, 2, 3};
  column.codes = std::span<const std::int16_t>(codes);
  column.by_code = {1, 0, -1};  // category 2 is no label of the vocabulary
  std::array<std::int8_t, 6> out{};
  EXPECT_FALSE(detail::read_codes(column, 0, 3, out.data()));
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 1);
  EXPECT_TRUE(detail::read_codes(column, 3, 1, out.data()));  // missing
  EXPECT_TRUE(detail::read_codes(column, 4, 1, out.data()));  // not a label
  EXPECT_TRUE(detail::read_codes(column, 5, 1, out.data()));  // past the categories
}

// Random Chongqing claims, sorted by member and day (or not), dense member ids.
Table claims(std::size_t n, bool sorted, unsigned seed) {
  std::mt19937_64 rng(seed);
  Table t;
  std::int64_t member = 0;
  std::int32_t day = 19'723;  // 2024-01-01
  for (std::size_t i = 0; i < n; ++i) {
    if (rng() % 6 == 0) {
      ++member;
      day = 19'723;
    }
    day += static_cast<std::int32_t>(rng() % 3);
    t.add(member, std::min(day, 20'088), static_cast<std::int8_t>(rng() % 4),
          static_cast<std::int64_t>(rng() % 60'000), static_cast<std::int8_t>(rng() % 2), 0,
          std::int8_t{0}, -1, static_cast<std::int8_t>(rng() % 3));
  }
  if (!sorted) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Table s;
    for (const std::size_t i : order) {
      s.add(t.member[i], t.day[i], t.level[i], t.eligible[i], t.status[i], 0, t.service[i], -1,
            t.tier[i]);
    }
    return s;
  }
  return t;
}

TEST(AdjudicateFrame, OtherLayoutsEqualTheKernel) {
  const Policy policy = yibao::testing::chongqing();
  const LabelTable status{{"in_service", "retired"}, {0, 1}};
  const LabelTable service{{"general", "pharmacy", "internet"}, {0, 1, 2}};
  const LabelTable tier{{"employer", "individual_1", "individual_2"}, {0, 1, 2}};
  for (const bool sorted : {true, false}) {
    const Table t = claims(40'000, sorted, 11);
    const std::size_t n = t.member.size();
    const Result want = yibao::testing::run(policy, t, 2);
    // Seconds, int64 levels, decimal128 amounts at scale 4, labels as category codes.
    std::vector<std::int64_t> seconds(n), levels(n);
    std::vector<std::uint64_t> words(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      seconds[i] = std::int64_t{t.day[i]} * 86'400 + 3'600;
      levels[i] = t.level[i];
      words[2 * i] = static_cast<std::uint64_t>(t.eligible[i] * 100);
    }
    FrameColumns frame;
    frame.member = t.member;
    frame.date = {seconds, 86'400, {}};
    frame.level = {std::span<const std::int64_t>(levels), {}};
    frame.eligible = {{}, words, 4, {}, 100};
    frame.status.codes = std::span<const std::int8_t>(t.status);
    frame.status.by_code = {0, 1};
    frame.service.codes = std::span<const std::int8_t>(t.service);
    frame.service.by_code = {0, 1, 2};
    frame.tier.codes = std::span<const std::int8_t>(t.tier);
    frame.tier.by_code = {0, 1, 2};
    frame.max_fen = 999'999'999'999'999'999;
    Result got{std::vector<std::int64_t>(n), std::vector<std::int64_t>(n),
               std::vector<std::int64_t>(n), std::vector<std::int64_t>(n),
               std::vector<std::int64_t>(n), std::vector<std::uint16_t>(n)};
    using yibao::testing::fen_column;
    const AdjudicationColumns out{fen_column(got.deductible), fen_column(got.fund),
                                  fen_column(got.self_pay),   fen_column(got.capped),
                                  fen_column(got.ytd),        got.rule};
    for (const std::size_t threads : {1, 3}) {
      ASSERT_NO_THROW(
          adjudicate_frame(policy, frame, FrameLabels{status, service, tier}, out, threads))
          << sorted;
      EXPECT_EQ(got.fund, want.fund);
      EXPECT_EQ(got.deductible, want.deductible);
      EXPECT_EQ(got.ytd, want.ytd);
      EXPECT_EQ(got.rule, want.rule);
    }
    // A bad value: an error naming its row and column, sorted or not, on any thread count;
    // a bad level comes before a bad amount at an earlier row (the schema's column order).
    levels[n / 2] = 4;
    for (const std::size_t threads : {1, 3}) {
      try {
        adjudicate_frame(policy, frame, FrameLabels{status, service, tier}, out, threads);
        ADD_FAILURE() << "a level of 4 was read";
      } catch (const InputError& e) {
        EXPECT_EQ(e.row(), static_cast<std::int64_t>(n / 2)) << sorted;
        EXPECT_EQ(e.column(), "level");
        EXPECT_STREQ(e.what(), "level is not an integer 0..3");
      }
    }
    levels[n / 2] = 1;
  }
}

}  // namespace
