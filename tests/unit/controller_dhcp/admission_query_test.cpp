#include <doctest/doctest.h>

#include "controller/dhcp/admission_query.h"

using namespace portcullis::dhcp;

namespace {
const std::string kKey(64, 'a');
const AdmissionQuestion kAsked{"52:54:00:12:34:56", "0123456789abcdef0123456789abcdef"};
}  // namespace

TEST_CASE("a question and its answer round-trip under the shared key") {
  const auto q = parseAdmissionQuery(admissionQuery(kAsked, kKey), kKey);
  REQUIRE(q);
  CHECK(q->mac == kAsked.mac);
  CHECK(q->nonce == kAsked.nonce);
  for (auto c : {KeaClass::Quarantine, KeaClass::Admitted, KeaClass::Unknown})
    CHECK(parseAdmissionAnswer(admissionAnswer(kAsked, c, kKey), kAsked, kKey) == c);
}

TEST_CASE("without the key nobody can ask or answer") {
  const std::string otherKey(64, 'b');
  auto q = parseAdmissionQuery(admissionQuery(kAsked, otherKey), kKey);
  REQUIRE_FALSE(q);
  CHECK(q.error() == "not authenticated by the shared key");
  // The old unauthenticated form is refused both ways.
  CHECK_FALSE(parseAdmissionQuery("PORTCULLIS-QUERY 1 52:54:00:12:34:56\n", kKey));
  CHECK_FALSE(parseAdmissionAnswer("PORTCULLIS-CLASS 1 52:54:00:12:34:56 admitted\n", kAsked, kKey));
  // An answer under another key, however well formed, is no answer.
  CHECK_FALSE(parseAdmissionAnswer(admissionAnswer(kAsked, KeaClass::Admitted, otherKey), kAsked, kKey));
}

TEST_CASE("an answer fits one question: another nonce or MAC, or a changed class, is refused") {
  const auto answer = admissionAnswer(kAsked, KeaClass::Admitted, kKey);
  AdmissionQuestion otherNonce = kAsked;
  otherNonce.nonce = std::string(32, 'f');
  CHECK_FALSE(parseAdmissionAnswer(answer, otherNonce, kKey));  // a replayed answer to an earlier question
  AdmissionQuestion otherMac = kAsked;
  otherMac.mac = "52:54:00:12:34:57";
  CHECK_FALSE(parseAdmissionAnswer(answer, otherMac, kKey));
  std::string tampered = admissionAnswer(kAsked, KeaClass::Quarantine, kKey);
  tampered.replace(tampered.find("quarantine"), 10, "admitted");
  CHECK_FALSE(parseAdmissionAnswer(tampered, kAsked, kKey));
}

TEST_CASE("the key file holds at least 32 hex digits") {
  CHECK(parseQueryKey("  " + kKey + "\n").value() == kKey);
  CHECK(parseQueryKey(std::string(64, 'A')).value() == std::string(64, 'a'));
  CHECK_FALSE(parseQueryKey("short"));
  CHECK_FALSE(parseQueryKey(std::string(64, 'z')));
  CHECK_FALSE(parseQueryKey(""));
}
