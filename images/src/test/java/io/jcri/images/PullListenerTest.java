package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.registry.Digests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener hears of the layer bytes a pull really receives, not of the image's size. */
class PullListenerTest {
  @TempDir Path root;
  FakeRegistry registry;
  ImageStore store;
  final Recorder heard = new Recorder();

  private final byte[] base =
      new TestTar().dir("bin", 0755).file("bin/app", 0755, 0, 0, "#!app").bytes();
  private final byte[] top = new TestTar().file("etc/y", "2").bytes();
  private final byte[] otherTop = new TestTar().file("etc/z", "3".repeat(5000)).bytes();

  /** Every call, and the received bytes summed per registry. */
  static final class Recorder implements PullListener {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong received = new AtomicLong();

    @Override
    public void started(String registry) {
      events.add("started " + registry);
    }

    @Override
    public void received(String registry, long bytes) {
      assertTrue(bytes > 0);
      received.addAndGet(bytes);
    }

    @Override
    public void finished(String registry, long receivedBytes, long nanos) {
      assertTrue(nanos > 0);
      events.add("finished " + registry + " " + receivedBytes);
    }

    @Override
    public void failed(String registry, String reason, long nanos) {
      events.add("failed " + registry + " " + reason);
    }

    /** The events since the last call, and the bytes received meanwhile. */
    List<String> take() {
      synchronized (events) {
        List<String> out = new ArrayList<>(events);
        out.add("received " + received.getAndSet(0));
        events.clear();
        return out;
      }
    }
  }

  @BeforeEach
  void start() throws Exception {
    registry = new FakeRegistry();
    store =
        ImageStore.open(
            root, new ImageOptions(Map.of(), null, "linux", "amd64", "", Duration.ofSeconds(2), 2));
    store.setPullListener(heard);
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  private String push(String repo, byte[] upper) {
    registry.image(
        repo,
        "v1",
        "amd64",
        null,
        List.of(base, upper),
        List.of(TestTar.gzip(base), TestTar.gzip(upper)));
    return registry.host() + "/" + repo + ":v1";
  }

  @Test
  void receivedBytesAreTheLayersFetchedAndNothingForLayersPresent() throws Exception {
    String host = registry.host();
    long layers = TestTar.gzip(base).length + TestTar.gzip(top).length;
    String app = push("test/app", top);

    store.pull(app, Credentials.NONE);
    assertEquals(
        List.of("started " + host, "finished " + host + " " + layers, "received " + layers),
        heard.take(),
        "a fresh pull receives the compressed layers");

    store.pull(app, Credentials.NONE);
    assertEquals(
        List.of("started " + host, "finished " + host + " 0", "received 0"),
        heard.take(),
        "a re-pull receives no layer bytes");

    String other = push("test/other", otherTop);
    long otherTopBytes = TestTar.gzip(otherTop).length;
    store.pull(other, Credentials.NONE);
    assertEquals(
        List.of(
            "started " + host,
            "finished " + host + " " + otherTopBytes,
            "received " + otherTopBytes),
        heard.take(),
        "only the layer not already present");
  }

  @Test
  void aFailedPullStillCountsTheBytesItReceived() throws Exception {
    String app = push("test/app", top);
    byte[] topBlob = TestTar.gzip(top);
    registry.blobFaults.put(Digests.sha256(topBlob), FakeRegistry.Fault.WRONG_BYTES);
    assertThrows(ImageException.class, () -> store.pull(app, Credentials.NONE));
    List<String> events = heard.take();
    assertEquals(
        List.of("started " + registry.host(), "failed " + registry.host() + " registry"),
        events.subList(0, 2));
    long received = Long.parseLong(events.get(2).substring("received ".length()));
    assertTrue(
        received >= topBlob.length && received <= topBlob.length + TestTar.gzip(base).length,
        "the wrong blob's bytes were received: " + events);
  }
}
