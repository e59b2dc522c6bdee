#pragma once
// Operators' passwords, kept only as scrypt hashes (OpenSSL's EVP_PBE_scrypt):
// memory-hard, so a stolen store costs an attacker memory as well as time
// per guess. The stored text names its parameters, so they can be raised
// later without breaking the hashes already kept:
//   scrypt$LOG2_N$R$P$SALT_HEX$HASH_HEX
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::web {

struct ScryptCost {
  int log2N = 15;  // N = 32768: 32 MiB with r = 8, about 0.1 s on one core
  int r = 8;
  int p = 1;
};

// A fresh random salt each call. Throws std::runtime_error if OpenSSL fails.
std::string hashPassword(std::string_view password, ScryptCost cost = {});

// True when password matches; false for a wrong one, or a stored text that
// is not a hash this program makes (or asks for more than 256 MiB).
// Compared in constant time.
bool verifyPassword(std::string_view password, std::string_view stored);

// Passwords shorter than this are refused when set (not when checked).
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 1024;

}  // namespace portcullis::web
