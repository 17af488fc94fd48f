// The threaded column conversions and checks: exact results, the same for every thread count,
// and the first bad row reported even when it lies in a later-finishing range.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "yibao/buffers.hpp"
#include "yibao/convert.hpp"
#include "yibao/errors.hpp"
#include "yibao/labels.hpp"
#include "yibao/money.hpp"
#include "yibao/parallel.hpp"

namespace {

using Sizes = std::initializer_list<std::size_t>;

constexpr std::int64_t ns_per_day = 86'400'000'000'000;
constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();

// What an expected yibao error carried; thrown == false when nothing was thrown.
struct Caught {
  bool thrown = false;
  std::int64_t row = yibao::no_row;
  std::string column;
};

template <class E = yibao::InputError>
Caught catch_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return {true, e.row(), e.column()};
  }
  return {};
}

// Days since 1970-01-01 of 2024-01-01: 54 years, 13 of them leap (1972..2020).
constexpr std::int64_t day_2024 = 54 * 365 + 13;
static_assert(day_2024 == 19723);

}  // namespace

// ---------------------------------------------------------------- parallel.hpp

TEST(Parallel, RunTasksCallsEveryTaskOnceAndTaskZeroOnTheCaller) {
  for (const std::size_t tasks : Sizes{0, 1, 5}) {
    std::vector<std::atomic<int>> calls(tasks);
    std::thread::id task_zero_thread;
    yibao::run_tasks(tasks, [&](std::size_t k) {
      ++calls[k];
      if (k == 0) task_zero_thread = std::this_thread::get_id();
    });
    for (std::size_t k = 0; k < tasks; ++k) EXPECT_EQ(calls[k].load(), 1) << tasks << " " << k;
    if (tasks > 0) {
      EXPECT_EQ(task_zero_thread, std::this_thread::get_id());
    }
  }
}

TEST(Parallel, RunTasksRethrowsTheLowestFailedTask) {
  // Task 1 fails last in time (it sleeps first): its error must still win over task 3's.
  try {
    yibao::run_tasks(5, [](std::size_t k) {
      if (k == 1) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        throw std::runtime_error("task 1");
      }
      if (k == 3) throw std::logic_error("task 3");
    });
    ADD_FAILURE() << "nothing thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task 1");
  }
}

TEST(Parallel, ForEachRangeVisitsEveryRowOnce) {
  for (const std::size_t n : Sizes{0, 1, 5, 100000}) {
    for (const std::size_t threads : Sizes{1, 2, 3, 8}) {
      std::vector<std::atomic<int>> visits(n);
      std::mutex ranges_mutex;
      std::vector<std::pair<std::size_t, std::size_t>> ranges;
      yibao::for_each_range(n, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) ++visits[i];
        const std::scoped_lock lock(ranges_mutex);
        ranges.emplace_back(begin, end);
      });
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(visits[i].load(), 1) << "n=" << n << " threads=" << threads << " row=" << i;
      }
      // "Up to `threads` consecutive ranges covering [0, n)".
      ASSERT_GE(ranges.size(), 1U);
      EXPECT_LE(ranges.size(), threads);
      std::sort(ranges.begin(), ranges.end());
      EXPECT_EQ(ranges.front().first, 0U);
      EXPECT_EQ(ranges.back().second, n);
      for (std::size_t r = 1; r < ranges.size(); ++r) {
        EXPECT_EQ(ranges[r].first, ranges[r - 1].second);
      }
    }
  }
}

TEST(Parallel, ForEachRangeRethrowsTheErrorOfTheLowestRange) {
  // Rows 70000 and 90000 are bad; the range holding 70000 is slowed down so that, when the
  // two rows fall in different ranges, the other range fails first in time.
  constexpr std::size_t n = 100000;
  for (const std::size_t threads : Sizes{1, 2, 3, 4, 5, 6, 8}) {
    try {
      yibao::for_each_range(n, threads, [](std::size_t begin, std::size_t end) {
        if (begin <= 70000 && 70000 < end) {
          std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
        for (std::size_t i = begin; i < end; ++i) {
          if (i == 70000 || i == 90000) throw std::runtime_error(std::to_string(i));
        }
      });
      ADD_FAILURE() << "nothing thrown, threads=" << threads;
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "70000") << "threads=" << threads;
    }
  }
}

