#include "common/framing/frame_codec.h"

#include <limits>
#include <stdexcept>

namespace portcullis::framing {

const char* describe(FrameError error) {
  switch (error) {
    case FrameError::None: return "none";
    case FrameError::Empty: return "zero-length frame";
    case FrameError::TooLarge: return "frame larger than the configured maximum";
  }
  return "unknown";
}

std::string encodeFrame(std::string_view payload) {
  if (payload.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("frame payload exceeds 4 GiB");
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload);
  return out;
}

FrameDecoder::FrameDecoder(std::size_t maxFrame) : maxFrame_(maxFrame) {}

void FrameDecoder::feed(const char* data, std::size_t size) {
  if (failed()) return;
  // Drop consumed bytes before growing, so a long-lived stream stays small.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 64 * 1024 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
}

std::optional<std::string> FrameDecoder::next() {
  if (failed() || pending() < kHeaderSize) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const std::size_t length = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) |
                             (std::size_t{p[2]} << 8) | std::size_t{p[3]};
  if (length == 0) {
    error_ = FrameError::Empty;
    return std::nullopt;
  }
  // Judge the header alone: an oversized frame is refused before its body arrives.
  if (length > maxFrame_) {
    error_ = FrameError::TooLarge;
    return std::nullopt;
  }
  if (pending() < kHeaderSize + length) return std::nullopt;
  std::string payload = buffer_.substr(offset_ + kHeaderSize, length);
  offset_ += kHeaderSize + length;
  return payload;
}

}  // namespace portcullis::framing
