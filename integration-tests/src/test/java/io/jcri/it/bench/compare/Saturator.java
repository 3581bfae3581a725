package io.jcri.it.bench.compare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A full node: one busy shell loop per CPU at normal priority, for as long as it is open. */
final class Saturator implements AutoCloseable {
  private final List<Process> busy;

  private Saturator(List<Process> busy) {
    this.busy = busy;
  }

  static Saturator start() throws IOException {
    List<Process> busy = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
    }
    return new Saturator(busy);
  }

  static Saturator none() {
    return new Saturator(List.of());
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : busy) {
      p.destroyForcibly().waitFor();
    }
  }
}
