package io.jcri.runtime.sandbox;

import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.oci.Sysctls;
import io.jcri.sys.Failure;
import io.jcri.sys.LibC;
import io.jcri.sys.Namespaces;
import io.jcri.sys.Syscalls;
import io.jcri.sys.UserNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link PodKernel} with the real syscalls: unshare + bind-mount pins, tmpfs, /proc/sys in the
 * netns.
 */
public final class KernelPod implements PodKernel {
  @Override
  public void pinNamespaces(Map<Integer, Path> pins, String hostname) throws IOException {
    Namespaces.createPinned(
        pins,
        () -> {
          if (pins.containsKey(LibC.CLONE_NEWUTS)) {
            Syscalls.sethostname(hostname);
          }
        });
  }

  @Override
  public void pinNamespacesIn(PodUserNamespace userns, Map<Integer, Path> pins, String hostname)
      throws IOException {
    UserNamespaces.createPinned(userns.uids(), userns.gids(), userns.pin(), pins);
    Path uts = pins.get(LibC.CLONE_NEWUTS);
    if (uts != null) {
      Namespaces.runIn(
          uts,
          LibC.CLONE_NEWUTS,
          () -> {
            Syscalls.sethostname(hostname);
            return null;
          });
    }
  }

  @Override
  public void unpin(Path pin) throws IOException {
    Namespaces.unpin(pin);
  }

  @Override
  public void mountShm(Path shm, long sizeBytes) throws IOException {
    Files.createDirectories(shm);
    Syscalls.mount(
        "shm",
        shm,
        "tmpfs",
        LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC,
        "mode=1777,size=" + sizeBytes);
  }

  @Override
  public void unmountShm(Path shm) throws IOException {
    Syscalls.unmountIfMounted(shm);
  }

  @Override
  public void applyNetSysctls(Map<String, String> sysctls, Path netns) throws IOException {
    Namespaces.runIn(
        netns,
        LibC.CLONE_NEWNET,
        () -> {
          for (var e : sysctls.entrySet()) {
            Path file = Path.of("/proc/sys").resolve(Sysctls.procSysPath(e.getKey()));
            if (!Files.exists(file)) {
              throw Failure.invalid(
                  "sysctl " + e.getKey() + " does not exist in the pod's network namespace");
            }
            Files.writeString(file, e.getValue());
          }
          return null;
        });
  }
}
