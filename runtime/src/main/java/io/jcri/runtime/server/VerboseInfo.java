package io.jcri.runtime.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxRecord;
import io.jcri.runtime.store.Layout;
import java.io.IOException;

/** The JSON "info" of verbose PodSandboxStatus and ContainerStatus answers. */
final class VerboseInfo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Layout layout;

  VerboseInfo(Layout layout) {
    this.layout = layout;
  }

  /** pid, netns, CNI result and the pod's config. */
  String of(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    ObjectNode info = JSON.createObjectNode();
    info.put("pid", r.status().infraPid());
    info.put("netnsPath", r.metadata().netnsPath());
    info.put("runtimeHandler", r.metadata().runtimeHandler());
    try {
      info.set(
          "cniResult",
          r.status().cniResult().isEmpty() ? null : JSON.readTree(r.status().cniResult()));
      info.set("config", JSON.readTree(JsonFormat.printer().print(sandbox.config())));
    } catch (IOException e) {
      info.put("error", e.getMessage());
    }
    return info.toString();
  }

  /** pid, sandbox and the OCI spec as written. */
  String of(Container c) {
    ObjectNode info = JSON.createObjectNode();
    info.put("sandboxID", c.record().metadata().sandboxId());
    info.put("pid", c.record().metadata().pid());
    info.put("runtimeHandler", c.record().metadata().runtimeHandler());
    try {
      info.set(
          "runtimeSpec",
          JSON.readTree(layout.containerBundle(c.id()).resolve("config.json").toFile()));
    } catch (IOException e) {
      info.put("runtimeSpecError", e.getMessage());
    }
    return info.toString();
  }
}
