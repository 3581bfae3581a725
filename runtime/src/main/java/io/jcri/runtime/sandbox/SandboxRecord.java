package io.jcri.runtime.sandbox;

import io.jcri.runtime.store.Registry;
import java.util.List;

/**
 * What jcri remembers of a pod sandbox, persisted as JSON. The pod's CRI config is kept as its
 * protobuf bytes (base64), so status and containers see exactly what kubelet sent.
 */
public record SandboxRecord(
    String id,
    String name,
    String namespace,
    String uid,
    int attempt,
    String runtimeHandler,
    long createdAtNanos,
    boolean ready,
    boolean hostNetwork,
    boolean hostIpc,
    boolean hostPid,
    String netnsPath,
    String ipcNsPath,
    String utsNsPath,
    String ip,
    List<String> additionalIps,
    String cniResult,
    boolean networkAttached,
    String infraContainerId,
    int infraPid,
    String shmPath,
    String resolvConf,
    String hostnameFile,
    String hostname,
    String cgroupParent,
    String configBase64,
    String usernsPath) implements Registry.Record {

  public SandboxRecord {
    additionalIps = additionalIps == null ? List.of() : List.copyOf(additionalIps);
    usernsPath = usernsPath == null ? "" : usernsPath; // records written before user namespaces
  }

  SandboxRecord withReady(boolean r) {
    return new SandboxRecord(id, name, namespace, uid, attempt, runtimeHandler, createdAtNanos, r, hostNetwork,
        hostIpc, hostPid, netnsPath, ipcNsPath, utsNsPath, ip, additionalIps, cniResult, networkAttached,
        infraContainerId, infraPid, shmPath, resolvConf, hostnameFile, hostname, cgroupParent, configBase64,
        usernsPath);
  }

  SandboxRecord withNetwork(String newIp, List<String> newAdditional, String result, boolean attached) {
    return new SandboxRecord(id, name, namespace, uid, attempt, runtimeHandler, createdAtNanos, ready, hostNetwork,
        hostIpc, hostPid, netnsPath, ipcNsPath, utsNsPath, newIp, newAdditional, result, attached,
        infraContainerId, infraPid, shmPath, resolvConf, hostnameFile, hostname, cgroupParent, configBase64,
        usernsPath);
  }

  SandboxRecord withInfra(String containerId, int pid) {
    return new SandboxRecord(id, name, namespace, uid, attempt, runtimeHandler, createdAtNanos, ready, hostNetwork,
        hostIpc, hostPid, netnsPath, ipcNsPath, utsNsPath, ip, additionalIps, cniResult, networkAttached,
        containerId, pid, shmPath, resolvConf, hostnameFile, hostname, cgroupParent, configBase64,
        usernsPath);
  }

  /** The unique name kubelet uses for a pod attempt. */
  static String uniqueName(String name, String namespace, String uid, int attempt) {
    return name + "_" + namespace + "_" + uid + "_" + attempt;
  }

  @Override
  public String uniqueName() {
    return uniqueName(name, namespace, uid, attempt);
  }
}
