// Kernel tests on small hand-built policies (kernel_fixtures.hpp). The region numbers are the
// texts' own, so each expectation is computed by hand from the article cited.
#include <gtest/gtest.h>

#include <vector>

#include "kernel_fixtures.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/errors.hpp"

using namespace yibao;
using namespace yibao::testing;

TEST(Adjudicate, ChongqingAnnualDeductibleThenRate) {
  // 第四条 in-service deductible 200, 第五条 level-3 rate 50%.
  Table t;
  t.add(0, day_2024_01_01, 3, 15000);      // 150: all deductible
  t.add(0, day_2024_01_01 + 1, 3, 15000);  // 50 deductible, 100 × 50% = 50
  const Result r = run(chongqing(), t);
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{15000, 5000}));
  EXPECT_EQ(r.fund, (std::vector<std::int64_t>{0, 5000}));
  EXPECT_EQ(r.self_pay, (std::vector<std::int64_t>{15000, 10000}));
  EXPECT_EQ(r.ytd, (std::vector<std::int64_t>{0, 5000}));
}

TEST(Adjudicate, ChongqingIndividualTierOneCap) {
  // 第六条: 个人一档 in service 800/year. 10,200 at level 1: 200 deductible, 60% of 10,000.
  Table t;
  t.add(0, day_2024_01_01, 1, 1020000, 0, 0, 0, -1, 1);
  const Result r = run(chongqing(), t);
  EXPECT_EQ(r.fund[0], 80000);
  EXPECT_EQ(r.capped[0], 600000 - 80000);
  EXPECT_TRUE(r.flags(0) & rule_annual_cap);
}

TEST(Adjudicate, ChongqingPharmacyUsesPrescriberLevel) {
  // 第12条: rate by the prescribing institution's level: level 3 → 50%.
  Table t;
  t.add(0, day_2024_01_01, 1, 30000, 0, 0, 1, 3);
  const Result r = run(chongqing(), t);
  EXPECT_EQ(r.fund[0], 5000);
  EXPECT_TRUE(r.flags(0) & rule_prescriber);
}

TEST(Adjudicate, StateResetsOnFirstOfJanuary) {
  Table t;
  t.add(0, day_2024_01_01 + 365, 1, 20000);  // 2024-12-31: all deductible
  t.add(0, day_2024_01_01 + 366, 1, 20000);  // 2025-01-01: all deductible again
  const Result r = run(chongqing(), t);
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{20000, 20000}));
}

TEST(Adjudicate, QuarterlyDeductibleStartsAgainOnTheFirstDayOfAQuarter) {
  // Chongqing's tables with a quarterly deductible (test-only, tests/policies/quarterly.toml
  // has the same mechanism): 200 in service at level 1 (60%); the annual cap does not reset.
  Policy policy = chongqing();
  policy.versions[0].pools[0].period = DeductiblePeriod::quarter;
  Table t;
  t.add(0, day_2024_01_01 + 90, 1, 15000);  // 2024-03-31: 150 to the deductible
  t.add(0, day_2024_01_01 + 91, 1, 15000);  // 2024-04-01: a new quarter: 150 again
  t.add(0, day_2024_01_01 + 92, 1, 15000);  // 2024-04-02: 50 left; 100 × 60% = 60
  t.add(1, day_2024_01_01 + 91, 1, 15000);  // another member: its own quarter
  const Result r = run(policy, t);
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{15000, 15000, 5000, 15000}));
  EXPECT_EQ(r.ytd, (std::vector<std::int64_t>{0, 0, 6000, 0}));
  policy.versions[0].pools[0].period = DeductiblePeriod::month;
  const Result m = run(policy, t);  // 1 April is a month's first day too
  EXPECT_EQ(m.deductible, r.deductible);
}

TEST(Adjudicate, IliWorkedCheck) {
  // docs/design.md §6: second visit, level 2, in service: (100 − 22.5) × 65% = 50.375 → 50.38.
  Table t;
  t.add(0, 19000, 1, 1000, 0, 1);   // first visit, level 1: all deductible (20)
  t.add(0, 19001, 2, 10000, 0, 2);  // second visit
  const Result r = run(ili(), t);
  EXPECT_EQ(r.deductible[1], 2250);
  EXPECT_EQ(r.fund[1], 5038);
  EXPECT_EQ(r.self_pay[1], 10000 - 5038);
}

TEST(Adjudicate, IliRowsOfOneVisitShareDeductibleAndCap) {
  // Same member, day and institution: one visit (第十一条). First visit, level 1: deductible
  // 20 over both rows; per-visit cap 200.
  Table t;
  t.add(0, 19000, 1, 1500, 0, 7);   // 15: all deductible
  t.add(0, 19000, 1, 40000, 0, 7);  // 5 deductible, (400 - 5) × 75% = 296.25 → cap 200
  t.add(0, 19000, 1, 1000, 0, 8);   // another institution: second visit, deductible 10
  const Result r = run(ili(), t);
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{1500, 500, 1000}));
  EXPECT_EQ(r.fund, (std::vector<std::int64_t>{0, 20000, 0}));
  EXPECT_EQ(r.capped[1], 29625 - 20000);
  EXPECT_TRUE(r.flags(1) & rule_visit_cap);
}

