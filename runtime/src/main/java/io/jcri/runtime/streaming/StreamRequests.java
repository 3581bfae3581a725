package io.jcri.runtime.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.sys.Failure;
import java.util.function.Predicate;

/** The RPC-level checks of Exec, Attach and PortForward, made before a URL is handed out. */
public final class StreamRequests {
  private StreamRequests() {}

  public static void validate(ExecRequest req, Predicate<String> containerRunning) {
    if (req.getCmdCount() == 0 || req.getCmd(0).isEmpty()) {
      throw Failure.invalid("exec: cmd is empty");
    }
    checkStdio("exec", req.getStdin(), req.getStdout(), req.getStderr(), req.getTty());
    checkRunning(req.getContainerId(), containerRunning);
  }

  public static void validate(AttachRequest req, Predicate<String> containerRunning) {
    checkStdio("attach", req.getStdin(), req.getStdout(), req.getStderr(), req.getTty());
    checkRunning(req.getContainerId(), containerRunning);
  }

  public static void validate(PortForwardRequest req, Predicate<String> sandboxReady) {
    if (req.getPodSandboxId().isEmpty()) {
      throw Failure.invalid("port forward: pod_sandbox_id is empty");
    }
    for (int port : req.getPortList()) {
      if (port < 1 || port > 65535) {
        throw Failure.invalid("port forward: port out of range: " + port);
      }
    }
    if (!sandboxReady.test(req.getPodSandboxId())) {
      throw Failure.precondition("pod sandbox " + req.getPodSandboxId() + " is not ready");
    }
  }

  private static void checkStdio(
      String rpc, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    if (!stdin && !stdout && !stderr) {
      throw Failure.invalid(rpc + ": one of stdin, stdout or stderr must be set");
    }
    if (tty && stderr) {
      throw Failure.invalid(
          rpc + ": tty and stderr cannot both be set (a terminal merges stderr into stdout)");
    }
  }

  private static void checkRunning(String containerId, Predicate<String> containerRunning) {
    if (containerId.isEmpty()) {
      throw Failure.invalid("container_id is empty");
    }
    if (!containerRunning.test(containerId)) {
      throw Failure.precondition("container " + containerId + " is not running");
    }
  }
}
