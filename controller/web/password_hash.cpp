#include "controller/web/password_hash.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "common/util/digest.h"

namespace portcullis::web {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::uint64_t kMaxMemory = 256ull << 20;

bool derive(std::string_view password, std::string_view salt, const ScryptCost& cost, unsigned char* out) {
  if (cost.log2N < 10 || cost.log2N > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16) return false;
  const std::uint64_t n = 1ull << cost.log2N;
  // scrypt needs 128 * N * r bytes (and 128 * r * p): room above that.
  const std::uint64_t memory = 128 * n * static_cast<std::uint64_t>(cost.r) * 2;
  if (memory > kMaxMemory) return false;
  return EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), n, static_cast<std::uint64_t>(cost.r), static_cast<std::uint64_t>(cost.p),
                        memory, out, kHashBytes) == 1;
}

std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == '$') {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool smallNumber(std::string_view text, int& out) {
  if (text.empty() || text.size() > 3) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

bool hexDecode(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = util::hexDigitValue(hex[i]), lo = util::hexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace

std::string hashPassword(std::string_view password, ScryptCost cost) {
  const std::string salt = util::randomBytes(kSaltBytes);
  unsigned char hash[kHashBytes];
  if (!derive(password, salt, cost, hash)) throw std::runtime_error("scrypt failed (OpenSSL)");
  return "scrypt$" + std::to_string(cost.log2N) + "$" + std::to_string(cost.r) + "$" + std::to_string(cost.p) + "$" +
         util::hexEncode(salt) + "$" +
         util::hexEncode(std::string_view(reinterpret_cast<const char*>(hash), kHashBytes));
}

bool verifyPassword(std::string_view password, std::string_view stored) {
  const auto f = fields(stored);
  ScryptCost cost;
  std::string salt, expected;
  if (f.size() != 6 || f[0] != "scrypt" || !smallNumber(f[1], cost.log2N) || !smallNumber(f[2], cost.r) ||
      !smallNumber(f[3], cost.p) || !hexDecode(f[4], salt) || salt.empty() || !hexDecode(f[5], expected) ||
      expected.size() != kHashBytes)
    return false;
  unsigned char hash[kHashBytes];
  if (!derive(password, salt, cost, hash)) return false;
  return util::equalConstantTime(std::string_view(reinterpret_cast<const char*>(hash), kHashBytes), expected);
}

}  // namespace portcullis::web
