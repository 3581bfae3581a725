package io.jcri.runtime.sandbox;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.oci.SandboxContext;
import io.jcri.runtime.store.Registry;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/** A live pod sandbox: its current record and the lock that serialises changes to it. */
public final class Sandbox implements Registry.Entry<SandboxRecord> {
  private final ReentrantLock lock = new ReentrantLock();
  private final PodSandboxConfig config;
  private volatile SandboxRecord record;

  Sandbox(SandboxRecord record) {
    this.record = record;
    try {
      this.config =
          PodSandboxConfig.parseFrom(Base64.getDecoder().decode(record.metadata().configBase64()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("sandbox " + record.id() + " has a corrupt config", e);
    }
  }

  public String id() {
    return record.id();
  }

  @Override
  public SandboxRecord record() {
    return record;
  }

  @Override
  public void update(SandboxRecord next) {
    record = next;
  }

  public PodSandboxConfig config() {
    return config;
  }

  public boolean ready() {
    return record.ready();
  }

  ReentrantLock lock() {
    return lock;
  }

  /** What the pod provides to each of its containers' OCI specs. */
  public SandboxContext context() {
    SandboxRecord r = record;
    return new SandboxContext(
        r.id(),
        r.metadata().hostname(),
        r.metadata().hostNetwork(),
        r.metadata().hostIpc(),
        r.metadata().hostPid(),
        path(r.metadata().netnsPath()),
        path(r.metadata().ipcNsPath()),
        path(r.metadata().utsNsPath()),
        r.status().infraPid(),
        r.metadata().cgroupParent(),
        path(r.metadata().resolvConf()),
        path(r.metadata().hostnameFile()),
        null,
        path(r.metadata().shmPath()));
  }

  /** The pod's own user namespace, when it has one. */
  public Optional<PodUserNamespace> userNamespace() {
    String pin = record.metadata().usernsPath();
    return pin.isEmpty() ? Optional.empty() : PodUserNamespace.of(config, Path.of(pin));
  }

  private static Path path(String p) {
    return p == null || p.isEmpty() ? null : Path.of(p);
  }
}
