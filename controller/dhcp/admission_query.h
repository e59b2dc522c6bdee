#pragma once
// The question a Kea hook asks the controller about a client, and the answer:
// one line each way over UDP, both authenticated with a key the two share.
//   query:  "PORTCULLIS-QUERY 2 aa:bb:cc:dd:ee:ff NONCE HMAC"
//   answer: "PORTCULLIS-CLASS 2 aa:bb:cc:dd:ee:ff NONCE quarantine|admitted|unknown HMAC"
// NONCE is 32 hex digits the hook draws for each question, so an answer fits
// one question only; HMAC is HMAC-SHA-256 (hex) of everything before it on
// the line. Whoever lacks the key can neither ask nor answer: a local user
// who binds the port while the controller is down, or floods it, gets no
// client admitted. Pure: the text, and the class from what the store says.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/util/result.h"
#include "controller/dhcp/gate_verdict.h"

namespace portcullis::dhcp {

enum class KeaClass { Quarantine, Admitted, Unknown };
const char* keaClassName(KeaClass c);  // "quarantine", "admitted", "unknown"

struct AdmissionQuestion {
  std::string mac;    // normalised
  std::string nonce;  // 32 hex digits
};

// The shared key from the text of its file: at least 32 hex digits (what
// `portcullis-controller serve` writes is 64), white space around ignored.
Result<std::string> parseQueryKey(std::string_view text);

std::string admissionQuery(const AdmissionQuestion& q, const std::string& key);
// The question in a datagram, or why it is not one (malformed, or not
// authenticated by this key).
Result<AdmissionQuestion> parseAdmissionQuery(std::string_view datagram, const std::string& key);
std::string admissionAnswer(const AdmissionQuestion& q, KeaClass c, const std::string& key);
// The class in an answer to exactly this question under this key; nullopt
// for anything else (another MAC or nonce, a forged or damaged answer).
std::optional<KeaClass> parseAdmissionAnswer(std::string_view datagram, const AdmissionQuestion& q,
                                             const std::string& key);

// unknown: no agent reports the MAC, no verified announce names one and no
// operator acted on it (the Kea configuration decides what such clients
// get); admitted: the gate would give production; quarantine: anything else,
// a store that cannot answer included.
KeaClass keaClassFor(const DhcpSubnet& policy, const std::string& mac, const MacStanding& standing, std::int64_t now);

}  // namespace portcullis::dhcp
