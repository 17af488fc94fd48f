// Account crediting and the account ledger on small hand-built rules. Each expectation is
// computed by hand from the article cited.
#include <gtest/gtest.h>

#include <vector>

#include "yibao/accounts.hpp"
#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"
#include "yibao/ledger.hpp"

using namespace yibao;

namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
std::int32_t day(std::int32_t y, std::int32_t m, std::int32_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int32_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int32_t yoe = y - era * 400;
  const std::int32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Money yuan(std::int64_t y) {
  return Money::from_fen(y * 100);
}
Rate pct(std::int64_t hundredths) {
  return Rate::from_ppm(hundredths * 100);
}  // pct(250) = 2.5%

CreditFormula base_rate(Rate r, std::uint16_t label) {
  CreditFormula f;
  f.base_rate = r;
  f.label = label;
  return f;
}

CreditFormula fixed(Money m, std::uint16_t label) {
  CreditFormula f;
  f.fixed = m;
  f.label = label;
  return f;
}

void fill(AccountVersion& v, std::size_t status, std::vector<AgeBand> bands) {
  for (auto& by_tier : v.bands[status]) by_tier = bands;
}

// 渝医保发〔2023〕32号 第九条: in service 2% of base; retired 105 (<70) / 115 (≥70);
// individual_1 (一档): no account.
AccountPolicy chongqing() {
  AccountVersion v;
  v.effective_month = month_index(2024, 1);
  fill(v, 0, {{0, base_rate(pct(200), 1)}});
  fill(v, 1, {{0, fixed(yuan(105), 2)}, {70, fixed(yuan(115), 3)}});
  CreditFormula none;
  none.account = false;
  none.label = 4;
  v.bands[0][1] = {{0, none}};
  v.bands[1][1] = {{0, none}};
  return {"chongqing", {v}};
}

struct Members {
  std::vector<std::int32_t> birth, retire;
  std::vector<std::int8_t> tier;
  std::vector<std::int64_t> base, pension;
  std::vector<std::uint8_t> has_base, has_pension;

  void add(std::int32_t b, std::int32_t r, std::int8_t t, std::int64_t base_fen,
           std::int64_t pension_fen = -1) {
    birth.push_back(b);
    retire.push_back(r);
    tier.push_back(t);
    base.push_back(base_fen < 0 ? 0 : base_fen);
    has_base.push_back(base_fen < 0 ? 0 : 1);
    pension.push_back(pension_fen < 0 ? 0 : pension_fen);
    has_pension.push_back(pension_fen < 0 ? 0 : 1);
  }
  [[nodiscard]] MemberColumns columns() const {
    return {birth, retire, tier, base, has_base, pension, has_pension};
  }
};

struct Credits {
  std::vector<std::int64_t> credit;
  std::vector<std::uint16_t> label;
  std::vector<std::uint8_t> flags, version;
};

Credits run(const AccountPolicy& p, const Members& m, std::int32_t first, std::int32_t last) {
  const auto n = m.birth.size() * static_cast<std::size_t>(last - first + 1);
  Credits c{std::vector<std::int64_t>(n), std::vector<std::uint16_t>(n),
            std::vector<std::uint8_t>(n), std::vector<std::uint8_t>(n)};
  credit_accounts(p, m.columns(), first, last, {c.credit, c.label, c.flags, c.version});
  return c;
}

}  // namespace

TEST(Months, CivilRoundTripAndAge) {
  EXPECT_EQ(day(1970, 1, 1), 0);
  EXPECT_EQ(day(2024, 1, 1), 19723);
  const CivilDate c = civil_from_days(day(2024, 2, 29));
  EXPECT_EQ(c.year, 2024);
  EXPECT_EQ(c.month, 2);
  EXPECT_EQ(c.day, 29);
  EXPECT_EQ(month_index(2024, 1), 648);
  EXPECT_EQ(year_of_month(month_index(1969, 12)), 1969);
  EXPECT_EQ(month_of_year(month_index(1969, 12)), 12);
  // Born 1954-03-15: 69 on 2024-03-01, 70 on 2024-04-01.
  EXPECT_EQ(age_on_first_of(day(1954, 3, 15), month_index(2024, 3)), 69);
  EXPECT_EQ(age_on_first_of(day(1954, 3, 15), month_index(2024, 4)), 70);
  // Born on the 1st: a year older in the birthday month itself.
  EXPECT_EQ(age_on_first_of(day(1954, 3, 1), month_index(2024, 3)), 70);
  EXPECT_EQ(age_on_first_of(day(1954, 3, 1), month_index(2024, 2)), 69);
}

