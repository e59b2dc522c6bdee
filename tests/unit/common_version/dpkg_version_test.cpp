#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/version/dpkg_version.h"
#include "tests/support/run_command.h"

using namespace portcullis::version;
using portcullis::testing::runCommand;

namespace {

int sign(int x) { return (x > 0) - (x < 0); }


// What the real dpkg says of each pair, one dpkg call or two a pair, two at a time.
std::vector<int> dpkgVerdicts(const std::vector<std::pair<std::string, std::string>>& pairs) {
  const std::string file = "/tmp/portcullis-versions-" + std::to_string(getpid());
  {
    std::ofstream out(file);
    for (std::size_t i = 0; i < pairs.size(); ++i) out << i << ' ' << pairs[i].first << ' ' << pairs[i].second << '\n';
  }
  const std::string script =
      "split -n l/2 -d " + file + " " + file + ".part; "
      "for part in " + file + ".part*; do "
      "  (while read -r i a b; do "
      "     if dpkg --compare-versions \"$a\" lt \"$b\" 2>/dev/null; then echo \"$i -1\"; "
      "     elif dpkg --compare-versions \"$a\" eq \"$b\" 2>/dev/null; then echo \"$i 0\"; "
      "     else echo \"$i 1\"; fi; "
      "   done < \"$part\") & "
      "done; wait; rm -f " + file + " " + file + ".part*";
  std::istringstream in(runCommand("bash -c '" + script + "'"));
  std::vector<int> verdicts(pairs.size(), 99);
  std::size_t i;
  int v;
  while (in >> i >> v)
    if (i < verdicts.size()) verdicts[i] = v;
  return verdicts;
}

std::string randomVersion(std::mt19937_64& rng) {
  static const std::vector<std::string> pieces = {"0", "1", "2", "9", "10", "01", "00", "123", "a", "b", "z", "A",
                                                  "~", "~~", ".", "+", "rc", "~rc1", "beta", "+dfsg", "~bpo12",
                                                  "+b1", "ubuntu", "git20240101"};
  std::string v;
  const int r = static_cast<int>(rng() % 10);
  if (r == 0) v += "1:";
  if (r == 1) v += "2:";
  v += std::to_string(rng() % 12);
  const int n = static_cast<int>(rng() % 5);
  for (int k = 0; k < n; ++k) v += pieces[rng() % pieces.size()];
  if (rng() % 2) {
    v += "-";
    v += std::to_string(rng() % 4);
    const int m = static_cast<int>(rng() % 3);
    for (int k = 0; k < m; ++k) {
      std::string p = pieces[rng() % pieces.size()];
      v += p;
    }
  }
  return v;
}

}  // namespace

TEST_CASE("the orderings Debian policy spells out") {
  CHECK(compareDpkgVersions("1.0~rc1", "1.0") < 0);
  CHECK(compareDpkgVersions("1.0", "1.0+b1") < 0);
  CHECK(compareDpkgVersions("1:0.1", "2.0") > 0);
  CHECK(compareDpkgVersions("1.0-1", "1.0-2") < 0);
  CHECK(compareDpkgVersions("1.0-10", "1.0-9") > 0);
  CHECK(compareDpkgVersions("1.0", "1.0a") < 0);
  CHECK(compareDpkgVersions("1.0a", "1.0+") < 0);  // letters before non-letters
  CHECK(compareDpkgVersions("1.01", "1.1") == 0);  // digit runs are numbers
  CHECK(compareDpkgVersions("0:1.0", "1.0") == 0);
  CHECK(compareDpkgVersions("1.0-0", "1.0") == 0);  // an absent revision is "0"-like
  // ~~ < ~~a < ~ < (nothing) < a
  std::vector<std::string> order = {"1~~", "1~~a", "1~", "1", "1a"};
  for (std::size_t i = 0; i + 1 < order.size(); ++i) CHECK(compareDpkgVersions(order[i], order[i + 1]) < 0);
  CHECK(compareDpkgVersions("3.0.19-1~deb12u2", "3.0.19-1") < 0);
  CHECK(compareDpkgVersions("2.36-9+deb12u10", "2.36-9+deb12u9") > 0);
}

