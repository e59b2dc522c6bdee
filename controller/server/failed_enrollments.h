#pragma once
// Failed enrollments counted per source address, so that tokens cannot be
// guessed at the speed of the network: each address has a bucket of `perMinute`
// failures that refills at that rate; an empty bucket refuses the address's
// enrollments, right or wrong, until it refills. IPv6 sources count per /64
// (what one host is usually given). Memory is bounded: at most `maxSources`
// addresses are remembered; a full bucket is forgotten first, then the one
// that failed longest ago (an eighth of them at a time). Pure: the caller
// passes the time. Not thread-safe.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace portcullis::server {

// The address part of a remote as the listener describes it ("192.0.2.7:4242",
// "[2001:db8::1]:4242"): the IPv4 address, or the IPv6 /64 ("2001:db8:0:0::/64").
std::string enrollmentSource(const std::string& remote);

class FailedEnrollments {
 public:
  FailedEnrollments(unsigned perMinute, std::size_t maxSources) : perMinute_(perMinute), maxSources_(maxSources) {}

  // May this source try to enroll now?
  bool allowed(const std::string& source, std::int64_t nowMs);
  // One more failure from source.
  void failed(const std::string& source, std::int64_t nowMs);
  std::size_t sources() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updatedMs = 0;      // tokens counted up to here
    std::int64_t lastFailureMs = 0;
  };
  void refill(Bucket& b, std::int64_t nowMs) const;
  void makeRoom(std::int64_t nowMs);

  unsigned perMinute_;
  std::size_t maxSources_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace portcullis::server
