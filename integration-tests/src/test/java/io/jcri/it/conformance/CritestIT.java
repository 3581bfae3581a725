package io.jcri.it.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.it.Jcrid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * critest, the CRI validation suite, against the real daemon — only when a critest binary is on
 * PATH and the offline image environment (../shared/critest-env) is beside the checkout. The one
 * spec that cannot pass offline is the fixed-digest image pull.
 */
class CritestIT {
  private static final String DIGEST_SPEC = "public image with digest should be pulled and removed";

  @Test
  void passesEverySpecThatCanPassOffline() throws Exception {
    Path critest = onPath("critest");
    Path env =
        Path.of(System.getProperty("jcri.repo", "..")).resolve("../shared/critest-env").normalize();
    assumeTrue(critest != null, "critest is not on PATH");
    assumeTrue(Files.isExecutable(env.resolve("run-critest.sh")), "no critest-env at " + env);
    run(List.of(env.resolve("registry.sh").toString(), "start"));
    run(List.of(env.resolve("build-images.sh").toString()));

    String mirrors =
        Stream.of("registry.k8s.io", "gcr.io", "public.ecr.aws")
            .map(h -> "[registries.\"" + h + "\"]\nmirrors = [\"http://localhost:5000\"]\n")
            .reduce("", String::concat);
    try (Jcrid d = Jcrid.start(mirrors)) {
      Path out = d.home().resolve("critest");
      ProcessBuilder pb =
          new ProcessBuilder(
                  env.resolve("run-critest.sh").toString(),
                  "-e",
                  d.endpoint(),
                  "-o",
                  out.toString())
              .redirectErrorStream(true)
              .redirectOutput(d.home().resolve("critest.out").toFile());
      pb.environment().put("CRITOOLS_BIN", critest.getParent().toString());
      Process p = pb.start();
      assertTrue(p.waitFor(30, TimeUnit.MINUTES), "critest finished within 30 minutes");
      String summary = Files.readString(out.resolve("summary.txt"));
      System.out.println("critest " + critest + ":\n" + summary);
      Matcher counts = Pattern.compile("passed: (\\d+)\\s+failed: (\\d+)").matcher(summary);
      assertTrue(counts.find(), summary);
      List<String> failures = summary.lines().filter(l -> l.startsWith("FAIL")).toList();
      assertTrue(
          failures.stream().allMatch(f -> f.contains(DIGEST_SPEC)), String.join("\n", failures));
      assertTrue(
          Integer.parseInt(counts.group(1)) >= 79, summary.lines().limit(3).toList().toString());
      assertEquals(failures.size(), Integer.parseInt(counts.group(2)));
    }
  }

  private static Path onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static void run(List<String> cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // build-images.sh reads the Debian mirror from apt sources; a deb822-only machine needs it said
    pb.environment().putIfAbsent("DEBIAN_MIRROR", "http://deb.debian.org/debian");
    pb.environment().putIfAbsent("DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
  }
}
