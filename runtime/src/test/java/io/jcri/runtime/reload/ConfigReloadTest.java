package io.jcri.runtime.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.runtime.config.ConfigLoader;
import io.jcri.runtime.config.JcriConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReloadTest {
  @TempDir Path dir;
  private final List<String> logged = new ArrayList<>();
  private final List<String> applied = new ArrayList<>();
  private final Logger log = Logger.getLogger(ConfigReload.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    log.addHandler(capture);
  }

  @AfterEach
  void stop() {
    log.removeHandler(capture);
  }

  private ConfigReload reloadOf(Path file) throws Exception {
    JcriConfig running = ConfigLoader.load(file, true, ConfigLoader.Flags.none());
    return new ConfigReload(
        file,
        true,
        ConfigLoader.Flags.none(),
        running,
        List.of(
            Setting.live(
                "log_level", JcriConfig::logLevel, c -> applied.add("log_level=" + c.logLevel())),
            Setting.live(
                "images.pinned",
                c -> c.images().pinned(),
                c -> applied.add("pinned=" + c.images().pinned())),
            Setting.restart("root", JcriConfig::root)));
  }

  @Test
  void aGoodFileAppliesTheLiveKeysThatChangedAndLogsEach() throws Exception {
    Path file = Files.writeString(dir.resolve("jcri.toml"), "log_level = \"info\"\n");
    ConfigReload reload = reloadOf(file);
    Files.writeString(
        file, "log_level = \"debug\"\nroot = \"/srv/x\"\n[images]\npinned = [\"busybox:1.36\"]\n");
    assertTrue(reload.reload());
    assertEquals(List.of("log_level=debug", "pinned=[busybox:1.36]"), applied);
    assertTrue(
        logged.contains("event=config_changed key=log_level from=\"info\" to=\"debug\""),
        logged.toString());
    assertTrue(
        logged.contains(
            "event=config_change_needs_restart key=root running=\"/var/lib/jcri\" file=\"/srv/x\""),
        logged.toString());
    applied.clear();
    assertTrue(reload.reload(), "the same file again");
    assertEquals(List.of(), applied, "nothing changed since the last reload");
    assertTrue(logged.getLast().contains("changed=0 need_restart=1"), logged.getLast());
  }

  @Test
  void aBadFileKeepsTheRunningConfigAndSaysWhy() throws Exception {
    Path file = Files.writeString(dir.resolve("jcri.toml"), "log_level = \"info\"\n");
    ConfigReload reload = reloadOf(file);
    Files.writeString(file, "log_level = \"debug\"\n[images]\npinned = [\"UPPER/Case::bad\"]\n");
    assertFalse(reload.reload());
    assertEquals(List.of(), applied, "a file invalid anywhere applies nothing");
    assertTrue(
        logged
            .getLast()
            .startsWith(
                "event=config_reload_failed file="
                    + file
                    + " error=\""
                    + file
                    + ":3: key images.pinned"),
        logged.getLast());
    Files.delete(file);
    assertFalse(reload.reload(), "a vanished explicit file too");
    Files.writeString(file, "log_level = \"warn\"\n");
    assertTrue(reload.reload());
    assertEquals(List.of("log_level=warn"), applied);
  }
}
