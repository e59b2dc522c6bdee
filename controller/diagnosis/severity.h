#pragma once
// One scale for how bad an advisory is, whichever way its publisher said it:
// Debian's urgency (unimportant, low, medium, high), a CVSS v3 vector, or a
// plain word (CRITICAL, HIGH, MODERATE...). Pure.
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::diagnosis {

enum class Severity { Unknown = 0, Unimportant, Low, Medium, High, Critical };

const char* severityName(Severity s);
// "low", "medium", "moderate", "high", "important", "critical", "unimportant",
// "none" (nothing qualifies; Unknown is returned with ok=false for others).
std::optional<Severity> parseSeverityName(std::string_view word);

// CVSS v3.0/v3.1 base score of a vector such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; nullopt if it is not one.
std::optional<double> cvss3BaseScore(std::string_view vector);

// The severity an advisory entry carries: the urgency when Debian gave one
// (its own judgement for its packages), else the CVSS score's band, else a
// plain severity word, else Unknown.
Severity severityOf(std::string_view urgency, std::string_view severityField);

}  // namespace portcullis::diagnosis
