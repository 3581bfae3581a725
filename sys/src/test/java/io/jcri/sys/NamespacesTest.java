package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pinned network namespaces, as pods use them (root only: unshare, bind mounts). */
class NamespacesTest {
  @TempDir Path dir;

  @AfterEach
  void unpinLeftovers() throws IOException {
    for (String name : List.of("one", "two")) {
      Namespaces.unpin(dir.resolve("pins").resolve(name));
    }
  }

  static boolean mounted(Path path) throws IOException {
    return MountInfo.ofSelf().stream().anyMatch(m -> m.mountPoint().equals(path.toString()));
  }

  private static Path create(Path pins, String name) throws IOException {
    Path pin = pins.resolve(name);
    Namespaces.createPinned(Map.of(LibC.CLONE_NEWNET, pin), () -> {});
    return pin;
  }

  private static <T> T runIn(Path pin, java.util.concurrent.Callable<T> work) throws IOException {
    return Namespaces.runIn(pin, LibC.CLONE_NEWNET, work);
  }

  private static String netnsOfThread() throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
  }

  @Test
  void createPinnedPinsAFreshNamespaceAndUnpinRemovesIt() throws IOException {
    Path pins = dir.resolve("pins");
    Path one = create(pins, "one");
    Path two = create(pins, "two");
    assertEquals(pins.resolve("one"), one);
    assertTrue(mounted(one), "pin is a mount point");

    String host = netnsOfThread();
    String inOne = runIn(one, NamespacesTest::netnsOfThread);
    String inTwo = runIn(two, NamespacesTest::netnsOfThread);
    assertNotEquals(host, inOne);
    assertNotEquals(inOne, inTwo);
    assertEquals(inOne, runIn(one, NamespacesTest::netnsOfThread), "the pin keeps the same netns");
    assertEquals(host, netnsOfThread(), "the caller's thread never moved");

    assertThrows(FileAlreadyExistsException.class, () -> create(pins, "one"));
    assertTrue(mounted(one), "a failed twin leaves the original pinned");

    Namespaces.unpin(one);
    assertFalse(mounted(one));
    assertFalse(Files.exists(one));
    Namespaces.unpin(one); // idempotent
    assertTrue(mounted(two));
    Namespaces.unpin(two);
    assertFalse(mounted(two));
  }

  @Test
  void runInPassesTheWorksExceptionThrough() throws IOException {
    Path one = create(dir.resolve("pins"), "one");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                runIn(
                    one,
                    () -> {
                      throw new IOException("boom inside");
                    }));
    assertEquals("boom inside", e.getMessage());
    assertThrows(IOException.class, () -> runIn(dir.resolve("pins/missing"), () -> 1));
  }
}
