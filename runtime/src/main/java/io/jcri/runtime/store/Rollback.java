package io.jcri.runtime.store;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Logger;

/**
 * Undo steps of a multi-step operation (netns, CNI ADD, mounts, records), run in reverse when a
 * later step fails, so a failed RunPodSandbox or CreateContainer leaves nothing behind.
 */
public final class Rollback implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Rollback.class.getName());

  /** One undo step. */
  public interface Step {
    void undo() throws Exception;
  }

  private final String subject;
  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean committed;

  public Rollback(String subject) {
    this.subject = subject;
  }

  /** Thread-safe: the steps of a RunPodSandbox come from two threads (CNI ADD and the infra). */
  public synchronized void onFailure(Step step) {
    steps.push(step);
  }

  /** The operation succeeded: keep everything it made. */
  public synchronized void commit() {
    committed = true;
  }

  @Override
  public synchronized void close() {
    if (committed) {
      return;
    }
    while (!steps.isEmpty()) {
      try {
        steps.pop().undo();
      } catch (Exception e) {
        LOG.warning(
            "event=rollback_step_failed subject=" + subject + " error=\"" + e.getMessage() + "\"");
      }
    }
  }
}
