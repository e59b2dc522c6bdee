// Advisory feeds through the real command line, signed by the real openssl
// tool the way a publisher would sign them.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "tests/integration/controller_fixture.h"

using namespace portcullis::testing;

namespace {

const char* kRecord = R"({"id": "DSA-5532-1", "modified": "2023-10-24T14:00:00Z", "aliases": ["CVE-2023-5363"],
  "summary": "openssl - security update",
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]}]})";

struct Feeds {
  ControllerFixture c;
  std::string dir = c.root() + "/feeds";
  Feeds() {
    std::filesystem::create_directories(dir);
    sh("openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null && openssl pkey -in ed.key -pubout -out ed.pub");
    sh("openssl ecparam -name prime256v1 -genkey -noout -out ec.key && openssl ec -in ec.key -pubout -out ec.pub 2>/dev/null");
  }
  void sh(const std::string& command) const {
    REQUIRE(std::system(("cd " + dir + " && " + command).c_str()) == 0);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir + "/" + name) << text; }
  std::string p(const std::string& name) const { return dir + "/" + name; }
  std::size_t stored() const { return c.openStore()->advisories().size(); }
};

}  // namespace

TEST_CASE("a signed feed from a trusted publisher is imported once; a newer record replaces it") {
  Feeds f;
  REQUIRE(f.c.cli({"feed", "trust", "debian", "--key", f.p("ed.pub"), "--level", "4"}).exitCode == 0);
  f.write("feed.json", std::string("[") + kRecord + "]");
  f.sh("openssl pkeyutl -sign -rawin -inkey ed.key -in feed.json -out feed.sig");
  auto first = f.c.cli({"feed", "import", f.p("feed.json"), "--signature", f.p("feed.sig"), "--publisher", "debian"});
  REQUIRE_MESSAGE(first.exitCode == 0, first.err);
  CHECK(first.out.find("1 new") != std::string::npos);
  auto again = f.c.cli({"feed", "import", f.p("feed.json"), "--signature", f.p("feed.sig"), "--publisher", "debian"});
  CHECK(again.out.find("1 unchanged") != std::string::npos);
  CHECK(f.stored() == 1);

  std::string newer = kRecord;
  newer.replace(newer.find("2023-10-24T14:00:00Z"), 20, "2023-11-01T09:00:00Z");
  f.write("newer.json", newer);
  f.sh("openssl base64 -in /dev/stdin -out newer.sig.b64 < /dev/null; openssl pkeyutl -sign -rawin -inkey ed.key "
       "-in newer.json | openssl base64 -out newer.sig.b64");
  auto replaced = f.c.cli({"feed", "import", f.p("newer.json"), "--signature", f.p("newer.sig.b64"), "--publisher", "debian"});
  REQUIRE_MESSAGE(replaced.exitCode == 0, replaced.err);
  CHECK(replaced.out.find("1 replaced") != std::string::npos);
  auto list = f.c.cli({"advisories", "--json"});
  CHECK(list.out.find("\"2023-11-01T09:00:00Z\"") != std::string::npos);
  CHECK(list.out.find("\"CVE-2023-5363\"") != std::string::npos);
  CHECK(list.out.find("\"publisher\": \"debian\"") != std::string::npos);
}

