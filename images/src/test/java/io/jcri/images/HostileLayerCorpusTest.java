package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.ImageException.Reason;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every hostile layer of {@link HostileLayers} pulled through the fake registry into a store that
 * already holds a good image, beside a canary tree: the pull fails or succeeds as the corpus says,
 * and the canary, the good image's snapshots and its record are byte for byte what they were.
 */
class HostileLayerCorpusTest {
  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> everyHostileLayer() {
    List<HostileLayers.Case> cases = HostileLayers.all(tmp.resolve("canary"));
    return cases.stream()
        .map(c -> DynamicTest.dynamicTest(c.name(), () -> pull(c, cases.indexOf(c))));
  }

  private void pull(HostileLayers.Case c, int n) throws Throwable {
    Path root = tmp.resolve("node-" + n);
    Path canary = tmp.resolve("canary");
    Path besideStore = root.resolve("canary");
    HostileLayers.plantCanary(canary);
    HostileLayers.plantCanary(besideStore);
    try (FakeRegistry registry = new FakeRegistry()) {
      ImageStore store =
          ImageStore.open(
              root,
              new ImageOptions(Map.of(), null, "linux", "amd64", "", Duration.ofSeconds(5), 2));
      byte[] good = new TestTar().dir("bin", 0755).file("bin/app", 0755, 0, 0, "#!app").bytes();
      byte[] good2 = new TestTar().dir("etc", 0755).file("etc/conf", "c").bytes();
      registry.image(
          "good/app",
          "v1",
          "amd64",
          null,
          List.of(good, good2),
          List.of(TestTar.gzip(good), TestTar.gzip(good2)));
      Image kept = store.pull(registry.host() + "/good/app:v1", Credentials.NONE);
      Map<Path, String> before = hashes(root, canary, besideStore, store, kept);

      List<byte[]> layers = c.layers();
      registry.image(
          "hostile/app", "v1", "amd64", null, layers, layers.stream().map(TestTar::gzip).toList());
      String ref = registry.host() + "/hostile/app:v1";
      if (c.refusedEntry() != null) {
        ImageException e =
            assertThrows(ImageException.class, () -> store.pull(ref, Credentials.NONE));
        if (!c.refusedEntry().isEmpty()) {
          assertEquals(Reason.BAD_LAYER, e.reason(), e.getMessage());
          assertTrue(
              e.getMessage().contains(c.refusedEntry()), "names the entry: " + e.getMessage());
        }
        assertTrue(store.find(ref).isEmpty());
        try (Stream<Path> s = Files.list(root.resolve("images/snapshots"))) {
          assertEquals(
              List.of(),
              s.filter(p -> p.getFileName().toString().startsWith(".")).toList(),
              "no temporary snapshot is left");
        }
      } else {
        Image image = store.pull(ref, Credentials.NONE);
        c.check().accept(store.lowerDirs(image.id()).getFirst());
      }
      assertEquals(
          before,
          hashes(root, canary, besideStore, store, kept),
          "nothing outside the new snapshot changed");
      assertEquals(kept, store.find(kept.id()).orElseThrow());
    }
  }

  private static Map<Path, String> hashes(
      Path root, Path canary, Path besideStore, ImageStore store, Image kept) {
    Map<Path, String> h = new LinkedHashMap<>();
    List<Path> trees =
        new ArrayList<>(
            List.of(
                canary,
                besideStore,
                root.resolve(
                    "images/records/" + io.jcri.images.registry.Digests.hex(kept.id()) + ".json")));
    trees.addAll(store.lowerDirs(kept.id()));
    for (Path t : trees) {
      h.put(t, TreeHash.of(t));
    }
    return h;
  }

  static void assertFileType(Path p, int type) throws Exception {
    assertNotNull(p);
    assertEquals(
        type,
        (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
        p.toString());
  }

  static void assertGone(Path p) {
    assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS), p + " must not exist");
  }
}