// ---------------------------------------------------------------- buffers.hpp

TEST(BufferCache, AcquireIs64ByteAligned) {
  yibao::BufferCache cache;
  for (const std::size_t bytes : Sizes{0, 1, 7, 63, 64, 65, 1000, 4096, 1 << 20}) {
    void* p = cache.acquire(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0U) << bytes;
    cache.release(p, bytes);
  }
}

TEST(BufferCache, ReleasedBlockIsReusedForTheSameSize) {
  yibao::BufferCache cache;
  void* p = cache.acquire(4096);
  cache.release(p, 4096);
  EXPECT_EQ(cache.cached_bytes(), 4096U);
  void* q = cache.acquire(4096);
  EXPECT_EQ(q, p);
  EXPECT_EQ(cache.cached_bytes(), 0U);
  cache.release(q, 4096);
}

TEST(BufferCache, BlockMoreThanTwiceTheRequestIsNotReused) {
  yibao::BufferCache cache;
  void* big = cache.acquire(1024);
  cache.release(big, 1024);
  // 1024 > 2 × 64: kept for a later call, a fresh block given instead.
  void* small = cache.acquire(64);
  EXPECT_NE(small, big);
  EXPECT_EQ(cache.cached_bytes(), 1024U);
  // Exactly twice the request wastes at most half: reused.
  void* half = cache.acquire(512);
  EXPECT_EQ(half, big);
  EXPECT_EQ(cache.cached_bytes(), 0U);
  cache.release(small, 64);
  cache.release(half, 1024);
}

TEST(BufferCache, SmallestFittingBlockIsReused) {
  yibao::BufferCache cache;
  void* a = cache.acquire(1024);
  void* b = cache.acquire(768);
  cache.release(a, 1024);
  cache.release(b, 768);
  void* p = cache.acquire(640);  // both fit; 768 wastes less
  EXPECT_EQ(p, b);
  EXPECT_EQ(cache.cached_bytes(), 1024U);
  cache.release(p, 768);
}

