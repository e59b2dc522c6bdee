#pragma once
// The question a Kea hook asks the controller about a client, and the answer:
// one line each way over UDP.
//   query:  "PORTCULLIS-QUERY 1 aa:bb:cc:dd:ee:ff"
//   answer: "PORTCULLIS-CLASS 1 aa:bb:cc:dd:ee:ff quarantine|admitted|unknown"
// Pure: the text, and the class from what the store says of the MAC.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controller/dhcp/gate_verdict.h"

namespace portcullis::dhcp {

enum class KeaClass { Quarantine, Admitted, Unknown };
const char* keaClassName(KeaClass c);  // "quarantine", "admitted", "unknown"

// The MAC asked about, normalised; nullopt for anything else.
std::optional<std::string> parseAdmissionQuery(std::string_view datagram);
std::string admissionQuery(const std::string& mac);
std::string admissionAnswer(const std::string& mac, KeaClass c);
// The class in an answer for this MAC; nullopt when it is not one.
std::optional<KeaClass> parseAdmissionAnswer(std::string_view datagram, const std::string& mac);

// unknown: no agent reports the MAC, no verified announce names one and no
// operator acted on it (the Kea configuration decides what such clients
// get); admitted: the gate would give production; quarantine: anything else,
// a store that cannot answer included.
KeaClass keaClassFor(const DhcpSubnet& policy, const std::string& mac, const MacStanding& standing, std::int64_t now);

}  // namespace portcullis::dhcp
