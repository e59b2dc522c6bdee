#include <doctest/doctest.h>

#include "controller/web/session_book.h"

using namespace portcullis::web;

namespace {
Session at(const std::string& id, std::int64_t ms, std::int64_t unix = 1000, const std::string& name = "alice") {
  Session s;
  s.id = id;
  s.csrf = "csrf-" + id;
  s.operatorName = name;
  s.startedMs = s.lastSeenMs = ms;
  s.startedUnix = unix;
  return s;
}
}  // namespace

TEST_CASE("a session lives while used, ends after its idle time, and after its lifetime whatever its use") {
  SessionBook book(1000, 5000, 100);
  book.open(at("a", 0), 0);
  for (std::int64_t t = 900; t <= 4500; t += 900) REQUIRE(book.find("a", t));
  CHECK_FALSE(book.find("a", 5400));  // used a moment ago, but 5.4 s old
  book.open(at("b", 10'000), 10'000);
  CHECK_FALSE(book.find("b", 11'001));  // idle for more than 1 s
  CHECK(book.size() == 0);
}

TEST_CASE("a session signed out, or unknown, is not found; each carries its own CSRF token") {
  SessionBook book(1000, 5000, 100);
  book.open(at("a", 0), 0);
  CHECK(book.find("a", 10)->csrf == "csrf-a");
  book.close("a");
  CHECK_FALSE(book.find("a", 20));
  CHECK_FALSE(book.find("never", 20));
}

TEST_CASE("a password changed after sign-in ends the session, even within the same second") {
  auto s = at("a", 0, 1000);
  s.passwordChangedAt = 1000;
  CHECK_FALSE(outlivedPassword(s, 1000));
  CHECK(outlivedPassword(s, 1001));
  CHECK(outlivedPassword(s, 999));  // any change, whatever the clocks say
}

TEST_CASE("one operator signing in again and again ends only its own oldest sessions") {
  SessionBook book(100'000, 100'000, 100);
  book.open(at("admin", 0, 1000, "ada"), 0);
  for (int i = 0; i < 500; ++i) book.open(at("v" + std::to_string(i), i + 1, 1000, "vera"), i + 1);
  CHECK(book.find("admin", 600));
  CHECK(book.size() == SessionBook::kPerOperator + 1);
}

TEST_CASE("the book is bounded: a new session beyond it ends the idlest") {
  SessionBook book(100'000, 100'000, 3);
  book.open(at("a", 0), 0);
  book.open(at("b", 10), 10);
  book.open(at("c", 20), 20);
  REQUIRE(book.find("a", 30));  // a is used again: b is now the idlest
  book.open(at("d", 40), 40);
  CHECK(book.size() == 3);
  CHECK_FALSE(book.find("b", 50));
  CHECK(book.find("a", 50));
  CHECK(book.find("d", 50));
}