// Large blocks come in size classes (1/8 of a power of two), so a stream's batches of nearly
// the same size share one block; a block outgrown by its kind of request is freed on the miss.
TEST(BufferCache, NearlyEqualSizesShareABlockAndOutgrownBlocksAreFreed) {
  yibao::BufferCache cache;
  void* first = cache.acquire(1'000'000);
  cache.release(first, 1'000'000);
  void* similar = cache.acquire(1'040'000);  // the same class: 16 × 64 KiB
  EXPECT_EQ(similar, first);
  cache.release(similar, 1'040'000);
  EXPECT_EQ(cache.cached_bytes(), 1'048'576U);
  void* bigger = cache.acquire(1'100'000);  // the next class: the kept block is outgrown
  EXPECT_EQ(cache.cached_bytes(), 0U);
  cache.release(bigger, 1'100'000);
  void* small = cache.acquire(100'000);         // another kind of request: the big block stays
  EXPECT_EQ(cache.cached_bytes(), 1'179'648U);  // 9 × 128 KiB
  cache.release(small, 100'000);
}

TEST(BufferCache, SetLimitZeroFreesEverything) {
  yibao::BufferCache cache;
  EXPECT_EQ(cache.limit(), yibao::BufferCache::default_limit);
  std::vector<void*> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(cache.acquire(256));
  for (void* p : blocks) cache.release(p, 256);
  EXPECT_EQ(cache.cached_bytes(), 1024U);
  cache.set_limit(0);
  EXPECT_EQ(cache.limit(), 0U);
  EXPECT_EQ(cache.cached_bytes(), 0U);
  // With a zero limit nothing released is kept.
  void* p = cache.acquire(256);
  cache.release(p, 256);
  EXPECT_EQ(cache.cached_bytes(), 0U);
}

TEST(BufferCache, BlockLargerThanTheLimitIsNotKept) {
  yibao::BufferCache cache;
  cache.set_limit(512);
  void* small = cache.acquire(256);
  void* big = cache.acquire(1024);
  cache.release(small, 256);
  // The big block is freed at once, without evicting the small one to make room.
  cache.release(big, 1024);
  EXPECT_EQ(cache.cached_bytes(), 256U);
  void* q = cache.acquire(256);
  EXPECT_EQ(q, small);
  cache.release(q, 256);
  cache.set_limit(0);
  void* p = cache.acquire(1024);
  cache.release(p, 1024);
  EXPECT_EQ(cache.cached_bytes(), 0U);
  cache.set_limit(512);
  void* r = cache.acquire(512);
  cache.release(r, 512);  // exactly the limit: kept
  EXPECT_EQ(cache.cached_bytes(), 512U);
}

TEST(BufferCache, CachedBytesNeverExceedTheLimitAndTheNewestAreKept) {
  yibao::BufferCache cache;
  cache.set_limit(1000);
  std::vector<void*> blocks;
  for (int i = 0; i < 6; ++i) blocks.push_back(cache.acquire(256));
  const std::array<std::size_t, 6> expected{256, 512, 768, 768, 768, 768};
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    cache.release(blocks[i], 256);
    EXPECT_EQ(cache.cached_bytes(), expected[i]) << i;
    EXPECT_LE(cache.cached_bytes(), cache.limit());
  }
  // The three kept are the last three released.
  void* p = cache.acquire(256);
  EXPECT_EQ(cache.cached_bytes(), 512U);
  EXPECT_TRUE(p == blocks[3] || p == blocks[4] || p == blocks[5]);
  cache.release(p, 256);
  // Lowering the limit trims to it.
  cache.set_limit(300);
  EXPECT_EQ(cache.cached_bytes(), 256U);
}

// ---------------------------------------------------------------- convert.hpp: days

TEST(Days, NanosecondsFloorToDays) {
  const std::vector<std::int64_t> in{0,
                                     -1,
                                     ns_per_day - 1,
                                     ns_per_day,
                                     -ns_per_day,
                                     -ns_per_day - 1,
                                     day_2024 * ns_per_day,
                                     day_2024 * ns_per_day + 13 * 3'600'000'000'000};
  std::vector<std::int32_t> out(in.size(), 99);
  yibao::days_from_timestamps(in, ns_per_day, false, out, "date");
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, -1, 0, 1, -1, -2, 19723, 19723}));
}

TEST(Days, SecondsAndMicrosecondsFloorToDays) {
  const std::vector<std::int64_t> seconds{
      0, -1, 86399, 86400, -86400, -86401, day_2024 * 86400 + 3600};
  std::vector<std::int32_t> out(seconds.size());
  yibao::days_from_timestamps(seconds, 86400, false, out, "date");
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, -1, 0, 1, -1, -2, 19723}));

  constexpr std::int64_t us_per_day = 86'400'000'000;
  const std::vector<std::int64_t> micros{us_per_day - 1, -1, day_2024 * us_per_day};
  out.assign(micros.size(), 0);
  yibao::days_from_timestamps(micros, us_per_day, false, out, "date");
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, -1, 19723}));
}

TEST(Days, NatIsAnErrorNamingRowAndColumnUnlessAllowed) {
  const std::vector<std::int64_t> in{0, ns_per_day, nat, nat};
  std::vector<std::int32_t> out(in.size());
  const Caught c =
      catch_error([&] { yibao::days_from_timestamps(in, ns_per_day, false, out, "admit_date"); });
  EXPECT_TRUE(c.thrown);
  EXPECT_EQ(c.row, 2);
  EXPECT_EQ(c.column, "admit_date");

  yibao::days_from_timestamps(in, ns_per_day, true, out, "retire_date");
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, 1, yibao::missing_day, yibao::missing_day}));
  // The seconds path treats NaT the same way.
  const Caught s =
      catch_error([&] { yibao::days_from_timestamps(in, 86400, false, out, "admit_date"); });
  EXPECT_TRUE(s.thrown);
  EXPECT_EQ(s.row, 2);
}

