package io.jcri.runtime.stats;

import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Real cgroups made for a test: the same path under the cgroup v1 mounts of the controllers stats
 * read (cpuacct, memory, pids) and under the v2 mount when it is writable. Found from
 * /proc/self/mountinfo independently of the code under test.
 */
final class TestCgroups implements AutoCloseable {
  private static final Set<String> READ_CONTROLLERS = Set.of("cpuacct", "memory", "pids");

  /** A mounted hierarchy; controllers of a v2 one are those its root enables. */
  private record Hierarchy(Path point, Set<String> controllers) {}

  private record Created(Hierarchy hierarchy, Path dir) {}

  final String path;
  private final List<Created> created = new ArrayList<>(); // parents before children

  private TestCgroups(String path) {
    this.path = path;
  }

  private static List<Hierarchy> hierarchies() throws IOException {
    List<Hierarchy> found = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      Path point = Path.of(f[4]);
      if (f[dash + 1].equals("cgroup")) {
        Set<String> controllers = Set.of(f[dash + 3].split(","));
        if (controllers.stream().anyMatch(READ_CONTROLLERS::contains)) {
          found.add(new Hierarchy(point, controllers));
        }
      } else if (f[dash + 1].equals("cgroup2")) {
        found.add(
            new Hierarchy(
                point,
                Set.of(Files.readString(point.resolve("cgroup.controllers")).trim().split(" "))));
      }
    }
    return found;
  }

  /** Creates path (and its parents) in every hierarchy where that is allowed. */
  static TestCgroups create(String path) throws IOException {
    TestCgroups cgroups = new TestCgroups(path);
    for (Hierarchy hierarchy : hierarchies()) {
      Path dir = hierarchy.point();
      for (String part : path.substring(1).split("/")) {
        dir = dir.resolve(part);
        try {
          Files.createDirectory(dir);
          cgroups.created.add(new Created(hierarchy, dir));
        } catch (IOException e) {
          break; // a read-only or delegated-away v2 mount: stats then come from v1 alone
        }
      }
    }
    return cgroups;
  }

  /** Moves pid into the cgroup in every hierarchy it was created in. */
  void add(long pid) throws IOException {
    for (Path dir : leaves()) {
      Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
    }
  }

  /**
   * This cgroup's directory in the hierarchy holding the memory controller, if it was created
   * there.
   */
  Optional<Path> memoryDir() {
    return created.stream()
        .filter(c -> c.dir().endsWith(path.substring(1)))
        .filter(c -> c.hierarchy().controllers().contains("memory"))
        .map(Created::dir)
        .findFirst();
  }

  private List<Path> leaves() {
    return created.stream().map(Created::dir).filter(d -> d.endsWith(path.substring(1))).toList();
  }

  /**
   * Kills what is left in the cgroups (a test's shell may leave children) and removes them,
   * children first, retrying while the kernel still counts exiting tasks.
   */
  @Override
  public void close() throws Exception {
    for (Path dir : leaves()) {
      for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        Syscalls.kill(Integer.parseInt(pid.trim()), 9);
      }
    }
    for (int i = created.size() - 1; i >= 0; i--) {
      for (int attempt = 0; ; attempt++) {
        try {
          Files.deleteIfExists(created.get(i).dir());
          break;
        } catch (IOException e) {
          if (attempt == 50) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }
}
