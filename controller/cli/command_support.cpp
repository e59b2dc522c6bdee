#include "controller/cli/command_support.h"

#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <charconv>

#include "common/pki/pki.h"
#include "controller/feeds_edge/feed_import.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <chrono>
#include <sstream>
#include <filesystem>
#include <iostream>

#include "common/log/logging.h"
#include "common/pki/detached_signature.h"
#include "common/io/files.h"
#include "controller/cli/commands.h"
#include "controller/feeds_edge/feed_import.h"
#include "controller/cli/machine_choice.h"
#include "controller/views/machine_json.h"

namespace portcullis::controller::cli {

// Error lines quote what the operator typed, what a file held or what the
// store keeps: one line, whatever they held.
int usageError(const std::string& message) {
  std::cerr << "portcullis-controller: " << shown(message) << "\n";
  return 2;
}

int runtimeError(const std::string& message) {
  std::cerr << "portcullis-controller: " << shown(message) << "\n";
  return 1;
}

std::optional<portcullis::cli::Arguments> parseOrReport(const std::vector<std::string>& words,
                                                        portcullis::cli::OptionSpec spec,
                                                        const char* usage) {
  auto args = portcullis::cli::Arguments::parse(words, spec);
  if (!args) {
    usageError(args.error() + " (usage: " + usage + ")");
    return std::nullopt;
  }
  return std::move(args).value();
}

namespace {

// Root acting on a controller whose state directory belongs to another user
// (the packages' portcullis user) becomes that user, so that what the command
// creates (the store's journal, the audit log, keys) stays usable by the
// service. Anyone else acts as themselves.
Status actAsOwnerOf(const std::filesystem::path& stateDir) {
  struct stat st{};
  if (::geteuid() != 0 || ::stat(stateDir.c_str(), &st) != 0 || st.st_uid == 0) return done();  // nothing to become
  if (::setgroups(0, nullptr) != 0 || ::setgid(st.st_gid) != 0 || ::setuid(st.st_uid) != 0)
    return fail("cannot act as the owner (uid " + std::to_string(st.st_uid) + ") of " + stateDir.string() + ": " +
                std::strerror(errno));
  return done();
}

}  // namespace

std::optional<ControllerConfig> configFrom(const portcullis::cli::Arguments& args, int& exitCode,
                                           bool actAsStateOwner) {
  auto file = args.value("config");
  if (!file) {
    exitCode = usageError("--config FILE is required");
    return std::nullopt;
  }
  auto config = loadControllerConfig(*file);
  if (!config) {
    exitCode = runtimeError(config.error());
    return std::nullopt;
  }
  if (actAsStateOwner) {
    if (auto acted = actAsOwnerOf(config->stateDir); !acted) {
      exitCode = runtimeError(acted.error());
      return std::nullopt;
    }
  }
  return std::move(config).value();
}

std::unique_ptr<store::Store> openStore(const ControllerConfig& config) {
  return store::Store::openSqlite(config.storePath, config.storeSyncEachCommit);
}

std::optional<std::string> machineIdFor(store::Store& store, const std::string& idOrHostname, int& exitCode,
                                        const std::string& notFoundHint) {
  const auto choice = chooseMachine(idOrHostname, store.machines());
  if (choice.chosen()) return choice.fits.front().id;
  if (choice.fits.empty()) {
    exitCode = runtimeError("no machine with id or host name '" + idOrHostname + "'" + notFoundHint);
    return std::nullopt;
  }
  exitCode = runtimeError(std::to_string(choice.fits.size()) + " machines have the host name '" + idOrHostname +
                          "': name one by its id");
  std::fprintf(stderr, "  %-36s  %-24s  %-20s  %s\n", "ID", "HOSTNAME", "LAST REPORT", "STATE");
  for (const auto& m : choice.fits)
    std::fprintf(stderr, "  %-36s  %-24s  %-20s  %s\n", shown(m.id).c_str(), shown(m.hostname).c_str(),
                 isoTime(m.lastSeen).c_str(), admission::admissionName(m.state));
  return std::nullopt;
}

Poco::Logger& auditLog(const ControllerConfig& config) {
  log::setup("information", config.auditFile.string());
  return log::get("controller.audit");
}

void recordOperatorAction(const ControllerConfig& config, store::Store& store, const std::string& action,
                          const std::string& targetKind, const std::string& target, const std::string& detail) {
  store.operators().recordOperatorAction({0, unixNow(), "", "cli", action, target, detail});
  auditLog(config).notice("%s %s=%s%s by=operator", action, targetKind, target,
                          detail.empty() ? std::string() : " " + detail);
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace portcullis::controller::cli

namespace portcullis::controller::cli {

std::optional<std::string> signatureOptionsProblem(const portcullis::cli::Arguments& args) {
  const bool named = args.value("signature") || args.value("publisher");
  if (args.flag("insecure"))
    return named ? std::optional<std::string>("--insecure cannot be combined with --signature or --publisher")
                 : std::nullopt;
  if (!args.value("signature") || !args.value("publisher"))
    return "an import needs --signature SIG and --publisher NAME (or --insecure to import it unchecked)";
  return std::nullopt;
}

std::optional<std::string> machineOrAll(store::Store& store, const std::vector<std::string>& words, int& exitCode) {
  if (words.empty()) return std::string();
  return machineIdFor(store, words.front(), exitCode);
}

std::optional<std::size_t> countOption(const portcullis::cli::Arguments& args, const std::string& name,
                                       std::size_t fallback, std::size_t most) {
  const auto text = args.value(name);
  if (!text) return fallback;
  std::size_t n = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (error != std::errc() || end != text->data() + text->size() || n < 1 || n > most) {
    usageError("--" + name + " must be a number from 1 to " + std::to_string(most));
    return std::nullopt;
  }
  return n;
}

Result<std::string> verifiedPublisher(const portcullis::cli::Arguments& args, const ControllerConfig& config,
                                      store::Store& store, const std::string& path, const std::string& bytes,
                                      const std::string& logName) {
  auto& logger = auditLog(config);
  const auto signatureFile = args.value("signature");
  const auto publisherName = args.value("publisher");
  if (args.flag("insecure")) {
    logger.warning("%s_INSECURE_IMPORT path=%s: no signature checked, by the operator's --insecure", logName, path);
    return std::string();
  }
  if (std::filesystem::is_directory(path))
    return fail(path + " is a directory: one detached signature covers one file");
  if (!store.publisher(*publisherName))
    return fail("unknown publisher '" + *publisherName + "' (add it with: feed trust)");
  auto signature = io::readFile(*signatureFile);
  if (!signature) return fail("cannot read " + *signatureFile);
  auto signer = feeds_edge::signedBy(store, *publisherName, config.minTrustLevel, bytes, *signature);
  if (!signer) {
    logger.warning("%s_REJECTED path=%s publisher=%s reason=%s", logName, path, *publisherName, signer.error());
    return fail(path + ": " + signer.error() + "; nothing imported");
  }
  return *signer;
}

int writeExport(const portcullis::cli::Arguments& args, const std::string& text,
                const std::function<std::string(const std::string& path, bool isSigned)>& wrote) {
  const auto out = args.value("out");
  const auto key = args.value("sign-key");
  if (key && !out) return usageError("--sign-key goes with --out FILE (the signature is written beside it, FILE.sig)");
  if (!out) {
    std::cout << text;
    return 0;
  }
  std::string signature;
  if (key) {
    const auto pem = io::readTextFile(*key, "signing key");
    if (!pem) return runtimeError(pem.error());
    try {
      signature = base64Line(pki::signData(*pem, text)) + "\n";
    } catch (const std::exception& e) {
      return runtimeError("cannot sign with " + *key + ": " + e.what());
    }
  }
  io::writeFileAtomic(*out, text);
  if (key) io::writeFileAtomic(*out + ".sig", signature);
  else std::filesystem::remove(*out + ".sig");  // an older signature would not be this file's
  std::cout << wrote(*out, key.has_value()) << "\n";
  return 0;
}

std::string base64Line(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder << bytes;
  encoder.close();
  std::string text = out.str();
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }), text.end());
  return text;
}

}  // namespace portcullis::controller::cli
