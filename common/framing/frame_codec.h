#pragma once
// Length-prefixed frames: a 4-byte big-endian length, then that many bytes.
// Pure code: no sockets. The decoder is fed whatever a read returned and hands
// out complete payloads; once it has failed it stays failed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::framing {

constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kDefaultMaxFrame = 4 * 1024 * 1024;

enum class FrameError {
  None,
  Empty,     // a zero-length frame: never valid on our wire
  TooLarge,  // the header announces more than the configured maximum
};

const char* describe(FrameError error);

// Header plus payload. Throws std::length_error past 4 GiB - 1 (a bug, not input).
std::string encodeFrame(std::string_view payload);

class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t maxFrame = kDefaultMaxFrame);

  void feed(const char* data, std::size_t size);
  void feed(std::string_view data) { feed(data.data(), data.size()); }

  // The next complete payload, or nothing when more bytes are needed or the
  // stream has failed (see error()).
  std::optional<std::string> next();

  FrameError error() const { return error_; }
  bool failed() const { return error_ != FrameError::None; }
  // Bytes held that do not yet make a whole frame: non-zero at end of stream
  // means the peer sent a truncated frame.
  std::size_t pending() const { return buffer_.size() - offset_; }
  std::size_t maxFrame() const { return maxFrame_; }

 private:
  std::size_t maxFrame_;
  std::string buffer_;
  std::size_t offset_ = 0;
  FrameError error_ = FrameError::None;
};

}  // namespace portcullis::framing
