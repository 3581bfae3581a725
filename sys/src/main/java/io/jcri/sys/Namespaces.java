package io.jcri.sys;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Linux namespaces made by jcri itself and pinned by bind mounts, so they outlive every process in
 * them. Namespace changes apply to the calling OS thread, so each operation runs on a fresh
 * platform thread that ends with it: no pooled or virtual-thread carrier is ever left inside.
 */
public final class Namespaces {
  /** The /proc/self/ns entry name of each clone flag jcri pins. */
  private static final Map<Integer, String> NS_NAMES =
      Map.of(LibC.CLONE_NEWNET, "net", LibC.CLONE_NEWIPC, "ipc", LibC.CLONE_NEWUTS, "uts");

  private Namespaces() {}

  /** Something to do inside the new namespaces before they are pinned (e.g. set the hostname). */
  public interface Setup {
    void run() throws IOException;
  }

  /**
   * Creates new namespaces of the given kinds (CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS → pin
   * path), runs setup inside them and pins each; on failure nothing stays pinned or created.
   */
  public static void createPinned(Map<Integer, Path> pins, Setup setup) throws IOException {
    int flags = 0;
    List<Path> created = new ArrayList<>();
    try {
      for (var e : pins.entrySet()) {
        if (!NS_NAMES.containsKey(e.getKey())) {
          throw new IllegalArgumentException(
              "cannot pin namespace kind " + Integer.toHexString(e.getKey()));
        }
        flags |= e.getKey();
        Files.createDirectories(e.getValue().getParent());
        Files.createFile(e.getValue());
        created.add(e.getValue());
      }
      int unshareFlags = flags;
      onOwnThread(
          () -> {
            Syscalls.unshare(unshareFlags);
            setup.run();
            String task = "/proc/self/task/" + Syscalls.gettid() + "/ns/";
            for (var e : pins.entrySet()) {
              Syscalls.bindMount(Path.of(task + NS_NAMES.get(e.getKey())), e.getValue());
            }
            return null;
          });
    } catch (IOException | RuntimeException e) {
      for (Path pin : created) {
        unpin(pin);
      }
      throw e;
    }
  }

  /**
   * Unpins (the namespace goes away with its last user) and deletes the pin; a missing pin is fine.
   */
  public static void unpin(Path pin) throws IOException {
    Syscalls.unmountIfMounted(pin);
    Files.deleteIfExists(pin);
  }

  /**
   * Whether a namespace is mounted on pin in this mount table: false once the pin was unmounted or
   * the tmpfs it lived on went away (a reboot).
   */
  public static boolean isPinned(Path pin, java.util.List<MountInfo> table) {
    String at = pin.toAbsolutePath().normalize().toString();
    return table.stream().anyMatch(m -> m.mountPoint().equals(at) && m.fsType().equals("nsfs"));
  }

  /** Runs work inside the pinned namespace of kind nsType, on a platform thread of its own. */
  public static <T> T runIn(Path pin, int nsType, Callable<T> work) throws IOException {
    return onOwnThread(
        () -> {
          Syscalls.setns(pin, nsType);
          return work.call();
        });
  }

  private static <T> T onOwnThread(Callable<T> work) throws IOException {
    FutureTask<T> task = new FutureTask<>(work);
    Thread.ofPlatform().daemon().name("ns-" + Thread.currentThread().threadId()).start(task);
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for work in a namespace");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException rt) {
        throw rt;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause.getMessage(), cause);
    }
  }
}
