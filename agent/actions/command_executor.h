#pragma once
// Carries out the controller's commands on this machine. A command is read
// once (decodeCommand: a refusal is answered at once, nothing runs), then
// handed to the action it names: the host firewall (filter rules, isolation),
// the package patcher (patch, with its confirmation and rollback), service
// control (stop, restart), file recovery (restore, remove), the lease
// renewal, or the file list. Every outcome is a CommandResult whose detail
// says what happened and why. Each side effect sits behind a small interface
// (ActionEdges); hostEdges() gives the real ones.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/actions/agent_command.h"
#include "agent/actions/file_recovery.h"
#include "agent/actions/host_firewall.h"
#include "agent/actions/lease_renewal.h"
#include "agent/actions/nft_tables.h"
#include "agent/actions/package_manager.h"
#include "agent/actions/package_patcher.h"
#include "agent/actions/recovery_files.h"
#include "agent/actions/service_control.h"
#include "agent/actions/service_manager.h"
#include "agent/sensors/file_reporter.h"
#include "common/util/result.h"
#include "portcullis/v1/portcullis.pb.h"

namespace portcullis::agent::actions {

struct ActionSettings {
  // Templates: see expandTemplate. apt by default.
  std::string patchCommand = "apt-get install -y --only-upgrade {packages}";
  std::string rollbackCommand = "apt-get install -y --allow-downgrades {packages}";
  std::string reinstallCommand = "apt-get install -y --reinstall {packages}";
  std::vector<std::string> nft = {"nft"};
  std::vector<std::string> systemctl = {"systemctl"};
  std::chrono::seconds commandTimeout{1800};
  std::filesystem::path stateDir;       // filters.json lives here, and removed/ (files moved aside)
  std::filesystem::path root = "/";     // where dpkg's database is (root/var/lib/dpkg), and the files
  std::filesystem::path keepDir;        // the file watch's kept copies (FileKeeper)
  std::filesystem::path procRoot = "/proc";
  // Peers an isolated host always keeps (the controller's address), whatever
  // the command says: the channel that can release it is never cut.
  std::vector<std::string> isolationKeeps;
  // The commands a check may name ([check_commands]): name -> program and arguments.
  std::map<std::string, std::vector<std::string>> checkCommands;
};

// The side effects, one interface each.
struct ActionEdges {
  std::unique_ptr<NftTables> nft;
  std::unique_ptr<PackageManager> packages;
  std::unique_ptr<ServiceManager> services;
  std::unique_ptr<RecoveryFiles> files;
  CheckRunner checks;
};
// nft, dpkg and the package templates, systemctl, the files below root, and
// the operation checks run on this machine.
ActionEdges hostEdges(const ActionSettings& settings);

class CommandExecutor {
 public:
  // collect: the machine as the agent sees it now (listening sockets named by package).
  CommandExecutor(ActionSettings settings, std::function<::portcullis::v1::MachineInfo()> collect, ActionEdges edges);

  // The stored filter rules and isolation applied again (at start).
  Status restoreFilters() { return firewall_.restore(); }
  // Decodes, then carries out (or refuses) one command.
  ::portcullis::v1::CommandResult execute(const ::portcullis::v1::Command& command);
  ::portcullis::v1::CommandResult execute(const AgentCommand& command);

  const HostFirewall& firewall() const { return firewall_; }

  // Set before commands run. Called with the machine's paths a command
  // restored or removed, so that they are hashed and scanned again soon.
  void onFilesChanged(std::function<void(std::vector<std::string>)> callback) {
    recovery_.onChanged(std::move(callback));
  }
  // Set before commands run: what send_file_list does (the whole list of
  // file hashes submitted for the controller). Without it the command fails.
  using FileListSender = std::function<Result<sensors::FileListSent>()>;
  void onSendFileList(FileListSender sender) { sendFileList_ = std::move(sender); }
  // Set before commands run: what set_signatures does (the monitor keeps and
  // uses the set; the detail for the result, or why not). Without it the
  // command fails: this agent runs no monitor.
  using SignatureTaker = std::function<Result<std::string>(const SetSignaturesOrder&)>;
  void onSetSignatures(SignatureTaker taker) { setSignatures_ = std::move(taker); }
  // Set before commands run: what renew_lease does. Without it the command fails.
  void setLeaseRenewal(std::unique_ptr<LeaseRenewal> renewal) { renewal_ = std::move(renewal); }

 private:
  ::portcullis::v1::CommandResult sendFileList(const std::string& id);
  ::portcullis::v1::CommandResult runChecks(const RunChecksOrder& order, const std::string& id);
  std::vector<FilterPort> listeningPorts(const std::string& package) const;

  ActionSettings settings_;
  std::function<::portcullis::v1::MachineInfo()> collect_;
  ActionEdges edges_;
  HostFirewall firewall_;
  PackagePatcher patcher_;
  ServiceControl services_;
  FileRecovery recovery_;
  FileListSender sendFileList_;
  SignatureTaker setSignatures_;
  std::unique_ptr<LeaseRenewal> renewal_;
};

}  // namespace portcullis::agent::actions
