package io.jcri.runtime.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.sys.Command;
import io.jcri.sys.Syscalls;
import io.jcri.sys.UserNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Needs root: a real overlay of ID-mapped layers. */
class IdMappedBindsTest {
  private static final UserNamespaces.IdMap MAP = new UserNamespaces.IdMap(0, 300_000, 65_536);

  @Test
  void theRootfsShowsTheImagesRootAsThePodsRootAndItsWritesLandInTheUpperLayerAsThePodsRoot(
      @TempDir Path dir) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path l1 = Files.createDirectories(dir.resolve("snapshots/1/fs"));
    Path l2 = Files.createDirectories(dir.resolve("snapshots/2/fs"));
    Files.writeString(l1.resolve("bottom"), "1");
    Files.writeString(l2.resolve("top"), "2");
    Path layer = dir.resolve("layer");
    Path rootfs = dir.resolve("bundle/rootfs");
    UserNamespaces.withTemporary(
        MAP,
        MAP,
        userns -> {
          IdMappedBinds.mountRootfs(
              List.of(l2, l1),
              layer,
              rootfs,
              userns,
              300_000,
              300_000,
              dir.resolve("bundle/layers"));
          return null;
        });
    try {
      assertEquals("300000", Files.getOwner(rootfs.resolve("bottom")).getName());
      assertEquals("300000", Files.getOwner(rootfs.resolve("top")).getName());
      Command.Result touch =
          Command.run(
              List.of(
                  "setpriv",
                  "--reuid=300000",
                  "--regid=300000",
                  "--clear-groups",
                  "sh",
                  "-c",
                  "echo w > "
                      + rootfs.resolve("new")
                      + " && echo x >> "
                      + rootfs.resolve("bottom")),
              Duration.ofSeconds(10));
      assertEquals(0, touch.exitCode(), touch.err());
      assertEquals("300000", Files.getOwner(rootfs).getName()); // the pod's root owns its /
      assertEquals("300000", Files.getOwner(layer.resolve("upper/new")).getName());
      assertEquals(
          "300000",
          Files.getOwner(layer.resolve("upper/bottom")).getName()); // copied up as the pod's root
      assertEquals("root", Files.getOwner(l1.resolve("bottom")).getName());
      assertFalse(
          Files.exists(dir.resolve("bundle/layers")),
          "the layer clones are gone once the overlay holds them");
    } finally {
      Syscalls.unmountIfMounted(rootfs);
    }
  }
}
