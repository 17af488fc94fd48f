// Civil calendar arithmetic on days since 1970-01-01 (day 0) and, for the personal-account
// tier, months since 1970-01 (month 0); proleptic Gregorian.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace yibao {

struct CivilDate {
  std::int32_t year;
  std::int32_t month;  // 1..12
  std::int32_t day;    // 1..31
};

// H. Hinnant's civil_from_days.
constexpr CivilDate civil_from_days(std::int32_t days) {
  const std::int64_t z = static_cast<std::int64_t>(days) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int32_t>(yoe + era * 400 + (m <= 2 ? 1 : 0)),
          static_cast<std::int32_t>(m), static_cast<std::int32_t>(d)};
}

// Day number of a civil date (H. Hinnant's days_from_civil), in 64 bits: 1 January after the
// last date an int32 day can hold is still a number.
constexpr std::int64_t days_from_civil_wide(std::int32_t year, std::int32_t month,
                                            std::int32_t day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "YYYY-MM-DD" of a day number, for messages.
inline std::string date_string(std::int32_t day) {
  const CivilDate c = civil_from_days(day);
  std::array<char, 40> text{};  // (room for any three int32)
  std::snprintf(text.data(), text.size(), "%d-%02d-%02d", c.year, c.month, c.day);
  return text.data();
}

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
