package io.jcri.images;

import io.jcri.images.registry.Digests;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest of a whole tree, byte for byte: every entry's relative path, type, mode, owner, device
 * number, mtime, content or link target and overlay xattr, in a fixed order.
 */
final class TreeHash {
  private TreeHash() {}

  static String of(Path dir) {
    MessageDigest sha = Digests.newSha256();
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return "absent";
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted().toList()) {
        sha.update(describe(dir, p).getBytes(StandardCharsets.UTF_8));
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          sha.update(Files.readAllBytes(p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Digests.format(sha.digest());
  }

  private static String describe(Path dir, Path p) throws IOException {
    var a =
        Files.readAttributes(
            p, "unix:mode,uid,gid,rdev,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS);
    String link = Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : "";
    byte[] opaque = Syscalls.lgetxattr(p, "trusted.overlay.opaque");
    return String.join(
            "|",
            List.of(
                dir.relativize(p).toString(),
                String.valueOf(a.get("mode")),
                String.valueOf(a.get("uid")),
                String.valueOf(a.get("gid")),
                String.valueOf(a.get("rdev")),
                String.valueOf(a.get("lastModifiedTime")),
                String.valueOf(a.get("size")),
                link,
                opaque == null ? "" : new String(opaque, StandardCharsets.ISO_8859_1)))
        + "\n";
  }
}
