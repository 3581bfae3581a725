package io.jcri.cni;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetNamespacesTest {
  @TempDir
  Path dir;

  @AfterEach
  void unpinLeftovers() throws IOException {
    for (String name : List.of("one", "two")) {
      NetNamespaces.remove(dir.resolve("pins").resolve(name));
    }
  }

  static boolean mounted(Path path) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(line -> line.split(" ")[4])
        .anyMatch(mountPoint -> mountPoint.equals(path.toString()));
  }

  private static String netnsOfThread() throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
  }

  @Test
  void createPinsAFreshNamespaceAndRemoveUnpinsIt() throws IOException {
    Path pins = dir.resolve("pins");
    Path one = NetNamespaces.create(pins, "one");
    Path two = NetNamespaces.create(pins, "two");
    assertEquals(pins.resolve("one"), one);
    assertTrue(mounted(one), "pin is a mount point");

    String host = netnsOfThread();
    String inOne = NetNamespaces.runIn(one, NetNamespacesTest::netnsOfThread);
    String inTwo = NetNamespaces.runIn(two, NetNamespacesTest::netnsOfThread);
    assertNotEquals(host, inOne);
    assertNotEquals(inOne, inTwo);
    assertEquals(inOne, NetNamespaces.runIn(one, NetNamespacesTest::netnsOfThread), "the pin keeps the same netns");
    assertEquals(host, netnsOfThread(), "the caller's thread never moved");

    assertThrows(FileAlreadyExistsException.class, () -> NetNamespaces.create(pins, "one"));
    assertTrue(mounted(one), "a failed twin leaves the original pinned");

    NetNamespaces.remove(one);
    assertFalse(mounted(one));
    assertFalse(Files.exists(one));
    NetNamespaces.remove(one); // idempotent
    assertTrue(mounted(two));
    NetNamespaces.remove(two);
    assertFalse(mounted(two));
  }

  @Test
  void runInPassesTheWorksExceptionThrough() throws IOException {
    Path one = NetNamespaces.create(dir.resolve("pins"), "one");
    IOException e = assertThrows(IOException.class, () -> NetNamespaces.runIn(one, () -> {
      throw new IOException("boom inside");
    }));
    assertEquals("boom inside", e.getMessage());
    assertThrows(IOException.class, () -> NetNamespaces.runIn(dir.resolve("pins/missing"), () -> 1));
  }

  @Test
  void rejectsNamesThatLeaveThePinDir() {
    assertThrows(IllegalArgumentException.class, () -> NetNamespaces.create(dir, "../x"));
    assertThrows(IllegalArgumentException.class, () -> NetNamespaces.create(dir, ""));
  }
}
