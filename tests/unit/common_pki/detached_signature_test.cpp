// Signatures made by the real openssl tool, with the exact commands a feed
// publisher runs, verified by our code.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "common/pki/detached_signature.h"

using portcullis::pki::verifyDetachedSignature;
namespace fs = std::filesystem;

namespace {

struct Workspace {
  fs::path dir = fs::temp_directory_path() / ("sig-test-" + std::to_string(getpid()));
  Workspace() {
    fs::create_directories(dir);
    std::ofstream(dir / "feed.json") << R"({"id":"DSA-0000-1","affected":[]})" << "\n";
  }
  ~Workspace() { fs::remove_all(dir); }
  std::string p(const std::string& name) const { return (dir / name).string(); }
  int sh(const std::string& command) const { return std::system(("cd " + dir.string() + " && " + command).c_str()); }
  std::string read(const std::string& name) const {
    std::ifstream in(dir / name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

}  // namespace

TEST_CASE("Ed25519: openssl pkeyutl -sign -rawin, raw and base64") {
  Workspace w;
  REQUIRE(w.sh("openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null && openssl pkey -in key.pem -pubout -out pub.pem") == 0);
  REQUIRE(w.sh("openssl pkeyutl -sign -rawin -inkey key.pem -in feed.json -out feed.sig") == 0);
  REQUIRE(w.sh("base64 feed.sig > feed.sig.b64") == 0);
  const auto pub = w.read("pub.pem");
  const auto feed = w.read("feed.json");
  auto raw = verifyDetachedSignature(pub, feed, w.read("feed.sig"));
  REQUIRE_MESSAGE(raw.ok(), (raw.ok() ? "" : raw.error()));
  CHECK(raw->keyType == "ed25519");
  CHECK(verifyDetachedSignature(pub, feed, w.read("feed.sig.b64")).ok());
  auto tampered = verifyDetachedSignature(pub, feed + " ", w.read("feed.sig"));
  REQUIRE_FALSE(tampered.ok());
  CHECK(tampered.error().find("does not verify") != std::string::npos);
}

TEST_CASE("ECDSA: openssl dgst -sha256 -sign, raw and base64; another key refuses it") {
  Workspace w;
  REQUIRE(w.sh("openssl ecparam -name prime256v1 -genkey -noout -out key.pem && openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null") == 0);
  REQUIRE(w.sh("openssl dgst -sha256 -sign key.pem -out feed.sig feed.json") == 0);
  REQUIRE(w.sh("openssl base64 -in feed.sig -out feed.sig.b64") == 0);
  REQUIRE(w.sh("openssl ecparam -name prime256v1 -genkey -noout -out other.pem && openssl ec -in other.pem -pubout -out other.pub 2>/dev/null") == 0);
  const auto feed = w.read("feed.json");
  auto raw = verifyDetachedSignature(w.read("pub.pem"), feed, w.read("feed.sig"));
  REQUIRE(raw.ok());
  CHECK(raw->keyType == "ecdsa");
  CHECK(verifyDetachedSignature(w.read("pub.pem"), feed, w.read("feed.sig.b64")).ok());
  CHECK_FALSE(verifyDetachedSignature(w.read("other.pub"), feed, w.read("feed.sig")).ok());
}

TEST_CASE("keys and signatures that are not what they should be") {
  Workspace w;
  REQUIRE(w.sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null && openssl pkey -in rsa.pem -pubout -out rsa.pub") == 0);
  REQUIRE(w.sh("openssl dgst -sha256 -sign rsa.pem -out feed.sig feed.json") == 0);
  auto rsa = verifyDetachedSignature(w.read("rsa.pub"), w.read("feed.json"), w.read("feed.sig"));
  REQUIRE_FALSE(rsa.ok());
  CHECK(rsa.error().find("neither Ed25519 nor ECDSA") != std::string::npos);
  CHECK(verifyDetachedSignature("not a key", "data", "sig").error().find("not a PEM public key") != std::string::npos);
  REQUIRE(w.sh("openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null && openssl pkey -in key.pem -pubout -out pub.pem") == 0);
  CHECK(verifyDetachedSignature(w.read("pub.pem"), "data", "").error() == "the signature is empty");
  CHECK_FALSE(verifyDetachedSignature(w.read("pub.pem"), "data", "!!!! not base64 !!!!").ok());
  CHECK_FALSE(verifyDetachedSignature(w.read("pub.pem"), "data", std::string(64, 'A')).ok());
}

TEST_CASE("ECDSA as a browser signs (r || s, IEEE P1363) verifies as the DER form does") {
  Workspace w;
  REQUIRE(w.sh("openssl ecparam -name prime256v1 -genkey -noout -out key.pem && openssl ec -in key.pem -pubout -out pub.pem 2>/dev/null") == 0);
  REQUIRE(w.sh("openssl dgst -sha256 -sign key.pem -out feed.sig feed.json") == 0);
  const auto der = w.read("feed.sig");
  // The same signature as WebCrypto's crypto.subtle.sign gives it: r and s, 32 bytes each.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(sig != nullptr);
  unsigned char rs[64];
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) == 32);
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) == 32);
  ECDSA_SIG_free(sig);
  const std::string p1363(reinterpret_cast<const char*>(rs), sizeof rs);
  const auto pub = w.read("pub.pem");
  const auto feed = w.read("feed.json");
  CHECK(verifyDetachedSignature(pub, feed, p1363).ok());
  std::ofstream(w.p("rs.bin"), std::ios::binary) << p1363;
  REQUIRE(w.sh("openssl base64 -A -in rs.bin -out rs.b64") == 0);
  CHECK(verifyDetachedSignature(pub, feed, w.read("rs.b64")).ok());
  auto flipped = p1363;
  flipped[40] = static_cast<char>(flipped[40] ^ 1);
  CHECK_FALSE(verifyDetachedSignature(pub, feed, flipped).ok());
  CHECK_FALSE(verifyDetachedSignature(pub, feed + " ", p1363).ok());
}
