package io.jcri.runtime.reload;

import io.jcri.runtime.config.ConfigException;
import io.jcri.runtime.config.ConfigLoader;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * SIGHUP: re-reads the config file (with the command line's flags), validates it whole, applies the
 * keys that can change live and logs each change; keys that need a restart are logged and left as
 * running. A file that does not load keeps the running config; a reload never stops jcrid.
 */
public final class ConfigReload {
  private static final Logger LOG = Logger.getLogger(ConfigReload.class.getName());

  private final Path file;
  private final boolean mustExist;
  private final ConfigLoader.Flags flags;
  private final List<Setting> settings;
  private final JcriConfig started;
  private JcriConfig applied;

  public ConfigReload(
      Path file,
      boolean mustExist,
      ConfigLoader.Flags flags,
      JcriConfig running,
      List<Setting> settings) {
    this.file = file;
    this.mustExist = mustExist;
    this.flags = flags;
    this.settings = List.copyOf(settings);
    this.started = running;
    this.applied = running;
  }

  /**
   * Handles SIGHUP from now on, each on a platform thread of its own (not a virtual one: a reload
   * must run even when every carrier is busy). A SIGHUP jcrid inherited ignored (started under
   * nohup) is taken back first: the JVM would otherwise keep ignoring it.
   */
  public void onSighup() throws IOException {
    if (Syscalls.unignoreSignal(LibC.SIGHUP)) {
      LOG.info("event=sighup_unignored reason=inherited_ignored");
    }
    sun.misc.Signal.handle(
        new sun.misc.Signal("HUP"),
        s -> Thread.ofPlatform().name("config-reload").start(this::reload));
  }

  /** One reload; true when the file loaded (and its live keys are now applied). */
  public synchronized boolean reload() {
    JcriConfig next;
    try {
      next = ConfigLoader.load(file, mustExist, flags);
    } catch (ConfigException e) {
      LOG.warning(
          "event=config_reload_failed file="
              + file
              + " error=\""
              + e.getMessage()
              + "\" action=kept_running_config");
      return false;
    } catch (RuntimeException e) {
      LOG.warning(
          "event=config_reload_failed file="
              + file
              + " error=\""
              + e
              + "\" action=kept_running_config");
      return false;
    }
    int changed = 0;
    int pending = 0;
    for (Setting s : settings) {
      Object from = s.value().apply(s.isLive() ? applied : started);
      Object to = s.value().apply(next);
      if (Objects.equals(from, to)) {
        continue;
      }
      if (!s.isLive()) {
        pending++;
        LOG.warning(
            "event=config_change_needs_restart key="
                + s.key()
                + " running=\""
                + from
                + "\" file=\""
                + to
                + "\"");
        continue;
      }
      try {
        s.apply().accept(next);
        changed++;
        LOG.info(
            "event=config_changed key=" + s.key() + " from=\"" + from + "\" to=\"" + to + "\"");
      } catch (RuntimeException e) {
        LOG.warning(
            "event=config_change_failed key=" + s.key() + " error=\"" + e.getMessage() + "\"");
      }
    }
    applied = next;
    LOG.info(
        "event=config_reloaded file=" + file + " changed=" + changed + " need_restart=" + pending);
    return true;
  }
}
