package io.jcri.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.sys.LibC;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncPipeTest {
  @TempDir Path dir;

  /** Issue 16: readers waiting for conmons not yet started must leave virtual threads a carrier. */
  @Test
  void syncFifoReadersWaitingForTheirWriterDoNotStarveVirtualThreads() throws Exception {
    int readers = 2 * Runtime.getRuntime().availableProcessors() + 2;
    List<Path> fifos = new ArrayList<>();
    List<CompletableFuture<String>> lines = new ArrayList<>();
    try {
      for (int i = 0; i < readers; i++) {
        Path fifo = dir.resolve("sync" + i);
        LibC.INSTANCE.mkfifo(fifo.toString(), 0600);
        fifos.add(fifo);
        lines.add(SyncPipe.readFirstLine(fifo));
      }
      Thread.sleep(300); // the readers are now blocked opening their fifos
      CountDownLatch ran = new CountDownLatch(1);
      Thread.ofVirtual().start(ran::countDown);
      assertTrue(
          ran.await(5, TimeUnit.SECONDS),
          "a virtual thread got no carrier while " + readers + " readers waited");
    } finally {
      fifos.forEach(SyncPipe::unblockFifo);
    }
    for (CompletableFuture<String> line : lines) {
      assertNull(line.get(5, TimeUnit.SECONDS), "a released reader reads end of file");
    }
    Path fifo = dir.resolve("reply");
    LibC.INSTANCE.mkfifo(fifo.toString(), 0600);
    CompletableFuture<String> line = SyncPipe.readFirstLine(fifo);
    Files.writeString(fifo, "{\"data\": 42}\nrest\n");
    assertEquals("{\"data\": 42}", line.get(5, TimeUnit.SECONDS));
  }
}
