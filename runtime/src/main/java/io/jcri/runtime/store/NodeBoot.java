package io.jcri.runtime.store;

import io.jcri.sys.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Whether the run-time state of the records' objects is gone: the kernel's boot ID is kept with the
 * state ({@code <state>/boot_id}, on tmpfs) and on disk ({@code <root>/boot_id}); a start-up whose
 * boot ID differs from the state's, or whose state lost its copy, follows a reboot (or a wiped
 * state dir): every namespace, mount and process of the old objects is gone. Neither copy (the
 * first start, or one after an upgrade from a jcrid that kept none) proves nothing: recovery then
 * relies on each object's own checks.
 */
public final class NodeBoot {
  private static final Logger LOG = Logger.getLogger(NodeBoot.class.getName());
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  private final Layout layout;
  private final String current;
  private final boolean stateLost;

  NodeBoot(Layout layout, String current) throws IOException {
    this.layout = layout;
    this.current = current;
    String onDisk = read(layout.bootIdOnDisk());
    String ofState = read(layout.bootIdOfState());
    this.stateLost = (!onDisk.isEmpty() || !ofState.isEmpty()) && !current.equals(ofState);
    if (stateLost) {
      LOG.warning(
          "event=node_state_lost boot_id="
              + current
              + " recorded_boot_id="
              + (onDisk.isEmpty() ? "none" : onDisk)
              + " reason="
              + (!onDisk.isEmpty() && !onDisk.equals(current) ? "rebooted" : "state_dir_wiped"));
    }
  }

  /** The boot check of this node. */
  public static NodeBoot of(Layout layout) throws IOException {
    return new NodeBoot(layout, Files.readString(BOOT_ID).strip());
  }

  /** True when the objects of the records lost their namespaces, mounts and processes. */
  public boolean stateLost() {
    return stateLost;
  }

  /** Keeps this boot's ID with the state and on disk: called once recovery is done. */
  public void record() throws IOException {
    byte[] id = (current + "\n").getBytes(StandardCharsets.UTF_8);
    Files.createDirectories(layout.state());
    AtomicFiles.write(layout.bootIdOfState(), id);
    AtomicFiles.write(layout.bootIdOnDisk(), id);
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      return "";
    }
  }
}
