// yibao::totals: the sums of an adjudication under several policies in one pass. Golden
// sums are computed by hand from the articles cited (kernel_fixtures.hpp); the rest must
// equal the sums of yibao::adjudicate's own columns, policy by policy.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "kernel_fixtures.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/errors.hpp"
#include "yibao/totals.hpp"

using namespace yibao;
using namespace yibao::testing;

namespace {

ClaimColumns columns(const Table& t) {
  return {t.member,  t.day,        t.level, t.eligible,   t.status,
          t.service, t.prescriber, t.tier,  t.institution};
}

std::vector<Totals> sums(const std::vector<Policy>& policies, const Table& t,
                         std::size_t threads = 1) {
  std::vector<const Policy*> pointers;
  for (const Policy& p : policies) pointers.push_back(&p);
  return totals(pointers, columns(t), threads);
}

// The same sums, from adjudicate's per-row columns.
Totals summed(const Policy& policy, const Table& t) {
  const Result r = run(policy, t);
  Totals out;
  out.deductible = std::accumulate(r.deductible.begin(), r.deductible.end(), FenSum{0});
  out.fund_paid = std::accumulate(r.fund.begin(), r.fund.end(), FenSum{0});
  out.self_pay = std::accumulate(r.self_pay.begin(), r.self_pay.end(), FenSum{0});
  out.capped = std::accumulate(r.capped.begin(), r.capped.end(), FenSum{0});
  std::vector<std::int64_t> members = t.member;
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  for (const std::int64_t m : members) {
    std::uint8_t flags = 0;
    for (std::size_t i = 0; i < t.member.size(); ++i)
      if (t.member[i] == m) flags |= r.flags(i);
    out.members_at_cap += (flags & (rule_annual_cap | rule_overall_cap)) != 0;
    out.members_at_visit_cap += (flags & rule_visit_cap) != 0;
  }
  return out;
}

Policy with_annual_cap(Policy policy, Money cap) {
  for (auto& by_status : policy.versions[0].pools[0].annual_cap) by_status.fill(cap);
  return policy;
}

// Rows in processing order: 37 members, each with days in increasing order.
Table many_rows() {
  Table t;
  for (std::int64_t m = 0; m < 37; ++m) {
    for (int k = 0; k < 60; ++k) {
      const auto i = static_cast<int>(m) * 60 + k;
      t.add(m, 19000 + k * 11 + (i % 3), static_cast<std::int8_t>(i % 4), (i * 104729) % 300000,
            static_cast<std::int8_t>(i % 5 == 0), i % 3);
    }
  }
  return t;
}

}  // namespace

TEST(Totals, ChongqingCapByHand) {
  // 第四条 deductible 200 (in service), 第五条 level-1 rate 60%, 第六条 个人一档 cap 800:
  // 10,200 at level 1 pays 60% of 10,000 = 6,000, capped at 800; a second member's 150 is
  // all deductible.
  Table t;
  t.add(0, day_2024_01_01, 1, 1020000, 0, 0, 0, -1, 1);
  t.add(1, day_2024_01_01, 1, 15000);
  const std::vector<Totals> out = sums({chongqing(), with_annual_cap(chongqing(), yuan(10000))}, t);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].fund_paid, FenSum{80000});
  EXPECT_EQ(out[0].deductible, FenSum{20000 + 15000});
  EXPECT_EQ(out[0].capped, FenSum{600000 - 80000});
  EXPECT_EQ(out[0].self_pay, FenSum{1020000 + 15000 - 80000});
  EXPECT_EQ(out[0].members_at_cap, 1);
  // A cap of 10,000 does not bind: the fund pays the 6,000.
  EXPECT_EQ(out[1].fund_paid, FenSum{600000});
  EXPECT_EQ(out[1].capped, FenSum{0});
  EXPECT_EQ(out[1].members_at_cap, 0);
}

TEST(Totals, IliVisitCapByHand) {
  // 伊犁 第十一条: one visit of two rows, deductible 20, (400 - 5) × 75% = 296.25 capped at
  // the per-visit 200.
  Table t;
  t.add(0, 19000, 1, 1500, 0, 7);
  t.add(0, 19000, 1, 40000, 0, 7);
  const std::vector<Totals> out = sums({ili()}, t);
  EXPECT_EQ(out[0].fund_paid, FenSum{20000});
  EXPECT_EQ(out[0].capped, FenSum{29625 - 20000});
  EXPECT_EQ(out[0].members_at_visit_cap, 1);
  EXPECT_EQ(out[0].members_at_cap, 0);
}

