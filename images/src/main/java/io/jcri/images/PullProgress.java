package io.jcri.images;

import io.jcri.images.reference.Reference;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Bytes received and total per layer of every pull in flight, for the log, the metrics and a
 * verbose ImageStatus; tells the {@link PullListener} each pull's start, the layer bytes it
 * receives from the registry and its end. A layer another pull is already transferring shows that
 * transfer's bytes (they count for the pull that started the transfer); a layer whose snapshot
 * exists counts as complete.
 */
public final class PullProgress {
  /** One layer: compressed bytes received so far and the layer's compressed size. */
  public record Layer(String digest, long doneBytes, long totalBytes) {}

  /** One pull in flight; layers are empty until its manifest is read. */
  public record Pull(String reference, String registry, Instant started, List<Layer> layers) {
    public long doneBytes() {
      return layers.stream().mapToLong(Layer::doneBytes).sum();
    }

    public long totalBytes() {
      return layers.stream().mapToLong(Layer::totalBytes).sum();
    }
  }

  /** A layer as the tracker knows it before any byte moves. */
  record Planned(String digest, String chainId, long size) {}

  /** The live state of one pull. */
  static final class Tracker {
    private final Reference ref;
    private final PullListener listener;
    private final Instant started = Instant.now();
    private final long startedNanos = System.nanoTime();
    private final AtomicLong received = new AtomicLong();
    private volatile List<Planned> layers = List.of();

    private Tracker(Reference ref, PullListener listener) {
      this.ref = ref;
      this.listener = listener;
    }

    void plan(List<Planned> planned) {
      layers = List.copyOf(planned);
    }
  }

  private final Predicate<String> snapshotExists;
  private final Map<Tracker, Boolean> pulls = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> transfers = new ConcurrentHashMap<>();
  private volatile PullListener listener = PullListener.NONE;

  PullProgress(Predicate<String> snapshotExists) {
    this.snapshotExists = snapshotExists;
  }

  /** Who hears of the pulls that begin from now on. */
  void setListener(PullListener listener) {
    this.listener = listener;
  }

  Tracker begin(Reference ref) {
    Tracker t = new Tracker(ref, listener);
    pulls.put(t, Boolean.TRUE);
    t.listener.started(ref.domain());
    return t;
  }

  /** The pull is over: failure is what ended it, null when it succeeded. */
  void end(Tracker t, Throwable failure) {
    pulls.remove(t);
    long nanos = System.nanoTime() - t.startedNanos;
    if (failure == null) {
      t.listener.finished(t.ref.domain(), t.received.get(), nanos);
    } else {
      t.listener.failed(
          t.ref.domain(),
          failure instanceof ImageException ie
              ? ie.reason().name().toLowerCase(Locale.ROOT)
              : "other",
          nanos);
    }
  }

  /**
   * body, a layer blob pull t receives from the registry, counting what is read into the layer's
   * transfer (until the stream is closed), into t and to t's listener.
   */
  InputStream counting(Tracker t, String layerDigest, InputStream body) {
    AtomicLong received = new AtomicLong();
    transfers.put(layerDigest, received);
    return new FilterInputStream(body) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          count(1);
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
          count(n);
        }
        return n;
      }

      private void count(int n) {
        received.addAndGet(n);
        t.received.addAndGet(n);
        t.listener.received(t.ref.domain(), n);
      }

      @Override
      public void close() throws IOException {
        transfers.remove(layerDigest, received);
        super.close();
      }
    };
  }

  /** Every pull in flight now, oldest first. */
  public List<Pull> inFlight() {
    List<Pull> out = new ArrayList<>();
    for (Tracker t : pulls.keySet()) {
      List<Layer> layers = new ArrayList<>();
      for (Planned p : t.layers) {
        AtomicLong moving = transfers.get(p.digest());
        long done =
            moving != null
                ? Math.min(moving.get(), p.size())
                : snapshotExists.test(p.chainId()) ? p.size() : 0;
        layers.add(new Layer(p.digest(), done, p.size()));
      }
      out.add(new Pull(t.ref.toString(), t.ref.domain(), t.started, List.copyOf(layers)));
    }
    out.sort((a, b) -> a.started().compareTo(b.started()));
    return out;
  }
}
