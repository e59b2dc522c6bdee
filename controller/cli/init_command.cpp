// `init`: a new controller directory with its CA, server certificate,
// configuration and empty store. It never overwrites an existing CA.
#include <arpa/inet.h>
#include <unistd.h>

#include <iostream>

#include "common/config/ini_document.h"
#include "common/pki/pki.h"
#include "common/util/files.h"
#include "controller/cli/command_support.h"
#include "controller/cli/commands.h"

namespace portcullis::controller::cli {
namespace {

bool isIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string localHostname() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

int initCommand(const Words& words) {
  static const char* usage = "portcullis-controller init --dir DIR [--listen HOST:PORT] [--san NAME]...";
  auto args = parseOrReport(words, {{"dir", "listen", "san"}, {}, {"san"}, 0, 0}, usage);
  if (!args) return 2;
  auto dirText = args->value("dir");
  if (!dirText) return usageError(std::string("--dir DIR is required (usage: ") + usage + ")");
  const std::string listen = args->value("listen").value_or("127.0.0.1:9443");
  auto endpoint = config::parseEndpoint(listen);
  if (!endpoint) return usageError("--listen: " + endpoint.error());

  const std::filesystem::path dir = std::filesystem::absolute(*dirText);
  for (const char* existing : {"ca.crt", "private/ca.key", "controller.conf"})
    if (std::filesystem::exists(dir / existing))
      return runtimeError((dir / existing).string() +
                          " already exists: refusing to overwrite an existing controller");

  try {
    std::filesystem::create_directories(dir / "private");
    std::filesystem::permissions(dir / "private", std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);

    const std::string host = localHostname();
    const std::string caKey = pki::generatePrivateKey();
    const std::string caCert = pki::createCaCertificate(caKey, "Portcullis CA " + host);

    pki::CertificateSpec spec;
    spec.commonName = host.empty() ? "portcullis-controller" : host;
    spec.serverAuth = true;
    spec.validDays = 825;
    spec.dnsNames = {"localhost"};
    spec.ipAddresses = {"127.0.0.1", "::1"};
    if (!host.empty()) spec.dnsNames.push_back(host);
    std::vector<std::string> names = args->values("san");
    if (endpoint->first != "0.0.0.0" && endpoint->first != "::" && !endpoint->first.empty())
      names.push_back(endpoint->first);
    for (const auto& n : names) {
      auto& list = isIpAddress(n) ? spec.ipAddresses : spec.dnsNames;
      if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
    }
    const std::string serverKey = pki::generatePrivateKey();
    const std::string serverCert =
        pki::issueCertificate(caCert, caKey, pki::publicKeyOf(serverKey), spec);

    util::writeFileAtomic(dir / "private" / "ca.key", caKey, 0600);
    util::writeFileAtomic(dir / "private" / "server.key", serverKey, 0600);
    util::writeFileAtomic(dir / "ca.crt", caCert, 0644);
    // The CA follows the server certificate so an enrolling agent can pin it.
    util::writeFileAtomic(dir / "server.crt", serverCert + caCert, 0644);
    util::writeFileAtomic(dir / "controller.conf", defaultControllerConfigText(listen), 0644);
    util::writeFileAtomic(dir / "policy.conf", defaultPolicyText(), 0644);

    auto config = loadControllerConfig(dir / "controller.conf");
    if (!config) return runtimeError(config.error());
    openStore(*config);

    std::cout << "Controller initialised in " << dir.string() << "\n"
              << "  configuration:   " << (dir / "controller.conf").string() << "\n"
              << "  store:           " << config->storePath.string() << "\n"
              << "  listen:          " << listen << "\n"
              << "  CA fingerprint:  " << pki::certificateFingerprint(caCert) << "\n"
              << "Next: portcullis-controller serve --config " << (dir / "controller.conf").string()
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    return runtimeError(std::string("init failed: ") + e.what());
  }
}

}  // namespace portcullis::controller::cli
