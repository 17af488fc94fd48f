// libFuzzer target over the C++ entry points of the core (issue 6, item 3).
//
// The first input byte picks an entry point; the rest is its argument:
//   0  parse_money(text, rounding)            any text, any rounding mode
//   1  from_double(bits, rounding)            8 bytes of a double; must equal from_double_via_text
//   2  from_decimal128(low, high, scale, r)   an Arrow decimal128 value with any scale
//   3  adjudicate(policy, columns, threads)   up to 64 claim rows of 15 bytes each, under a
//                                             fixed Ili-like (per-visit) or Jining-like
//                                             (cumulative, top-up) policy
//   4  adjudicate_frame(policy, frame, ...)   up to 48 rows of logical values, each column laid
//                                             out twice, in a layout the input picks and in a
//                                             fixed one: every reader must read the same
// A yibao::Error is an accepted outcome (bad input is rejected with a named row); anything
// else thrown, a sanitizer report, or a broken invariant below is a crash.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "yibao/adjudicate.hpp"
#include "yibao/adjudicate_frame.hpp"
#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"
#include "yibao/labels.hpp"
#include "yibao/money.hpp"
#include "yibao/policy.hpp"
#include "yibao/schema.hpp"

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

// ---- entry 4: the frame readers ---------------------------------------------------------
// A frame of up to 48 rows whose logical values come from the input, laid out twice: each
// column as the input's layout byte picks (datetime64 of four units or date32 days; levels of
// five widths, float64 with NaN, or a byte mask; amounts as float64 yuan, decimal128 at scale
// 2..4, or integer fen or yuan; labels as one large_string chunk, two string chunks with
// nulls, or category codes), and in one fixed layout. Every reader must read the same values:
// the two frames give the same numbers, or the same error (class, row, column and text).

constexpr int missing_value = 99;  // a logical level or label that is missing
constexpr int unknown_label = -2;  // a label that is no spelling of the vocabulary

struct LogicalRow {
  std::int64_t member = 0;
  std::int32_t day = 0;
  bool missing_date = false;
  std::int64_t intraday = 0;  // ticks within the day, for timestamp layouts (0..1)
  int level = 0;              // -1..5 or missing_value
  int prescriber = 0;
  std::int64_t milli = 0;                 // eligible in thousandths of a yuan
  int status = 0, service = 0, tier = 0;  // a code, unknown_label or missing_value
  bool alias = false;                     // spell a retired status 退休
  std::int64_t institution = 0;
};

LabelTable table_of(const char* const* names, std::size_t n) {
  LabelTable table;
  for (std::size_t i = 0; i < n; ++i) {
    table.labels.emplace_back(names[i]);
    table.codes.push_back(static_cast<std::int8_t>(i));
  }
  return table;
}

const FrameLabels& vocabulary() {
  static const FrameLabels labels = [] {
    FrameLabels l{table_of(status_names, n_statuses), table_of(service_names, n_services),
                  table_of(tier_names, n_tiers)};
    l.status.labels.emplace_back("退休");
    l.status.codes.push_back(1);
    return l;
  }();
  return labels;
}

// The spelling of a label (nullptr: missing).
const char* spelling(int code, const char* const* names, bool alias) {
  if (code == missing_value) return nullptr;
  if (code == unknown_label) return "unknown";
  if (alias && names == status_names && code == 1) return "退休";
  return names[code];
}

// One frame's buffers, owned here; columns() points into them.
struct FrameData {
  std::vector<std::int64_t> member, ticks, institution, units;
  std::vector<std::int32_t> days;
  std::vector<double> yuan;
  std::vector<std::uint64_t> decimal128;
  // Levels (level, prescriber) in one of the widths, and their masks.
  struct Levels {
    std::vector<std::int8_t> i8;
    std::vector<std::int16_t> i16;
    std::vector<std::int64_t> i64;
    std::vector<std::uint8_t> u8, mask;
    std::vector<double> f64;
    LevelColumn column;
  } level, prescriber;
  struct Labels {
    std::vector<std::int64_t> large_offsets;
    std::vector<std::int32_t> small_offsets;
    std::vector<char> data;
    std::vector<std::uint8_t> validity;
    std::vector<std::int16_t> codes;
    LabelColumn column;
  } status, service, tier;
  FrameColumns frame;
};

