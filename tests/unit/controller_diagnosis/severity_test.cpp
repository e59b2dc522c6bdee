#include <doctest/doctest.h>

#include "controller/diagnosis/severity.h"

using namespace portcullis::diagnosis;

TEST_CASE("CVSS v3 base scores match the published calculator") {
  // Reference values from FIRST's CVSS v3.1 calculator.
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == doctest::Approx(9.8));
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N") == doctest::Approx(7.5));
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H") == doctest::Approx(10.0));
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H") == doctest::Approx(7.8));
  CHECK(*cvss3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == doctest::Approx(6.1));
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L") == doctest::Approx(3.7));
  CHECK(*cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N") == doctest::Approx(0.0));
  CHECK_FALSE(cvss3BaseScore("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"));
  CHECK_FALSE(cvss3BaseScore("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  CHECK_FALSE(cvss3BaseScore("CVSS:3.1/AV:N"));
}

TEST_CASE("Debian's urgency comes first, then the CVSS band, then a plain word") {
  CHECK(severityOf("high", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == Severity::High);
  CHECK(severityOf("low**", "") == Severity::Low);
  CHECK(severityOf("unimportant", "") == Severity::Unimportant);
  CHECK(severityOf("not yet assigned", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == Severity::Critical);
  CHECK(severityOf("", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L") == Severity::Low);
  CHECK(severityOf("", "MODERATE") == Severity::Medium);
  CHECK(severityOf("", "") == Severity::Unknown);
}
