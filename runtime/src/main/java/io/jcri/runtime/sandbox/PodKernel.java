package io.jcri.runtime.sandbox;

import io.jcri.runtime.oci.PodUserNamespace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The privileged kernel work of a pod: namespaces pinned on files, its /dev/shm and its network
 * sysctls. {@link KernelPod} does it with the real syscalls; unit tests fake it.
 */
public interface PodKernel {
  /** Creates the namespaces (CLONE_NEW* → pin file), setting hostname in a new UTS namespace. */
  void pinNamespaces(Map<Integer, Path> pins, String hostname) throws IOException;

  /**
   * Creates the pod's user namespace (pinned at userns.pin()) first, then the namespaces of pins
   * owned by it, setting hostname in the new UTS namespace.
   */
  void pinNamespacesIn(PodUserNamespace userns, Map<Integer, Path> pins, String hostname)
      throws IOException;

  /** Removes a pin; the namespace goes away with its last user. A missing pin is fine. */
  void unpin(Path pin) throws IOException;

  /** Mounts the pod's /dev/shm tmpfs at shm. */
  void mountShm(Path shm, long sizeBytes) throws IOException;

  void unmountShm(Path shm) throws IOException;

  /**
   * Writes the network sysctls (dotted or slash form) inside the pinned network namespace; an
   * unknown one is INVALID.
   */
  void applyNetSysctls(Map<String, String> sysctls, Path netns) throws IOException;
}