void lay_levels(const std::vector<int>& values, std::uint8_t layout, bool allow_absent,
                FrameData::Levels& out) {
  bool negative = false, missing = false;
  for (const int v : values) {
    negative |= v < 0;
    missing |= v == missing_value;
  }
  // A missing value: NaN in float64, else a byte in the mask over an arbitrary value.
  auto value = [](int v) { return v == missing_value ? 77 : v; };
  switch (layout % 6) {
    case 0:
      for (const int v : values) out.i8.push_back(static_cast<std::int8_t>(value(v)));
      out.column.values = std::span<const std::int8_t>(out.i8);
      break;
    case 1:
      for (const int v : values) out.i16.push_back(static_cast<std::int16_t>(value(v)));
      out.column.values = std::span<const std::int16_t>(out.i16);
      break;
    case 2:
      if (!negative) {
        for (const int v : values) out.u8.push_back(static_cast<std::uint8_t>(value(v)));
        out.column.values = std::span<const std::uint8_t>(out.u8);
        break;
      }
      [[fallthrough]];
    case 3:
      for (const int v : values) {
        out.f64.push_back(v == missing_value ? std::numeric_limits<double>::quiet_NaN() : v);
      }
      out.column.values = std::span<const double>(out.f64);
      return;  // NaN marks the missing ones: no mask
    case 4:
      if (allow_absent) return;  // no column at all: no value on any row
      [[fallthrough]];
    default:
      for (const int v : values) out.i64.push_back(value(v));
      out.column.values = std::span<const std::int64_t>(out.i64);
      break;
  }
  if (missing || layout & 0x80) {
    for (const int v : values) out.mask.push_back(v == missing_value ? 1 : 0);
    out.column.missing = out.mask;
  }
}

void lay_labels(const std::vector<LogicalRow>& rows, int LogicalRow::*field,
                const char* const* names, std::uint8_t layout, FrameData::Labels& out) {
  const std::size_t n = rows.size();
  std::vector<const char*> text(n);
  for (std::size_t i = 0; i < n; ++i) text[i] = spelling(rows[i].*field, names, rows[i].alias);
  if (layout % 3 == 2) {  // category codes over the distinct spellings, -1 = missing
    std::vector<std::string> categories;
    for (const char* t : text) {
      if (t == nullptr) {
        out.codes.push_back(-1);
        continue;
      }
      auto at = std::find(categories.begin(), categories.end(), t);
      if (at == categories.end()) at = categories.insert(categories.end(), t);
      out.codes.push_back(static_cast<std::int16_t>(at - categories.begin()));
    }
    const LabelMatcher matcher(field == &LogicalRow::status    ? vocabulary().status
                               : field == &LogicalRow::service ? vocabulary().service
                                                               : vocabulary().tier);
    for (const std::string& c : categories) {
      out.column.by_code.push_back(static_cast<std::int8_t>(label_code(matcher, c)));
    }
    out.column.codes = std::span<const std::int16_t>(out.codes);
    return;
  }
  out.validity.assign((n + 7) / 8 + 1, 0);
  out.large_offsets.push_back(0);
  for (std::size_t i = 0; i < n; ++i) {
    if (text[i] != nullptr) {
      out.data.insert(out.data.end(), text[i], text[i] + std::strlen(text[i]));
      out.validity[i / 8] |= static_cast<std::uint8_t>(1U << (i % 8));
    }
    out.large_offsets.push_back(static_cast<std::int64_t>(out.data.size()));
  }
  const bool nulls = std::find(text.begin(), text.end(), nullptr) != text.end();
  if (layout % 3 == 0) {
    out.column.large.push_back({out.large_offsets, out.data, {}, 0});
    if (nulls) out.column.large.back().validity = out.validity;
    return;
  }
  // Two int32-offset chunks split at row k (the second's validity from bit k on).
  const std::size_t k = n == 0 ? 0 : (layout >> 2) % (n + 1);
  for (const std::int64_t o : out.large_offsets) {
    out.small_offsets.push_back(static_cast<std::int32_t>(o));
  }
  const std::span<const std::int32_t> offsets(out.small_offsets);
  StringChunk<std::int32_t> first{offsets.first(k + 1), out.data, {}, 0};
  StringChunk<std::int32_t> second{offsets.subspan(k), out.data, {}, 0};
  if (nulls) {
    first.validity = out.validity;
    second.validity = out.validity;
    second.bit_offset = static_cast<std::int64_t>(k);
  }
  out.column.small = {first, second};
}