TEST(Totals, EqualAdjudicateSummedForEveryPolicyAndThreadCount) {
  const Table t = many_rows();
  Policy chongqing_from_2022 = chongqing();  // the rows' dates start in 2022
  chongqing_from_2022.versions[0].effective_day = 18993;
  std::vector<Policy> policies{ili(), chongqing_from_2022};
  for (std::int64_t cap : {0, 50, 500, 3000, 100000})
    policies.push_back(with_annual_cap(ili(), yuan(cap)));
  for (std::size_t threads : {1U, 2U, 3U, 8U}) {
    const std::vector<Totals> out = sums(policies, t, threads);
    ASSERT_EQ(out.size(), policies.size());
    for (std::size_t p = 0; p < policies.size(); ++p)
      EXPECT_EQ(out[p], summed(policies[p], t)) << "policy " << p << ", threads " << threads;
  }
  EXPECT_GT(sums({with_annual_cap(ili(), yuan(50))}, t)[0].members_at_cap, 0);
  EXPECT_GT(sums({ili()}, t)[0].members_at_visit_cap, 0);
}

TEST(Totals, NoPoliciesOrNoRows) {
  EXPECT_TRUE(sums({}, many_rows()).empty());
  const std::vector<Totals> out = sums({ili()}, Table{});
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0], Totals{});
}

TEST(Totals, RefusesRowsOutOfOrder) {
  Table t;
  t.add(1, day_2024_01_01, 1, 100);
  t.add(0, day_2024_01_01, 1, 100);
  EXPECT_THROW(sums({chongqing()}, t), InputError);
  Table days;
  days.add(0, day_2024_01_01 + 1, 1, 100);
  days.add(0, day_2024_01_01, 1, 100);
  EXPECT_THROW(sums({chongqing()}, days), InputError);
}

TEST(Totals, TheFirstFailingPolicyRaisesItsFirstRow) {
  // Chronic care (service 5) has no parameters in Ili's fixture: Ili fails at the first such
  // row in processing order (member 10's, not member 30's), whatever the thread count. A
  // version in force only later fails at row 0, but raises only when it comes first.
  Table t = many_rows();
  t.service[30 * 60 + 5] = 5;
  t.service[10 * 60 + 7] = 5;
  Policy later = ili();
  later.versions[0].effective_day = 19500;
  for (std::size_t threads : {1U, 2U, 4U}) {
    try {
      sums({later, ili()}, t, threads);
      FAIL();
    } catch (const NoVersionInForce& e) {
      EXPECT_EQ(e.row(), 0);
    }
    try {
      sums({ili(), later}, t, threads);
      FAIL();
    } catch (const MissingParameter& e) {
      EXPECT_EQ(e.row(), 10 * 60 + 7);
    }
  }
}

// Points that differ only in cap values (per visit, annual, overall, supplementary): each must
// be adjudicate's.
namespace {

Policy ili_with_caps(Money visit, Money annual, Money overall, Money supplementary) {
  Policy policy = with_annual_cap(ili(), annual);
  Version& v = policy.versions[0];
  v.pools[0].visit_cap = levels(visit, visit, visit);
  v.overall_cap = overall;
  v.has_supplementary = true;
  v.supplementary_cap = supplementary;
  return policy;
}

}  // namespace

