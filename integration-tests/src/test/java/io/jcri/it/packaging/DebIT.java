package io.jcri.it.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.it.Jcrid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The .deb that `mvn package` builds: installed on this machine with apt-get, jcrid started from
 * /usr/bin/jcrid on its own Java runtime answers Version, and a purge leaves nothing behind.
 * Skipped where dpkg is absent or a jcri package is already installed (it is not ours to remove).
 */
class DebIT {
  private static final Path TARGET =
      Path.of(System.getProperty("jcri.dist", "../packaging/target/jcri-0.1.0")).getParent();
  private static final List<String> RUNTIME_DEPENDENCIES =
      List.of("runc", "conmon", "catatonit", "containernetworking-plugins", "iptables", "libssl3");
  private static final List<Path> INSTALLED =
      List.of(
          Path.of("/usr/lib/jcri"),
          Path.of("/usr/bin/jcrid"),
          Path.of("/etc/jcri"),
          Path.of("/lib/systemd/system/jcrid.service"),
          Path.of("/usr/share/doc/jcri"));

  @Test
  void installsRunsJcridOnItsOwnRuntimeAndPurgesCleanly() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "dpkg is absent");
    assumeFalse(installed("jcri"), "a jcri package is installed already");
    Path deb = theDeb();
    Set<String> depends =
        new TreeSet<>(
            Arrays.asList(run("dpkg-deb", "-f", deb.toString(), "Depends").strip().split(", ")));
    assertEquals(new TreeSet<>(RUNTIME_DEPENDENCIES), depends);
    try {
      run(
          "apt-get",
          "install",
          "-y",
          "-q",
          "--no-install-recommends",
          "-o",
          "DPkg::Lock::Timeout=120",
          deb.toString());
      assertTrue(installed("jcri"));
      assertEquals(
          "/etc/jcri/jcri.toml",
          run("dpkg-query", "-W", "-f=${Conffiles}", "jcri").trim().split(" ")[0]);
      assertEquals(Path.of("/usr/lib/jcri/bin/jcrid"), Path.of("/usr/bin/jcrid").toRealPath());
      assertEquals(
          run("/usr/bin/jcrid", "config", "default"),
          Files.readString(Path.of("/etc/jcri/jcri.toml")));
      assertTrue(
          Files.readString(Path.of("/lib/systemd/system/jcrid.service"))
              .contains("\nExecStart=/usr/bin/jcrid --config /etc/jcri/jcri.toml\n"));
      assertTrue(
          Files.isRegularFile(Path.of("/usr/lib/jcri/lib/jcrid.aot")),
          "postinst built the AOT cache");
      if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
        assertFalse(
            Files.exists(Path.of("/etc/systemd/system/multi-user.target.wants/jcrid.service")),
            "not enabled without systemd");
      }
      assertTrue(
          runtimeModules().containsAll(jdepsModules()),
          "the jlinked runtime "
              + runtimeModules()
              + " lacks modules jdeps finds: "
              + jdepsModules());

      try (Jcrid d = Jcrid.startWith(Path.of("/usr/bin/jcrid"), "")) {
        VersionResponse v = d.runtime().version(VersionRequest.getDefaultInstance());
        assertEquals("jcri", v.getRuntimeName());
        assertEquals("0.1.0", v.getRuntimeVersion());
        assertEquals(
            Path.of("/usr/lib/jcri/runtime/bin/java"),
            Path.of("/proc/" + d.pid() + "/exe").toRealPath());
        assertEquals(0, d.stop());
      }

      run("dpkg", "--purge", "jcri");
      assertFalse(installed("jcri"));
      for (Path p : INSTALLED) {
        assertFalse(
            Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " left after purge");
      }
      for (String dependency : RUNTIME_DEPENDENCIES) {
        assertTrue(installed(dependency), dependency + " was removed with jcri");
      }
    } finally {
      if (installed("jcri")) {
        run("dpkg", "--purge", "jcri");
      }
    }
  }

  private static Path theDeb() throws IOException {
    try (Stream<Path> files = Files.list(TARGET)) {
      List<Path> debs =
          files.filter(p -> p.getFileName().toString().matches("jcri_.*_amd64\\.deb")).toList();
      assertEquals(
          1,
          debs.size(),
          "one .deb in " + TARGET + " (mvn package builds it where dpkg-deb exists): " + debs);
      return debs.get(0).toAbsolutePath();
    }
  }

  /** The modules the packaged runtime holds, from its release file. */
  private static Set<String> runtimeModules() throws IOException {
    for (String line : Files.readAllLines(Path.of("/usr/lib/jcri/runtime/release"))) {
      if (line.startsWith("MODULES=")) {
        return new TreeSet<>(
            Arrays.asList(line.substring("MODULES=".length()).replace("\"", "").split(" ")));
      }
    }
    throw new AssertionError("no MODULES in /usr/lib/jcri/runtime/release");
  }

  /** The JDK modules jcrid's jars use, as jdeps finds them. */
  private static Set<String> jdepsModules() throws IOException, InterruptedException {
    String jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                jdeps,
                "--ignore-missing-deps",
                "--multi-release",
                "25",
                "--print-module-deps",
                "--class-path",
                "/usr/lib/jcri/lib/*"));
    try (Stream<Path> jars = Files.list(Path.of("/usr/lib/jcri/lib"))) {
      jars.filter(p -> p.toString().endsWith(".jar"))
          .map(Path::toString)
          .sorted()
          .forEach(cmd::add);
    }
    String out = run(cmd.toArray(String[]::new)).strip();
    String last = out.substring(out.lastIndexOf('\n') + 1); // after jdeps' split-package warnings
    return new TreeSet<>(Arrays.asList(last.split(",")));
  }

  private static boolean installed(String pkg) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", pkg)
            .redirectErrorStream(true)
            .start();
    String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.waitFor() == 0 && status.contains("install ok installed");
  }

  /** Runs argv (non-interactive apt), returns its output; fails the test on a non-zero exit. */
  private static String run(String... argv) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", argv) + ":\n" + out);
    return out;
  }
}