TEST_CASE("bad signature, unknown publisher, low trust, no signature: one line, exit 1, nothing stored") {
  Feeds f;
  REQUIRE(f.c.cli({"feed", "trust", "debian", "--key", f.p("ec.pub"), "--level", "3"}).exitCode == 0);
  REQUIRE(f.c.cli({"feed", "trust", "hobbyist", "--key", f.p("ed.pub"), "--level", "1"}).exitCode == 0);
  f.write("feed.json", kRecord);
  f.sh("openssl dgst -sha256 -sign ec.key -out feed.sig feed.json");
  f.sh("openssl pkeyutl -sign -rawin -inkey ed.key -in feed.json -out hobby.sig");
  f.write("tampered.json", std::string(kRecord) + " ");

  auto tampered = f.c.cli({"feed", "import", f.p("tampered.json"), "--signature", f.p("feed.sig"), "--publisher", "debian"});
  CHECK(tampered.exitCode == 1);
  CHECK(tampered.err.find("does not verify") != std::string::npos);
  CHECK(tampered.err.find('\n') == tampered.err.size() - 1);  // one line
  auto stranger = f.c.cli({"feed", "import", f.p("feed.json"), "--signature", f.p("feed.sig"), "--publisher", "nobody"});
  CHECK(stranger.exitCode == 1);
  CHECK(stranger.err.find("unknown publisher") != std::string::npos);
  auto low = f.c.cli({"feed", "import", f.p("feed.json"), "--signature", f.p("hobby.sig"), "--publisher", "hobbyist"});
  CHECK(low.exitCode == 1);
  CHECK(low.err.find("below the required 3") != std::string::npos);
  auto unsigned_ = f.c.cli({"feed", "import", f.p("feed.json")});
  CHECK(unsigned_.exitCode == 2);
  CHECK(unsigned_.err.find("--insecure") != std::string::npos);
  CHECK(f.stored() == 0);
  CHECK(f.c.audit().find("FEED_REJECTED") != std::string::npos);

  auto good = f.c.cli({"feed", "import", f.p("feed.json"), "--signature", f.p("feed.sig"), "--publisher", "debian"});
  CHECK_MESSAGE(good.exitCode == 0, good.err);
  CHECK(f.stored() == 1);
}

TEST_CASE("an unsigned directory with --insecure: logged, and what is not for Debian is skipped and counted") {
  Feeds f;
  std::filesystem::create_directories(f.p("osv"));
  f.write("osv/DSA-5532-1.json", kRecord);
  f.write("osv/withdrawn.json", R"({"id": "DSA-1-1", "withdrawn": "2024-01-01T00:00:00Z"})");
  f.write("osv/pypi.json", R"({"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}}]})");
  f.write("osv/empty.json", R"({"id": "DSA-2-1", "modified": "2024-01-01T00:00:00Z"})");
  f.write("osv/broken.json", R"({"id": "DSA-3-1", "affected": [)");
  auto o = f.c.cli({"feed", "import", f.p("osv"), "--insecure"});
  REQUIRE_MESSAGE(o.exitCode == 0, o.err);
  CHECK(o.out.find("1 new") != std::string::npos);
  CHECK(o.out.find("1 withdrawn, 1 for other ecosystems, 1 with no affected package, 1 unparsable") != std::string::npos);
  CHECK(o.err.find("broken.json") != std::string::npos);
  CHECK(f.c.audit().find("FEED_INSECURE_IMPORT") != std::string::npos);
  CHECK(f.stored() == 1);
  auto signedDir = f.c.cli({"feed", "import", f.p("osv"), "--signature", f.p("x"), "--publisher", "debian"});
  CHECK(signedDir.exitCode == 1);
}

TEST_CASE("a signed zip archive of records is imported; a damaged one changes nothing") {
  Feeds f;
  REQUIRE(f.c.cli({"feed", "trust", "debian", "--key", f.p("ec.pub"), "--level", "5"}).exitCode == 0);
  std::string second = kRecord;
  second.replace(second.find("DSA-5532-1"), 10, "DSA-5533-1");
  f.write("one.json", kRecord);
  f.write("two.json", second);
  f.sh("python3 -c \"import zipfile; z = zipfile.ZipFile('feed.zip', 'w', zipfile.ZIP_DEFLATED); "
       "z.write('one.json', 'osv/DSA-5532-1.json'); z.write('two.json', 'osv/DSA-5533-1.json'); z.close()\"");
  f.sh("openssl dgst -sha256 -sign ec.key -out feed.zip.sig feed.zip");
  auto o = f.c.cli({"feed", "import", f.p("feed.zip"), "--signature", f.p("feed.zip.sig"), "--publisher", "debian"});
  REQUIRE_MESSAGE(o.exitCode == 0, o.err);
  CHECK(o.out.find("2 new") != std::string::npos);
  CHECK(f.stored() == 2);

  f.sh("head -c 100 feed.zip > cut.zip && openssl dgst -sha256 -sign ec.key -out cut.zip.sig cut.zip");
  auto cut = f.c.cli({"feed", "import", f.p("cut.zip"), "--signature", f.p("cut.zip.sig"), "--publisher", "debian"});
  CHECK(cut.exitCode == 1);
  CHECK(cut.err.find("not a readable zip archive") != std::string::npos);
  CHECK(f.stored() == 2);
}