TEST(Totals, IliVisitCapsByHand) {
  // 伊犁 第十一条 as in IliVisitCapByHand: 296.25 after the deductible and rate; a visit cap
  // of 200 withholds 96.25, one of 1,000 nothing, one of 0 everything.
  Table t;
  t.add(0, 19000, 1, 1500, 0, 7);
  t.add(0, 19000, 1, 40000, 0, 7);
  const Money annual = yuan(3000), overall = yuan(100000);
  const std::vector<Totals> out = sums({ili_with_caps(yuan(200), annual, overall, Money{}),
                                        ili_with_caps(yuan(1000), annual, overall, Money{}),
                                        ili_with_caps(Money{}, annual, overall, Money{})},
                                       t);
  EXPECT_EQ(out[0].fund_paid, FenSum{20000});
  EXPECT_EQ(out[0].members_at_visit_cap, 1);
  EXPECT_EQ(out[1].fund_paid, FenSum{29625});
  EXPECT_EQ(out[1].capped, FenSum{0});
  EXPECT_EQ(out[1].members_at_visit_cap, 0);
  EXPECT_EQ(out[2].fund_paid, FenSum{0});
  EXPECT_EQ(out[2].capped, FenSum{29625});
  for (const Totals& point : out) EXPECT_EQ(point.deductible, FenSum{1500 + 500});
}

TEST(Totals, ASweepOfCapsEqualsAdjudicateAtEachPoint) {
  Table t = many_rows();
  // Pooled payments outside these claims (重庆 第八条), toward the overall limit.
  for (std::size_t m = 0; m < 37; m += 4) t.service[m * 60 + 3] = 126;
  std::vector<Policy> policies;
  for (std::int64_t visit : {0, 100, 450})
    for (std::int64_t annual : {50, 3000})
      for (std::int64_t overall : {200, 2000, 100000})
        for (std::int64_t supplementary : {0, 300})
          policies.push_back(
              ili_with_caps(yuan(visit), yuan(annual), yuan(overall), yuan(supplementary)));
  for (std::size_t threads : {1U, 2U, 3U}) {
    const std::vector<Totals> out = sums(policies, t, threads);
    ASSERT_EQ(out.size(), policies.size());
    for (std::size_t p = 0; p < policies.size(); ++p)
      EXPECT_EQ(out[p], summed(policies[p], t)) << "policy " << p << ", threads " << threads;
  }
  // Every cap binds somewhere, so the points really differ. (Index: visit × 12 + annual × 6
  // + overall × 2 + supplementary.)
  const std::vector<Totals> out = sums(policies, t);
  EXPECT_EQ(out[0].fund_paid, FenSum{0});  // a visit cap of 0
  EXPECT_GT(out[0].members_at_visit_cap, 0);
  EXPECT_NE(out[10].fund_paid, out[22].fund_paid);  // visit caps 0 and 100
  EXPECT_NE(out[22].fund_paid, out[16].fund_paid);  // annual caps 3000 and 50
  EXPECT_NE(out[30].fund_paid, out[34].fund_paid);  // overall caps 200 and 100,000
  EXPECT_NE(out[30].self_pay, out[31].self_pay);    // supplementary caps 0 and 300
}

TEST(Totals, ASweepOfCapsRaisesAtTheRowEveryPointFailsAt) {
  // A row without parameters fails every point, at its row.
  Table t = many_rows();
  t.service[10 * 60 + 7] = 5;
  const Policy low = ili_with_caps(yuan(100), yuan(50), yuan(200), yuan(300));
  try {
    sums({ili(), low}, t, 2);
    FAIL();
  } catch (const MissingParameter& e) {
    EXPECT_EQ(e.row(), 10 * 60 + 7);
  }
}

// Sweeps of each cap alone, region by region, over rows that exercise the caps' state: several
// visits a day (institutions 0-2, two rows at one of them), a new year within a member (the
// even ones, from 2024-10-04), a member starting in the year and on the day the one before
// ended (the odd ones, from 2025-01-29), pooled payments outside the claims (service 126)
// and, for Ili, rows in a stay (127).
namespace {

Table busy_days(bool in_stay_rows) {
  Table t;
  for (std::int64_t m = 0; m < 12; ++m) {
    for (int d = 0; d < 40; ++d) {
      for (int k = 0; k < 4; ++k) {
        const auto i = static_cast<int>(m) * 160 + d * 4 + k;
        const int service = k == 3 && d % 9 == 0                    ? 126
                            : in_stay_rows && k == 2 && d % 13 == 0 ? 127
                                                                    : 0;
        t.add(m, 20000 + static_cast<int>(m % 2) * 117 + d * 3, static_cast<std::int8_t>(1 + i % 3),
              (i * 7919) % 90000 + 500, static_cast<std::int8_t>(m % 4 == 0), k % 3,
              static_cast<std::int8_t>(service), -1, static_cast<std::int8_t>(m % 3));
      }
    }
  }
  return t;
}

void expect_adjudicates_points(const std::vector<Policy>& policies, const Table& t) {
  for (std::size_t threads : {1U, 2U, 3U}) {
    const std::vector<Totals> out = sums(policies, t, threads);
    ASSERT_EQ(out.size(), policies.size());
    for (std::size_t p = 0; p < policies.size(); ++p)
      EXPECT_EQ(out[p], summed(policies[p], t)) << "policy " << p << ", threads " << threads;
  }
}

}  // namespace

