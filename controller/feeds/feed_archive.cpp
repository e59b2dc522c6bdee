#include "controller/feeds/feed_archive.h"

#include <zlib.h>

#include <cstdint>

namespace portcullis::feeds {
namespace {

// Little-endian fields at a checked offset; the caller bounds-checks first.
std::uint32_t u16(const std::string& b, std::size_t at) {
  return static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8);
}
std::uint32_t u32(const std::string& b, std::size_t at) {
  return u16(b, at) | (u16(b, at + 2) << 16);
}

// Inflates raw deflate data, refusing to produce more than limit bytes.
Result<std::string> inflateRaw(std::string_view in, std::size_t limit) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return fail("cannot start inflating");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return fail("damaged compressed data");
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > limit) {
      inflateEnd(&z);
      return fail("unpacks to more than " + std::to_string(limit >> 20) + " MiB");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return fail("compressed data ends early");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

// Only what a feed needs of the format: the central directory found through
// the end record, stored (0) and deflated (8) entries. Every offset and size
// is checked against the archive's own length before it is used, so a header
// cannot make us read or allocate beyond what was received. Zip64 is refused:
// a feed never needs four gigabytes or 65,535 files.
Result<std::vector<FeedFile>> readZipFeed(const std::string& archiveName, const std::string& b,
                                          ArchiveLimits limits) {
  auto bad = [&](const std::string& why) { return fail(archiveName + ": not a readable zip archive: " + why); };
  if (b.size() < 22) return bad("too short");
  // The end record sits in the last 22 + 65,535 bytes.
  std::size_t end = std::string::npos;
  const std::size_t earliest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t at = b.size() - 22 + 1; at-- > earliest;)
    if (u32(b, at) == 0x06054b50 && at + 22 + u16(b, at + 20) == b.size()) {
      end = at;
      break;
    }
  if (end == std::string::npos) return bad("no end of central directory");
  if (end >= 20 && u32(b, end - 20) == 0x07064b50) return bad("zip64 archives are not accepted");
  const std::size_t count = u16(b, end + 10);
  const std::size_t dirSize = u32(b, end + 12);
  const std::size_t dirOffset = u32(b, end + 16);
  if (dirOffset > end || dirSize > end - dirOffset) return bad("central directory outside the archive");

  std::vector<FeedFile> files;
  std::size_t total = 0;
  std::size_t at = dirOffset;
  for (std::size_t i = 0; i < count; ++i) {
    if (at + 46 > dirOffset + dirSize || u32(b, at) != 0x02014b50) return bad("damaged central directory");
    const std::uint32_t method = u16(b, at + 10);
    const std::size_t compressed = u32(b, at + 20);
    const std::size_t size = u32(b, at + 24);
    const std::size_t nameLen = u16(b, at + 28), extraLen = u16(b, at + 30), commentLen = u16(b, at + 32);
    const std::size_t local = u32(b, at + 42);
    const std::uint32_t crc = u32(b, at + 16);
    if (at + 46 + nameLen + extraLen + commentLen > dirOffset + dirSize) return bad("damaged central directory");
    const std::string name = b.substr(at + 46, nameLen);
    at += 46 + nameLen + extraLen + commentLen;

    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    const std::string shown = archiveName + ":" + name;
    if (size > limits.maxEntryBytes)
      return fail(shown + " is larger than " + std::to_string(limits.maxEntryBytes >> 20) + " MiB");
    if (local + 30 > dirOffset || u32(b, local) != 0x04034b50) return bad(name + ": no local header");
    const std::size_t data = local + 30 + u16(b, local + 26) + u16(b, local + 28);
    if (data > dirOffset || compressed > dirOffset - data) return bad(name + ": data outside the archive");
    const std::string_view packed(b.data() + data, compressed);

    std::string content;
    if (method == 0) {
      if (compressed != size) return bad(name + ": stored entry with two sizes");
      content.assign(packed);
    } else if (method == 8) {
      auto inflated = inflateRaw(packed, limits.maxEntryBytes);
      if (!inflated) return fail(shown + ": " + inflated.error());
      content = std::move(inflated).value();
    } else {
      return bad(name + ": compression method " + std::to_string(method) + " is not supported");
    }
    if (crc32(0L, reinterpret_cast<const Bytef*>(content.data()), static_cast<uInt>(content.size())) != crc)
      return bad(name + ": checksum mismatch");
    total += content.size();
    if (total > limits.maxTotalBytes)
      return fail(archiveName + " unpacks to more than " + std::to_string(limits.maxTotalBytes >> 20) + " MiB");
    files.push_back({shown, std::move(content)});
  }
  return files;
}

}  // namespace portcullis::feeds