TEST(Days, DayOutsideInt32IsAnError) {
  // Day 2^31 does not fit; day -2^31 would read as missing_day.
  constexpr std::int64_t two_31 = std::int64_t{1} << 31;
  std::vector<std::int32_t> out(2);
  const std::vector<std::int64_t> ok{(two_31 - 1) * 86400, (-two_31 + 1) * 86400};
  yibao::days_from_timestamps(ok, 86400, false, out, "date");
  EXPECT_EQ(out, (std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::max(),
                                            std::numeric_limits<std::int32_t>::min() + 1}));
  const std::vector<std::int64_t> high{0, two_31 * 86400};
  const Caught h = catch_error([&] { yibao::days_from_timestamps(high, 86400, false, out, "d"); });
  EXPECT_TRUE(h.thrown);
  EXPECT_EQ(h.row, 1);
  const std::vector<std::int64_t> low{-two_31 * 86400, 0};
  const Caught l = catch_error([&] { yibao::days_from_timestamps(low, 86400, true, out, "d"); });
  EXPECT_TRUE(l.thrown);
  EXPECT_EQ(l.row, 0);
}

TEST(Days, BadArgumentsAreErrors) {
  const std::vector<std::int64_t> in{0, 1};
  std::vector<std::int32_t> out(2);
  std::vector<std::int32_t> short_out(1);
  EXPECT_THROW(yibao::days_from_timestamps(in, 0, false, out, "d"), yibao::InputError);
  EXPECT_THROW(yibao::days_from_timestamps(in, -86400, false, out, "d"), yibao::InputError);
  EXPECT_THROW(yibao::days_from_timestamps(in, ns_per_day, false, short_out, "d"),
               yibao::InputError);
}

TEST(Days, SameResultAndFirstBadRowForAnyThreadCount) {
  // Row i is day (i - 100000) plus an offset inside the day, so the expected day is known.
  constexpr std::size_t n = 200000;
  std::vector<std::int64_t> in(n);
  std::vector<std::int32_t> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto day = static_cast<std::int64_t>(i) - 100000;
    const auto offset = static_cast<std::int64_t>(i % 7) * (ns_per_day / 7);
    in[i] = day * ns_per_day + offset;
    expected[i] = static_cast<std::int32_t>(day);
  }
  for (const std::size_t threads : Sizes{1, 4}) {
    std::vector<std::int32_t> out(n, 0);
    yibao::days_from_timestamps(in, ns_per_day, false, out, "date", threads);
    EXPECT_EQ(out, expected) << "threads=" << threads;
  }
  // Two NaT rows in different ranges of 4: the lower one is reported.
  in[120000] = nat;
  in[180000] = nat;
  std::vector<std::int32_t> out(n);
  for (const std::size_t threads : Sizes{1, 4}) {
    const Caught c = catch_error(
        [&] { yibao::days_from_timestamps(in, ns_per_day, false, out, "date", threads); });
    EXPECT_TRUE(c.thrown);
    EXPECT_EQ(c.row, 120000) << "threads=" << threads;
    EXPECT_EQ(c.column, "date");
  }
}

// ---------------------------------------------------------------- convert.hpp: levels

// ---------------------------------------------------------------- convert.hpp: checks

