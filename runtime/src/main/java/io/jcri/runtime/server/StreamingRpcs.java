package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.*;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.streaming.StreamRequests;
import io.jcri.runtime.streaming.StreamingServer;

/**
 * Exec, Attach and PortForward: each checks the request and hands out a one-time URL of the
 * streaming server.
 */
final class StreamingRpcs {
  private final StreamingServer streaming;
  private final Containers containers;
  private final Sandboxes sandboxes;

  StreamingRpcs(StreamingServer streaming, Containers containers, Sandboxes sandboxes) {
    this.streaming = streaming;
    this.containers = containers;
    this.sandboxes = sandboxes;
  }

  void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
    Rpc.answer(
        "Exec",
        out,
        () -> {
          StreamRequests.validate(request, this::isRunning);
          return ExecResponse.newBuilder().setUrl(streaming.execUrl(request)).build();
        });
  }

  void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
    Rpc.answer(
        "Attach",
        out,
        () -> {
          StreamRequests.validate(request, this::isRunning);
          return AttachResponse.newBuilder().setUrl(streaming.attachUrl(request)).build();
        });
  }

  void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
    Rpc.answer(
        "PortForward",
        out,
        () -> {
          StreamRequests.validate(request, id -> sandboxes.require(id).ready());
          return PortForwardResponse.newBuilder().setUrl(streaming.portForwardUrl(request)).build();
        });
  }

  private boolean isRunning(String containerId) {
    return containers.require(containerId).running();
  }
}
