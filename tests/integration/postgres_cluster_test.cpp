// The throwaway PostgreSQL cluster the store's tests will run on: made from
// Debian's server package in a temporary directory, reached only through its
// Unix socket (no TCP port at all), by psql and by Poco::Data's PostgreSQL
// connector as the store will reach it; gone with the test.
#include <doctest/doctest.h>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>

#include <filesystem>
#include <iostream>

#include "tests/support/postgres_cluster.h"

using namespace portcullis::testing;
using namespace Poco::Data::Keywords;

TEST_CASE("a throwaway PostgreSQL cluster on a socket of its own, reached by Poco::Data") {
  if (const auto why = PostgresCluster::missing(); !why.empty()) {
    std::cerr << "\n*** POSTGRESQL TEST CANNOT RUN: " << why << " -- scripts/install-deps.sh installs it; failing rather than skipping ***\n\n";
    FAIL(why);
  }
  std::string dir;
  {
    PostgresCluster pg;
    dir = pg.directory();
    // No TCP at all: the socket in the cluster's own directory is the only way in.
    CHECK(pg.query("postgres", "SHOW listen_addresses") == "\n");
    CHECK(std::filesystem::exists(dir + "/.s.PGSQL.5432"));
    pg.createDatabase("portcullis");

    Poco::Data::PostgreSQL::Connector::registerConnector();
    Poco::Data::Session s("postgresql", pg.connection("portcullis"));
    s << "CREATE TABLE machines (id TEXT PRIMARY KEY, reports BIGINT NOT NULL)", now;
    std::string id = "m-1";
    Poco::Int64 reports = 3;
    // The connector takes PostgreSQL's own placeholders ($1...), not SQLite's ?.
    s << "INSERT INTO machines (id, reports) VALUES ($1, $2)", use(id), use(reports), now;
    Poco::Int64 read = 0;
    s << "SELECT reports FROM machines WHERE id = $1", use(id), into(read), now;
    CHECK(read == 3);
    CHECK(pg.query("portcullis", "SELECT id, reports FROM machines") == "m-1\t3\n");
    s.close();
  }
  CHECK_FALSE(std::filesystem::exists(dir));  // stopped and removed
}
