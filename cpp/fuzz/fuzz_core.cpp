// libFuzzer target over the C++ entry points of the core (issue 6, item 3).
//
// The first input byte picks an entry point; the rest is its argument:
//   0  parse_money(text, rounding)            any text, any rounding mode
//   1  from_double(bits, rounding)            8 bytes of a double; must equal from_double_via_text
//   2  from_decimal128(low, high, scale, r)   an Arrow decimal128 value with any scale
//   3  adjudicate(policy, columns, threads)   up to 64 claim rows of 15 bytes each, under a
//                                             fixed Ili-like (per-visit) or Jining-like
//                                             (cumulative, top-up) policy
// A yibao::Error is an accepted outcome (bad input is rejected with a named row); anything
// else thrown, a sanitizer report, or a broken invariant below is a crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "yibao/adjudicate.hpp"
#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"
#include "yibao/money.hpp"
#include "yibao/policy.hpp"

using namespace yibao;

namespace {

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  [[nodiscard]] std::size_t left() const { return size_ - pos_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  template <class T>
  T take() {
    T value{};
    std::uint8_t raw[sizeof(T)] = {};
    for (auto& b : raw) b = byte();
    std::memcpy(&value, raw, sizeof(T));
    return value;
  }
  [[nodiscard]] std::string_view rest() const {
    return {reinterpret_cast<const char*>(data_ + pos_), size_ - pos_};
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

void require(bool ok) {
  if (!ok) std::abort();  // an invariant of the core is broken: report as a crash
}

// nullptr (no rounding: more than 2 decimals is an error) or one of the three modes.
const Rounding* rounding_of(std::uint8_t b) {
  static const Rounding modes[3] = {Rounding::half_up, Rounding::half_even, Rounding::down};
  return b % 4 == 3 ? nullptr : &modes[b % 4];
}

void fuzz_parse(Bytes& in) {
  const Rounding* r = rounding_of(in.byte());
  try {
    const Money m = parse_money(in.rest(), r);
    // A parsed amount prints and re-parses to itself.
    require(parse_money(m.to_string(), nullptr) == m);
  } catch (const Error&) {
  }
}

void fuzz_double(Bytes& in) {
  const Rounding* r = rounding_of(in.byte());
  const auto value = in.take<double>();
  // The native fast path must agree with the decimal-text reference on every input.
  bool fast_threw = false, text_threw = false;
  Money fast, text;
  try {
    fast = from_double(value, r);
  } catch (const Error&) {
    fast_threw = true;
  }
  try {
    text = from_double_via_text(value, r);
  } catch (const Error&) {
    text_threw = true;
  }
  require(fast_threw == text_threw);
  if (!fast_threw) require(fast == text);
}

void fuzz_decimal128(Bytes& in) {
  const Rounding* r = rounding_of(in.byte());
  const auto scale = static_cast<int>(in.take<std::int8_t>());
  const auto low = in.take<std::uint64_t>();
  const auto high = in.take<std::int64_t>();
  try {
    const Money m = from_decimal128(low, high, scale, r);
    if (r == nullptr && scale == 2)
      require(m.fen() == static_cast<std::int64_t>(low) && (high == 0 || high == -1));
  } catch (const Error&) {
  }
}

Money yuan(std::int64_t y) {
  return Money::from_fen(y * 100);
}
LevelMoney levels(Money l1, Money l2, Money l3) {
  return {l1, l1, l2, l3};
}
Rate pct(std::int64_t p) {
  return Rate::from_ppm(p * 10000);
}

constexpr std::int32_t day_2022_01_01 = 18993;
constexpr std::int32_t day_2023_01_01 = 19358;

// 伊犁 第十一条 (per-visit deductible and cap, annual cap) with the overall cap of 第十四条, and
// pharmacy from the prescriber's level (第二十四条); a second version in 2023 lowers the caps
// so that claims straddle a version change.
Policy ili_like() {
  Pool pool;
  pool.period = DeductiblePeriod::visit;
  pool.first_visit = levels(yuan(20), yuan(45), yuan(50));
  pool.later_visit = levels(yuan(10), Money::from_fen(2250), yuan(25));
  pool.rate = {{{pct(75), pct(75), pct(65), pct(55)}, {pct(80), pct(80), pct(70), pct(60)}}};
  pool.has_visit_cap = true;
  pool.visit_cap = levels(yuan(200), yuan(450), yuan(500));
  pool.has_annual_cap = true;
  for (auto& by_status : pool.annual_cap) by_status = {yuan(3000), yuan(3000)};
  Version v;
  v.effective_day = day_2022_01_01;
  v.pools = {pool};
  v.services[0].pool = 0;
  v.services[1] = {
      0, {LevelSource::fixed, 2}, {LevelSource::prescriber, 0}, {LevelSource::prescriber, 0}, ""};
  v.services[2].pool = 0;
  v.services[3].pool = 0;
  v.services[4].missing = "day surgery: inpatient rates not in the text";
  v.has_overall_cap = true;
  v.overall_cap = yuan(4000);
  Version w = v;
  w.effective_day = day_2023_01_01;
  w.pools[0].visit_cap = levels(yuan(100), yuan(200), yuan(300));
  w.rounding = Rounding::half_even;
  return Policy{"ili-like", {v, w}};
}

// 济宁 二(一): cumulative top-up deductible by level, annual cap by tier and status, and a
// second pool for chronic rows (with a quarterly deductible, test-only) so that two pools with
// different deductible periods share the member's year.
Policy jining_like() {
  Pool pool;
  pool.threshold = {levels(yuan(100), yuan(200), yuan(300)),
                    levels(yuan(100), yuan(200), yuan(300))};
  pool.rate = {{{pct(70), pct(70), pct(60), pct(50)}, {pct(75), pct(75), pct(65), pct(55)}}};
  pool.has_annual_cap = true;
  pool.annual_cap = {{{yuan(2000), yuan(2500)}, {yuan(800), yuan(1200)}, {yuan(2000), yuan(2500)}}};
  Pool chronic;  // a quarterly deductible beside the annual one
  chronic.period = DeductiblePeriod::quarter;
  chronic.threshold = {levels(yuan(50), yuan(50), yuan(50)), levels(yuan(30), yuan(30), yuan(30))};
  chronic.rate = {{{pct(90), pct(90), pct(90), pct(90)}, {pct(95), pct(95), pct(95), pct(95)}}};
  chronic.has_annual_cap = true;
  for (auto& by_status : chronic.annual_cap) by_status = {yuan(5000), yuan(6000)};
  Version v;
  v.effective_day = day_2023_01_01;
  v.pools = {pool, chronic};
  v.services[0].pool = 0;
  v.services[1] = {0, {LevelSource::prescriber, 0}, {LevelSource::prescriber, 0}, {}, ""};
  v.services[2].pool = 0;
  v.services[5].pool = 1;
  return Policy{"jining-like", {v}};
}

std::size_t pool_of(const Policy& policy, std::uint8_t version, std::int8_t service) {
  return static_cast<std::size_t>(
      policy.versions[version].services[static_cast<std::size_t>(service)].pool);
}

void fuzz_adjudicate(Bytes& in) {
  static const Policy policies[2] = {ili_like(), jining_like()};
  const std::uint8_t head = in.byte();
  const Policy& policy = policies[head % 2];
  const std::size_t threads = 1 + (head >> 1) % 4;
  const bool with_institution = (head & 0x20) == 0;

  // A row is 15 bytes (18 with raw codes): member, day (2), codes, [level, status, service],
  // prescriber, tier, size/institution, eligible (8).
  constexpr std::size_t row_bytes = 15;
  const std::size_t n = std::min<std::size_t>(64, in.left() / row_bytes);
  std::vector<std::int64_t> member(n), eligible(n), institution(with_institution ? n : 0);
  std::vector<std::int32_t> day(n);
  std::vector<std::int8_t> level(n), status(n), service(n), prescriber(n), tier(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t m = in.byte();
    member[i] = m % 8;
    // About three years from 2022-01-01; with the high bit, a day before every version.
    const auto offset = static_cast<std::int32_t>(in.take<std::uint16_t>());
    day[i] = (m & 0x80) ? day_2022_01_01 - 1 - offset % 400 : day_2022_01_01 + offset % 1100;
    const std::uint8_t codes = in.byte();
    if (codes & 0x80) {  // raw codes, possibly out of range: must be rejected, never used
      level[i] = static_cast<std::int8_t>(in.byte());
      status[i] = static_cast<std::int8_t>(in.byte() % 4);
      service[i] = static_cast<std::int8_t>(in.byte() % 10);
    } else {
      level[i] = static_cast<std::int8_t>(codes & 3);
      status[i] = static_cast<std::int8_t>((codes >> 2) & 1);
      service[i] = static_cast<std::int8_t>((codes >> 3) % 7);
    }
    prescriber[i] = static_cast<std::int8_t>(static_cast<int>(in.byte() % 6) - 1);
    tier[i] = static_cast<std::int8_t>(in.byte() % 3);
    const std::uint8_t size = in.byte();
    const auto raw = in.take<std::int64_t>();
    // Small amounts exercise the rules; raw 64-bit amounts exercise the overflow checks.
    eligible[i] = (size & 0x80)
                      ? raw
                      : static_cast<std::int64_t>(static_cast<std::uint64_t>(raw) % 5'000'000);
    if (with_institution) institution[i] = size % 3;
  }

  // One run in int64 fen on one thread, one in Arrow decimal128 words on several.
  struct Out {
    std::vector<std::int64_t> deductible, fund, self_pay, capped, ytd;
    std::vector<std::uint16_t> rule;
    MoneyColumn::Layout layout;
    Out(std::size_t k, MoneyColumn::Layout l) : rule(k), layout(l) {
      const std::size_t words = l == MoneyColumn::Layout::decimal128 ? 2 * k : k;
      for (auto* c : {&deductible, &fund, &self_pay, &capped, &ytd}) c->assign(words, 0x5a5a);
    }
    AdjudicationColumns columns() {
      return {{deductible, layout}, {fund, layout}, {self_pay, layout},
              {capped, layout},     {ytd, layout},  rule};
    }
  };
  const ClaimColumns claims{member,  day,        level, eligible,   status,
                            service, prescriber, tier,  institution};
  Out one(n, MoneyColumn::Layout::fen64), many(n, MoneyColumn::Layout::decimal128);
  bool one_threw = false, many_threw = false;
  std::int64_t one_row = no_row, many_row = no_row;
  try {
    adjudicate(policy, claims, one.columns(), 1);
  } catch (const Error& e) {
    one_threw = true;
    one_row = e.row();
  }
  bool beyond_decimal18 = false;
  try {
    adjudicate(policy, claims, many.columns(), threads);
  } catch (const OverflowError& e) {
    many_threw = true;
    many_row = e.row();
    beyond_decimal18 = std::string_view(e.what()).find("decimal128") != std::string_view::npos;
  } catch (const Error& e) {
    many_threw = true;
    many_row = e.row();
  }
  if (beyond_decimal18) {
    // decimal128(18, 2) holds 18 digits: the wide layout refuses a result beyond them, which
    // int64 fen can hold. Then the fen run has such a result, or failed itself later on.
    bool wide = one_threw;
    for (const auto* column : {&one.deductible, &one.fund, &one.self_pay, &one.capped, &one.ytd})
      for (const std::int64_t v : *column)
        wide = wide || v > MoneyColumn::max_decimal18 || v < -MoneyColumn::max_decimal18;
    require(wide);
    return;
  }
  // The same outcome for any thread count and layout: the same error on the same row, or the
  // same numbers.
  require(one_threw == many_threw && one_row == many_row);
  if (std::getenv("YIBAO_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "adjudicate: %zu rows, %s\n", n, one_threw ? "rejected" : "adjudicated");
  }
  if (one_threw) return;
  require(one.rule == many.rule);
  const auto same = [n](const std::vector<std::int64_t>& fen,
                        const std::vector<std::int64_t>& words) {
    for (std::size_t i = 0; i < n; ++i) {
      if (words[2 * i] != fen[i] || words[2 * i + 1] != (fen[i] < 0 ? -1 : 0)) return false;
    }
    return true;
  };
  require(same(one.deductible, many.deductible) && same(one.fund, many.fund) &&
          same(one.self_pay, many.self_pay) && same(one.capped, many.capped) &&
          same(one.ytd, many.ytd));
  std::vector<std::uint8_t> version(n);
  for (std::size_t i = 0; i < n; ++i)
    version[i] = static_cast<std::uint8_t>(one.rule[i] / rule_codes_per_version);

  // Invariants of every result (docs/design.md §3, §6).
  std::vector<std::int64_t> fund_by_member_year(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    require(one.fund[i] + one.self_pay[i] == eligible[i]);
    require(one.deductible[i] >= 0 && one.deductible[i] <= eligible[i]);
    require(one.fund[i] >= 0 && one.fund[i] <= eligible[i] - one.deductible[i]);
    require(one.capped[i] >= 0);
    require(one.ytd[i] >= one.fund[i]);
    const Version& v = policy.versions[version[i]];
    require(v.effective_day <= day[i]);
    if (v.has_overall_cap) require(one.ytd[i] <= v.overall_cap.fen());
  }
  // No pool's annual cap is exceeded: the fund paid per (member, year, pool), summed in any
  // order, stays within the largest annual cap of that pool.
  for (std::size_t i = 0; i < n; ++i) {
    const Pool& pool_i = policy.versions[version[i]].pools[pool_of(policy, version[i], service[i])];
    if (!pool_i.has_annual_cap) continue;
    std::int64_t total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (member[j] == member[i] && civil_from_days(day[j]).year == civil_from_days(day[i]).year &&
          pool_of(policy, version[j], service[j]) == pool_of(policy, version[i], service[i]))
        total += one.fund[j];
    }
    std::int64_t largest = 0;
    for (const auto& by_tier : pool_i.annual_cap)
      for (const Money m : by_tier) largest = std::max(largest, m.fen());
    require(total <= largest);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  switch (in.byte() % 4) {
    case 0:
      fuzz_parse(in);
      break;
    case 1:
      fuzz_double(in);
      break;
    case 2:
      fuzz_decimal128(in);
      break;
    default:
      fuzz_adjudicate(in);
      break;
  }
  return 0;
}
