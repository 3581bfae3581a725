package io.jcri.images;

import static io.jcri.images.HostileLayerCorpusTest.assertFileType;
import static io.jcri.images.HostileLayerCorpusTest.assertGone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * The hostile-layer corpus: generated tars that try to leave their snapshot, confuse the whiteout
 * handling or smuggle something dangerous, each with what the store must do with it.
 */
final class HostileLayers {
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFLNK = 0120000;

  /**
   * layers: uncompressed tars, the last one is the image's top; refusedEntry: null when the pull
   * succeeds (then check sees the top snapshot), "" when it fails for a reason other than a refused
   * entry (a broken tar), else the name the BAD_LAYER message must quote.
   */
  record Case(String name, List<byte[]> layers, String refusedEntry, ThrowingConsumer<Path> check) {
    @Override
    public String toString() {
      return name;
    }
  }

  private HostileLayers() {}

  /** A small tree with a file, a subdirectory and a symlink: what an escape would hit. */
  static void plantCanary(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("file"), "canary");
    Files.writeString(dir.resolve("sub/deep"), "deep");
    Files.createSymbolicLink(dir.resolve("link"), Path.of("file"));
  }

  static List<Case> all(Path canary) {
    String abs = canary.toString();
    List<Case> c = new ArrayList<>();
    // whiteouts whose target is not a plain child name: the wipe of images/snapshots
    for (String dir : List.of("", "etc/")) {
      for (String target : List.of("..", ".", "")) {
        String name = dir + ".wh." + target;
        c.add(
            refused(
                "whiteout '" + name + "'",
                tar(t -> t.dir("etc", 0755).file("etc/keep", "k").file(name, "")),
                name));
      }
    }
    c.add(
        refused(
            "whiteout '.wh...' as a directory entry",
            tar(t -> t.dir("a/.wh.../", 0755)),
            ".wh..."));
    c.add(
        refused(
            "a whiteout name is checked where a NUL ends it",
            tar(t -> t.paxFile("x", Map.of("path", "etc/.wh..\u0000x"), "")),
            "etc/.wh.."));
    c.add(
        refused(
            "whiteout through an absolute symlink",
            tar(t -> t.symlink("out", abs).file("out/.wh.file", "")),
            "out/.wh.file"));
    c.add(
        refused(
            "whiteout through a climbing symlink",
            tar(t -> t.dir("a", 0755).symlink("a/up", "../../../..").file("a/up/.wh.canary", "")),
            "a/up/.wh.canary"));
    c.add(
        refused(
            "opaque marker through an absolute symlink",
            tar(t -> t.symlink("out", abs).file("out/.wh..wh..opq", "")),
            "out/.wh..wh..opq"));
    c.add(
        refused(
            "opaque marker through a climbing symlink",
            tar(t -> t.symlink("up", "..").file("up/.wh..wh..opq", "")),
            "up/.wh..wh..opq"));
    c.add(
        ok(
            "plain whiteout in a cleaned path",
            tar(t -> t.file("./etc/./.wh.passwd", "")),
            s -> {
              assertFileType(s.resolve("etc/passwd"), S_IFCHR);
              assertEquals(
                  0L,
                  ((Number) Files.getAttribute(s.resolve("etc/passwd"), "unix:rdev")).longValue());
            }));
    c.add(
        ok(
            "opaque marker at the layer root and as a directory entry",
            tar(
                t ->
                    t.file(".wh..wh..opq", "")
                        .dir("var/.wh..wh..opq/", 0755)
                        .file("var/kept", "k")),
            s -> {
              assertEquals("y", new String(Syscalls.lgetxattr(s, "trusted.overlay.opaque")));
              assertEquals(
                  "y", new String(Syscalls.lgetxattr(s.resolve("var"), "trusted.overlay.opaque")));
              assertGone(s.resolve("var/.wh..wh..opq"));
            }));
    c.add(
        ok(
            "aufs metadata whiteouts are ignored",
            tar(t -> t.dir(".wh..wh.plnk", 0700).file(".wh..wh.aufs", "").file("a", "a")),
            s -> {
              assertGone(s.resolve(".wh..wh.plnk"));
              assertGone(s.resolve(".wh.plnk"));
              assertGone(s.resolve(".wh..wh.aufs"));
              assertEquals("a", Files.readString(s.resolve("a")));
            }));
    c.add(
        ok(
            "whiteout replaces what the layer wrote before",
            tar(t -> t.dir("d", 0755).file("d/f", "x").file(".wh.d", "")),
            s -> assertFileType(s.resolve("d"), S_IFCHR)));

    // names
    c.add(
        refused(
            "'..' climbing out",
            tar(t -> t.file("../../canary/file", "pwned")),
            "../../canary/file"));
    c.add(
        refused(
            "'..' in the middle", tar(t -> t.dir("a", 0755).file("a/../../x", "x")), "a/../../x"));
    c.add(refused("'..' as a directory", tar(t -> t.dir("..", 0755)), ".."));
    c.add(refused("absolute name", tar(t -> t.file(abs + "/file", "pwned")), abs + "/file"));
    c.add(
        ok(
            "a name ends at a NUL",
            tar(t -> t.paxFile("x", Map.of("path", "a\u0000/../../b"), "x")),
            s -> assertEquals("x", Files.readString(s.resolve("a")))));
    c.add(refused("file named '.'", tar(t -> t.file(".", "x")), "."));
    c.add(
        ok(
            "'./' is the layer root",
            tar(t -> t.dir("./", 0750).file("a", "a")),
            s -> assertEquals(0750, (int) Files.getAttribute(s, "unix:mode") & 07777)));
    String longName = "l/" + "d".repeat(120) + "/" + "f".repeat(150);
    c.add(
        ok(
            "PAX long name",
            tar(t -> t.file(longName, "long")),
            s -> assertEquals("long", Files.readString(s.resolve(longName)))));
    c.add(
        ok(
            "GNU long name",
            tar(TarArchiveOutputStream.LONGFILE_GNU, t -> t.file(longName, "gnu")),
            s -> assertEquals("gnu", Files.readString(s.resolve(longName)))));
    String longEscape = "a/" + "../".repeat(40) + "x".repeat(20);
    c.add(refused("PAX long name climbing out", tar(t -> t.file(longEscape, "x")), longEscape));
    c.add(
        refused(
            "GNU long name climbing out",
            tar(TarArchiveOutputStream.LONGFILE_GNU, t -> t.file(longEscape, "x")),
            longEscape));
    String longLink = "../".repeat(40) + abs.substring(1) + "/file";
    c.add(
        refused(
            "GNU long hard link target climbing out",
            tar(TarArchiveOutputStream.LONGFILE_GNU, t -> t.hardlink("h", longLink)),
            "h"));

    // symlinks and hard links
    c.add(
        refused(
            "write through an absolute symlink",
            tar(t -> t.symlink("out", abs).file("out/new", "x")),
            "out/new"));
    c.add(
        refused(
            "write through a climbing symlink",
            tar(t -> t.symlink("up", "../../..").file("up/new", "x")),
            "up/new"));
    c.add(
        refused(
            "write through a chain of symlinks",
            tar(t -> t.symlink("a", "b").symlink("b", "c/../..").dir("c", 0755).file("a/new", "x")),
            "a/new"));
    c.add(
        refused(
            "symlink loop",
            tar(t -> t.symlink("a", "b").symlink("b", "a").file("a/x", "x")),
            "a/x"));
    c.add(
        refused(
            "directory through a symlink made earlier",
            tar(t -> t.symlink("d", abs).dir("d/sub/new", 0755)),
            "d/sub/new"));
    c.add(
        ok(
            "symlinks may point anywhere: they resolve inside the container",
            tar(t -> t.symlink("p", abs + "/file").symlink("q", "../../../../etc/shadow")),
            s -> {
              assertEquals(Path.of(abs + "/file"), Files.readSymbolicLink(s.resolve("p")));
              assertEquals(
                  Path.of("../../../../etc/shadow"), Files.readSymbolicLink(s.resolve("q")));
            }));
    c.add(
        ok(
            "a file replacing a symlink to outside does not write through it",
            tar(t -> t.symlink("p", abs + "/file").file("p", "mine")),
            s -> {
              assertFileType(s.resolve("p"), S_IFREG);
              assertEquals("mine", Files.readString(s.resolve("p")));
            }));
    c.add(
        ok(
            "a directory replacing a symlink to outside",
            tar(t -> t.symlink("p", abs).dir("p", 0755).file("p/new", "x")),
            s -> assertFileType(s.resolve("p"), S_IFDIR)));
    c.add(refused("absolute hard link", tar(t -> t.hardlink("h", abs + "/file")), "h"));
    c.add(refused("climbing hard link", tar(t -> t.hardlink("h", "../../../canary/file")), "h"));
    c.add(
        refused(
            "hard link through a symlink to outside",
            tar(t -> t.symlink("l", abs).hardlink("h", "l/file")),
            "h"));
    c.add(refused("hard link to a directory", tar(t -> t.dir("d", 0755).hardlink("h", "d")), "h"));
    c.add(refused("hard link to itself", tar(t -> t.hardlink("h", "h")), "h"));
    c.add(refused("hard link with no target", tar(t -> t.hardlink("h", "./")), "h"));
    c.add(
        ok(
            "hard link to a file replaced later in the same layer",
            tar(t -> t.file("a", "1").hardlink("h", "a").file("a", "2")),
            s -> {
              assertEquals("1", Files.readString(s.resolve("h")));
              assertEquals("2", Files.readString(s.resolve("a")));
            }));
    c.add(
        ok(
            "hard link to a symlink to outside links the symlink",
            tar(t -> t.symlink("l", abs + "/file").hardlink("h", "l")),
            s -> assertEquals(Path.of(abs + "/file"), Files.readSymbolicLink(s.resolve("h")))));
    c.add(
        refused(
            "hard link to a file of a lower layer",
            List.of(
                new TestTar().file("base", "b").bytes(),
                new TestTar().hardlink("h", "base").bytes()),
            "h"));
    c.add(
        ok(
            "a symlink to outside in a lower layer is a plain directory in the next",
            List.of(
                new TestTar().symlink("etc", abs).bytes(),
                new TestTar().file("etc/new", "x").bytes()),
            s -> {
              assertFileType(s.resolve("etc"), S_IFDIR);
              assertEquals("x", Files.readString(s.resolve("etc/new")));
            }));
    c.add(
        ok(
            "a file replaced by a symlink to outside in the next layer",
            List.of(
                new TestTar().file("f", "x").bytes(),
                new TestTar().symlink("f", abs + "/file").file("f2", "y").bytes()),
            s -> assertFileType(s.resolve("f"), S_IFLNK)));

    // what the layer may carry, and how
    c.add(
        ok(
            "device nodes are kept as the layer says",
            tar(
                t ->
                    t.node("mem", TarConstants.LF_CHR, 1, 1)
                        .node("disk", TarConstants.LF_BLK, 8, 0)),
            s -> {
              assertFileType(s.resolve("mem"), S_IFCHR);
              assertFileType(s.resolve("disk"), S_IFBLK);
              assertEquals(
                  0700,
                  (int) Files.getAttribute(s.getParent(), "unix:mode") & 07777,
                  "no host user reaches a snapshot");
            }));
    c.add(
        ok(
            "set-id bits are kept after the owner is set",
            tar(t -> t.file("su", 06755, 0, 0, "su").file("mine", 04755, 1000, 1000, "m")),
            s -> {
              assertEquals(06755, (int) Files.getAttribute(s.resolve("su"), "unix:mode") & 07777);
              assertEquals(04755, (int) Files.getAttribute(s.resolve("mine"), "unix:mode") & 07777);
              assertEquals(1000, Files.getAttribute(s.resolve("mine"), "unix:uid"));
            }));
    c.add(
        ok(
            "overlay xattrs in the layer are dropped",
            tar(
                t ->
                    t.paxFile(
                        "d",
                        Map.of(
                            "SCHILY.xattr.trusted.overlay.redirect",
                            "/etc",
                            "SCHILY.xattr.trusted.overlay.metacopy",
                            "",
                            "SCHILY.xattr.user.ok",
                            "1"),
                        "")),
            s -> {
              assertNull(Syscalls.lgetxattr(s.resolve("d"), "trusted.overlay.redirect"));
              assertNull(Syscalls.lgetxattr(s.resolve("d"), "trusted.overlay.metacopy"));
              assertEquals("1", new String(Syscalls.lgetxattr(s.resolve("d"), "user.ok")));
            }));
    c.add(
        ok(
            "huge sparse file stays sparse",
            tar(t -> t.rawPax(sparseOf(Integer.MAX_VALUE)).file("sparse", "x")),
            s -> {
              assertEquals(Integer.MAX_VALUE, Files.size(s.resolve("sparse")));
              assertTrue(Allocated.bytes(s.resolve("sparse")) < 1 << 20, "holes are not written");
            }));
    c.add(
        ok(
            "duplicate entries: the last one wins",
            tar(t -> t.file("a", "1").file("a", "2").dir("d", 0700).dir("d", 0755)),
            s -> {
              assertEquals("2", Files.readString(s.resolve("a")));
              assertEquals(0755, (int) Files.getAttribute(s.resolve("d"), "unix:mode") & 07777);
            }));
    c.add(
        ok(
            "a directory replaced by a file and back",
            tar(
                t ->
                    t.dir("d", 0755)
                        .file("d/old", "o")
                        .file("d", "file")
                        .dir("d", 0755)
                        .file("d/new", "n")),
            s -> {
              assertFileType(s.resolve("d"), S_IFDIR);
              assertGone(s.resolve("d/old"));
              assertEquals("n", Files.readString(s.resolve("d/new")));
            }));

    // broken archives
    byte[] good = new TestTar().file("a", "x".repeat(4000)).file("b", "y").bytes();
    byte[] badSum = good.clone();
    badSum[148] ^= 0x7; // the first header's checksum field
    c.add(refused("bad header checksum", List.of(badSum), "a"));
    c.add(refused("tar truncated inside a file", List.of(Arrays.copyOf(good, 1024)), ""));
    return c;
  }

  /** PAX headers (GNU sparse 0.1) of a file of size bytes whose only data is its first byte. */
  private static Map<String, String> sparseOf(long size) {
    Map<String, String> pax = new java.util.LinkedHashMap<>();
    pax.put("GNU.sparse.size", String.valueOf(size));
    pax.put("GNU.sparse.numblocks", "2");
    pax.put("GNU.sparse.map", "0,1," + size + ",0");
    return pax;
  }

  /** The tar one lambda writes. */
  private static List<byte[]> tar(java.util.function.UnaryOperator<TestTar> entries) {
    return List.of(entries.apply(new TestTar()).bytes());
  }

  private static List<byte[]> tar(
      int longFileMode, java.util.function.UnaryOperator<TestTar> entries) {
    return List.of(entries.apply(new TestTar(longFileMode)).bytes());
  }

  private static Case refused(String name, List<byte[]> layers, String entry) {
    return new Case(name, layers, entry, null);
  }

  private static Case ok(String name, List<byte[]> layers, ThrowingConsumer<Path> check) {
    return new Case(name, layers, null, check);
  }
}