TEST_CASE("parsing as dpkg does, with reasons for what it refuses") {
  auto v = parseDpkgVersion("1:2.36-9+deb12u10");
  REQUIRE(v.ok());
  CHECK(v->epoch == 1);
  CHECK(v->upstream == "2.36");
  CHECK(v->revision == "9+deb12u10");
  auto dashes = parseDpkgVersion("1.2-3-4");
  REQUIRE(dashes.ok());
  CHECK(dashes->upstream == "1.2-3");
  CHECK(dashes->revision == "4");
  CHECK(parseDpkgVersion("").error() == "empty version");
  CHECK(parseDpkgVersion("a1.0").error().find("does not start with a digit") != std::string::npos);
  CHECK(parseDpkgVersion("x:1.0").error().find("non-numeric epoch") != std::string::npos);
  CHECK(parseDpkgVersion(":1.0").error().find("empty epoch") != std::string::npos);
  CHECK(parseDpkgVersion("1.0-").error().find("empty revision") != std::string::npos);
  CHECK(parseDpkgVersion("1.0 beta").error().find("invalid character") != std::string::npos);
  CHECK(parseDpkgVersion("1.0-a_b").error().find("in its revision") != std::string::npos);
}

TEST_CASE("10,000 generated pairs agree with the real dpkg --compare-versions") {
  // The cross-check is the point of this test: without dpkg it fails, it does not pass quietly.
  REQUIRE_MESSAGE(!runCommand("command -v dpkg").empty(), "dpkg is not installed: the cross-check cannot run");
  std::mt19937_64 rng(1123);
  std::vector<std::pair<std::string, std::string>> pairs;
  while (pairs.size() < 10000) {
    auto a = randomVersion(rng);
    // Near neighbours are where orderings go wrong: mutate a copy a little.
    auto b = rng() % 3 ? randomVersion(rng) : a + (rng() % 2 ? "~" : "0");
    if (!parseDpkgVersion(a).ok() || !parseDpkgVersion(b).ok()) continue;
    pairs.emplace_back(a, b);
  }
  const auto verdicts = dpkgVerdicts(pairs);
  int disagreements = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const int ours = sign(compareDpkgVersions(pairs[i].first, pairs[i].second));
    if (ours != verdicts[i] && ++disagreements <= 10)
      FAIL_CHECK(pairs[i].first << " vs " << pairs[i].second << ": dpkg says " << verdicts[i] << ", we say " << ours);
  }
  CHECK(disagreements == 0);
}

TEST_CASE("every installed version of this machine sorts as dpkg sorts it") {
  const std::string listed = runCommand("dpkg-query -W -f='${Version}\\n' 2>/dev/null");
  std::set<std::string> unique;
  std::istringstream in(listed);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) unique.insert(line);
  REQUIRE_MESSAGE(unique.size() >= 50, "dpkg-query listed fewer than 50 installed versions");
  std::vector<std::string> versions(unique.begin(), unique.end());
  for (const auto& v : versions) CHECK_MESSAGE(parseDpkgVersion(v).ok(), v);
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return compareDpkgVersions(a, b) < 0; });
  std::vector<std::pair<std::string, std::string>> neighbours;
  for (std::size_t i = 0; i + 1 < versions.size(); ++i) neighbours.emplace_back(versions[i], versions[i + 1]);
  const auto verdicts = dpkgVerdicts(neighbours);
  int disagreements = 0;
  for (std::size_t i = 0; i < neighbours.size(); ++i) {
    const int ours = sign(compareDpkgVersions(neighbours[i].first, neighbours[i].second));
    if (ours != verdicts[i] && ++disagreements <= 10)
      FAIL_CHECK(neighbours[i].first << " vs " << neighbours[i].second << ": dpkg " << verdicts[i] << ", ours " << ours);
  }
  CHECK(disagreements == 0);
  MESSAGE(versions.size() << " installed versions checked in sorted order against dpkg");
}
