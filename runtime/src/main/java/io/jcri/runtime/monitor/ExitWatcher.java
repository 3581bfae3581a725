package io.jcri.runtime.monitor;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Reads the exits conmon records (exit directory, oom marker) and delivers each once as it appears:
 * inotify on the exit directory, no runtime polling.
 */
final class ExitWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ExitWatcher.class.getName());

  private final Path exitDir;
  private final Path persistDir;
  private final Map<String, Instant> deliveredExits = new ConcurrentHashMap<>();
  private volatile WatchService exitWatch;

  ExitWatcher(Path exitDir, Path persistDir) {
    this.exitDir = exitDir;
    this.persistDir = persistDir;
  }

  /** The container's exit as conmon recorded it; empty while it runs (or if never created). */
  Optional<Exit> exitOf(String id) {
    Path file = exitDir.resolve(id);
    try {
      int code = Integer.parseInt(Files.readString(file).trim());
      Instant finished = Files.getLastModifiedTime(file).toInstant();
      return Optional.of(
          new Exit(code, finished, Files.exists(persistDir.resolve(id).resolve("oom"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      LOG.warning("event=exit_file_unreadable id=" + id + " error=" + e.getMessage());
      return Optional.empty();
    }
  }

  /** The container is gone: a container created again under its ID gets its exit delivered anew. */
  void forget(String id) {
    deliveredExits.remove(id);
  }

  /**
   * Calls onExit for every exit already recorded, then for each new one as conmon writes it. Each
   * exit is delivered once.
   */
  synchronized void watch(BiConsumer<String, Exit> onExit) throws IOException {
    if (exitWatch != null) {
      throw new IllegalStateException("exits are already being watched");
    }
    Files.createDirectories(exitDir);
    WatchService watch = FileSystems.getDefault().newWatchService();
    exitDir.register(
        watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    exitWatch = watch;
    Thread.ofVirtual().name("exit-watch").start(() -> watchLoop(watch, onExit));
  }

  private void watchLoop(WatchService watch, BiConsumer<String, Exit> onExit) {
    deliverAll(onExit);
    try {
      while (true) {
        WatchKey key = watch.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            deliverAll(onExit);
          } else {
            deliver(event.context().toString(), onExit);
          }
        }
        if (!key.reset()) {
          LOG.warning("event=exit_watch_stopped dir=" + exitDir);
          return;
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing the watcher ends the watch
    }
  }

  private void deliverAll(BiConsumer<String, Exit> onExit) {
    try (Stream<Path> files = Files.list(exitDir)) {
      files.map(f -> f.getFileName().toString()).forEach(id -> deliver(id, onExit));
    } catch (IOException e) {
      LOG.warning("event=exit_scan_failed dir=" + exitDir + " error=" + e.getMessage());
    }
  }

  private void deliver(String id, BiConsumer<String, Exit> onExit) {
    if (id.contains(".")) {
      return; // conmon's temporary file, renamed into place when complete
    }
    exitOf(id)
        .ifPresent(
            exit -> {
              if (exit.finishedAt().equals(deliveredExits.put(id, exit.finishedAt()))) {
                return;
              }
              LOG.info(
                  "event=container_exited id="
                      + id
                      + " exit_code="
                      + exit.code()
                      + " oom="
                      + exit.oomKilled());
              try {
                onExit.accept(id, exit);
              } catch (RuntimeException e) {
                LOG.warning("event=exit_handler_failed id=" + id + " error=" + e);
              }
            });
  }

  @Override
  public void close() throws IOException {
    WatchService watch = exitWatch;
    if (watch != null) {
      watch.close();
    }
  }
}