// 第九条: 2% of base 6543.21 = 130.8642 → 130.86; retired from the month after retirement
// (docs/design.md §7); 115 from the month in which the member is 70 on its first day.
TEST(Accounts, ChongqingRetirementAnd70thBirthday) {
  Members m;
  m.add(day(1964, 5, 20), day(2024, 3, 10), 0, 654321);  // retires 2024-03 at 59
  m.add(day(1954, 3, 15), day(2014, 3, 15), 0, -1);      // turns 70 on 2024-03-15
  m.add(day(1990, 1, 1), no_day, 1, 500000);             // 一档: no account
  const Credits c = run(chongqing(), m, month_index(2024, 1), month_index(2024, 5));
  const std::vector<std::int64_t> want = {13086, 13086, 13086, 10500, 10500,  // member 0
                                          10500, 10500, 10500, 11500, 11500,  // member 1
                                          0,     0,     0,     0,     0};     // member 2
  EXPECT_EQ(c.credit, want);
  EXPECT_EQ(c.flags[2], 0);               // 2024-03: the retirement month, still in service
  EXPECT_EQ(c.flags[3], credit_retired);  // 2024-04: retired
  EXPECT_EQ(c.label[8], 3);
  EXPECT_EQ(c.label[10], 4);
}

// 济宁 通知 二(二)2–3: 2023 own 2% (a parameter) + employer 0.5% (≤45) / 0.75% (>45);
// 2024 own share only; retired 2024 2% (<70) / 2.5% (≥70) of the 2023 average pension.
TEST(Accounts, JiningVersionsAnd45) {
  AccountVersion v2023;
  v2023.effective_month = month_index(2023, 1);
  fill(v2023, 0, {{0, base_rate(pct(250), 1)}, {46, base_rate(pct(275), 2)}});
  CreditFormula unchanged;
  unchanged.missing = "accounts.retired.fixed";
  fill(v2023, 1, {{0, unchanged}});
  AccountVersion v2024;
  v2024.effective_month = month_index(2024, 1);
  fill(v2024, 0, {{0, base_rate(pct(200), 3)}});
  CreditFormula r2, r25;
  r2.reference_rate = pct(200);
  r2.reference = Money::from_fen(345678);
  r25.reference_rate = pct(250);
  r25.reference = Money::from_fen(345678);
  fill(v2024, 1, {{0, r2}, {70, r25}});
  const AccountPolicy p{"jining", {v2023, v2024}};

  Members m;
  m.add(day(1977, 11, 2), no_day, 0, 500001);  // 45 from 2022-12; 46 on 2023-12-01
  const Credits c = run(p, m, month_index(2023, 10), month_index(2024, 1));
  // 2.5% × 5000.01 = 125.00025 → 125.00; 2.75% → 137.5002750 → 137.50; 2% → 100.0002 → 100.00
  EXPECT_EQ(c.credit, (std::vector<std::int64_t>{12500, 12500, 13750, 10000}));
  EXPECT_EQ(c.version, (std::vector<std::uint8_t>{0, 0, 0, 1}));

  Members r;
  r.add(day(1954, 1, 1), day(2014, 1, 1), 0, -1);  // 70 on 2024-01-01
  const Credits c2 = run(p, r, month_index(2024, 1), month_index(2024, 1));
  EXPECT_EQ(c2.credit[0], 8642);  // 2.5% × 3456.78 = 86.4195 → 86.42
  EXPECT_THROW(run(p, r, month_index(2023, 12), month_index(2023, 12)), MissingParameter);
  // The error names the member's position.
  try {
    run(p, r, month_index(2023, 12), month_index(2023, 12));
  } catch (const MissingParameter& e) {
    EXPECT_EQ(e.row(), 0);
    EXPECT_NE(std::string(e.what()).find("accounts.retired.fixed"), std::string::npos);
  }
  EXPECT_THROW(run(p, r, month_index(2022, 12), month_index(2023, 1)), NoVersionInForce);
}

