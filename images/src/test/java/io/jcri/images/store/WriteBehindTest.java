package io.jcri.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindTest {
  @TempDir Path dir;

  @Test
  void requestsDuringAFlushBecomeOneMoreFlushAndTheThreadEndsWhenIdle() throws Exception {
    WriteBehind writeBehind = new WriteBehind(dir);
    List<Thread> requesters = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      requesters.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int j = 0; j < 50; j++) {
                      writeBehind.request();
                    }
                  }));
    }
    for (Thread t : requesters) {
      t.join();
    }
    awaitIdle();
    long afterBurst = writeBehind.flushes();
    assertTrue(afterBurst >= 1 && afterBurst < 400, "flushes after 400 requests: " + afterBurst);

    writeBehind.request(); // idle again: exactly one new flush, on a new thread
    awaitIdle();
    assertEquals(afterBurst + 1, writeBehind.flushes());
  }

  @Test
  void aDroppedRequestIsNotFlushedAfterTheRunningFlush() throws Exception {
    WriteBehind writeBehind = new WriteBehind(dir);
    writeBehind.request();
    writeBehind.request(); // pending behind the first, or merged into it
    writeBehind.dropPending();
    awaitIdle();
    // the first flush may have started before the drop; nothing runs after it
    assertTrue(writeBehind.flushes() <= 1, "flushes: " + writeBehind.flushes());
  }

  @Test
  void aFlushThatFailsIsNotTheCallersError() throws Exception {
    WriteBehind writeBehind = new WriteBehind(dir.resolve("missing"));
    writeBehind.request();
    awaitIdle();
    assertEquals(1, writeBehind.flushes());
  }

  private static void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("jcri-write-behind"))) {
      assertTrue(System.nanoTime() < deadline, "write-behind thread still running after 10 s");
      Thread.sleep(5);
    }
  }
}
