#pragma once
// A throwaway PostgreSQL cluster for a test, from Debian's packaged server:
// initdb and pg_ctl in a new temporary directory (0700, the postgres
// user's), run as `postgres` (the server refuses to run as root), listening
// on a Unix socket in that directory only (0700; no TCP at all:
// listen_addresses is empty), stopped and removed with the object, or when
// it could not start. Every wait is bounded.
#include <string>

namespace portcullis::testing {

class PostgresCluster {
 public:
  // Throws with initdb's or pg_ctl's words when the cluster cannot start.
  PostgresCluster();
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // Why a cluster cannot be made here ("" when it can): no server package, no postgres user, not root.
  static std::string missing();

  // A database of that name, made empty.
  void createDatabase(const std::string& name);
  // The libpq connection string to a database of this cluster (its socket directory).
  std::string connection(const std::string& database) const;
  // psql's output for one statement, as the cluster's superuser (tab-separated, no headers).
  std::string query(const std::string& database, const std::string& sql) const;

  const std::string& directory() const { return dir_; }

 private:
  void stop();
  std::string bin_;  // /usr/lib/postgresql/NN/bin
  std::string dir_;  // the cluster's data and its socket
};

}  // namespace portcullis::testing
