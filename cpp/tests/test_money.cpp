#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "money_reference.hpp"
#include "yibao/errors.hpp"
#include "yibao/money.hpp"

using yibao::Money;
using yibao::Rate;
using yibao::Rounding;

namespace {
constexpr Rounding half_up = Rounding::half_up;
constexpr Rounding half_even = Rounding::half_even;
constexpr Rounding down = Rounding::down;
std::int64_t fen(std::string_view text, const Rounding* r = nullptr) {
  return yibao::parse_money(text, r).fen();
}
}  // namespace

TEST(Money, ParsesExactDecimals) {
  EXPECT_EQ(fen("0"), 0);
  EXPECT_EQ(fen("12"), 1200);
  EXPECT_EQ(fen("22.5"), 2250);
  EXPECT_EQ(fen("-0.01"), -1);
  EXPECT_EQ(fen("+3.10"), 310);
  EXPECT_EQ(fen("1e+16"), 1000000000000000000);
  EXPECT_EQ(fen("1.25e+01"), 1250);
  EXPECT_EQ(fen("2.5e-01"), 25);
}

TEST(Money, RejectsSubFenWithoutRounding) {
  EXPECT_THROW(fen("0.125"), yibao::InputError);
  EXPECT_THROW(fen("1.001"), yibao::InputError);
  EXPECT_EQ(fen("1.000"), 100);  // trailing zeros are not extra precision
}

TEST(Money, RoundsOnceWhenAsked) {
  EXPECT_EQ(fen("0.125", &half_up), 13);
  EXPECT_EQ(fen("0.125", &half_even), 12);
  EXPECT_EQ(fen("0.135", &half_even), 14);
  EXPECT_EQ(fen("0.129", &down), 12);
  EXPECT_EQ(fen("-0.125", &half_up), -13);  // half away from zero
}

TEST(Money, RejectsGarbage) {
  for (const char* bad : {"", "-", ".", "1..2", "abc", "1e", "1x", "nan", "1e+x"}) {
    EXPECT_THROW(fen(bad), yibao::InputError) << bad;
  }
}

TEST(Money, OverflowRaisesInsteadOfWrapping) {
  const Money big = Money::from_fen(std::numeric_limits<std::int64_t>::max());
  EXPECT_THROW(big + Money::from_fen(1), yibao::OverflowError);
  EXPECT_THROW(Money::from_fen(std::numeric_limits<std::int64_t>::min()) - Money::from_fen(1),
               yibao::OverflowError);
  EXPECT_THROW(fen("100000000000000000"), yibao::OverflowError);  // 1e17 yuan
  EXPECT_THROW(fen("1" + std::string(60, '0')), yibao::OverflowError);
}

TEST(Money, ApplyRateRoundsHalfUpToTheFen) {
  // Ili worked check (docs/design.md §6): (100 - 22.5) × 65% = 50.375 -> 50.38.
  const Money base = Money::from_fen(10000) - Money::from_fen(2250);
  EXPECT_EQ(yibao::apply_rate(base, Rate::from_ppm(650000), half_up).fen(), 5038);
  EXPECT_EQ(yibao::apply_rate(base, Rate::from_ppm(650000), half_even).fen(), 5038);
  EXPECT_EQ(yibao::apply_rate(base, Rate::from_ppm(650000), down).fen(), 5037);
  EXPECT_EQ(yibao::apply_rate(Money::from_fen(1), Rate::from_ppm(500000), half_up).fen(), 1);
  EXPECT_EQ(yibao::apply_rate(Money::from_fen(1), Rate::from_ppm(500000), half_even).fen(), 0);
}

TEST(Money, ToString) {
  EXPECT_EQ(Money::from_fen(5038).to_string(), "50.38");
  EXPECT_EQ(Money::from_fen(-5).to_string(), "-0.05");
  EXPECT_EQ(Money::from_fen(0).to_string(), "0.00");
}

TEST(Money, FromDoubleGoesThroughShortestDecimal) {
  EXPECT_EQ(yibao::from_double(0.1 + 0.2, &half_up).fen(), 30);  // repr 0.30000000000000004
  EXPECT_THROW(yibao::from_double(0.1 + 0.2, nullptr), yibao::InputError);
  EXPECT_EQ(yibao::from_double(1.005, &half_up).fen(), 101);  // repr "1.005", not 1.00499...
  EXPECT_EQ(yibao::from_double(2.675, &half_up).fen(), 268);
  EXPECT_EQ(yibao::from_double(22.5, nullptr).fen(), 2250);
  EXPECT_EQ(yibao::from_double(-0.0, nullptr).fen(), 0);
  EXPECT_THROW(yibao::from_double(std::nan(""), nullptr), yibao::InputError);
  EXPECT_THROW(yibao::from_double(INFINITY, nullptr), yibao::InputError);
  EXPECT_THROW(yibao::from_double(1e300, nullptr), yibao::OverflowError);
}

