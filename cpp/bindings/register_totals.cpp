// yibao._core.totals: the sums of an adjudication under each of several policies, without
// per-row results (yibao.sweep). Like adjudicate, the pass runs without the GIL: it reads
// only the argument arrays and the policies, which the arguments keep alive.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "yibao/totals.hpp"

namespace py = pybind11;

using yibao::bindings::Column;
using yibao::bindings::in;

namespace {

// A 128-bit sum as a Python int (through its decimal digits: pybind11 has no 128-bit caster).
py::int_ exact_int(yibao::FenSum value) {
  const bool negative = value < 0;
  std::string digits;
  do {
    const auto digit = static_cast<int>(value % 10);
    digits.insert(digits.begin(), static_cast<char>('0' + (negative ? -digit : digit)));
    value /= 10;
  } while (value != 0);
  if (negative) digits.insert(digits.begin(), '-');
  return py::int_(py::str(digits));
}

py::dict as_dict(const yibao::Totals& t) {
  py::dict d;
  d["deductible"] = exact_int(t.deductible);
  d["fund_paid"] = exact_int(t.fund_paid);
  d["self_pay"] = exact_int(t.self_pay);
  d["capped"] = exact_int(t.capped);
  d["members_at_cap"] = t.members_at_cap;
  d["members_at_visit_cap"] = t.members_at_visit_cap;
  return d;
}

}  // namespace

void register_totals(py::module_& m) {
  m.def(
      "totals",
      [](const std::vector<const yibao::Policy*>& policies, const Column<std::int64_t>& member,
         const Column<std::int32_t>& day, const Column<std::int8_t>& level,
         const Column<std::int64_t>& eligible, const Column<std::int8_t>& status,
         const Column<std::int8_t>& service, const Column<std::int8_t>& prescriber,
         const Column<std::int8_t>& tier, const std::optional<Column<std::int64_t>>& institution,
         std::size_t threads) {
        const yibao::ClaimColumns claims{
            in(member),
            in(day),
            in(level),
            in(eligible),
            in(status),
            in(service),
            in(prescriber),
            in(tier),
            institution ? in(*institution) : std::span<const std::int64_t>{}};
        std::vector<yibao::Totals> sums;
        {
          py::gil_scoped_release release;
          sums = yibao::totals(policies, claims, threads);
        }
        py::list out;
        for (const auto& t : sums) out.append(as_dict(t));
        return out;
      },
      py::arg("policies"), py::arg("member"), py::arg("day"), py::arg("level"), py::arg("eligible"),
      py::arg("status"), py::arg("service"), py::arg("prescriber"), py::arg("tier"),
      py::arg("institution"), py::arg("threads") = 1);
}
