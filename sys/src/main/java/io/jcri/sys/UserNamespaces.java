package io.jcri.sys;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user namespace with one UID and one GID mapping, and the network, IPC and UTS namespaces it
 * owns, all pinned by bind mounts. A multi-threaded process such as the JVM cannot enter a new user
 * namespace, so a short-lived child ({@code unshare --user … cat}) creates them in one unshare(2),
 * which makes the user namespace first and the owner of the others; jcrid writes its ID maps, pins
 * its namespaces and lets it exit.
 */
public final class UserNamespaces {
  /**
   * The unshare(1) option and /proc/PID/ns entry of each namespace kind besides the user namespace.
   */
  private static final Map<Integer, String[]> KINDS =
      Map.of(
          LibC.CLONE_NEWNET, new String[] {"--net", "net"},
          LibC.CLONE_NEWIPC, new String[] {"--ipc", "ipc"},
          LibC.CLONE_NEWUTS, new String[] {"--uts", "uts"});

  private UserNamespaces() {}

  /** One line of /proc/PID/uid_map or gid_map: length IDs from containerId on map to hostId on. */
  public record IdMap(long containerId, long hostId, long length) {
    String line() {
      return containerId + " " + hostId + " " + length + "\n";
    }
  }

  /** Something to do while the namespaces exist, given the user namespace as /proc/PID/ns/user. */
  public interface WithUserns<T> {
    T run(Path userns) throws IOException;
  }

  /**
   * Creates the user namespace (pinned at userPin) and the namespaces of the given kinds
   * (CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS → pin path) owned by it; on failure nothing stays
   * pinned.
   */
  public static void createPinned(IdMap uids, IdMap gids, Path userPin, Map<Integer, Path> pins)
      throws IOException {
    Map<String, Path> byName = new LinkedHashMap<>();
    byName.put("user", userPin);
    List<String> options = new ArrayList<>();
    for (var e : pins.entrySet()) {
      String[] kind = KINDS.get(e.getKey());
      if (kind == null) {
        throw new IllegalArgumentException(
            "cannot pin namespace kind " + Integer.toHexString(e.getKey()));
      }
      options.add(kind[0]);
      byName.put(kind[1], e.getValue());
    }
    List<Path> created = new ArrayList<>();
    try {
      withChild(
          uids,
          gids,
          options,
          userns -> {
            Path nsDir = userns.getParent();
            for (var e : byName.entrySet()) {
              Files.createDirectories(e.getValue().getParent());
              Files.createFile(e.getValue());
              created.add(e.getValue());
              Syscalls.bindMount(nsDir.resolve(e.getKey()), e.getValue());
            }
            return null;
          });
    } catch (IOException | RuntimeException e) {
      for (Path pin : created) {
        Namespaces.unpin(pin);
      }
      throw e;
    }
  }

  /**
   * Runs work while a throwaway user namespace with these maps exists (to probe what the kernel
   * allows).
   */
  public static <T> T withTemporary(IdMap uids, IdMap gids, WithUserns<T> work) throws IOException {
    return withChild(uids, gids, List.of(), work);
  }

  private static <T> T withChild(IdMap uids, IdMap gids, List<String> options, WithUserns<T> work)
      throws IOException {
    List<String> argv = new ArrayList<>(List.of("unshare", "--user"));
    argv.addAll(options);
    argv.addAll(List.of("--", "cat"));
    ProcessBuilder builder =
        new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process child = Command.start(builder);
    try (OutputStream in = child.getOutputStream();
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      // cat echoing a line proves unshare(2) is done and the namespaces are the child's
      in.write("ready\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      if (!"ready".equals(out.readLine())) {
        throw new IOException(
            "unshare --user "
                + String.join(" ", options)
                + " exited with "
                + exitCode(child)
                + " before creating the namespaces (are user namespaces disabled?)");
      }
      Path proc = Path.of("/proc", String.valueOf(child.pid()));
      // one write(2) each, without O_TRUNC (a map is written once)
      Files.writeString(proc.resolve("uid_map"), uids.line(), StandardOpenOption.WRITE);
      Files.writeString(proc.resolve("gid_map"), gids.line(), StandardOpenOption.WRITE);
      return work.run(proc.resolve("ns/user"));
    } finally {
      child.destroyForcibly();
      try {
        child.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ChildReaper.disown(child);
    }
  }

  private static String exitCode(Process child) {
    try {
      return String.valueOf(child.waitFor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
