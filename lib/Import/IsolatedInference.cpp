//===- IsolatedInference.cpp - ONNX shape inference in a child ------------===//
//
// See IsolatedInference.h. One child process (the "server") is forked on
// first use and serves every later request of this process over a socket
// pair, so that a process importing many models (a fuzzer, a Python
// session) forks once, not once per import: forking a large process costs
// milliseconds of page-table copying. A crash or hang ends the server;
// the request that caused it fails with a message and the next request
// forks a fresh one.
//
// Request:  u32 check_type, u32 error_mode, u32 data_prop, u32 seconds,
//           u64 size, then the serialized model (large initializers carry
//           their type and dims only).
// Response: u64 size, then a status byte (0: the serialized graph, without
//           initializers, follows; 1: an exception's text follows).
//
//===----------------------------------------------------------------------===//

#include "IsolatedInference.h"

#include <onnx/defs/schema.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace whittle::detail {

namespace {

/// Initializers above this size travel as type and dims only: shape
/// inference reads the values of small shape-like tensors (Reshape's
/// shape, Slice's starts), never of weights.
constexpr size_t kSentDataBytes = 64 * 1024;

/// Sends or receives exactly `n` bytes (retrying after signals); false
/// when the other side has gone.
bool transferAll(int fd, char *p, size_t n, bool sending) {
  while (n) {
    ssize_t k = sending ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

bool sendAll(int fd, const void *data, size_t n) {
  return transferAll(fd, const_cast<char *>(static_cast<const char *>(data)), n, true);
}

bool recvAll(int fd, void *data, size_t n) {
  return transferAll(fd, static_cast<char *>(data), n, false);
}

bool sendMessage(int fd, const std::string &bytes) {
  uint64_t size = bytes.size();
  return sendAll(fd, &size, sizeof size) && sendAll(fd, bytes.data(), bytes.size());
}

/// Reads one size-prefixed message of at most `limit` bytes.
bool recvMessage(int fd, std::string &bytes, uint64_t limit) {
  uint64_t size = 0;
  if (!recvAll(fd, &size, sizeof size) || size > limit)
    return false;
  bytes.resize(size);
  return recvAll(fd, bytes.data(), size);
}

/// The server's loop: one request, one response, until the parent goes.
[[noreturn]] void serve(int fd) {
  // A crash ends the server quietly: the parent says what happened (the
  // parent's handlers would print its stack as the compiler's own crash).
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM, SIGINT, SIGTERM})
    signal(sig, SIG_DFL);
  // Nothing of the parent's stays open here but stderr (for sanitizer
  // reports): a pipe the parent reads must not wait on this process.
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
  }
  if (fd != 3 && dup2(fd, 3) < 0)
    _exit(3);
  close_range(4, ~0U, 0);
  fd = 3;
  for (;;) {
    uint32_t header[4];
    std::string request;
    if (!recvAll(fd, header, sizeof header) || !recvMessage(fd, request, INT32_MAX))
      _exit(0); // the parent closed the socket: it is done
    ::onnx::ModelProto model;
    char status = 0;
    std::string out;
    if (!model.ParseFromString(request)) {
      status = 1;
      out = "the model sent for shape inference did not parse";
    } else {
      ::onnx::ShapeInferenceOptions options(header[0] != 0, (int)header[1], header[2] != 0);
      alarm(header[3]); // a hang ends the server (SIGALRM)
      try {
        ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(),
                                             options);
        ::onnx::GraphProto graph;
        graph.Swap(model.mutable_graph());
        graph.clear_initializer();
        graph.SerializeToString(&out);
      } catch (const std::exception &e) {
        status = 1;
        out = e.what();
      }
      alarm(0);
    }
    if (!sendMessage(fd, std::string(1, status) + out))
      _exit(0);
  }
}

/// The server of this process, if one is running.
class Server {
public:
  ~Server() { stop(); }

