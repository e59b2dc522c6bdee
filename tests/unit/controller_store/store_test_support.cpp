#include "tests/unit/controller_store/store_test_support.h"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>

namespace portcullis::store::testing {

using namespace Poco::Data::Keywords;

namespace {

Poco::Data::Session openRaw(const std::filesystem::path& file) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
  Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, file.string());
  session << "PRAGMA busy_timeout = 5000", now;
  return session;
}

}  // namespace

TempDir::TempDir() {
  const char* build = std::getenv("PORTCULLIS_BINARY_DIR");
  std::filesystem::path base = build ? std::filesystem::path(build) / "tmp" : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(base);
  std::string pattern = (base / "store-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

pb::MachineInfo makeInfo(const std::string& hostname, int packages, const std::string& version) {
  pb::MachineInfo info;
  info.set_hostname(hostname);
  info.set_machine_id("mid-" + hostname);
  info.set_arch("x86_64");
  info.set_dpkg_arch("amd64");
  info.set_kernel_release("6.1.0-18-amd64");
  info.mutable_os()->set_id("debian");
  info.mutable_os()->set_version_id("12");
  info.mutable_os()->set_pretty_name("Debian GNU/Linux 12 (bookworm)");
  for (int i = 0; i < packages; ++i) {
    auto* p = info.add_packages();
    p->set_name("pkg" + std::to_string(i));
    p->set_version(version);
    p->set_arch(i % 3 == 0 ? "all" : "amd64");
    if (i % 2 == 0) {
      p->set_source("src" + std::to_string(i / 10));
      p->set_source_version(version + "-src");
    }
  }
  auto* lo = info.add_interfaces();
  lo->set_name("lo");
  lo->add_ipv4("127.0.0.1/8");
  lo->add_ipv6("::1/128");
  auto* eth = info.add_interfaces();
  eth->set_name("eth0");
  eth->set_mac("52:54:00:12:34:56");
  eth->add_ipv4("10.0.0.5/24");
  eth->add_ipv4("10.0.1.5/24");
  eth->add_ipv6("fe80::5054:ff:fe12:3456/64");
  return info;
}

ReportWrite fullReport(const std::string& agentId, const pb::MachineInfo& info, std::int64_t at) {
  return ReportWrite{agentId, "digest-" + agentId + "-" + std::to_string(at), at, info};
}

ReportWrite digestOnly(const std::string& agentId, const std::string& digest, std::int64_t at) {
  return ReportWrite{agentId, digest, at, std::nullopt};
}

std::int64_t queryInt(const std::filesystem::path& file, const std::string& sql, const std::string& param) {
  auto session = openRaw(file);
  std::vector<std::int64_t> out;
  std::string p = param;
  if (sql.find('?') != std::string::npos) session << sql, use(p), into(out), now;
  else session << sql, into(out), now;
  return out.empty() ? 0 : out.front();
}

std::string queryText(const std::filesystem::path& file, const std::string& sql, const std::string& param) {
  auto session = openRaw(file);
  std::vector<std::string> out;
  std::string p = param;
  if (sql.find('?') != std::string::npos) session << sql, use(p), into(out), now;
  else session << sql, into(out), now;
  return out.empty() ? std::string() : out.front();
}

void execute(const std::filesystem::path& file, const std::string& sql) {
  auto session = openRaw(file);
  session << sql, now;
}

}  // namespace portcullis::store::testing
