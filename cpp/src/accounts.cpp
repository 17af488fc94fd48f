#include "yibao/accounts.hpp"

#include <algorithm>
#include <string>
#include <tuple>

#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"

namespace yibao {
namespace {

std::string month_text(std::int32_t month) {
  const std::int32_t m = month_of_year(month);
  return std::to_string(year_of_month(month)) + (m < 10 ? "-0" : "-") + std::to_string(m);
}

std::int64_t row_of(std::size_t i) {
  return static_cast<std::int64_t>(i);
}

struct Crediter {
  const AccountPolicy& policy;
  const MemberColumns& members;

  // The formula for member i in `month` (nullptr before the first version), the index of its
  // version and the member's status.
  std::tuple<const CreditFormula*, std::size_t, std::size_t> formula(std::size_t i,
                                                                     std::int32_t month) const {
    const auto& versions = policy.versions;
    const auto after =
        std::ranges::upper_bound(versions, month, {}, &AccountVersion::effective_month);
    if (after == versions.begin()) return {nullptr, 0, 0};
    const auto version = static_cast<std::size_t>(after - versions.begin()) - 1;
    // Retired from the month after the retirement month (济宁 通知 二(二)4 自次月起;
    // docs/design.md §7 for every region).
    const std::int32_t retire = members.retire[i];
    const std::size_t status = retire != no_day && month > month_of_day(retire) ? 1 : 0;
    // The last age band that starts at or below the member's age (the first starts at 0, and
    // takes any younger age too).
    const std::vector<AgeBand>& bands =
        versions[version].bands[status][static_cast<std::size_t>(members.tier[i])];
    const std::int32_t age = age_on_first_of(members.birth[i], month);
    const auto after_band =
        std::ranges::upper_bound(bands.begin() + 1, bands.end(), age, {}, &AgeBand::min_age);
    return {&std::prev(after_band)->formula, version, status};
  }

  // The formula's full monthly amount (before any provisional rule).
  Money amount(const CreditFormula& f, Rounding rounding, std::size_t i) const {
    Money total = f.fixed;
    if (f.base_rate.ppm() != 0 || f.employer_rate.ppm() != 0) {
      if (members.has_base[i] == 0)
        throw InputError("the member's contribution base (缴费基数) is needed for this credit",
                         row_of(i), "base");
      const Money base = Money::from_fen(members.base[i]);
      total += apply_rate(base, f.base_rate, rounding);
      total += apply_rate(base, f.employer_rate, rounding);
    }
    if (f.pension_rate.ppm() != 0) {
      if (members.has_pension[i] == 0)
        throw InputError("the member's own pension is needed for this credit", row_of(i),
                         "pension");
      total += apply_rate(Money::from_fen(members.pension[i]), f.pension_rate, rounding);
    }
    if (f.reference_rate.ppm() != 0) total += apply_rate(f.reference, f.reference_rate, rounding);
    return total;
  }

