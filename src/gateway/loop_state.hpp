// Per-event-loop state: created on the loop's thread, used only there.
#pragma once

#include "api/openai/chat_request.hpp"
#include "net/http_client.hpp"
#include "obs/metrics.hpp"
#include "providers/openai/passthrough.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <random>
#include <string>

namespace tollgate::gateway {

struct LoopState {
  LoopState(boost::asio::io_context& io, unsigned index, obs::Metrics& metrics)
      : client(io.get_executor()),
        metrics(metrics),
        rng(std::random_device{}() ^ (uint64_t{index} << 32)) {}

  net::HttpClient client;  // upstream connection pool of this loop
  // Parsers keep their buffers across requests. They are only used between two co_awaits, so
  // the requests interleaved on this loop never see each other's state.
  api::openai::ChatRequestParser chat_parser;
  providers::openai::ResponseScanner response_scanner;
  providers::openai::StreamChunkPatcher chunk_patcher;
  obs::MetricsCache metrics;  // resolved time series of this loop
  std::mt19937_64 rng;

  // "req_" and 16 lowercase hex digits.
  std::string next_request_id() {
    std::string id = "req_0000000000000000";
    uint64_t value = rng();
    for (std::size_t i = id.size(); i > 4; value >>= 4) id[--i] = "0123456789abcdef"[value & 0xf];
    return id;
  }
};

}  // namespace tollgate::gateway
