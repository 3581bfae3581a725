package io.jcri.runtime.container;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.runtime.store.Registry;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/** A container jcri manages: its current record, its lock, and a future completed at its exit. */
public final class Container implements Registry.Entry<ContainerRecord> {
  private final ReentrantLock lock = new ReentrantLock();
  private final ContainerConfig config;
  private final CompletableFuture<ContainerRecord> exited = new CompletableFuture<>();
  private volatile ContainerRecord record;

  Container(ContainerRecord record) {
    this.record = record;
    try {
      this.config =
          ContainerConfig.parseFrom(Base64.getDecoder().decode(record.metadata().configBase64()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("container " + record.id() + " has a corrupt config", e);
    }
    if (record.state().equals(ContainerRecord.State.EXITED)) {
      exited.complete(record);
    }
  }

  public String id() {
    return record.id();
  }

  @Override
  public ContainerRecord record() {
    return record;
  }

  public ContainerConfig config() {
    return config;
  }

  /**
   * The container's resources: the last UpdateContainerResources, else what CreateContainer asked
   * for.
   */
  public io.jcri.cri.v1.LinuxContainerResources resources() {
    String applied = record.status().resourcesBase64();
    if (applied == null) {
      return config.getLinux().getResources();
    }
    try {
      return io.jcri.cri.v1.LinuxContainerResources.parseFrom(Base64.getDecoder().decode(applied));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("container " + record.id() + " has corrupt resources", e);
    }
  }

  /**
   * The signal StopContainer sends first: the configured one, else the image's STOPSIGNAL, else
   * SIGTERM.
   */
  public io.jcri.cri.v1.Signal stopSignal() {
    return Signals.cri(Signals.number(record.metadata().stopSignal()));
  }

  public boolean running() {
    return record.state().equals(ContainerRecord.State.RUNNING);
  }

  @Override
  public void update(ContainerRecord next) {
    record = next;
    if (next.state().equals(ContainerRecord.State.EXITED)) {
      exited.complete(next);
    }
  }

  CompletableFuture<ContainerRecord> exitedFuture() {
    return exited;
  }

  ReentrantLock lock() {
    return lock;
  }
}