TEST(ColumnChecks, SmallInputs) {
  EXPECT_EQ(yibao::first_outside({}, 0, 10), -1);
  EXPECT_EQ(yibao::first_descending({}), -1);
  const std::vector<std::int64_t> one{11};
  EXPECT_EQ(yibao::first_outside(one, 0, 10), 0);
  EXPECT_EQ(yibao::first_descending(one), -1);
  // Bounds are inclusive; equal neighbours are not descending.
  const std::vector<std::int64_t> v{0, 10, 10, 5, -1, 11};
  EXPECT_EQ(yibao::first_outside(v, 0, 10), 4);
  EXPECT_EQ(yibao::first_outside(v, -1, 11), -1);
  EXPECT_EQ(yibao::first_descending(v), 3);
  const std::vector<std::int64_t> flat{3, 3, 3};
  EXPECT_EQ(yibao::first_descending(flat), -1);
}

TEST(ColumnChecks, FirstOutsideIsTheFirstPositionForAnyThreadCount) {
  constexpr std::size_t n = 300000;
  std::vector<std::int64_t> base(n);
  for (std::size_t i = 0; i < n; ++i) base[i] = static_cast<std::int64_t>(i % 1000);
  for (const std::size_t threads : Sizes{1, 2, 5}) {
    EXPECT_EQ(yibao::first_outside(base, 0, 999, threads), -1);
  }
  // Offender pairs and the first of each: in the middle, at range boundaries of 2 threads
  // (150000) and 5 threads (60000, 240000), the last row of a range, a block start (4096),
  // and the two ends.
  const std::vector<std::pair<std::size_t, std::size_t>> cases{
      {123457, 250000}, {150000, 299999}, {149999, 150000}, {60000, 240000},
      {59999, 240000},  {4096, 200000},   {0, 299999},      {299999, 299999}};
  for (const auto& [first, second] : cases) {
    std::vector<std::int64_t> v = base;
    v[first] = 1000;
    v[second] = -1;
    for (const std::size_t threads : Sizes{1, 2, 5}) {
      EXPECT_EQ(yibao::first_outside(v, 0, 999, threads), static_cast<std::int64_t>(first))
          << first << "," << second << " threads=" << threads;
    }
  }
}

TEST(ColumnChecks, FirstDescendingIsTheFirstPositionForAnyThreadCount) {
  constexpr std::size_t n = 300000;
  std::vector<std::int64_t> base(n);
  for (std::size_t i = 0; i < n; ++i) base[i] = 2 * static_cast<std::int64_t>(i / 3);  // ties
  for (const std::size_t threads : Sizes{1, 2, 5}) {
    EXPECT_EQ(yibao::first_descending(base, threads), -1);
  }
  // Position p descends when v[p] < v[p - 1]; 1 is the first that can. The pairs (p - 1, p)
  // straddle range boundaries of 2 threads (149999/150000) and of 5 (59999/60000), or lie at
  // the ends.
  const std::vector<std::pair<std::size_t, std::size_t>> cases{
      {123457, 250000}, {150000, 299999}, {149999, 150000}, {60000, 240000},
      {59999, 240000},  {4097, 200000},   {1, 299999},      {299999, 299999}};
  for (const auto& [first, second] : cases) {
    std::vector<std::int64_t> v = base;
    // v[p - 1] - 1 is still above v[p - 2] and below v[p + 1]: only p descends.
    v[first] = v[first - 1] - 1;
    v[second] = v[second - 1] - 1;
    for (const std::size_t threads : Sizes{1, 2, 5}) {
      EXPECT_EQ(yibao::first_descending(v, threads), static_cast<std::int64_t>(first))
          << first << "," << second << " threads=" << threads;
    }
  }
}

// ---------------------------------------------------------------- convert.hpp: fen

