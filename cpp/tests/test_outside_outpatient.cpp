// Kernel tests of what a member's claims meet besides themselves (issue 16): pooled payments
// outside the claims against the overall limit, the supplementary fund above it, and rows
// within an inpatient stay. The Python layer codes those rows past the services
// (python/yibao/_context.py); here they are built by hand. Every expectation is computed by
// hand from the article cited, on the Ili tables of kernel_fixtures.hpp (伊犁 第十一条: first
// visit of the year at level 1: deductible 20, in-service rate 75%, visit cap 200; 第十四条:
// overall limit 100,000 a year).
#include <gtest/gtest.h>

#include <vector>

#include "kernel_fixtures.hpp"
#include "yibao/adjudicate.hpp"
#include "yibao/errors.hpp"

using namespace yibao;
using namespace yibao::testing;

namespace {

constexpr std::int8_t other_payment = 126;  // rules/row_rule.hpp: other_payment_service
constexpr std::int8_t in_stay = 127;        // rules/row_rule.hpp: in_stay_service
constexpr std::int32_t day_2024_03_01 = day_2024_01_01 + 60;

// A member's inpatient settlement of 99,950 (fund paid) on 1 March, then one general
// outpatient claim of 300 at a level-1 institution the same day.
Table near_the_overall_limit() {
  Table t;
  t.add(0, day_2024_03_01, 1, yuan(99950).fen(), 0, 7, other_payment);
  t.add(0, day_2024_03_01, 1, yuan(300).fen(), 0, 7);
  return t;
}

}  // namespace

TEST(OutsideOutpatient, OtherPaymentsCountTowardTheOverallLimit) {
  // 第十一条: 300 − 20 = 280 at 75% = 210, cut to the visit cap 200; 第十四条: 100,000 −
  // 99,950 = 50 left of the overall limit, so the fund pays 50.
  const Result r = run(ili(), near_the_overall_limit());
  EXPECT_EQ(r.fund, (std::vector<std::int64_t>{0, 5000}));
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{0, 2000}));
  EXPECT_EQ(r.self_pay, (std::vector<std::int64_t>{0, 25000}));
  EXPECT_EQ(r.capped[1], 21000 - 5000);
  EXPECT_EQ(r.ytd, (std::vector<std::int64_t>{0, 5000}));  // the payment is not an outpatient one
  EXPECT_EQ(r.flags(0), 0);
  EXPECT_EQ(r.flags(1), rule_deductible | rule_rate | rule_visit_cap | rule_overall_cap);
}

TEST(OutsideOutpatient, WithoutThePaymentTheOverallLimitIsFarAway) {
  Table t;
  t.add(0, day_2024_03_01, 1, yuan(300).fen(), 0, 7);
  const Result r = run(ili(), t);
  EXPECT_EQ(r.fund[0], 20000);  // the visit cap alone binds
  EXPECT_EQ(r.flags(0), rule_deductible | rule_rate | rule_visit_cap);
}

TEST(OutsideOutpatient, SupplementaryFundPaysWhatTheOverallLimitWithheldUpToItsCap) {
  // 第十五条 (the supplementary fund above the limit), with a cap of 30 supplied: of the 150
  // withheld (200 within the visit cap − 50 paid), the supplementary fund pays 30; self_pay
  // leaves it out (supplementary_paid = eligible − fund − self_pay, derived in Python).
  Policy policy = ili();
  policy.versions[0].has_supplementary = true;
  policy.versions[0].supplementary_cap = yuan(30);
  const Result r = run(policy, near_the_overall_limit());
  EXPECT_EQ(r.fund[1], 5000);
  EXPECT_EQ(r.self_pay[1], 30000 - 5000 - 3000);
  EXPECT_EQ(r.ytd[1], 5000);  // fund_paid only
  EXPECT_TRUE(r.flags(1) & rule_supplementary);
}

TEST(OutsideOutpatient, SupplementaryCapIsPerMemberYear) {
  // A second claim the same year at another institution (a second visit: later-visit
  // deductible 10 at level 1): 100 − 10 = 90 at 75% = 67.50, all withheld by the overall
  // limit (reached by the first claim); 30 − 30 = nothing left of the supplementary cap.
  Policy policy = ili();
  policy.versions[0].has_supplementary = true;
  policy.versions[0].supplementary_cap = yuan(30);
  Table t = near_the_overall_limit();
  t.add(0, day_2024_03_01 + 1, 1, yuan(100).fen(), 0, 8);
  const Result r = run(policy, t);
  EXPECT_EQ(r.deductible[2], 1000);
  EXPECT_EQ(r.fund[2], 0);
  EXPECT_EQ(r.self_pay[2], 10000);  // no supplementary payment left
  EXPECT_EQ(r.capped[2], 6750);
  EXPECT_FALSE(r.flags(2) & rule_supplementary);
  EXPECT_TRUE(r.flags(2) & rule_overall_cap);
}

TEST(OutsideOutpatient, MissingValuesAreNeededOnlyWhenReached) {
  // Chongqing 第八条: neither value is in the text. Without other payments nothing is needed.
  Policy policy = ili();
  policy.versions[0].overall_missing = "supply overall_cap";
  Table t;
  t.add(0, day_2024_03_01, 1, yuan(300).fen(), 0, 7);
  EXPECT_EQ(run(policy, t).fund[0], 20000);
  try {
    run(policy, near_the_overall_limit());
    FAIL();
  } catch (const MissingParameter& e) {
    EXPECT_EQ(e.row(), 1);
    EXPECT_EQ(e.column(), "other_paid");
    EXPECT_NE(std::string(e.what()).find("supply overall_cap"), std::string::npos);
  }
  Policy supplementary = ili();
  supplementary.versions[0].has_supplementary = true;
  supplementary.versions[0].supplementary_missing = "supply supplementary_cap";
  EXPECT_EQ(run(supplementary, t).fund[0], 20000);
  EXPECT_THROW(run(supplementary, near_the_overall_limit()), MissingParameter);
}

TEST(OutsideOutpatient, NegativeOtherPaymentNamesItsColumn) {
  Table t;
  t.add(0, day_2024_03_01, 1, -1, 0, 7, other_payment);
  try {
    run(ili(), t);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.row(), 0);
    EXPECT_EQ(e.column(), "other_paid");
  }
}

TEST(OutsideOutpatient, RowWithinAnInpatientStayIsNotPaidAndIsNotAVisit) {
  // 第十六条: the row within the stay gets nothing; the next day's claim is still the first
  // visit of the year (deductible 20, not the later-visit 10): 100 − 20 = 80 at 75% = 60.
  Table t;
  t.add(0, day_2024_03_01, 1, yuan(100).fen(), 0, 7, in_stay);
  t.add(0, day_2024_03_01 + 1, 1, yuan(100).fen(), 0, 7);
  const Result r = run(ili(), t);
  EXPECT_EQ(r.fund, (std::vector<std::int64_t>{0, 6000}));
  EXPECT_EQ(r.deductible, (std::vector<std::int64_t>{0, 2000}));
  EXPECT_EQ(r.self_pay, (std::vector<std::int64_t>{10000, 4000}));
  EXPECT_EQ(r.flags(0), rule_inpatient_stay);
}
