#include <doctest/doctest.h>

#include <cstdio>

#include "agent/collectors/dpkg_file_owners.h"
#include "tests/support/run_command.h"

using namespace portcullis::agent::collectors;

TEST_CASE("list file names give the package, without its architecture") {
  CHECK(packageOfListFile("nginx-core.list") == "nginx-core");
  CHECK(packageOfListFile("libc6:amd64.list") == "libc6");
  CHECK(packageOfListFile("libc6:amd64.md5sums") == "");
  CHECK(packageOfListFile(".list") == "");
}

TEST_CASE("a path is found in a list whichever side of merged /usr dpkg recorded it") {
  std::map<std::string, std::string> owners;
  const auto wanted = dpkgSpellings("/usr/sbin/sshd");
  CHECK(wanted.count("/sbin/sshd"));
  matchFileList("/.\n/usr\n/usr/sbin\n/usr/sbin/sshd\n/usr/share/doc/openssh-server\n", "openssh-server", wanted, owners);
  CHECK(owners.at("/usr/sbin/sshd") == "openssh-server");
  owners.clear();
  matchFileList("/usr/sbin/sshd-helper\n", "x", wanted, owners);  // a prefix is not a match
  CHECK(owners.empty());
}

TEST_CASE("owners of real programs agree with dpkg -S") {
  const auto owners = fileOwners("/var/lib/dpkg/info", {"/usr/bin/dpkg", "/usr/bin/env", "/no/such/program"});
  for (const std::string path : {"/usr/bin/dpkg", "/usr/bin/env"}) {
    std::string expected = portcullis::testing::runCommand("dpkg -S " + path + " | cut -d: -f1");
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    REQUIRE_MESSAGE(owners.count(path), path);
    CHECK(owners.at(path) == expected);
  }
  CHECK_FALSE(owners.count("/no/such/program"));
}