TEST(FenFromDoubles, ExactCentsAndRounding) {
  const std::vector<double> in{0.0, 0.07, -0.01, 12.5, 1e6, 0.3};
  std::vector<std::int64_t> out(in.size());
  yibao::fen_from_doubles(in, out, nullptr, "amount");
  EXPECT_EQ(out, (std::vector<std::int64_t>{0, 7, -1, 1250, 100000000, 30}));

  // Through the shortest decimal: 2.675 is "2.675" (the double is slightly below), 0.125 a
  // tie; rounding is by magnitude, so negatives mirror positives.
  const std::vector<double> sub{2.675, 0.125, -0.125, 0.001};
  out.assign(sub.size(), 0);
  const yibao::Rounding half_up = yibao::Rounding::half_up;
  const yibao::Rounding half_even = yibao::Rounding::half_even;
  const yibao::Rounding down = yibao::Rounding::down;
  yibao::fen_from_doubles(sub, out, &half_up, "amount");
  EXPECT_EQ(out, (std::vector<std::int64_t>{268, 13, -13, 0}));
  yibao::fen_from_doubles(sub, out, &half_even, "amount");
  EXPECT_EQ(out, (std::vector<std::int64_t>{268, 12, -12, 0}));
  yibao::fen_from_doubles(sub, out, &down, "amount");
  EXPECT_EQ(out, (std::vector<std::int64_t>{267, 12, -12, 0}));
}

TEST(FenFromDoubles, BadValuesNameRowAndColumn) {
  std::vector<std::int64_t> out(3);
  const std::vector<double> sub_fen{1.0, 2.0, 0.001};
  const Caught a = catch_error([&] { yibao::fen_from_doubles(sub_fen, out, nullptr, "fee"); });
  EXPECT_TRUE(a.thrown);
  EXPECT_EQ(a.row, 2);
  EXPECT_EQ(a.column, "fee");
  const std::vector<double> nan{1.0, std::nan(""), 0.0};
  const Caught b = catch_error([&] { yibao::fen_from_doubles(nan, out, nullptr, "fee"); });
  EXPECT_TRUE(b.thrown);
  EXPECT_EQ(b.row, 1);
  const std::vector<double> inf{std::numeric_limits<double>::infinity(), 1.0, 1.0};
  const Caught c = catch_error([&] { yibao::fen_from_doubles(inf, out, nullptr, "fee"); });
  EXPECT_TRUE(c.thrown);
  EXPECT_EQ(c.row, 0);
  // Too large for int64 fen: an overflow, with its row.
  const std::vector<double> huge{1.0, 1.0, 1e300};
  const Caught d = catch_error<yibao::OverflowError>(
      [&] { yibao::fen_from_doubles(huge, out, nullptr, "fee"); });
  EXPECT_TRUE(d.thrown);
  EXPECT_EQ(d.row, 2);
  EXPECT_EQ(d.column, "fee");
}

TEST(FenFromDoubles, SameResultAndFirstBadRowForAnyThreadCount) {
  constexpr std::size_t n = 300000;
  std::vector<double> in(n);
  std::vector<std::int64_t> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    // (k + 7) / 100 is the double nearest k × 0.01 + 0.07, whose shortest decimal has 2 places.
    const auto k = static_cast<std::int64_t>(i);
    in[i] = static_cast<double>(k + 7) / 100.0;
    expected[i] = k + 7;
  }
  for (const std::size_t threads : Sizes{1, 4}) {
    std::vector<std::int64_t> out(n, -1);
    yibao::fen_from_doubles(in, out, nullptr, "amount", threads);
    EXPECT_EQ(out, expected) << "threads=" << threads;
  }
  in[200001] = 0.001;
  in[280000] = 0.001;
  std::vector<std::int64_t> out(n);
  for (const std::size_t threads : Sizes{1, 4}) {
    const Caught c =
        catch_error([&] { yibao::fen_from_doubles(in, out, nullptr, "amount", threads); });
    EXPECT_TRUE(c.thrown);
    EXPECT_EQ(c.row, 200001) << "threads=" << threads;
    EXPECT_EQ(c.column, "amount");
  }
}

// ---------------------------------------------------------------- labels.hpp

