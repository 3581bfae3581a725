package io.jcri.runtime.fakes;

import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.sandbox.PodKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Namespace pins as empty files, shm as a set of mount points, sysctls as a map. */
public final class FakeKernel implements PodKernel {
  /** Operations ("pin", "shm", "sysctl") that fail until removed. */
  public final Set<String> failing = ConcurrentHashMap.newKeySet();

  public final Set<Path> pins = ConcurrentHashMap.newKeySet();
  public final Set<Path> shm = ConcurrentHashMap.newKeySet();
  public final Map<String, String> sysctls = new ConcurrentHashMap<>();

  private void check(String op) throws IOException {
    if (failing.contains(op)) {
      throw new IOException("fake " + op + " failed");
    }
  }

  @Override
  public void pinNamespaces(Map<Integer, Path> pins, String hostname) throws IOException {
    check("pin");
    for (Path pin : pins.values()) {
      Files.createDirectories(pin.getParent());
      Files.writeString(pin, "");
      this.pins.add(pin);
    }
  }

  @Override
  public void pinNamespacesIn(PodUserNamespace userns, Map<Integer, Path> pins, String hostname)
      throws IOException {
    check("pin");
    Files.createDirectories(userns.pin().getParent());
    Files.writeString(userns.pin(), "");
    this.pins.add(userns.pin());
    pinNamespaces(pins, hostname);
  }

  @Override
  public void unpin(Path pin) throws IOException {
    Files.deleteIfExists(pin);
    pins.remove(pin);
  }

  @Override
  public void mountShm(Path shm, long sizeBytes) throws IOException {
    check("shm");
    Files.createDirectories(shm);
    this.shm.add(shm);
  }

  @Override
  public void unmountShm(Path shm) {
    this.shm.remove(shm);
  }

  @Override
  public void applyNetSysctls(Map<String, String> sysctls, Path netns) throws IOException {
    check("sysctl");
    this.sysctls.putAll(sysctls);
  }
}
