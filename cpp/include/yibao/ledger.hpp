// The personal-account ledger (个人账户): after adjudication the account pays what the
// member owes, up to its balance; credits arrive on the first day of their month; balances
// carry over months and years. Family mutual aid (家庭共济): a row's payer may be another
// member's account.
#pragma once

#include <cstdint>
#include <span>

namespace yibao {

struct LedgerClaims {
  std::span<const std::int64_t> payer;     // account code that pays the row (dense, >= 0)
  std::span<const std::int64_t> member;    // code of the insured person (ordering only)
  std::span<const std::int32_t> day;       // service date, days since 1970-01-01
  std::span<const std::int64_t> due;       // fen the account may pay for the row (>= 0)
  std::span<const std::int64_t> self_pay;  // fen (ordering only)
  std::span<const std::int64_t> outside;   // total - eligible, fen (ordering only)
  std::span<const std::int64_t> eligible;  // fen (ordering only)

  [[nodiscard]] std::size_t size() const { return payer.size(); }
};

struct LedgerCredits {
  std::span<const std::int64_t> account;  // account code
  std::span<const std::int32_t> month;    // months since 1970-01
  std::span<const std::int64_t> credit;   // fen, >= 0
};

struct LedgerColumns {
  std::span<std::int64_t> account_paid;  // fen
  std::span<std::int64_t> balance;       // the payer's balance after the row, fen
};

// Rows are paid per account in (day, member, due, self_pay, outside, eligible, position)
// order, so the result does not depend on the order of the input rows: rows equal in all
// of these differ in no amount the ledger reads or writes, so they are interchangeable. `opening`
// holds each account's balance before its first credit (one entry per account code; codes beyond it
// open at 0). Credits of months after a row's month do not reach it. Throws InputError for a
// negative due, credit or opening balance.
void run_ledger(const LedgerClaims& claims, const LedgerCredits& credits,
                std::span<const std::int64_t> opening, const LedgerColumns& out);

}  // namespace yibao
