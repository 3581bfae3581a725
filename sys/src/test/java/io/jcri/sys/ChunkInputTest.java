package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChunkInputTest {
  @Test
  void aBlockingFeederWaitsForTheReaderAndNothingIsLost() throws Exception {
    ChunkInput input = new ChunkInput(1024, ChunkInput.Backpressure.NONE);
    Thread feeder =
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; i < 8; i++) {
                    input.put(new byte[512]);
                  }
                  input.end();
                });
    feeder.join(200);
    assertTrue(feeder.isAlive(), "4 KiB cannot be queued over a 1 KiB high water mark");
    assertTrue(input.available() <= 1024, "queued " + input.available());
    assertEquals(8 * 512, input.readAllBytes().length);
    feeder.join(TimeUnit.SECONDS.toMillis(5));
    assertEquals(-1, input.read());
  }

  @Test
  void closingReleasesABlockedFeederAndFailsLaterReads() throws Exception {
    ChunkInput input = new ChunkInput(16, ChunkInput.Backpressure.NONE);
    input.put(new byte[16]);
    Thread feeder = Thread.ofPlatform().start(() -> input.put(new byte[16]));
    feeder.join(100);
    assertTrue(feeder.isAlive());
    input.close();
    feeder.join(TimeUnit.SECONDS.toMillis(5));
    assertTrue(!feeder.isAlive(), "close lets the feeder go");
    assertThrows(IOException.class, input::read);
  }

  @Test
  void anOfferingFeederIsPausedAndResumedAtTheWaterMarks() throws Exception {
    int[] paused = new int[1];
    ChunkInput input =
        new ChunkInput(
            100,
            new ChunkInput.Backpressure() {
              @Override
              public void pause() {
                paused[0]++;
              }

              @Override
              public void resume() {
                paused[0]--;
              }
            });
    input.offer(new byte[60]);
    assertEquals(0, paused[0]);
    input.offer(new byte[60]);
    assertEquals(1, paused[0], "over the high water mark the source pauses");
    input.end();
    assertArrayEquals(new byte[60], input.readNBytes(60));
    assertEquals(1, paused[0], "60 bytes still queued: over a quarter of the mark");
    assertEquals(60, input.readAllBytes().length);
    assertEquals(0, paused[0], "drained to a quarter it resumes");
  }
}
