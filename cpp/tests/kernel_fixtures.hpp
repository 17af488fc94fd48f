// Hand-built policies and claim tables shared by the kernel tests. The region numbers are
// the texts' own, so each expectation in the tests is computed by hand from the article cited.
#pragma once

#include <vector>

#include "yibao/adjudicate.hpp"
#include "yibao/errors.hpp"

namespace yibao::testing {

constexpr std::int32_t day_2024_01_01 = 19723;

inline Money yuan(std::int64_t y) {
  return Money::from_fen(y * 100);
}

inline LevelMoney levels(Money l1, Money l2, Money l3) {
  return {l1, l1, l2, l3};
}

// 渝医保发〔2023〕32号 第四条–第六条, general outpatient only.
inline Policy chongqing() {
  Pool pool;
  pool.threshold = {levels(yuan(200), yuan(200), yuan(200)),
                    levels(yuan(100), yuan(100), yuan(100))};
  const Rate r60 = Rate::from_ppm(600000), r50 = Rate::from_ppm(500000);
  const Rate r70 = Rate::from_ppm(700000);
  pool.rate = {{{r60, r60, r60, r50}, {r70, r70, r70, r60}}};
  pool.has_annual_cap = true;
  pool.annual_cap = {{{yuan(3000), yuan(4000)}, {yuan(800), yuan(1200)}, {yuan(3000), yuan(4000)}}};
  Version v;
  v.effective_day = day_2024_01_01;
  v.pools = {pool};
  v.services[0].pool = 0;
  v.services[1] = {0, {LevelSource::prescriber, 0}, {LevelSource::prescriber, 0}, {}, ""};
  v.services[5].missing = "supply services.chronic";
  return Policy{"chongqing", {v}};
}

// 伊犁 第十一条: per-visit deductible and cap, annual cap 3000.
inline Policy ili() {
  Pool pool;
  pool.period = DeductiblePeriod::visit;
  pool.first_visit = levels(yuan(20), yuan(45), yuan(50));
  pool.later_visit = levels(yuan(10), Money::from_fen(2250), yuan(25));
  const auto r = [](std::int64_t pct) { return Rate::from_ppm(pct * 10000); };
  pool.rate = {{{r(75), r(75), r(65), r(55)}, {r(80), r(80), r(70), r(60)}}};
  pool.has_visit_cap = true;
  pool.visit_cap = levels(yuan(200), yuan(450), yuan(500));
  pool.has_annual_cap = true;
  for (auto& by_status : pool.annual_cap) by_status = {yuan(3000), yuan(3000)};
  Version v;
  v.effective_day = 18993;  // 2022-01-01
  v.pools = {pool};
  v.services[0].pool = 0;
  v.has_overall_cap = true;
  v.overall_cap = yuan(100000);
  return Policy{"ili", {v}};
}

// 济宁 通知 二(一): cumulative deductible by level (累计补差: 100/200/300), rates 70/60/50%
// (in service) and 75/65/55% (retired), annual cap 2000 (二(一)3), from 2023-01-01.
inline Policy jining() {
  Pool pool;
  pool.threshold = {levels(yuan(100), yuan(200), yuan(300)),
                    levels(yuan(100), yuan(200), yuan(300))};
  const auto r = [](std::int64_t pct) { return Rate::from_ppm(pct * 10000); };
  pool.rate = {{{r(70), r(70), r(60), r(50)}, {r(75), r(75), r(65), r(55)}}};
  pool.has_annual_cap = true;
  for (auto& by_status : pool.annual_cap) by_status = {yuan(2000), yuan(2000)};
  Version v;
  v.effective_day = 19358;  // 2023-01-01
  v.pools = {pool};
  v.services[0].pool = 0;
  return Policy{"jining", {v}};
}

struct Table {
  std::vector<std::int64_t> member;
  std::vector<std::int32_t> day;
  std::vector<std::int8_t> level, status, service, prescriber, tier;
  std::vector<std::int64_t> eligible, institution;

  void add(std::int64_t m, std::int32_t d, std::int8_t lv, std::int64_t fen, std::int8_t st = 0,
           std::int64_t inst = 0, std::int8_t svc = 0, std::int8_t presc = -1, std::int8_t ti = 0) {
    member.push_back(m);
    day.push_back(d);
    level.push_back(lv);
    eligible.push_back(fen);
    status.push_back(st);
    service.push_back(svc);
    prescriber.push_back(presc);
    tier.push_back(ti);
    institution.push_back(inst);
  }
};

struct Result {
  std::vector<std::int64_t> deductible, fund, self_pay, capped, ytd;
  std::vector<std::uint16_t> rule;
  [[nodiscard]] std::uint8_t flags(std::size_t row) const {
    return rule[row] % rule_codes_per_version;
  }
};

inline MoneyColumn fen_column(std::vector<std::int64_t>& v) {
  return {v, MoneyColumn::Layout::fen64};
}

inline Result run(const Policy& policy, const Table& t, std::size_t threads = 1) {
  const std::size_t n = t.member.size();
  Result r{std::vector<std::int64_t>(n), std::vector<std::int64_t>(n),
           std::vector<std::int64_t>(n), std::vector<std::int64_t>(n),
           std::vector<std::int64_t>(n), std::vector<std::uint16_t>(n)};
  const ClaimColumns claims{t.member,  t.day,        t.level, t.eligible,   t.status,
                            t.service, t.prescriber, t.tier,  t.institution};
  const AdjudicationColumns out{fen_column(r.deductible), fen_column(r.fund),
                                fen_column(r.self_pay),   fen_column(r.capped),
                                fen_column(r.ytd),        r.rule};
  adjudicate(policy, claims, out, threads);
  return r;
}

}  // namespace yibao::testing
