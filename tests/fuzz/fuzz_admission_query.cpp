// Outside input: the datagrams between the Kea hook and the controller, both
// ways. The controller reads a query from whoever reaches its UDP port; the
// hook reads an answer from whatever replies. A query is taken only when the
// shared key authenticates it and names one normalised MAC; an answer only
// for the MAC and nonce asked about, under the key, with a known class, and
// it says what admissionAnswer would have said.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "controller/dhcp/admission_query.h"

using namespace portcullis::dhcp;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool normalisedMac(const std::string& mac) {
  if (mac.size() != 17) return false;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char c = mac[i];
    if (i % 3 == 2 ? c != ':' : !(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

std::string_view withoutLineEnds(std::string_view d) {
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r')) d.remove_suffix(1);
  return d;
}

const std::string kKey(64, 'a');

// The hook's side: an answer read for this question. One taken must be
// exactly what admissionAnswer says for it: no other MAC, nonce or key.
void checkAnswer(std::string_view datagram, const AdmissionQuestion& q) {
  const auto c = parseAdmissionAnswer(datagram, q, kKey);
  if (!c) return;
  require(withoutLineEnds(datagram) == withoutLineEnds(admissionAnswer(q, *c, kKey)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);

  // The controller's side: only a question authenticated under the key.
  if (const auto q = parseAdmissionQuery(datagram, kKey)) {
    require(normalisedMac(q->mac));
    require(q->nonce.size() == 32);
    const auto again = parseAdmissionQuery(admissionQuery(*q, kKey), kKey);
    require(again && again->mac == q->mac && again->nonce == q->nonce);
    // The same question under another key is no question.
    require(!parseAdmissionQuery(admissionQuery(*q, std::string(64, 'b')), kKey));
    for (auto c : {KeaClass::Quarantine, KeaClass::Admitted, KeaClass::Unknown})
      require(parseAdmissionAnswer(admissionAnswer(*q, c, kKey), *q, kKey) == c);
    checkAnswer(datagram, *q);
  }

  // The hook's side, for a question it asked and for the MAC and nonce the
  // datagram itself names (a reply to another question must not be taken).
  checkAnswer(datagram, {"52:54:00:12:34:56", std::string(32, '0')});
  constexpr std::string_view kAnswerHead = "PORTCULLIS-CLASS 2 ";
  if (datagram.size() >= kAnswerHead.size() + 17 + 1 + 32 && datagram.substr(0, kAnswerHead.size()) == kAnswerHead)
    checkAnswer(datagram, {std::string(datagram.substr(kAnswerHead.size(), 17)),
                           std::string(datagram.substr(kAnswerHead.size() + 18, 32))});
  return 0;
}
