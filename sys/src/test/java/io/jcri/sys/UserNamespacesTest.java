package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root: pinned user namespaces and ID-mapped mounts on the test machine's own kernel. */
class UserNamespacesTest {
  private static final UserNamespaces.IdMap MAP = new UserNamespaces.IdMap(0, 200_000, 65_536);

  @Test
  void pinsAUserNamespaceWithItsMapsThatOwnsThePinnedNetworkNamespace(@TempDir Path dir)
      throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")));
    Path user = dir.resolve("ns/user");
    Path net = dir.resolve("ns/net");
    Map<Integer, Path> pins = new LinkedHashMap<>();
    pins.put(LibC.CLONE_NEWNET, net);
    UserNamespaces.createPinned(MAP, new UserNamespaces.IdMap(0, 300_000, 1000), user, pins);
    try {
      Command.Result maps =
          Command.run(
              List.of(
                  "nsenter",
                  "--user=" + user,
                  "--net=" + net,
                  "sh",
                  "-c",
                  "cat /proc/self/uid_map /proc/self/gid_map; ip -o link show | wc -l"),
              Duration.ofSeconds(10));
      assertEquals(0, maps.exitCode(), maps.err());
      List<String> lines = maps.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList();
      assertEquals(List.of("0 200000 65536", "0 300000 1000", "1"), lines); // only lo: a new netns
      // the namespace's root may change the network: the user namespace owns the network namespace
      Command.Result link =
          Command.run(
              List.of("nsenter", "--user=" + user, "--net=" + net, "ip", "link", "set", "lo", "up"),
              Duration.ofSeconds(10));
      assertEquals(0, link.exitCode(), link.err());
    } finally {
      Namespaces.unpin(net);
      Namespaces.unpin(user);
    }
    assertFalse(Files.exists(user));
  }

  @Test
  void anIdMappedBindShowsFilesOwnedAsTheNamespaceMapsThem(@TempDir Path dir) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path source = Files.createDirectories(dir.resolve("source"));
    Files.writeString(source.resolve("f"), "x");
    Path target = dir.resolve("mapped");
    UserNamespaces.withTemporary(
        MAP,
        MAP,
        userns -> {
          IdMappedMounts.bind(source, target, userns);
          return null;
        });
    try {
      PosixFileAttributes a = Files.readAttributes(target.resolve("f"), PosixFileAttributes.class);
      assertEquals("200000", a.owner().getName());
      // a file made through the mapped mount by the mapped root lands as the node's root on disk
      Command.Result touch =
          Command.run(
              List.of(
                  "setpriv",
                  "--reuid=200000",
                  "--regid=200000",
                  "--clear-groups",
                  "touch",
                  target.resolve("g").toString()),
              Duration.ofSeconds(10));
      assertEquals(0, touch.exitCode(), touch.err());
      assertEquals("root", Files.getOwner(source.resolve("g")).getName());
    } finally {
      Syscalls.unmountIfMounted(target);
    }
  }
}
