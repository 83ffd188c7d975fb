// An incremental HTTP/1.1 response parser that keeps nothing: it reads the status and the three
// headers that frame the body (content-length, transfer-encoding, connection), then hands body
// bytes (de-chunked) to an observer as they arrive. No allocation, no header map: the load
// generator only needs to know where a response ends and what its status was, and Beast's
// general parser would cost more per request than the generator is allowed to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tollgate::loadgen {

// Told about a response as it is parsed (stream modes count SSE frames in the body).
class ResponseObserver {
 public:
  virtual void on_status(int status) = 0;
  virtual void on_body(std::string_view bytes) = 0;

 protected:
  ~ResponseObserver() = default;
};

class ResponseParser {
 public:
  enum class Progress { need_more, done, error };

  // Prepares for the next response on the connection.
  void start() noexcept;

  // Parses the front of `bytes` and sets `used` to how many were consumed; the caller keeps the
  // rest and appends to it. A head is consumed only once it is complete in `bytes`, so the
  // caller's buffer must be able to hold a whole head. `observer` may be null.
  Progress parse(std::string_view bytes, std::size_t& used, ResponseObserver* observer) noexcept;

  // The peer closed the connection: completes a body that is delimited by the close, and is an
  // error anywhere else.
  Progress finish_at_eof() noexcept;

  int status() const noexcept { return status_; }
  // Whether the connection can carry the next request once this response is done.
  bool keep_alive() const noexcept { return keep_alive_; }
  // Why the last `error` was returned (a static string, for the one diagnostic line).
  const char* error_reason() const noexcept { return error_reason_; }

 private:
  enum class Stage {
    head,
    fixed_body,
    chunk_size,
    chunk_data,
    chunk_end,
    trailers,
    until_close,
    done
  };

  bool parse_head(std::string_view head) noexcept;  // status line and header lines, no blank line
  Progress fail(const char* reason) noexcept;
  void deliver(std::string_view bytes, ResponseObserver* observer) noexcept;

  Stage stage_ = Stage::head;
  int status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;  // of the fixed body, or of the current chunk
  const char* error_reason_ = "";
};

}  // namespace tollgate::loadgen
