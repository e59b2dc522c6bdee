#include "tests/support/postgres_cluster.h"

#include <pwd.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "tests/integration/process.h"

namespace portcullis::testing {
namespace {

namespace fs = std::filesystem;

// The newest server Debian installed: /usr/lib/postgresql/NN/bin.
std::string serverBin() {
  std::string best;
  int version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || !fs::exists(e.path() / "bin/initdb")) continue;
    if (std::stoi(name) > version) {
      version = std::stoi(name);
      best = (e.path() / "bin").string();
    }
  }
  return best;
}

// argv run as the postgres user (the server refuses root).
std::vector<std::string> asPostgres(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

}  // namespace

std::string PostgresCluster::missing() {
  if (serverBin().empty()) return "no PostgreSQL server (/usr/lib/postgresql/NN/bin/initdb): install the postgresql package";
  if (!::getpwnam("postgres")) return "no postgres user (the postgresql package makes it)";
  if (::geteuid() != 0) return "not root: the server is run as the postgres user, which needs root";
  return "";
}

PostgresCluster::PostgresCluster() : bin_(serverBin()) {
  if (const auto why = missing(); !why.empty()) throw std::runtime_error(why);
  // A new directory of its own (mkdtemp: never one made beforehand by
  // someone else), short (a Unix socket's path is at most 107 bytes), and
  // 0700 to postgres: no local user reaches the socket of this
  // trust-authenticated cluster (root still does).
  std::string templ = (fs::temp_directory_path() / "pg-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("cannot make a directory under " + fs::temp_directory_path().string());
  dir_ = templ;
  try {
    const auto* pg = ::getpwnam("postgres");
    if (::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0 || ::chmod(dir_.c_str(), 0700) != 0)
      throw std::runtime_error("cannot give " + dir_ + " to postgres");
    auto made = run(asPostgres({bin_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                "--no-locale"}),
                    std::chrono::seconds(120));
    if (made.exitCode != 0) throw std::runtime_error("initdb failed: " + made.out + made.err);
    // The socket only, 0700; durability as a real site has it (fsync on).
    auto started = run(asPostgres({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "-o",
                                   "-c listen_addresses='' -k " + dir_ + " -c unix_socket_permissions=0700 -c max_connections=200",
                                   "start"}),
                       std::chrono::seconds(90));
    if (started.exitCode != 0)
      throw std::runtime_error("pg_ctl start failed: " + started.out + started.err + readText(dir_ + "/server.log"));
  } catch (...) {
    stop();  // nothing left running or on disk when it could not start
    throw;
  }
}

void PostgresCluster::stop() {
  if (fs::exists(dir_ + "/data/postmaster.pid"))
    run(asPostgres({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "-t", "30", "stop"}), std::chrono::seconds(40));
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

PostgresCluster::~PostgresCluster() { stop(); }

void PostgresCluster::createDatabase(const std::string& name) {
  query("postgres", "DROP DATABASE IF EXISTS \"" + name + "\"");
  query("postgres", "CREATE DATABASE \"" + name + "\"");
}

std::string PostgresCluster::connection(const std::string& database) const {
  return "host=" + dir_ + " dbname=" + database + " user=postgres";
}

std::string PostgresCluster::query(const std::string& database, const std::string& sql) const {
  const auto out = run({"psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", dir_, "-U", "postgres", "-d",
                        database, "-c", sql},
                       std::chrono::seconds(60));
  if (out.exitCode != 0) throw std::runtime_error("psql: " + sql + ": " + out.err);
  return out.out;
}

}  // namespace portcullis::testing