  /// Sends `request`; on a reply, true with `reply` set. On false,
  /// `message` says what went wrong (the server is gone then).
  bool exchange(const uint32_t header[4], const std::string &request, std::string &reply,
                std::string &message) {
    // A server that died while idle (killed from outside) is replaced
    // once; a failure after that is this request's.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (pid <= 0 && !start(message))
        return false;
      if (sendAll(fd, header, 4 * sizeof(uint32_t)) && sendMessage(fd, request))
        break;
      stop();
      if (attempt == 1) {
        message = "cannot send the model to ONNX shape inference";
        return false;
      }
    }
    if (recvMessage(fd, reply, INT32_MAX) && !reply.empty())
      return true;
    int status = stop();
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
      message = "ONNX shape inference did not finish in " + std::to_string(header[3]) +
                " s on this model";
    else if (WIFSIGNALED(status))
      message = "ONNX shape inference crashed on this model (signal " +
                std::to_string(WTERMSIG(status)) + "): the model is malformed";
    else
      message = "ONNX shape inference failed on this model (exit status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                "): the model is malformed";
    return false;
  }

private:
  bool start(std::string &message) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      message = std::string("cannot run ONNX shape inference: ") + strerror(errno);
      return false;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    if (child < 0) {
      close(fds[0]);
      close(fds[1]);
      message = std::string("cannot run ONNX shape inference: ") + strerror(errno);
      return false;
    }
    if (child == 0) {
      close(fds[0]);
      serve(fds[1]);
    }
    close(fds[1]);
    pid = child;
    fd = fds[0];
    return true;
  }

  /// Ends the server (closing the socket is its signal to exit) and
  /// returns its wait status.
  int stop() {
    int status = 0;
    if (fd >= 0)
      close(fd);
    fd = -1;
    if (pid > 0)
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    return status;
  }

  pid_t pid = -1;
  int fd = -1;
};

std::mutex serverMutex;
Server server;

/// `model` serialized with its graph's large initializers reduced to
/// their name, type and dims. The model is left as it was.
std::string serializeForInference(::onnx::ModelProto &model) {
  auto *inits = model.mutable_graph()->mutable_initializer();
  google::protobuf::RepeatedPtrField<::onnx::TensorProto> own;
  own.Swap(inits);
  for (const ::onnx::TensorProto &t : own) {
    ::onnx::TensorProto *sent = inits->Add();
    if (t.ByteSizeLong() <= kSentDataBytes) {
      sent->CopyFrom(t);
      continue;
    }
    sent->set_name(t.name());
    sent->set_data_type(t.data_type());
    *sent->mutable_dims() = t.dims();
  }
  std::string bytes;
  bool ok = model.SerializeToString(&bytes);
  inits->Swap(&own);
  return ok ? bytes : std::string();
}

} // namespace

InferenceOutcome inferShapesIsolated(::onnx::ModelProto &model,
                                     const ::onnx::ShapeInferenceOptions &options,
                                     unsigned seconds, std::string &message) {
  std::string request = serializeForInference(model);
  if (request.empty()) {
    message = "the model is too large to send to ONNX shape inference";
    return InferenceOutcome::Crashed;
  }
  uint32_t header[4] = {options.check_type ? 1u : 0u, (uint32_t)options.error_mode,
                        options.enable_data_propagation ? 1u : 0u, seconds};
  std::string reply;
  {
    std::lock_guard<std::mutex> lock(serverMutex);
    if (!server.exchange(header, request, reply, message))
      return InferenceOutcome::Crashed;
  }
  if (reply[0] == 1) {
    message = reply.substr(1);
    return InferenceOutcome::Stopped;
  }
  ::onnx::GraphProto graph;
  if (!graph.ParseFromArray(reply.data() + 1, (int)(reply.size() - 1))) {
    message = "ONNX shape inference returned an unreadable graph";
    return InferenceOutcome::Crashed;
  }
  // The initializers stay the parent's (never copied back).
  graph.mutable_initializer()->Swap(model.mutable_graph()->mutable_initializer());
  model.mutable_graph()->Swap(&graph);
  return InferenceOutcome::Done;
}

} // namespace whittle::detail
