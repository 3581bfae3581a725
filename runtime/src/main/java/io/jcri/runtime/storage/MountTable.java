package io.jcri.runtime.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads /proc/self/mountinfo: which mount holds a path, and how it propagates. */
public final class MountTable {
  private MountTable() {}

  /** The mount point of the mount that contains path (after resolving symlinks). */
  public static Path mountPointOf(Path path) throws IOException {
    Path real = path.toRealPath();
    Path best = Path.of("/");
    for (String line : lines()) {
      Path mp = Path.of(unescape(line.split(" ")[4]));
      if (real.startsWith(mp) && mp.getNameCount() >= best.getNameCount()) {
        best = mp;
      }
    }
    return best;
  }

  /** The optional fields of the mount at mountPoint, e.g. "shared:1" or "master:2", or "" when private. */
  public static String propagation(Path mountPoint) throws IOException {
    String propagation = "";
    for (String line : lines()) {
      String[] f = line.split(" ");
      if (unescape(f[4]).equals(mountPoint.toString())) {
        StringBuilder opt = new StringBuilder();
        for (int i = 6; i < f.length && !f[i].equals("-"); i++) {
          opt.append(f[i]).append(' ');
        }
        propagation = opt.toString().replace("master:", "slave:").trim();
      }
    }
    return propagation;
  }

  private static List<String> lines() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo"));
  }

  private static String unescape(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
