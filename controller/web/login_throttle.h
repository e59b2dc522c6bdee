#pragma once
// Slows down password guessing, per operator name and per address: the
// first kFreeFailures wrong passwords within a window cost nothing; each
// further one doubles the wait before the next attempt is even checked
// (1 s, 2 s, 4 s ... up to maxWaitMs). The caller counts an attempt against
// the name before it checks the password (attempt), so that guesses at one
// name arriving together cannot all pass one wait, and a right password
// clears the name's count (succeeded); a wrong one is then counted against
// the address (missed). The address is not charged ahead: operators behind
// one address signing in at once are not slowed by each other, and one
// valid account cannot clear an address spraying guesses at others. A wait
// is answered without running scrypt, so a flood of guesses costs the
// server nothing but the refusal.
//
// Per name too, so that guesses spread over many addresses are slowed; the
// cost is that a stranger can slow a named operator's own sign-in (never
// beyond maxWaitMs; an API token is not throttled).
// Bounded: at most maxEntries names and addresses each; the oldest go first.
// Pure: the caller passes the time.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace portcullis::web {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 3;

  LoginThrottle(std::int64_t windowMs = 15 * 60'000, std::int64_t maxWaitMs = 60'000, std::size_t maxEntries = 65536)
      : windowMs_(windowMs), maxWaitMs_(maxWaitMs), maxEntries_(maxEntries) {}

  // Milliseconds before an attempt for this name from this address may be
  // checked; 0: now.
  std::int64_t waitMs(const std::string& name, const std::string& address, std::int64_t nowMs) const;
  // A sign-in for the name is being checked: counted as a miss until it succeeds.
  void attempt(const std::string& name, std::int64_t nowMs);
  // The check found the password wrong: the address's miss.
  void missed(const std::string& address, std::int64_t nowMs);
  // The check found the password right: the name's count is cleared.
  void succeeded(const std::string& name);
  // A miss counted against both at once (attempt, then missed).
  void failed(const std::string& name, const std::string& address, std::int64_t nowMs) {
    attempt(name, nowMs);
    missed(address, nowMs);
  }

 private:
  struct Failures {
    int count = 0;
    std::int64_t lastMs = 0;
  };
  using Table = std::unordered_map<std::string, Failures>;
  std::int64_t waitOf(const Table& table, const std::string& key, std::int64_t nowMs) const;
  void count(Table& table, const std::string& key, std::int64_t nowMs);

  std::int64_t windowMs_, maxWaitMs_;
  std::size_t maxEntries_;
  Table names_, addresses_;
};

}  // namespace portcullis::web
