package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.LibC;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * conmon's files for each container. {@code <persistDir>/<id>/} holds conmon's pid file, its early
 * stderr ({@code conmon.log}), its exit/oom markers, the sync fifo and exec pid files; {@code
 * <attachDir>/<id>} is conmon's link to the bundle (keeping the attach socket path short); {@code
 * <exitDir>/<id>} holds the exit code. Container ids must not contain '.', which marks conmon's
 * temporary exit files.
 */
final class ConmonFiles {
  private static final Logger LOG = Logger.getLogger(ConmonFiles.class.getName());

  final Path exitDir;
  final Path persistDir;
  final Path attachDir;

  ConmonFiles(Path exitDir, Path persistDir, Path attachDir) {
    this.exitDir = exitDir;
    this.persistDir = persistDir;
    this.attachDir = attachDir;
  }

  Path dir(String id) {
    return persistDir.resolve(id);
  }

  Path syncFifo(String id) {
    return dir(id).resolve("sync");
  }

  Path conmonLog(String id) {
    return dir(id).resolve("conmon.log");
  }

  Path pidFile(String id) {
    return dir(id).resolve("conmon.pid");
  }

  /** The directories conmon writes to, no stale exit of an earlier container, a fresh sync fifo. */
  void prepare(String id, Path logPath) throws MonitorException {
    Path dir = dir(id);
    try {
      Files.createDirectories(dir);
      Files.createDirectories(exitDir);
      Files.createDirectories(attachDir);
      Files.createDirectories(logPath.toAbsolutePath().getParent());
      for (Path stale :
          List.of(exitDir.resolve(id), dir.resolve("exit"), dir.resolve("oom"), syncFifo(id))) {
        Files.deleteIfExists(stale);
      }
      LibC.INSTANCE.mkfifo(syncFifo(id).toString(), 0600);
    } catch (IOException | LastErrorException e) {
      throw new MonitorException("preparing conmon files for " + id + ": " + e.getMessage(), e);
    }
  }

  /** conmon's pid as it wrote it; empty before conmon started or after its files were removed. */
  Optional<Integer> conmonPid(String id) {
    return readPid(pidFile(id));
  }

  /** conmon's early stderr, for an error message. */
  String conmonLogText(String id) {
    try {
      String log = Files.readString(conmonLog(id)).strip();
      return log.isEmpty() ? "(conmon.log is empty)" : log;
    } catch (IOException e) {
      return "(no conmon.log)";
    }
  }

  void remove(String id) {
    try {
      Files.deleteIfExists(exitDir.resolve(id));
      Files.deleteIfExists(attachDir.resolve(id));
      Trees.delete(dir(id));
    } catch (IOException e) {
      LOG.warning("event=conmon_files_cleanup_failed id=" + id + " error=" + e.getMessage());
    }
  }

  static Optional<Integer> readPid(Path pidFile) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warning("event=delete_failed path=" + path + " error=" + e.getMessage());
    }
  }
}
