package io.jcri.runtime.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class FrameInputTest {
  @Test
  void aSlowReaderStopsSocketReadsUntilItCatchesUp() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    FrameInput input = new FrameInput(new FrameInput.ReadGate(channel));
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 5; i++) {
      input.offer(Unpooled.wrappedBuffer(chunk));
    }
    assertFalse(
        channel.config().isAutoRead(), "over the high water mark the connection stops reading");
    byte[] sink = new byte[chunk.length];
    int total = 0;
    for (int i = 0; i < 4; i++) {
      total += input.readNBytes(sink, 0, sink.length);
    }
    assertTrue(channel.config().isAutoRead(), "drained below the low water mark it reads again");
    input.end();
    total += input.readAllBytes().length;
    assertEquals(5 * chunk.length, total);
    assertEquals(-1, input.read());
  }

  @Test
  void closingDiscardsAndResumesReads() {
    EmbeddedChannel channel = new EmbeddedChannel();
    FrameInput input = new FrameInput(new FrameInput.ReadGate(channel));
    input.offer(Unpooled.wrappedBuffer(new byte[512 * 1024]));
    assertFalse(channel.config().isAutoRead());
    input.close();
    assertTrue(channel.config().isAutoRead());
    assertEquals(0, input.available());
  }
}
