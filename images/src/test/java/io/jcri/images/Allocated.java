package io.jcri.images;

import java.io.IOException;
import java.nio.file.Path;

/** What a file takes on disk (stat's blocks), as opposed to its size: holes take nothing. */
public final class Allocated {
  private Allocated() {}

  public static long bytes(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
    String[] out = new String(p.getInputStream().readAllBytes()).strip().split(" ");
    if (p.waitFor() != 0) {
      throw new IOException("stat " + file + " failed");
    }
    return Long.parseLong(out[0]) * Long.parseLong(out[1]);
  }
}
