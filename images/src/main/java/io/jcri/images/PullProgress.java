package io.jcri.images;

import io.jcri.images.reference.Reference;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Bytes received and total per layer of every pull in flight, for the log, the metrics and a
 * verbose ImageStatus. A layer another pull is already transferring shows that transfer's bytes; a
 * layer whose snapshot exists counts as complete.
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
    private final Instant started = Instant.now();
    private volatile List<Planned> layers = List.of();

    private Tracker(Reference ref) {
      this.ref = ref;
    }

    void plan(List<Planned> planned) {
      layers = List.copyOf(planned);
    }
  }

  private final Predicate<String> snapshotExists;
  private final Map<Tracker, Boolean> pulls = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> transfers = new ConcurrentHashMap<>();

  PullProgress(Predicate<String> snapshotExists) {
    this.snapshotExists = snapshotExists;
  }

  Tracker begin(Reference ref) {
    Tracker t = new Tracker(ref);
    pulls.put(t, Boolean.TRUE);
    return t;
  }

  void end(Tracker t) {
    pulls.remove(t);
  }

  /** body, counting what is read into the layer's transfer until the stream is closed. */
  InputStream counting(String layerDigest, InputStream body) {
    AtomicLong received = new AtomicLong();
    transfers.put(layerDigest, received);
    return new FilterInputStream(body) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          received.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
          received.addAndGet(n);
        }
        return n;
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
