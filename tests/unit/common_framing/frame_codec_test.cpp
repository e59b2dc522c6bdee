#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/framing/frame_codec.h"

using namespace portcullis::framing;

TEST_CASE("a frame round-trips through the decoder") {
  FrameDecoder decoder;
  decoder.feed(encodeFrame("hello"));
  auto frame = decoder.next();
  REQUIRE(frame);
  CHECK(*frame == "hello");
  CHECK_FALSE(decoder.next());
  CHECK(decoder.pending() == 0);
}

TEST_CASE("the header is big-endian") {
  const std::string frame = encodeFrame(std::string(0x010203, 'x'));
  CHECK(static_cast<unsigned char>(frame[0]) == 0x00);
  CHECK(static_cast<unsigned char>(frame[1]) == 0x01);
  CHECK(static_cast<unsigned char>(frame[2]) == 0x02);
  CHECK(static_cast<unsigned char>(frame[3]) == 0x03);
}

TEST_CASE("frames split at every byte boundary still decode") {
  const std::string stream = encodeFrame("first") + encodeFrame("second frame") + encodeFrame("3");
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    FrameDecoder decoder;
    std::vector<std::string> got;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      decoder.feed(stream.substr(i, chunk));
      while (auto f = decoder.next()) got.push_back(*f);
    }
    REQUIRE(got.size() == 3);
    CHECK(got[0] == "first");
    CHECK(got[1] == "second frame");
    CHECK(got[2] == "3");
    CHECK(decoder.pending() == 0);
  }
}

TEST_CASE("a truncated frame is left pending, not delivered") {
  FrameDecoder decoder;
  const std::string frame = encodeFrame("abcdef");
  decoder.feed(frame.substr(0, frame.size() - 1));
  CHECK_FALSE(decoder.next());
  CHECK_FALSE(decoder.failed());
  CHECK(decoder.pending() == frame.size() - 1);
}

TEST_CASE("a header announcing more than the maximum fails before the body arrives") {
  FrameDecoder decoder(1024);
  const char header[4] = {0, 0, 4, 1};  // 1025
  decoder.feed(header, 4);
  CHECK_FALSE(decoder.next());
  CHECK(decoder.error() == FrameError::TooLarge);
  // Once failed, later bytes are ignored.
  decoder.feed(encodeFrame("ok"));
  CHECK_FALSE(decoder.next());
}

TEST_CASE("a frame of exactly the maximum is accepted") {
  FrameDecoder decoder(16);
  decoder.feed(encodeFrame(std::string(16, 'a')));
  auto f = decoder.next();
  REQUIRE(f);
  CHECK(f->size() == 16);
}

TEST_CASE("a zero-length frame is an error") {
  FrameDecoder decoder;
  const char header[4] = {0, 0, 0, 0};
  decoder.feed(header, 4);
  CHECK_FALSE(decoder.next());
  CHECK(decoder.error() == FrameError::Empty);
}

TEST_CASE("a 0xFFFFFFFF length is refused, not allocated") {
  FrameDecoder decoder;
  const char header[4] = {'\xff', '\xff', '\xff', '\xff'};
  decoder.feed(header, 4);
  CHECK_FALSE(decoder.next());
  CHECK(decoder.error() == FrameError::TooLarge);
}

TEST_CASE("a long stream of frames does not grow the buffer without bound") {
  FrameDecoder decoder;
  const std::string frame = encodeFrame(std::string(1000, 'z'));
  for (int i = 0; i < 10000; ++i) {
    decoder.feed(frame.substr(0, 500));
    decoder.feed(frame.substr(500));
    auto f = decoder.next();
    REQUIRE(f);
  }
  CHECK(decoder.pending() == 0);
}