  // Member i's credit in `month`, into entry `at` of `out`.
  void credit(std::size_t i, std::int32_t month, const CreditColumns& out, std::size_t at) const {
    // (Never nullptr: credit_accounts checks that a version is in force from first_month on.)
    const auto [f, version, status] = formula(i, month);
    out.label[at] = f->label;
    out.version[at] = static_cast<std::uint8_t>(version);
    out.flags[at] = status == 1 ? credit_retired : 0;
    out.credit[at] = 0;
    if (!f->account) return;
    if (!f->missing.empty()) {
      throw MissingParameter(policy.region + ": the account credit of " + month_text(month) +
                                 " needs a parameter the source text does not give: " + f->missing,
                             row_of(i), "");
    }
    if (f->has_provisional && month < f->adjusted_from) {
      out.credit[at] = f->provisional.fen();
      out.flags[at] |= credit_provisional;
      return;
    }
    Money credit = amount(*f, policy.versions[version].rounding, i);
    if (f->has_provisional && month == f->adjusted_from) {
      // 补划差额: the shortfall of each provisional month before this one against the
      // adjusted amount, counted back while the member was credited provisionally.
      Money shortfall;
      for (std::int32_t m = month - 1;; --m) {
        const CreditFormula* prev = std::get<0>(formula(i, m));
        if (prev == nullptr || !prev->account || !prev->has_provisional || m >= prev->adjusted_from)
          break;
        shortfall += remaining(credit, prev->provisional);
      }
      if (shortfall > Money{}) {
        credit += shortfall;
        out.flags[at] |= credit_true_up;
      }
    }
    out.credit[at] = credit.fen();
  }
};

void check_members(const MemberColumns& m) {
  const std::size_t n = m.size();
  const bool ok = m.retire.size() == n && m.tier.size() == n && m.base.size() == n &&
                  m.has_base.size() == n && m.pension.size() == n && m.has_pension.size() == n;
  if (!ok) throw InputError("member columns differ in length", no_row, "");
  for (std::size_t i = 0; i < n; ++i) {
    if (m.tier[i] < 0 || m.tier[i] >= n_tiers)
      throw InputError("tier code " + std::to_string(m.tier[i]) + " is out of range", row_of(i),
                       "tier");
    if (m.has_base[i] != 0 && m.base[i] < 0)
      throw InputError("base " + Money::from_fen(m.base[i]).to_string() + " is negative", row_of(i),
                       "base");
    if (m.has_pension[i] != 0 && m.pension[i] < 0)
      throw InputError("pension " + Money::from_fen(m.pension[i]).to_string() + " is negative",
                       row_of(i), "pension");
    if (m.retire[i] != no_day && m.retire[i] < m.birth[i])
      throw InputError("retire_date is before birth_date", row_of(i), "retire_date");
  }
}

}  // namespace

void validate(const AccountPolicy& policy) {
  if (policy.versions.empty()) throw PolicyError(policy.region + ": no [[accounts]] version");
  for (std::size_t v = 0; v < policy.versions.size(); ++v) {
    const AccountVersion& version = policy.versions[v];
    const std::string where = policy.region + " accounts version " + std::to_string(v);
    if (v > 0 && version.effective_month <= policy.versions[v - 1].effective_month)
      throw PolicyError(where + ": versions must be in strictly increasing effective month");
    for (const auto& by_tier : version.bands) {
      for (const auto& bands : by_tier) {
        if (bands.empty() || bands.front().min_age != 0)
          throw PolicyError(where + ": age bands must start at age 0");
        for (std::size_t b = 0; b < bands.size(); ++b) {
          if (b > 0 && bands[b].min_age <= bands[b - 1].min_age)
            throw PolicyError(where + ": age bands must be in increasing age");
          const CreditFormula& f = bands[b].formula;
          for (const Rate r : {f.base_rate, f.employer_rate, f.pension_rate, f.reference_rate}) {
            if (r < Rate::from_ppm(0) || r > Rate::from_ppm(Rate::one))
              throw PolicyError(where + ": account rates must lie within 0..1");
          }
          if (f.fixed < Money{} || f.reference < Money{} || f.provisional < Money{})
            throw PolicyError(where + ": account amounts must not be negative");
        }
      }
    }
  }
}

void credit_accounts(const AccountPolicy& policy, const MemberColumns& members,
                     std::int32_t first_month, std::int32_t last_month, const CreditColumns& out) {
  validate(policy);
  check_members(members);
  if (last_month < first_month) throw InputError("end month is before start month", no_row, "end");
  const auto n_months = static_cast<std::size_t>(last_month - first_month) + 1;
  const std::size_t n = members.size() * n_months;
  if (out.credit.size() != n || out.label.size() != n || out.flags.size() != n ||
      out.version.size() != n)
    throw InputError("credit output columns have the wrong length", no_row, "");
  if (first_month < policy.versions.front().effective_month) {
    throw NoVersionInForce(policy.region + ": no account version in force in " +
                               month_text(first_month) + " (the first takes effect in " +
                               month_text(policy.versions.front().effective_month) +
                               "); rules are never backdated",
                           no_row, "start");
  }
  const Crediter crediter{policy, members};
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (std::size_t k = 0; k < n_months; ++k)
      crediter.credit(i, first_month + static_cast<std::int32_t>(k), out, i * n_months + k);
  }
}

}  // namespace yibao