// The native fast path of from_double must equal the reference path through the decimal
// text on every input (docs/design.md §4): exact cents of every magnitude, and arbitrary doubles.
TEST(Money, FromDoubleFastPathEqualsTextPath) {
  std::mt19937_64 rng(20241122);
  std::uniform_int_distribution<std::int64_t> cents(-(std::int64_t{1} << 53),
                                                    std::int64_t{1} << 53);
  std::uniform_int_distribution<int> digits(0, 15);
  for (int i = 0; i < 40000; ++i) {
    std::int64_t c = cents(rng);
    c /= static_cast<std::int64_t>(std::pow(10.0, digits(rng)));
    const double x = static_cast<double>(c) / 100.0;
    const double y = std::bit_cast<double>(rng());  // arbitrary bits, NaN/inf included
    for (const double value : {x, y, std::nextafter(x, 0.0), std::nextafter(x, 1e300)}) {
      for (const Rounding* mode : {static_cast<const Rounding*>(nullptr), &half_up}) {
        std::int64_t fast = 0, slow = 0;
        bool fast_threw = false, slow_threw = false;
        try {
          fast = yibao::from_double(value, mode).fen();
        } catch (const yibao::Error&) {
          fast_threw = true;
        }
        try {
          slow = yibao::from_double_via_text(value, mode).fen();
        } catch (const yibao::Error&) {
          slow_threw = true;
        }
        ASSERT_EQ(fast_threw, slow_threw) << value;
        if (!fast_threw) {
          ASSERT_EQ(fast, slow) << value;
        }
      }
    }
  }
}

TEST(Money, FromDecimal128) {
  EXPECT_EQ(yibao::from_decimal128(12345, 0, 2, nullptr).fen(), 12345);
  EXPECT_EQ(yibao::from_decimal128(5, 0, 0, nullptr).fen(), 500);
  EXPECT_EQ(yibao::from_decimal128(22500, 0, 3, nullptr).fen(), 2250);
  EXPECT_THROW(yibao::from_decimal128(22505, 0, 3, nullptr), yibao::InputError);
  EXPECT_EQ(yibao::from_decimal128(22505, 0, 3, &half_up).fen(), 2251);
  // -1.50 at scale 2 is the int128 two's complement of 150.
  EXPECT_EQ(yibao::from_decimal128(static_cast<std::uint64_t>(-150), -1, 2, nullptr).fen(), -150);
  EXPECT_THROW(yibao::from_decimal128(0, 1, 2, nullptr), yibao::OverflowError);  // 2^64 fen
}

// The native fast path of Money's arithmetic must equal the Boost reference everywhere.
TEST(Money, NativePathEqualsBoostPath) {
  std::mt19937_64 rng(7);
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> edges{0, 1, -1, 50, 99, 100, lo, lo + 1, hi, hi - 1, hi / 2, lo / 2};
  auto pick = [&](int i) {
    switch (i % 4) {
      case 0:
        return edges[rng() % edges.size()];
      case 1:
        return static_cast<std::int64_t>(rng());
      case 2:
        return static_cast<std::int64_t>(rng() % 100000000) - 50000000;
      default:
        return static_cast<std::int64_t>(rng() >> (rng() % 63));
    }
  };
  auto same = [](auto native, auto reference) {
    std::int64_t a = 0, b = 0;
    bool a_threw = false, b_threw = false;
    try {
      a = native().fen();
    } catch (const yibao::OverflowError&) {
      a_threw = true;
    }
    try {
      b = reference().fen();
    } catch (const yibao::OverflowError&) {
      b_threw = true;
    }
    return a_threw == b_threw && (a_threw || a == b);
  };
  for (int i = 0; i < 300000; ++i) {
    const Money a = Money::from_fen(pick(i)), b = Money::from_fen(pick(i + 1));
    const Rate r = Rate::from_ppm(static_cast<std::int64_t>(rng() % (Rate::one + 1)));
    ASSERT_TRUE(same([&] { return a + b; }, [&] { return yibao::reference::add(a, b); }))
        << a.fen() << " + " << b.fen();
    ASSERT_TRUE(same([&] { return a - b; }, [&] { return yibao::reference::subtract(a, b); }))
        << a.fen() << " - " << b.fen();
    for (const Rounding mode : {half_up, half_even, down}) {
      ASSERT_TRUE(same([&] { return yibao::apply_rate(a, r, mode); },
                       [&] { return yibao::apply_rate_wide(a, r, mode); }))
          << a.fen() << " x " << r.ppm();
    }
  }
}