TEST(Totals, JiningAnnualCapSweep) {
  std::vector<Policy> policies;
  for (std::int64_t cap : {0, 50, 800, 2000, 100000})
    policies.push_back(with_annual_cap(jining(), yuan(cap)));
  const Table t = busy_days(false);
  expect_adjudicates_points(policies, t);
  const std::vector<Totals> out = sums(policies, t);
  EXPECT_EQ(out[0].fund_paid, FenSum{0});
  EXPECT_LT(out[2].fund_paid, out[3].fund_paid);  // the caps bind ...
  EXPECT_GT(out[3].members_at_cap, 0);
  EXPECT_EQ(out[4].members_at_cap, 0);  // ... but not 100,000
}

TEST(Totals, IliVisitCapSweepWithSeveralVisitsADay) {
  std::vector<Policy> policies;
  for (std::int64_t visit : {0, 30, 200, 450, 100000})
    policies.push_back(ili_with_caps(yuan(visit), yuan(3000), yuan(100000), Money{}));
  const Table t = busy_days(true);
  expect_adjudicates_points(policies, t);
  const std::vector<Totals> out = sums(policies, t);
  EXPECT_GT(out[1].members_at_visit_cap, 0);
  EXPECT_LT(out[1].fund_paid, out[2].fund_paid);
  EXPECT_EQ(out[4].members_at_visit_cap, 0);
}

TEST(Totals, ChongqingOverallAndSupplementaryCapSweep) {
  std::vector<Policy> policies;
  for (std::int64_t overall : {100, 1500, 100000}) {
    for (std::int64_t supplementary : {0, 200, 10000}) {
      Policy policy = chongqing();
      Version& v = policy.versions[0];
      v.has_overall_cap = v.has_supplementary = true;
      v.overall_cap = yuan(overall);
      v.supplementary_cap = yuan(supplementary);
      policies.push_back(policy);
    }
  }
  const Table t = busy_days(false);
  expect_adjudicates_points(policies, t);
  const std::vector<Totals> out = sums(policies, t);  // (index: overall × 3 + supplementary)
  EXPECT_LT(out[0].fund_paid, out[3].fund_paid);      // overall caps 100 and 1500
  EXPECT_GT(out[0].self_pay, out[1].self_pay);        // supplementary caps 0 and 200
  EXPECT_GT(out[1].self_pay, out[2].self_pay);        // 200 and 10,000
}

TEST(Totals, AnErrorInOnePointsCapsIsThatPointsAtItsRow) {
  // The supplementary fund's parameters missing (重庆 第八条第二款 gives none): needed only by
  // a row the overall cap withholds from, which a cap of 100 yuan meets and one of 100,000
  // does not. The error is adjudicate's under the low cap, at its row.
  const auto with_overall_cap = [](std::int64_t overall) {
    Policy policy = chongqing();
    Version& v = policy.versions[0];
    v.has_overall_cap = v.has_supplementary = true;
    v.overall_cap = yuan(overall);
    v.supplementary_missing = "supply supplementary_cap";
    return policy;
  };
  const Policy low = with_overall_cap(100), high = with_overall_cap(100000);
  const Table t = busy_days(false);
  std::int64_t row = -1;
  try {
    run(low, t);
  } catch (const MissingParameter& e) {
    row = e.row();
  }
  ASSERT_GT(row, 0);
  EXPECT_EQ(sums({high}, t)[0], summed(high, t));
  for (std::size_t threads : {1U, 2U}) {
    try {
      sums({high, low, high}, t, threads);
      FAIL();
    } catch (const MissingParameter& e) {
      EXPECT_EQ(e.row(), row);
    }
  }
}
