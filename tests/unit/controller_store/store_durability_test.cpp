// A report acknowledged by writeReports survives the process being killed.
#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/store/store.h"
#include "tests/unit/controller_store/store_test_support.h"

namespace portcullis::store {
namespace {

TEST_CASE("a written batch survives SIGKILL right after writeReports returns") {
  testing::TempDir dir;
  const auto file = dir.file("controller.db");
  const auto info = testing::makeInfo("durable-host", 500);

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child never returns into doctest: it writes, tells, then waits to be killed.
    ::close(ready[0]);
    char status = 'x';
    try {
      auto store = Store::openSqlite(file);
      std::vector<ReportWrite> batch;
      for (int i = 0; i < 10; ++i)
        batch.push_back(ReportWrite{"agent-" + std::to_string(i), "digest-" + std::to_string(i), 1000 + i, info});
      store->writeReports(batch);
      status = 'w';
    } catch (...) {
    }
    if (::write(ready[1], &status, 1) != 1) ::_exit(2);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char status = 0;
  const auto got = ::read(ready[0], &status, 1);
  ::kill(child, SIGKILL);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  ::close(ready[0]);
  REQUIRE(got == 1);
  REQUIRE(status == 'w');
  CHECK(WIFSIGNALED(wstatus));

  auto store = Store::openSqlite(file);
  CHECK(store->machines().size() == 10);
  for (int i = 0; i < 10; ++i) {
    const auto m = store->machine("agent-" + std::to_string(i));
    REQUIRE(m);
    CHECK(m->summary.digest == "digest-" + std::to_string(i));
    CHECK(m->summary.state == "pending");
    CHECK(m->info.packages_size() == 500);
  }
  CHECK(testing::queryInt(file, "SELECT count(*) FROM packages") == 10 * 500);
}

}  // namespace
}  // namespace portcullis::store
