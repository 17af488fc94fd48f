// Calendar months for the personal-account tier: a month is counted from 1970-01 (month 0),
// a day from 1970-01-01 (day 0), proleptic Gregorian (H. Hinnant's civil algorithms).
#pragma once

#include <cstdint>

#include "yibao/calendar.hpp"

namespace yibao {

// Months since 1970-01 of a calendar month.
constexpr std::int32_t month_index(std::int32_t year, std::int32_t month) {
  return (year - 1970) * 12 + (month - 1);
}

constexpr std::int32_t month_of_day(std::int32_t days) {
  const CivilDate c = civil_from_days(days);
  return month_index(c.year, c.month);
}

constexpr std::int32_t year_of_month(std::int32_t month) {
  return 1970 + (month >= 0 ? month / 12 : -((-month + 11) / 12));
}

constexpr std::int32_t month_of_year(std::int32_t month) {  // 1..12
  return month - (year_of_month(month) - 1970) * 12 + 1;
}

// Age in full years (周岁) on the first day of `month` of someone born on `birth_day`: the
// birthday counts once it has been reached, so a member born on the 1st is a year older
// from that month, anyone else from the month after (docs/design.md §7).
constexpr std::int32_t age_on_first_of(std::int32_t birth_day, std::int32_t month) {
  const CivilDate b = civil_from_days(birth_day);
  const std::int32_t y = year_of_month(month);
  const std::int32_t m = month_of_year(month);
  const bool before_birthday = m < b.month || (m == b.month && b.day > 1);
  return y - b.year - (before_birthday ? 1 : 0);
}

}  // namespace yibao