// `layout` bytes pick each column's layout; all zero bytes and `fixed` pick the fixed one.
void lay_out(const std::vector<LogicalRow>& rows, const std::array<std::uint8_t, 8>& layout,
             bool fixed, FrameData& f) {
  const std::size_t n = rows.size();
  for (const LogicalRow& r : rows) {
    f.member.push_back(r.member);
    f.institution.push_back(r.institution);
  }
  // Dates: date32 days (fixed), or ticks at one of four units.
  constexpr std::array<std::int64_t, 4> per_day{ns_per_day, 86'400'000'000, 86'400'000, 86'400};
  if (fixed || layout[0] % 5 == 4) {
    for (const LogicalRow& r : rows) f.days.push_back(r.missing_date ? missing_day : r.day);
    f.frame.date.days = f.days;
  } else {
    const std::int64_t d = per_day[layout[0] % 5];
    for (const LogicalRow& r : rows) {
      f.ticks.push_back(r.missing_date ? std::numeric_limits<std::int64_t>::min()
                                       : r.day * d + r.intraday * (d - 1));
    }
    f.frame.date.ticks = f.ticks;
    f.frame.date.per_day = d;
  }
  // Amounts: decimal128 at scale 3 (fixed), or float64 yuan, scale 2 or 4, fen or yuan units,
  // each where it holds every row's value (else scale 3).
  bool tenths = true, yuan = true;  // every value a whole fen, a whole yuan
  for (const LogicalRow& r : rows) {
    tenths &= r.milli % 10 == 0;
    yuan &= r.milli % 1000 == 0;
  }
  // (The fixed layout keeps a chosen scale 4: an error words a decimal at its own scale.)
  const std::uint8_t amounts = fixed && layout[1] % 6 != 5 ? 0 : layout[1] % 6;
  if (amounts == 1) {
    for (const LogicalRow& r : rows) f.yuan.push_back(static_cast<double>(r.milli) / 1000.0);
    f.frame.eligible.yuan = f.yuan;
  } else if ((amounts == 2 && tenths) || (amounts == 3 && yuan)) {
    const std::int64_t per = amounts == 2 ? 10 : 1000;
    for (const LogicalRow& r : rows) f.units.push_back(r.milli / per);
    f.frame.eligible.units = f.units;
    f.frame.eligible.fen_per_unit = amounts == 2 ? 1 : 100;
  } else {
    const int scale = amounts == 4 && tenths ? 2 : amounts == 5 ? 4 : 3;
    for (const LogicalRow& r : rows) {
      const std::int64_t unscaled = scale == 2 ? r.milli / 10 : scale == 4 ? r.milli * 10 : r.milli;
      f.decimal128.push_back(static_cast<std::uint64_t>(unscaled));
      f.decimal128.push_back(unscaled < 0 ? ~std::uint64_t{0} : 0);
    }
    f.frame.eligible.decimal128 = f.decimal128;
    f.frame.eligible.scale = scale;
  }
  std::vector<int> levels(n), prescribers(n);
  bool any_prescriber = false;
  for (std::size_t i = 0; i < n; ++i) {
    levels[i] = rows[i].level;
    prescribers[i] = rows[i].prescriber;
    any_prescriber |= rows[i].prescriber != missing_value;
  }
  // Fixed: int64 with a mask; a prescriber column without values only where no row has one.
  lay_levels(levels, fixed ? 5 : layout[2], false, f.level);
  const std::uint8_t by = fixed ? (any_prescriber ? 5 : 4) : layout[3];
  lay_levels(prescribers, any_prescriber && by % 6 == 4 ? 5 : by, true, f.prescriber);
  f.frame.level = f.level.column;
  f.frame.prescriber = f.prescriber.column;
  lay_labels(rows, &LogicalRow::status, status_names, fixed ? 0 : layout[4], f.status);
  lay_labels(rows, &LogicalRow::service, service_names, fixed ? 0 : layout[5], f.service);
  lay_labels(rows, &LogicalRow::tier, tier_names, fixed ? 0 : layout[6], f.tier);
  f.frame.status = f.status.column;
  f.frame.service = f.service.column;
  f.frame.tier = f.tier.column;
  f.frame.member = f.member;
  if (layout[7] & 1) f.frame.institution = f.institution;
}

struct Outcome {
  bool threw = false;
  std::string kind, what, column;
  std::int64_t row = no_row;
  std::vector<std::int64_t> fen;  // the five amounts, column after column
  std::vector<std::uint16_t> rule;
  bool operator==(const Outcome&) const = default;
};

Outcome run_frame(const Policy& policy, const FrameColumns& frame, std::size_t threads) {
  const std::size_t n = frame.member.size();
  Outcome o;
  o.fen.assign(5 * n, 0x5a5a);
  o.rule.assign(n, 0);
  const std::span<std::int64_t> fen(o.fen);
  const auto layout = MoneyColumn::Layout::fen64;
  const AdjudicationColumns out{{fen.subspan(0, n), layout},     {fen.subspan(n, n), layout},
                                {fen.subspan(2 * n, n), layout}, {fen.subspan(3 * n, n), layout},
                                {fen.subspan(4 * n, n), layout}, o.rule};
  try {
    adjudicate_frame(policy, frame, vocabulary(), out, threads);
  } catch (const Error& e) {
    o = Outcome{true, typeid(e).name(), e.what(), e.column(), e.row(), {}, {}};
  }
  return o;
}

