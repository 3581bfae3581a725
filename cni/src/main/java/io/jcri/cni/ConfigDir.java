package io.jcri.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The network configs in the conf dir, reloaded when the directory's listing, sizes or mtimes
 * change (checked on each use: cheap, and no watcher thread). Files are read in lexical order; the
 * first valid one is the default network.
 */
final class ConfigDir {
  private static final Logger LOG = Logger.getLogger(ConfigDir.class.getName());

  private final Path dir;
  private String fingerprint;
  private Snapshot snapshot = new Snapshot(null, List.of());

  /**
   * What the dir held at the last load: the default network (or null) and why other files were
   * skipped.
   */
  record Snapshot(NetworkConfig defaultNetwork, List<String> problems) {}

  ConfigDir(Path dir) {
    this.dir = dir;
  }

  static boolean isConfigFile(Path file) {
    String name = file.getFileName().toString();
    return !name.startsWith(".")
        && (name.endsWith(".conflist") || name.endsWith(".conf") || name.endsWith(".json"));
  }

  /** The config files in lexical order (none when the dir does not exist). */
  List<Path> files() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(ConfigDir::isConfigFile).filter(Files::isRegularFile).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  synchronized Snapshot current() {
    try {
      List<Path> files = files();
      StringBuilder print = new StringBuilder();
      for (Path f : files) {
        print
            .append(f.getFileName())
            .append(':')
            .append(Files.size(f))
            .append(':')
            .append(Files.getLastModifiedTime(f).toMillis())
            .append('\n');
      }
      if (!print.toString().equals(fingerprint)) {
        snapshot = load(files);
        fingerprint = print.toString();
      }
    } catch (IOException e) {
      // a file vanished between listing and stat: keep what we had and try again next time
      LOG.warning("event=cni_conf_scan_failed dir=" + dir + " error=" + e.getMessage());
    }
    return snapshot;
  }

  private Snapshot load(List<Path> files) {
    List<String> problems = new ArrayList<>();
    for (Path file : files) {
      try {
        NetworkConfig config = NetworkConfig.parse(file, Files.readAllBytes(file));
        LOG.info(
            "event=cni_network_loaded network="
                + config.name()
                + " file="
                + file
                + " cniVersion="
                + config.cniVersion()
                + " plugins="
                + config.plugins().stream().map(p -> p.path("type").asText()).toList());
        return new Snapshot(config, List.copyOf(problems));
      } catch (IOException e) {
        problems.add(file.getFileName() + ": " + e.getMessage());
        LOG.warning("event=cni_conf_invalid file=" + file + " error=" + e.getMessage());
      }
    }
    if (files.isEmpty()) {
      LOG.warning("event=cni_conf_missing dir=" + dir);
    }
    return new Snapshot(null, List.copyOf(problems));
  }

  Path dir() {
    return dir;
  }
}
