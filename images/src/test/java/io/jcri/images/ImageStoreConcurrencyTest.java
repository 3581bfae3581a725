package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.ImageException.Reason;
import io.jcri.images.registry.Digests;
import io.jcri.images.store.Snapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls, removes of images that share layers, and leases (what CreateContainer holds from lookup to
 * the overlay mount) race for a while; a leased image's snapshots are whole for as long as the
 * lease lasts, and afterwards every listed image is whole and nothing unreferenced is left.
 */
class ImageStoreConcurrencyTest {
  private static final Duration RUN = Duration.ofSeconds(20);
  private static final int BASE_FILES = 400;

  @TempDir Path root;

  @Test
  void pullsRemovesAndLeasesRaceWithoutHalfDeletedImages() throws Exception {
    Map<String, Integer> filesOfChain = new HashMap<>();
    List<String> refs = new ArrayList<>();
    try (FakeRegistry registry = new FakeRegistry()) {
      List<byte[]> bases = List.of(base("b0"), base("b1"));
      for (int k = 0; k < 4; k++) {
        byte[] top = new TestTar().file("top/" + k, "t" + k).bytes();
        List<byte[]> tars = List.of(bases.get(k % 2), top);
        registry.image(
            "race/app" + k, "v1", "amd64", null, tars, tars.stream().map(TestTar::gzip).toList());
        List<String> chain = Snapshots.chainIds(tars.stream().map(Digests::sha256).toList());
        filesOfChain.put(chain.get(0), BASE_FILES);
        filesOfChain.put(chain.get(1), 1);
        refs.add(registry.host() + "/race/app" + k + ":v1");
      }
      ImageStore store =
          ImageStore.open(
              root,
              new ImageOptions(Map.of(), null, "linux", "amd64", "", Duration.ofSeconds(10), 2));
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      AtomicInteger pulls = new AtomicInteger();
      AtomicInteger removes = new AtomicInteger();
      AtomicInteger refusedRemoves = new AtomicInteger();
      AtomicInteger leases = new AtomicInteger();
      AtomicLong slowestList = new AtomicLong();
      long end = System.nanoTime() + RUN.toNanos();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        threads.add(
            worker(
                end,
                failures,
                () -> {
                  store.pull(any(refs), Credentials.NONE);
                  pulls.incrementAndGet();
                }));
        threads.add(
            worker(
                end,
                failures,
                () -> {
                  try {
                    store.remove(any(refs));
                    removes.incrementAndGet();
                    Thread.sleep(1);
                  } catch (ImageException e) {
                    if (e.reason() != Reason.IN_USE) {
                      throw e;
                    }
                    refusedRemoves.incrementAndGet();
                  }
                }));
        threads.add(
            worker(
                end,
                failures,
                () -> {
                  Optional<ImageLease> lease = store.lease(any(refs));
                  if (lease.isPresent()) {
                    try (ImageLease l = lease.get()) {
                      assertWhole(l.image(), l.lowerDirs(), filesOfChain);
                      Thread.sleep(ThreadLocalRandom.current().nextInt(5));
                      assertEquals(
                          Reason.IN_USE,
                          org.junit.jupiter.api.Assertions.assertThrows(
                                  ImageException.class, () -> store.remove(l.image().id()))
                              .reason());
                      assertWhole(l.image(), l.lowerDirs(), filesOfChain);
                    }
                    leases.incrementAndGet();
                  }
                }));
      }
      threads.add(
          worker(
              end,
              failures,
              () -> {
                long t0 = System.nanoTime();
                store.list();
                slowestList.accumulateAndGet(System.nanoTime() - t0, Math::max);
                Thread.sleep(1);
              }));
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(List.of(), List.copyOf(failures));
      System.out.printf(
          "race: pulls=%d remove_calls=%d refused_removes=%d leases=%d slowest_list_ms=%.1f%n",
          pulls.get(), removes.get(), refusedRemoves.get(), leases.get(), slowestList.get() / 1e6);
      assertTrue(pulls.get() > 10 && removes.get() > 10 && leases.get() > 10, "the workers raced");

      Set<String> referencedChains = new HashSet<>();
      Set<String> referencedBlobs = new HashSet<>();
      for (Image image : store.list()) {
        assertWhole(image, store.lowerDirs(image.id()), filesOfChain);
        referencedChains.addAll(image.chainIds());
        referencedBlobs.add(image.id());
        referencedBlobs.addAll(image.layerDigests());
        referencedBlobs.addAll(image.manifestDigests());
      }
      assertEquals(
          referencedChains,
          names(root.resolve("images/snapshots")),
          "no orphaned or temporary snapshot");
      assertEquals(referencedBlobs, names(root.resolve("images/blobs/sha256")), "no orphaned blob");
      assertEquals(
          Set.copyOf(store.list()),
          Set.copyOf(
              ImageStore.open(
                      root,
                      new ImageOptions(
                          Map.of(), null, "linux", "amd64", "", Duration.ofSeconds(10), 2))
                  .list()));
    }
  }

  private static byte[] base(String name) {
    TestTar t = new TestTar().dir(name, 0755);
    for (int i = 0; i < BASE_FILES; i++) {
      t.file(name + "/f" + i, name + i);
    }
    return t.bytes();
  }

  private static void assertWhole(
      Image image, List<Path> lowerDirs, Map<String, Integer> filesOfChain) throws Exception {
    List<String> chain = image.chainIds().reversed();
    for (int i = 0; i < lowerDirs.size(); i++) {
      try (Stream<Path> s = Files.walk(lowerDirs.get(i))) {
        assertEquals(
            filesOfChain.get(chain.get(i)).longValue(),
            s.filter(Files::isRegularFile).count(),
            image.id() + " layer " + chain.get(i));
      }
    }
  }

  private static Set<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return new HashSet<>(s.map(p -> "sha256:" + p.getFileName()).toList());
    }
  }

  private static String any(List<String> refs) {
    return refs.get(ThreadLocalRandom.current().nextInt(refs.size()));
  }

  private interface Step {
    void run() throws Exception;
  }

  private static Thread worker(long end, ConcurrentLinkedQueue<String> failures, Step step) {
    return Thread.ofPlatform()
        .start(
            () -> {
              while (System.nanoTime() < end && failures.isEmpty()) {
                try {
                  step.run();
                } catch (Throwable t) {
                  failures.add(t.toString());
                }
              }
            });
  }
}