// 伊犁 第五条(三): 80/month provisionally; once the average is known, 2% of it from the
// adjustment month plus the shortfall of every provisional month.
TEST(Accounts, IliProvisionalAndTrueUp) {
  AccountVersion v;
  v.effective_month = month_index(2022, 1);
  fill(v, 0, {{0, base_rate(pct(200), 1)}});
  CreditFormula retired;
  retired.has_provisional = true;
  retired.provisional = yuan(80);
  retired.reference_rate = pct(200);
  retired.reference = Money::from_fen(451234);  // 2% = 90.2468 → 90.25
  retired.adjusted_from = month_index(2023, 3);
  fill(v, 1, {{0, retired}});
  Members m;
  m.add(day(1962, 6, 6), day(2022, 10, 15), 0, 400000);  // retired from 2022-11
  const Credits c = run({"ili", {v}}, m, month_index(2022, 10), month_index(2023, 4));
  // 2022-10 in service 80.00; 2022-11..2023-02 provisional 80; 2023-03: 90.25 + 4 × 10.25.
  EXPECT_EQ(c.credit,
            (std::vector<std::int64_t>{8000, 8000, 8000, 8000, 8000, 9025 + 4 * 1025, 9025}));
  EXPECT_EQ(c.flags[1], credit_retired | credit_provisional);
  EXPECT_EQ(c.flags[5], credit_retired | credit_true_up);

  // Before the average is known every retired month is provisional.
  v.bands[1][0][0].formula.adjusted_from = never;
  const Credits p = run({"ili", {v}}, m, month_index(2023, 3), month_index(2023, 3));
  EXPECT_EQ(p.credit[0], 8000);
}

TEST(Accounts, MemberErrorsNameTheRow) {
  Members m;
  m.add(day(1980, 1, 1), no_day, 0, 100000);
  m.add(day(1980, 1, 1), no_day, 0, -1);  // no base
  try {
    run(chongqing(), m, month_index(2024, 1), month_index(2024, 1));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.row(), 1);
    EXPECT_EQ(e.column(), "base");
  }
}

namespace {

struct Ledger {
  std::vector<std::int64_t> paid, balance;
};

Ledger ledger(const std::vector<std::int64_t>& payer, const std::vector<std::int64_t>& member,
              const std::vector<std::int32_t>& days, const std::vector<std::int64_t>& due,
              const std::vector<std::int64_t>& account, const std::vector<std::int32_t>& month,
              const std::vector<std::int64_t>& credit, const std::vector<std::int64_t>& opening) {
  Ledger l{std::vector<std::int64_t>(payer.size()), std::vector<std::int64_t>(payer.size())};
  const std::vector<std::int64_t> zero(payer.size());
  run_ledger({payer, member, days, due, due, zero, due}, {account, month, credit}, opening,
             {l.paid, l.balance});
  return l;
}

}  // namespace

// Credits arrive on the first of their month; the balance carries over into the next year;
// member 1 pays for member 2 (家庭共济) from the same account.
TEST(Ledger, CarriesBalancesAndFamilyAid) {
  const std::vector<std::int64_t> payer = {0, 0, 0, 0};
  const std::vector<std::int64_t> member = {0, 1, 0, 0};
  const std::vector<std::int32_t> days = {day(2023, 12, 31), day(2024, 1, 5), day(2023, 11, 2),
                                          day(2024, 2, 1)};
  const std::vector<std::int64_t> due = {5000, 30000, 4000, 20000};
  const Ledger l = ledger(payer, member, days, due, {0, 0, 0},
                          {month_index(2023, 11), month_index(2024, 1), month_index(2024, 2)},
                          {10000, 10000, 10000}, {1000});
  // 2023-11: 10+100 = 110 → pays 40 → 70; 2023-12-31 pays 50 → 20; 2024-01: +100 = 120,
  // pays 120 of 300 → 0; 2024-02: +100 pays 100 of 200 → 0.
  EXPECT_EQ(l.paid, (std::vector<std::int64_t>{5000, 12000, 4000, 10000}));
  EXPECT_EQ(l.balance, (std::vector<std::int64_t>{2000, 0, 7000, 0}));
}

TEST(Ledger, RejectsNegativeAmounts) {
  EXPECT_THROW(ledger({0}, {0}, {0}, {-1}, {}, {}, {}, {}), InputError);
  EXPECT_THROW(ledger({0}, {0}, {0}, {1}, {0}, {0}, {-1}, {}), InputError);
  EXPECT_THROW(ledger({0}, {0}, {0}, {1}, {}, {}, {}, {-5}), InputError);
}
