package io.jcri.images.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import io.jcri.images.ImageException;
import io.jcri.images.TestTar;
import io.jcri.images.registry.Digests;
import io.jcri.sys.Syscalls;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
  @TempDir Path tmp;

  private Path root() throws Exception {
    return Files.createDirectories(tmp.resolve("root"));
  }

  @Test
  void preservesOwnershipModesTimesLinksNodesAndXattrs() throws Exception {
    byte[] tar =
        new TestTar()
            .dir("./", 0755)
            .dir("bin", 0755)
            .file("bin/tool", 04755, 1000, 1001, "x")
            .hardlink("bin/same", "bin/tool")
            .symlink("bin/ln", "tool")
            .dir("tmp", 01777)
            .node("dev-null", TarConstants.LF_CHR, 1, 3)
            .node("fifo", TarConstants.LF_FIFO, 0, 0)
            .xattrFile(
                "ping",
                "security.capability",
                "\u0001\u0000\u0000\u0002\u0000\u0020\u0000\u0000" + "\u0000".repeat(12))
            .bytes();
    Path root = root();
    LayerUnpacker.Result r =
        LayerUnpacker.unpack(new ByteArrayInputStream(TestTar.gzip(tar)), root);
    assertEquals(Digests.sha256(tar), r.diffId());
    assertEquals(tar.length, r.tarBytes());
    Path tool = root.resolve("bin/tool");
    assertEquals(1000, Files.getAttribute(tool, "unix:uid"));
    assertEquals(1001, Files.getAttribute(tool, "unix:gid"));
    assertEquals(04755, (int) Files.getAttribute(tool, "unix:mode") & 07777);
    assertEquals(01777, (int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777);
    assertEquals(TestTar.MTIME.getTime(), Files.getLastModifiedTime(tool).toMillis());
    assertEquals(
        TestTar.MTIME.getTime(), Files.getLastModifiedTime(root.resolve("bin")).toMillis());
    assertEquals(
        Files.getAttribute(tool, "unix:ino"),
        Files.getAttribute(root.resolve("bin/same"), "unix:ino"));
    assertEquals(Path.of("tool"), Files.readSymbolicLink(root.resolve("bin/ln")));
    int devMode = (int) Files.getAttribute(root.resolve("dev-null"), "unix:mode");
    assertEquals(0020000, devMode & 0170000);
    assertEquals(
        0x103L, ((Number) Files.getAttribute(root.resolve("dev-null"), "unix:rdev")).longValue());
    assertEquals(0010000, (int) Files.getAttribute(root.resolve("fifo"), "unix:mode") & 0170000);
    assertTrue(Syscalls.lgetxattr(root.resolve("ping"), "security.capability") != null);
  }

  @Test
  void whiteoutsBecomeOverlayWhiteoutsAndOpaqueDirs() throws Exception {
    byte[] tar =
        new TestTar()
            .dir("etc", 0755)
            .file("etc/.wh.gone", "")
            .dir("var", 0755)
            .file("var/.wh..wh..opq", "")
            .file("var/kept", "k")
            .bytes();
    Path root = root();
    LayerUnpacker.unpack(new ByteArrayInputStream(Zstd.compress(tar)), root);
    Path gone = root.resolve("etc/gone");
    assertEquals(
        0020000, (int) Files.getAttribute(gone, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
    assertEquals(0L, ((Number) Files.getAttribute(gone, "unix:rdev")).longValue());
    assertArrayEquals(
        "y".getBytes(), Syscalls.lgetxattr(root.resolve("var"), "trusted.overlay.opaque"));
    assertEquals("k", Files.readString(root.resolve("var/kept")));
    assertFalse(Files.exists(root.resolve("var/.wh..wh..opq")));
  }

  @Test
  void followsSymlinksThatStayInside() throws Exception {
    byte[] tar =
        new TestTar()
            .dir("usr/lib", 0755)
            .symlink("lib", "usr/lib")
            .file("lib/x.so", "so")
            .symlink("usr/up", "../lib")
            .file("usr/up/y.so", "y")
            .bytes();
    Path root = root();
    LayerUnpacker.unpack(new ByteArrayInputStream(tar), root);
    assertEquals("so", Files.readString(root.resolve("usr/lib/x.so")));
    assertEquals("y", Files.readString(root.resolve("usr/lib/y.so")));
  }

  @Test
  void laterEntriesReplaceEarlierOnes() throws Exception {
    byte[] tar =
        new TestTar()
            .file("a", "1")
            .file("a", "2")
            .dir("d", 0755)
            .file("d/f", "x")
            .file("d", "now a file")
            .bytes();
    Path root = root();
    LayerUnpacker.unpack(new ByteArrayInputStream(tar), root);
    assertEquals("2", Files.readString(root.resolve("a")));
    assertEquals("now a file", Files.readString(root.resolve("d")));
  }

  @Test
  void refusesDotDot() throws Exception {
    assertRefused(new TestTar().dir("a", 0755).file("a/../../escaped", "x").bytes());
  }

  @Test
  void refusesAbsolutePaths() throws Exception {
    assertRefused(new TestTar().file(tmp.resolve("escaped").toString(), "x").bytes());
  }

  @Test
  void refusesWritesThroughAbsoluteSymlinks() throws Exception {
    assertRefused(new TestTar().symlink("evil", tmp.toString()).file("evil/escaped", "x").bytes());
  }

  @Test
  void refusesWritesThroughRelativeSymlinksThatClimbOut() throws Exception {
    assertRefused(
        new TestTar().dir("a", 0755).symlink("a/up", "../..").file("a/up/escaped", "x").bytes());
  }

  @Test
  void refusesHardLinksToOutside() throws Exception {
    assertRefused(new TestTar().hardlink("passwd", "/etc/passwd").bytes());
    assertRefused(new TestTar().hardlink("passwd", "../../../../etc/passwd").bytes());
    assertRefused(new TestTar().symlink("l", "/etc").hardlink("passwd", "l/passwd").bytes());
  }

  @Test
  void truncatedLayerFails() throws Exception {
    byte[] gz = TestTar.gzip(new TestTar().file("a", "x".repeat(100_000)).bytes());
    byte[] cut = java.util.Arrays.copyOf(gz, gz.length / 2);
    assertThrows(
        java.io.IOException.class,
        () -> LayerUnpacker.unpack(new ByteArrayInputStream(cut), root()));
  }

  @Test
  void refusesWhiteoutsOfTheDirectoryItselfOrItsParent() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("snapshots"));
    Path other =
        Files.writeString(Files.createDirectories(store.resolve("other")).resolve("f"), "kept");
    for (String name : List.of(".wh...", ".wh..", ".wh.", "d/.wh...")) {
      Path root = Files.createDirectories(store.resolve(".tmp-" + name.length()));
      ImageException e =
          assertThrows(
              ImageException.class,
              () ->
                  LayerUnpacker.unpack(
                      new ByteArrayInputStream(new TestTar().dir("d", 0755).file(name, "").bytes()),
                      root));
      assertEquals(ImageException.Reason.BAD_LAYER, e.reason());
      assertTrue(e.getMessage().contains("\"" + name + "\""), e.getMessage());
      assertEquals("kept", Files.readString(other));
      assertTrue(Files.isDirectory(root.resolve("d")));
    }
  }

  @Test
  void decompressionBombStopsAtTheCap() throws Exception {
    byte[] tar = new TestTar().file("a", "x").bytes();
    byte[] bomb =
        TestTar.gzip(
            java.util.Arrays.copyOf(tar, tar.length + (64 << 20))); // zeros after the archive
    assertTrue(bomb.length < 1 << 20);
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> LayerUnpacker.unpack(new ByteArrayInputStream(bomb), root(), 1 << 20));
    assertEquals(ImageException.Reason.BAD_LAYER, e.reason());
    assertTrue(e.getMessage().contains("decompresses to more than 1048576 bytes"), e.getMessage());
  }

  @Test
  void filesBeyondTheCapAreRefusedBeforeTheyAreWritten() throws Exception {
    byte[] tar =
        new TestTar().file("small", "x".repeat(1000)).file("big", "y".repeat(2 << 20)).bytes();
    Path root = root();
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> LayerUnpacker.unpack(new ByteArrayInputStream(TestTar.gzip(tar)), root, 1 << 20));
    assertTrue(
        e.getMessage().contains("\"big\": the layer's files exceed 1048576 bytes"), e.getMessage());
    assertFalse(Files.exists(root.resolve("big")));
  }

  @Test
  void zeroRunsBecomeHoles() throws Exception {
    String content = "head" + "\0".repeat(4 << 20) + "tail" + "\0".repeat(1 << 20);
    Path root = root();
    LayerUnpacker.unpack(new ByteArrayInputStream(new TestTar().file("f", content).bytes()), root);
    Path f = root.resolve("f");
    assertEquals(content, Files.readString(f));
    assertTrue(io.jcri.images.Allocated.bytes(f) < 1 << 20, "zeros are holes");
  }

  private void assertRefused(byte[] tar) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("r" + System.nanoTime()));
    ImageException e =
        assertThrows(
            ImageException.class, () -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), root));
    assertEquals(ImageException.Reason.BAD_LAYER, e.reason());
    assertFalse(Files.exists(tmp.resolve("escaped")), "nothing written outside");
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().equals("escaped")));
    }
  }
}