void fuzz_frame(Bytes& in) {
  static const Policy policies[2] = {ili_like(), jining_like()};
  const std::uint8_t head = in.byte();
  const Policy& policy = policies[head % 2];
  const std::size_t threads = 1 + (head >> 1) % 4;
  const bool sparse = (head & 0x08) != 0;  // member ids too sparse to count
  static const Rounding half_up = Rounding::half_up;
  const Rounding* rounding = (head & 0x10) != 0 ? &half_up : nullptr;
  const std::int64_t max_fen = (head & 0x20) != 0 ? 100'000'000 : MoneyColumn::max_decimal18;
  const bool clean = (head & 0x40) != 0;  // no bad value in any row
  std::array<std::uint8_t, 8> layout{};
  for (auto& b : layout) b = in.byte();

  // A row is 13 bytes: member, day (2), level, prescriber, labels (2), flags, eligible (5).
  constexpr std::size_t row_bytes = 13;
  const std::size_t n = std::min<std::size_t>(48, in.left() / row_bytes);
  std::vector<LogicalRow> rows(n);
  for (LogicalRow& r : rows) {
    const std::uint8_t m = in.byte();
    r.member = std::int64_t{m % 8} * (sparse ? 1'000'000'007 : 1);
    const auto offset = static_cast<std::int32_t>(in.take<std::uint16_t>());
    // About three years from 2022-01-01; with the high bit, a day before 1970 (no version).
    r.day = (m & 0x80) ? -1 - offset % 400 : day_2022_01_01 + offset % 1100;
    r.missing_date = (m & 0x70) == 0x70;
    r.intraday = (m >> 3) & 1;
    const std::uint8_t lv = in.byte(), pl = in.byte();
    r.level = lv >= 0xf0 ? missing_value : (lv & 0x80) ? lv % 7 - 1 : lv % 4;
    r.prescriber = pl >= 0x80 ? missing_value : (pl & 0x40) ? pl % 7 - 1 : pl % 4;
    const std::uint8_t labels = in.byte();
    auto label = [](std::uint8_t b, int n_codes) {
      return b == 7 ? missing_value : b == 6 ? unknown_label : b % n_codes;
    };
    r.status = label(labels & 7, n_statuses);
    r.service = (labels & 0x80) ? label((labels >> 3) & 7, n_services) : (labels >> 3) % 3;
    r.tier = label(in.byte() & 7, n_tiers);
    const std::uint8_t flags = in.byte();
    r.alias = (flags & 1) != 0;
    r.institution = ((flags >> 1) & 3) % 3;
    // Whole fen below 5,000 yuan mostly; up to 2 billion yuan (beyond max_fen), thousandths
    // (which need rounding) and negatives now and then.
    std::int64_t milli = 0;
    for (int k = 0; k < 5; ++k) milli = milli * 256 + in.byte();
    milli %= (flags & 0x08) != 0 ? 2'000'000'000'000 : 5'000'000;
    if ((flags & 0x30) != 0x30) milli -= milli % 10;
    if ((flags & 0xc0) == 0xc0) milli = -milli;
    r.milli = milli;
    if (clean) {  // a frame the kernel adjudicates, but for its own errors
      r.missing_date = false;
      r.day = std::max(r.day, day_2022_01_01);
      r.level = lv % 4;
      for (int* label : {&r.status, &r.service, &r.tier}) *label = std::max(*label, 0) % 2;
      if (r.prescriber != missing_value || r.service == 1) r.prescriber = pl % 4;
      r.milli = std::abs(rounding == nullptr ? milli - milli % 10 : milli);
    }
  }
  FrameData chosen, fixed;
  lay_out(rows, layout, false, chosen);
  lay_out(rows, layout, true, fixed);
  for (FrameColumns* f : {&chosen.frame, &fixed.frame}) {
    f->rounding = rounding;
    f->max_fen = max_fen;
  }
  const Outcome a = run_frame(policy, chosen.frame, threads);
  const Outcome b = run_frame(policy, fixed.frame, 1);
  if (std::getenv("YIBAO_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "frame: %zu rows, %s\n", n, a.threw ? a.what.c_str() : "adjudicated");
  }
  if (a != b && std::getenv("YIBAO_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "chosen: %s %s row %lld col %s\nfixed:  %s %s row %lld col %s\n",
                 a.kind.c_str(), a.what.c_str(), static_cast<long long>(a.row), a.column.c_str(),
                 b.kind.c_str(), b.what.c_str(), static_cast<long long>(b.row), b.column.c_str());
  }
  require(a == b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  switch (in.byte() % 5) {
    case 0:
      fuzz_parse(in);
      break;
    case 1:
      fuzz_double(in);
      break;
    case 2:
      fuzz_decimal128(in);
      break;
    case 3:
      fuzz_adjudicate(in);
      break;
    default:
      fuzz_frame(in);
      break;
  }
  return 0;
}
