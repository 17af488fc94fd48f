// Personal-account crediting (个人账户计入): one credit per member per month, under the
// account rules in force on the first day of that month (docs/design.md §7). The rules are data:
// the Python layer (python/yibao/_accounts_policy.py) expands each region's [[accounts]]
// tables into these formulas. Columns in (one entry per member), columns out (member-major,
// one entry per member and month).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "yibao/money.hpp"
#include "yibao/policy.hpp"

namespace yibao {

inline constexpr std::int32_t no_day = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max();

// A monthly credit: the sum of a fixed amount and of rates applied to the member's base,
// own pension and a reference amount (an average pension); each product is rounded to the
// fen once, as the version's rounding says.
struct CreditFormula {
  bool account = true;  // false: no personal account at all (credit 0)
  Money fixed;          // 定额划入, e.g. 重庆 第九条 105/month
  Rate base_rate;       // × 本人参保缴费基数: the member's own share(s)
  // × the base again, the employer share (单位缴费划入), rounded apart from `base_rate`: two
  // flows (docs/design.md §6b, 济宁 通知 二(二)2). Zero for members without an employer.
  Rate employer_rate;
  Rate pension_rate;    // × the member's own pension (pre-reform rules)
  Rate reference_rate;  // × `reference`, e.g. 2% of the 2022 average pension
  Money reference;
  // 暂定 … 补划差额 (伊犁 第五条(三)): `provisional` is credited each month before
  // `adjusted_from` (a month index, or `never` while the reference is unknown); in that
  // month the formula's amount is credited plus the shortfall of every provisional month
  // before it (a top-up only: nothing is clawed back).
  bool has_provisional = false;
  Money provisional;
  std::int32_t adjusted_from = never;
  std::string missing;      // non-empty: the formula needs a parameter the text lacks
  std::uint16_t label = 0;  // index into the caller's table of rule labels
};

// The formula for ages in full years from `min_age` up to the next band's `min_age` - 1.
struct AgeBand {
  std::int32_t min_age = 0;
  CreditFormula formula;
};

struct AccountVersion {
  std::int32_t effective_month = 0;  // months since 1970-01 of the first month in force
  Rounding rounding = Rounding::half_up;
  // [status][tier]: bands sorted by min_age, the first from age 0.
  std::array<std::array<std::vector<AgeBand>, n_tiers>, n_statuses> bands{};
};

struct AccountPolicy {
  std::string region;
  std::vector<AccountVersion> versions;  // strictly increasing effective_month
};

// One entry per member. Days are days since 1970-01-01.
struct MemberColumns {
  std::span<const std::int32_t> birth;        // birth_date
  std::span<const std::int32_t> retire;       // retire_date, or no_day while in service
  std::span<const std::int8_t> tier;          // yibao::Tier
  std::span<const std::int64_t> base;         // 缴费基数, fen per month
  std::span<const std::uint8_t> has_base;     // 0 where the member has no base
  std::span<const std::int64_t> pension;      // own pension, fen per month
  std::span<const std::uint8_t> has_pension;  // 0 where the member has no pension

  [[nodiscard]] std::size_t size() const { return birth.size(); }
};

// Member-major outputs of n_members × n_months entries: entry i * n_months + k is member i
// in month first_month + k.
struct CreditColumns {
  std::span<std::int64_t> credit;   // fen
  std::span<std::uint16_t> label;   // CreditFormula::label
  std::span<std::uint8_t> flags;    // CreditFlag bits (schema.hpp)
  std::span<std::uint8_t> version;  // index of the account version applied
};

// Throws PolicyError if the tables cannot be used.
void validate(const AccountPolicy& policy);

// The credit of every member in every month first_month..last_month (inclusive). Throws
// NoVersionInForce when first_month precedes the first version, MissingParameter (naming
// the parameter, the member's position and the month) when a member-month needs a value
// the text does not give, InputError for a bad member value.
void credit_accounts(const AccountPolicy& policy, const MemberColumns& members,
                     std::int32_t first_month, std::int32_t last_month, const CreditColumns& out);

}  // namespace yibao
