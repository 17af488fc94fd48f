// Civil calendar arithmetic on days since 1970-01-01 (proleptic Gregorian).
#pragma once

#include <cstdint>
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

// Day number of a civil date within the int32 range.
constexpr std::int32_t days_from_civil(std::int32_t year, std::int32_t month, std::int32_t day) {
  return static_cast<std::int32_t>(days_from_civil_wide(year, month, day));
}

// The calendar year of a day number: when member-year state resets.
constexpr std::int32_t year_of_day(std::int32_t day) {
  return civil_from_days(day).year;
}

// "YYYY-MM-DD" of a day number, for messages.
inline std::string date_string(std::int32_t day) {
  const CivilDate c = civil_from_days(day);
  // Appended piece by piece: GCC 12's -Wrestrict misfires on `"0" + std::string`.
  std::string out = std::to_string(c.year);
  for (const std::int32_t part : {c.month, c.day}) {
    out.push_back('-');
    if (part < 10) out.push_back('0');
    out.append(std::to_string(part));
  }
  return out;
}

}  // namespace yibao
