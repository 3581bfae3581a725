package io.jcri.runtime.metrics;

import io.jcri.images.PullProgress;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** Logs the progress of every pull in flight, one line per pull at most once per interval. */
public final class PullProgressLog {
  private static final Logger LOG = Logger.getLogger(PullProgressLog.class.getName());

  private PullProgressLog() {}

  /** Starts the daemon thread that logs pulls running for at least one interval, every interval. */
  public static void start(Supplier<List<PullProgress.Pull>> inFlight, Duration interval) {
    Thread.ofVirtual()
        .name("pull-progress")
        .start(
            () -> {
              while (true) {
                try {
                  Thread.sleep(interval);
                } catch (InterruptedException e) {
                  return;
                }
                long now = System.currentTimeMillis();
                for (PullProgress.Pull p : inFlight.get()) {
                  if (now - p.started().toEpochMilli() >= interval.toMillis()) {
                    LOG.info(line(p));
                  }
                }
              }
            });
  }

  static String line(PullProgress.Pull p) {
    long layersDone = p.layers().stream().filter(l -> l.doneBytes() == l.totalBytes()).count();
    return "event=image_pull_progress image="
        + p.reference()
        + " layers_done="
        + layersDone
        + "/"
        + p.layers().size()
        + " bytes_done="
        + p.doneBytes()
        + " bytes_total="
        + p.totalBytes()
        + " seconds="
        + (System.currentTimeMillis() - p.started().toEpochMilli()) / 1000;
  }
}
