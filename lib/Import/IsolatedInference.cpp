//===- IsolatedInference.cpp - ONNX shape inference in a child ------------===//
//
// See IsolatedInference.h. The child writes one status byte (0: the
// serialized graph follows; 1: an exception's text follows) and exits with
// _exit, running no handlers of the parent's.
//
//===----------------------------------------------------------------------===//

#include "IsolatedInference.h"

#include <onnx/defs/schema.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace whittle::detail {

namespace {

bool writeAll(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

[[noreturn]] void runChild(int fd, ::onnx::ModelProto &model,
                           const ::onnx::ShapeInferenceOptions &options, unsigned seconds) {
  // A crash ends the child quietly: the parent says what happened (the
  // parent's handlers would print its stack as the compiler's own crash).
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM})
    signal(sig, SIG_DFL);
  alarm(seconds); // a hang ends the child (SIGALRM)
  char status = 0;
  std::string out;
  try {
    ::onnx::shape_inference::InferShapes(model, ::onnx::OpSchemaRegistry::Instance(), options);
    ::onnx::GraphProto graph;
    graph.Swap(model.mutable_graph());
    graph.clear_initializer();
    graph.SerializeToString(&out);
  } catch (const std::exception &e) {
    status = 1;
    out = e.what();
  }
  bool ok = writeAll(fd, &status, 1) && writeAll(fd, out.data(), out.size());
  _exit(ok ? 0 : 3);
}

} // namespace

InferenceOutcome inferShapesIsolated(::onnx::ModelProto &model,
                                     const ::onnx::ShapeInferenceOptions &options,
                                     unsigned seconds, std::string &message) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    message = std::string("cannot run ONNX shape inference: ") + strerror(errno);
    return InferenceOutcome::Crashed;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    message = std::string("cannot run ONNX shape inference: ") + strerror(errno);
    return InferenceOutcome::Crashed;
  }
  if (pid == 0) {
    close(fds[0]);
    runChild(fds[1], model, options, seconds);
  }
  close(fds[1]);
  std::string bytes;
  char buf[65536];
  for (;;) {
    ssize_t k = read(fds[0], buf, sizeof buf);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    bytes.append(buf, (size_t)k);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFSIGNALED(status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      bytes.empty()) {
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
      message = "ONNX shape inference did not finish in " + std::to_string(seconds) +
                " s on this model";
    else if (WIFSIGNALED(status))
      message = "ONNX shape inference crashed on this model (signal " +
                std::to_string(WTERMSIG(status)) + "): the model is malformed";
    else
      message = "ONNX shape inference failed on this model (exit status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                "): the model is malformed";
    return InferenceOutcome::Crashed;
  }
  if (bytes[0] == 1) {
    message = bytes.substr(1);
    return InferenceOutcome::Stopped;
  }
  ::onnx::GraphProto graph;
  if (!graph.ParseFromArray(bytes.data() + 1, (int)(bytes.size() - 1))) {
    message = "ONNX shape inference returned an unreadable graph";
    return InferenceOutcome::Crashed;
  }
  // The initializers stay the parent's (never copied).
  graph.mutable_initializer()->Swap(model.mutable_graph()->mutable_initializer());
  model.mutable_graph()->Swap(&graph);
  return InferenceOutcome::Done;
}

} // namespace whittle::detail
