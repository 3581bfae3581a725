package io.jcri.runtime.fakes;

import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.storage.LayerMounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mounts as a set of mount points; a "mounted" rootfs gets the /etc/passwd and /etc/group of an
 * image.
 */
public final class FakeMounts implements LayerMounts {
  /** Operations ("mount", "mountReadOnly", "unmount") that fail until removed. */
  public final Set<String> failing = ConcurrentHashMap.newKeySet();

  public final Set<Path> mounted = ConcurrentHashMap.newKeySet();

  private void check(String op) throws IOException {
    if (failing.contains(op)) {
      throw new IOException("fake " + op + " failed");
    }
  }

  @Override
  public void mount(List<Path> lowerDirsTopFirst, Path layerDir, Path mountPoint)
      throws IOException {
    check("mount");
    Files.createDirectories(layerDir.resolve("upper"));
    Files.createDirectories(mountPoint.resolve("etc"));
    Files.writeString(mountPoint.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(mountPoint.resolve("etc/group"), "root:x:0:\n");
    mounted.add(mountPoint);
  }

  @Override
  public void unmount(Path mountPoint) throws IOException {
    check("unmount");
    mounted.remove(mountPoint);
  }

  @Override
  public void mountReadOnly(List<Path> lowerDirsTopFirst, Path mountPoint) throws IOException {
    check("mountReadOnly");
    Files.createDirectories(mountPoint);
    mounted.add(mountPoint);
  }

  @Override
  public void unmountAll(Path dir) throws IOException {
    mounted.removeIf(p -> p.getParent().equals(dir));
  }

  @Override
  public void mountIdMapped(
      List<Path> lowerDirsTopFirst,
      Path layerDir,
      Path mountPoint,
      PodUserNamespace userns,
      Path scratch)
      throws IOException {
    mount(lowerDirsTopFirst, layerDir, mountPoint);
  }

  /** Each bind source "cloned" below dir: the clone is a mount point, the spec is unchanged. */
  @Override
  public OciSpec idMapBinds(OciSpec spec, PodUserNamespace userns, Path dir) throws IOException {
    check("idMapBinds");
    int n = 0;
    for (var m : spec.spec().mounts()) {
      if ("bind".equals(m.type())) {
        mounted.add(dir.resolve(String.valueOf(n++)));
      }
    }
    return spec;
  }
}