TEST(Adjudicate, ResultIndependentOfThreadsAndRowOrder) {
  Table t;
  for (int i = 0; i < 2000; ++i)
    t.add(i % 37, 19000 + (i * 7919) % 700, static_cast<std::int8_t>(i % 4), (i * 104729) % 300000,
          static_cast<std::int8_t>(i % 5 == 0), i % 3);
  const Result one = run(ili(), t, 1);
  for (std::size_t threads : {2U, 3U, 8U}) {
    const Result many = run(ili(), t, threads);
    EXPECT_EQ(one.fund, many.fund);
    EXPECT_EQ(one.deductible, many.deductible);
    EXPECT_EQ(one.ytd, many.ytd);
  }
  // Reverse the rows whose (member, day) differ: ties keep input order, so reverse whole
  // member blocks instead, which preserves each member's internal order.
  Table rev;
  std::vector<std::size_t> idx;
  for (std::int64_t m = 36; m >= 0; --m)
    for (std::size_t i = 0; i < t.member.size(); ++i)
      if (t.member[i] == m) idx.push_back(i);
  for (auto i : idx)
    rev.add(t.member[i], t.day[i], t.level[i], t.eligible[i], t.status[i], t.institution[i]);
  const Result r = run(ili(), rev, 2);
  for (std::size_t k = 0; k < idx.size(); ++k) ASSERT_EQ(r.fund[k], one.fund[idx[k]]);
}

TEST(Adjudicate, ErrorsNameTheRow) {
  Table t;
  t.add(0, day_2024_01_01, 1, 100);
  t.add(1, day_2024_01_01 - 1, 1, 100);  // 2023-12-31: before the first version
  try {
    run(chongqing(), t);
    FAIL();
  } catch (const NoVersionInForce& e) {
    EXPECT_EQ(e.row(), 1);
    EXPECT_EQ(e.column(), "date");
  }
  Table neg;
  neg.add(0, day_2024_01_01, 1, -1);
  EXPECT_THROW(run(chongqing(), neg), InputError);
  Table chronic;
  chronic.add(0, day_2024_01_01, 1, 100, 0, 0, 5);
  EXPECT_THROW(run(chongqing(), chronic), MissingParameter);
  Table no_prescriber;
  no_prescriber.add(0, day_2024_01_01, 1, 100, 0, 0, 1, -1);
  EXPECT_THROW(run(chongqing(), no_prescriber), InputError);
}

// Sorted-looking input is processed in place and its order checked on the way; an error met
// before the first row out of order must not win over the first error in processing order.
TEST(Adjudicate, FirstErrorInProcessingOrderWhenInputIsUnsorted) {
  for (std::size_t threads : {1U, 2U, 4U}) {
    Table t;
    t.add(2, day_2024_01_01, 1, -100);  // bad, but member 2 comes after member 1
    for (int i = 0; i < 50; ++i) t.add(3 + i, day_2024_01_01, 1, 100);
    t.add(1, day_2024_01_01, 1, -200);  // the first bad row in processing order
    try {
      run(chongqing(), t, threads);
      FAIL();
    } catch (const InputError& e) {
      EXPECT_EQ(e.row(), 51) << threads << " threads";
    }
    // Disorder only within a member (a day earlier than the row before it) is found too:
    // results equal those of the same rows sorted.
    Table day_swap, sorted;
    day_swap.add(7, day_2024_01_01 + 5, 1, 30000);
    day_swap.add(7, day_2024_01_01, 1, 30000);
    sorted.add(7, day_2024_01_01, 1, 30000);
    sorted.add(7, day_2024_01_01 + 5, 1, 30000);
    const Result swapped = run(chongqing(), day_swap, threads), plain = run(chongqing(), sorted);
    EXPECT_EQ(swapped.deductible, (std::vector<std::int64_t>{0, 20000}));
    EXPECT_EQ(plain.deductible, (std::vector<std::int64_t>{20000, 0}));
    EXPECT_EQ(swapped.fund[0], plain.fund[1]);
  }
}

TEST(Adjudicate, WritesArrowDecimal128Layout) {
  Table t;
  t.add(0, day_2024_01_01, 3, 45000);  // 200 deductible, 250 × 50% = 125.00
  std::vector<std::int64_t> ded(2), fund(2), self(2), capped(2), ytd(2);
  std::vector<std::uint16_t> rule(1);
  const auto d128 = MoneyColumn::Layout::decimal128;
  const ClaimColumns claims{t.member,  t.day,        t.level, t.eligible,   t.status,
                            t.service, t.prescriber, t.tier,  t.institution};
  adjudicate(chongqing(), claims,
             {{ded, d128}, {fund, d128}, {self, d128}, {capped, d128}, {ytd, d128}, rule});
  EXPECT_EQ(fund, (std::vector<std::int64_t>{12500, 0}));
  EXPECT_EQ(self, (std::vector<std::int64_t>{32500, 0}));
  EXPECT_EQ(rule[0], rule_deductible | rule_rate);
}
