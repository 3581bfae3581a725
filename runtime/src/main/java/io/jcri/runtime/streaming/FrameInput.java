package io.jcri.runtime.streaming;

import io.jcri.sys.ChunkInput;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Bytes the client sends on one stream or channel, read by a blocking backend thread. When the
 * reader falls behind, the connection stops reading from the socket (TCP pushes back on the client)
 * instead of buffering without bound.
 */
final class FrameInput extends ChunkInput {
  private static final int HIGH_WATER = 256 * 1024;

  /** Turns socket reads off while any input of the connection is over its high water mark. */
  static final class ReadGate implements Backpressure {
    private final Channel channel;
    private int paused; // event loop and readers both touch it: guarded by this

    ReadGate(Channel channel) {
      this.channel = channel;
    }

    @Override
    public synchronized void pause() {
      if (paused++ == 0) {
        channel.config().setAutoRead(false);
      }
    }

    @Override
    public synchronized void resume() {
      if (--paused == 0) {
        channel.config().setAutoRead(true);
      }
    }
  }

  FrameInput(ReadGate gate) {
    super(HIGH_WATER, gate);
  }

  /**
   * Called on the event loop with bytes the client sent; does not take ownership of {@code data}.
   */
  void offer(ByteBuf data) {
    if (!data.isReadable()) {
      return;
    }
    byte[] bytes = new byte[data.readableBytes()];
    data.readBytes(bytes);
    offer(bytes);
  }
}
