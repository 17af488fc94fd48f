#include "yibao/ledger.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "yibao/calendar.hpp"
#include "yibao/errors.hpp"
#include "yibao/money.hpp"

namespace yibao {
namespace {

std::int64_t row_of(std::size_t i) {
  return static_cast<std::int64_t>(i);
}

void check(const LedgerClaims& claims, const LedgerCredits& credits,
           std::span<const std::int64_t> opening, const LedgerColumns& out) {
  const std::size_t n = claims.size();
  if (claims.member.size() != n || claims.day.size() != n || claims.due.size() != n ||
      claims.self_pay.size() != n || claims.outside.size() != n || claims.eligible.size() != n ||
      out.account_paid.size() != n || out.balance.size() != n)
    throw InputError("ledger claim columns differ in length", no_row, "");
  if (credits.month.size() != credits.account.size() ||
      credits.credit.size() != credits.account.size())
    throw InputError("credit columns differ in length", no_row, "");
  const auto not_negative = [](std::int64_t fen, const char* what, std::size_t i,
                               const char* column) {
    if (fen < 0)
      throw InputError(std::string(what) + " " + Money::from_fen(fen).to_string() + " is negative",
                       row_of(i), column);
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (claims.payer[i] < 0) throw InputError("negative account code", row_of(i), "payer_id");
    not_negative(claims.due[i], "amount due", i, "self_pay");
  }
  for (std::size_t i = 0; i < credits.account.size(); ++i) {
    if (credits.account[i] < 0) throw InputError("negative account code", row_of(i), "member_id");
    not_negative(credits.credit[i], "credit", i, "credit");
  }
  for (std::size_t i = 0; i < opening.size(); ++i)
    not_negative(opening[i], "opening balance", i, "opening");
}

}  // namespace

void run_ledger(const LedgerClaims& claims, const LedgerCredits& credits,
                std::span<const std::int64_t> opening, const LedgerColumns& out) {
  check(claims, credits, opening, out);

  // Rows in (payer, day, member, due, self_pay, outside, eligible, position) order: the
  // position only orders rows equal in every amount, which are interchangeable.
  std::vector<std::size_t> rows(claims.size());
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  const auto key = [&](std::size_t r) {
    return std::tie(claims.payer[r], claims.day[r], claims.member[r], claims.due[r],
                    claims.self_pay[r], claims.outside[r], claims.eligible[r]);
  };
  std::ranges::sort(rows, [&](std::size_t a, std::size_t b) {
    const auto order = key(a) <=> key(b);
    return order < 0 || (order == 0 && a < b);
  });
  std::vector<std::size_t> entries(credits.account.size());
  std::iota(entries.begin(), entries.end(), std::size_t{0});
  std::ranges::sort(entries, {},
                    [&](std::size_t e) { return std::tie(credits.account[e], credits.month[e]); });

  std::size_t c = 0;  // next credit entry
  std::int64_t account = -1;
  Money balance;
  for (const std::size_t row : rows) {
    const std::int64_t payer = claims.payer[row];
    if (payer != account) {
      account = payer;
      const auto code = static_cast<std::size_t>(payer);
      balance = Money::from_fen(code < opening.size() ? opening[code] : 0);
      while (c < entries.size() && credits.account[entries[c]] < payer) ++c;
    }
    // Credits arrive on the first day of their month, before any claim of that month.
    const std::int32_t month = month_of_day(claims.day[row]);
    while (c < entries.size() && credits.account[entries[c]] == payer &&
           credits.month[entries[c]] <= month) {
      balance += Money::from_fen(credits.credit[entries[c]]);
      ++c;
    }
    const Money paid = std::min(Money::from_fen(claims.due[row]), balance);
    balance -= paid;
    out.account_paid[row] = paid.fen();
    out.balance[row] = balance.fen();
  }
}

}  // namespace yibao
