package io.jcri.cni;

import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Network namespaces made by jcri itself and pinned by a bind mount, so they outlive every
 * process in them (and jcrid). Namespace changes apply to the calling OS thread, so each
 * operation runs on a fresh platform thread that ends with it: no pooled or virtual-thread
 * carrier is ever left in a pod's netns.
 */
public final class NetNamespaces {
  private NetNamespaces() {}

  /** Creates a new netns pinned at pinDir/name and returns the pin; fails if the pin exists. */
  public static Path create(Path pinDir, String name) throws IOException {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("invalid netns name: " + name);
    }
    Path pin = pinDir.resolve(name);
    Files.createDirectories(pinDir);
    Files.createFile(pin);
    try {
      onOwnThread(() -> {
        Syscalls.unshare(LibC.CLONE_NEWNET);
        Syscalls.bindMount(Path.of("/proc/self/task/" + Syscalls.gettid() + "/ns/net"), pin);
        return null;
      });
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(pin);
      throw e;
    }
    return pin;
  }

  /** Unpins (the netns goes away with its last user) and deletes the pin file; a missing pin is fine. */
  public static void remove(Path pin) throws IOException {
    Syscalls.unmountIfMounted(pin);
    Files.deleteIfExists(pin);
  }

  /** Runs work inside the pinned netns, on a platform thread of its own, and returns its result. */
  public static <T> T runIn(Path pin, Callable<T> work) throws IOException {
    return onOwnThread(() -> {
      Syscalls.setns(pin, LibC.CLONE_NEWNET);
      return work.call();
    });
  }

  private static <T> T onOwnThread(Callable<T> work) throws IOException {
    FutureTask<T> task = new FutureTask<>(work);
    Thread.ofPlatform().daemon().name("netns-" + Thread.currentThread().threadId()).start(task);
    try {
      return task.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for work in a network namespace");
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
