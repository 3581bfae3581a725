package io.jcri.runtime.fakes;

import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.store.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the lifecycle unit tests share: a layout in a temp dir, one runtime handler, events as they
 * are published.
 */
public final class TestNode {
  public final Layout layout;
  public final RuntimeHandlers handlers;
  public final LifecycleEvents events = new LifecycleEvents();
  public final List<String> published = Collections.synchronizedList(new ArrayList<>());
  public final OciOptions oci =
      new OciOptions(
          OciOptions.DEFAULT_CAPABILITIES,
          -999,
          true,
          Path.of("/nonexistent/seccomp"),
          false,
          false,
          "cgroupfs",
          List.of(),
          List.of(),
          List.of());

  public TestNode(Path dir) {
    layout = new Layout(dir.resolve("root"), dir.resolve("state"));
    handlers =
        new RuntimeHandlers(
            new JcriConfig.Runtimes(
                "runc", Map.of("runc", new JcriConfig.Handler(Path.of("/bin/true")))),
            Path.of("/bin/true"),
            layout.runtimes(),
            dir.resolve("root/userns-probe"));
    events.subscribe(e -> published.add(e.kind() + " " + e.containerId().substring(0, 4)));
  }

  /** Copies the records of the previous release's shape (test resources records/v0) into dir. */
  public static void installRecords(Path dir, String... names) throws IOException {
    Files.createDirectories(dir);
    for (String name : names) {
      try (var in = TestNode.class.getResourceAsStream("/records/v0/" + name)) {
        String json = new String(in.readAllBytes());
        String id =
            json.substring(json.indexOf("\"id\":\"") + 6, json.indexOf("\"id\":\"") + 6 + 64);
        Files.writeString(dir.resolve(id + ".json"), json);
      }
    }
  }

  /** Every regular file and directory left below dir (empty when dir is gone). */
  public static List<Path> leftIn(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> !p.equals(dir)).toList();
    }
  }
}
