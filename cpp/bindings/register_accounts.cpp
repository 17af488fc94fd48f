// yibao._core account crediting and the account ledger: the rule tables as plain records
// (filled by python/yibao/_accounts_policy.py), and two columnar functions. Arrays arrive
// with their exact dtypes; the loops then run without the GIL, which is safe because they
// read only these buffers, kept alive by the arguments, and write only fresh outputs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>
#include <string>

#include "arrays.hpp"
#include "casters.hpp"
#include "yibao/accounts.hpp"
#include "yibao/ledger.hpp"

namespace py = pybind11;
using namespace yibao;

using yibao::bindings::Column;
using yibao::bindings::in;
using yibao::bindings::out;

void register_accounts(py::module_& m) {
  py::class_<CreditFormula>(m, "CreditFormula")
      .def(py::init<>())
      .def_readwrite("account", &CreditFormula::account)
      .def_readwrite("fixed", &CreditFormula::fixed)
      .def_readwrite("base_rate", &CreditFormula::base_rate)
      .def_readwrite("employer_rate", &CreditFormula::employer_rate)
      .def_readwrite("pension_rate", &CreditFormula::pension_rate)
      .def_readwrite("reference_rate", &CreditFormula::reference_rate)
      .def_readwrite("reference", &CreditFormula::reference)
      .def_readwrite("has_provisional", &CreditFormula::has_provisional)
      .def_readwrite("provisional", &CreditFormula::provisional)
      .def_readwrite("adjusted_from", &CreditFormula::adjusted_from)
      .def_readwrite("missing", &CreditFormula::missing)
      .def_readwrite("label", &CreditFormula::label);

  py::class_<AgeBand>(m, "AgeBand")
      .def(py::init([](std::int32_t min_age, const CreditFormula& f) {
             return AgeBand{min_age, f};
           }),
           py::arg("min_age"), py::arg("formula"))
      .def_readwrite("min_age", &AgeBand::min_age)
      .def_readwrite("formula", &AgeBand::formula);

  py::class_<AccountVersion>(m, "AccountVersion")
      .def(py::init<>())
      .def_readwrite("effective_month", &AccountVersion::effective_month)
      .def_readwrite("rounding", &AccountVersion::rounding)
      .def_readwrite("bands", &AccountVersion::bands);

  py::class_<AccountPolicy>(m, "AccountPolicy")
      .def(py::init<>())
      .def_readwrite("region", &AccountPolicy::region)
      .def_readwrite("versions", &AccountPolicy::versions)
      .def("validate", [](const AccountPolicy& p) { validate(p); })
      .def("__copy__", [](const AccountPolicy& p) { return p; });

  m.attr("never") = never;
  m.attr("no_day") = no_day;
  for (const auto& flag : credit_flags) {
    m.attr(("credit_" + std::string(flag.name)).c_str()) = static_cast<int>(flag.bit);
  }

  m.def(
      "credit_accounts",
      [](const AccountPolicy& policy, const Column<std::int32_t>& birth,
         const Column<std::int32_t>& retire, const Column<std::int8_t>& tier,
         const Column<std::int64_t>& base, const Column<std::uint8_t>& has_base,
         const Column<std::int64_t>& pension, const Column<std::uint8_t>& has_pension,
         std::int32_t first_month, std::int32_t last_month) {
        const py::ssize_t months = last_month >= first_month ? last_month - first_month + 1 : 0;
        const py::ssize_t n = birth.size() * months;
        Column<std::int64_t> credit(n);
        Column<std::uint16_t> label(n);
        Column<std::uint8_t> flags(n), version(n);
        const MemberColumns members{in(birth),    in(retire),  in(tier),       in(base),
                                    in(has_base), in(pension), in(has_pension)};
        const CreditColumns results{out(credit), out(label), out(flags), out(version)};
        {
          py::gil_scoped_release release;
          credit_accounts(policy, members, first_month, last_month, results);
        }
        py::dict d;
        d["credit"] = credit;
        d["label"] = label;
        d["flags"] = flags;
        d["version"] = version;
        return d;
      },
      py::arg("policy"), py::arg("birth"), py::arg("retire"), py::arg("tier"), py::arg("base"),
      py::arg("has_base"), py::arg("pension"), py::arg("has_pension"), py::arg("first_month"),
      py::arg("last_month"));

  m.def(
      "run_ledger",
      [](const Column<std::int64_t>& payer, const Column<std::int64_t>& member,
         const Column<std::int32_t>& day, const Column<std::int64_t>& due,
         const Column<std::int64_t>& self_pay, const Column<std::int64_t>& outside,
         const Column<std::int64_t>& eligible, const Column<std::int64_t>& account,
         const Column<std::int32_t>& month, const Column<std::int64_t>& credit,
         const Column<std::int64_t>& opening) {
        const py::ssize_t n = payer.size();
        Column<std::int64_t> paid(n), balance(n);
        const LedgerClaims claims{in(payer),    in(member),  in(day),     in(due),
                                  in(self_pay), in(outside), in(eligible)};
        const LedgerCredits credits{in(account), in(month), in(credit)};
        const LedgerColumns results{out(paid), out(balance)};
        {
          py::gil_scoped_release release;
          run_ledger(claims, credits, in(opening), results);
        }
        py::dict d;
        d["account_paid"] = paid;
        d["balance"] = balance;
        return d;
      },
      py::arg("payer"), py::arg("member"), py::arg("day"), py::arg("due"), py::arg("self_pay"),
      py::arg("outside"), py::arg("eligible"), py::arg("account"), py::arg("month"),
      py::arg("credit"), py::arg("opening"));
}