TEST(Codes, PresentFlags) {
  const std::vector<std::uint16_t> codes{0, 2, 2, 5};
  EXPECT_EQ(yibao::codes_present(codes, 6), (std::vector<std::uint8_t>{1, 0, 1, 0, 0, 1}));
  EXPECT_EQ(yibao::codes_present({}, 3), (std::vector<std::uint8_t>{0, 0, 0}));

  const Caught c = catch_error([&] { (void)yibao::codes_present(codes, 5); });
  EXPECT_TRUE(c.thrown);
  EXPECT_EQ(c.row, 3);  // code 5 with 5 codes
}

TEST(Codes, PresentFlagsAndFirstBadRowForAnyThreadCount) {
  constexpr std::size_t n = 300000;
  // Code 7 only in the last range of 4 threads, code 3 only at row 0, code 2 never.
  std::vector<std::uint16_t> codes(n, 1);
  codes[0] = 3;
  codes[299999] = 7;
  for (std::size_t i = 10; i < n; i += 1000) codes[i] = 5;
  const std::vector<std::uint8_t> expected{0, 1, 0, 1, 0, 1, 0, 1};
  for (const std::size_t threads : Sizes{1, 3, 4}) {
    EXPECT_EQ(yibao::codes_present(codes, 8, threads), expected) << "threads=" << threads;
  }
  codes[150001] = 8;
  codes[250000] = 9;
  for (const std::size_t threads : Sizes{1, 3, 4}) {
    const Caught c = catch_error([&] { (void)yibao::codes_present(codes, 8, threads); });
    EXPECT_TRUE(c.thrown);
    EXPECT_EQ(c.row, 150001) << "threads=" << threads;
  }
}

TEST(Codes, RecodeMapsThroughTheTable) {
  const std::vector<std::uint16_t> codes{2, 0, 1, 1, 2};
  const std::vector<std::int8_t> table8{-1, 7, 3};
  std::vector<std::int8_t> out8(codes.size());
  yibao::recode<std::int8_t>(codes, table8, out8);
  EXPECT_EQ(out8, (std::vector<std::int8_t>{3, -1, 7, 7, 3}));

  const std::vector<std::int16_t> table16{1000, -2000, 32767};
  std::vector<std::int16_t> out16(codes.size());
  yibao::recode<std::int16_t>(codes, table16, out16);
  EXPECT_EQ(out16, (std::vector<std::int16_t>{32767, 1000, -2000, -2000, 32767}));

  const std::vector<std::uint16_t> bad{0, 1, 3, 0};
  std::vector<std::int8_t> out(bad.size());
  const Caught c = catch_error([&] { yibao::recode<std::int8_t>(bad, table8, out); });
  EXPECT_TRUE(c.thrown);
  EXPECT_EQ(c.row, 2);
  std::vector<std::int8_t> short_out(2);
  EXPECT_THROW(yibao::recode<std::int8_t>(codes, table8, short_out), yibao::InputError);
}

TEST(Codes, RecodeSameForAnyThreadCount) {
  constexpr std::size_t n = 300000;
  std::vector<std::uint16_t> codes(n);
  std::vector<std::int16_t> table(300);
  for (std::size_t c = 0; c < table.size(); ++c)
    table[c] = static_cast<std::int16_t>(3 * static_cast<int>(c) - 400);
  std::vector<std::int16_t> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    codes[i] = static_cast<std::uint16_t>((i * 7) % 300);
    expected[i] = static_cast<std::int16_t>(3 * static_cast<int>(codes[i]) - 400);
  }
  for (const std::size_t threads : Sizes{1, 2, 5}) {
    std::vector<std::int16_t> out(n, 0);
    yibao::recode<std::int16_t>(codes, table, out, threads);
    EXPECT_EQ(out, expected) << "threads=" << threads;
  }
  codes[150000] = 300;
  codes[280000] = 301;
  std::vector<std::int16_t> out(n);
  for (const std::size_t threads : Sizes{1, 2, 5}) {
    const Caught c = catch_error([&] { yibao::recode<std::int16_t>(codes, table, out, threads); });
    EXPECT_TRUE(c.thrown);
    EXPECT_EQ(c.row, 150000) << "threads=" << threads;
  }
}
