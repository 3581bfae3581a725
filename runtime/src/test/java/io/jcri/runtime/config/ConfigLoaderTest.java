package io.jcri.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final Path F = Path.of("jcri.toml");

  @Test
  void noFileMeansEmbeddedDefaults() throws Exception {
    JcriConfig c =
        ConfigLoader.load(Path.of("/nonexistent/jcri.toml"), false, ConfigLoader.Flags.none());
    assertEquals(JcriConfig.defaults(), c);
    assertEquals(Path.of("/run/jcri/jcri.sock"), c.socketPath());
    assertEquals(Path.of("/var/lib/jcri"), c.root());
    assertEquals("runc", c.runtimes().defaultRuntime());
    assertTrue(c.sandbox().dropInfra());
  }

  @Test
  void anExplicitConfigFileMustExist() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    Path.of("/nonexistent/jcri.toml"), true, ConfigLoader.Flags.none()));
    assertTrue(e.getMessage().contains("/nonexistent/jcri.toml"), e.getMessage());
  }

  @Test
  void printedDefaultsParseBackToTheDefaults() throws Exception {
    assertEquals(JcriConfig.defaults(), ConfigLoader.parse(F, ConfigDefaults.toml()));
  }

  @Test
  void fileValuesOverrideDefaults() throws Exception {
    JcriConfig c =
        ConfigLoader.parse(
            F,
            """
        root = "/srv/jcri"
        log_level = "debug"
        [cni]
        plugin_timeout = "500ms"
        bin_dirs = ["/opt/x"]
        [registries."gcr.io"]
        mirrors = ["http://localhost:5000"]
        [registries."registry.k8s.io"]
        mirrors = ["http://localhost:5000"]
        insecure = true
        [streaming]
        port = 10010
        [runtimes.handlers.kata]
        path = "/usr/bin/kata-runtime"
        [cdi]
        spec_dirs = ["/opt/cdi"]
        """);
    assertEquals(Path.of("/srv/jcri"), c.root());
    assertEquals("debug", c.logLevel());
    assertEquals(Duration.ofMillis(500), c.cni().pluginTimeout());
    assertEquals(List.of(Path.of("/opt/x")), c.cni().binDirs());
    assertEquals(
        List.of(URI.create("http://localhost:5000")), c.registries().get("gcr.io").mirrors());
    assertFalse(c.registries().get("gcr.io").insecure());
    assertTrue(c.registries().get("registry.k8s.io").insecure());
    assertEquals(10010, c.streaming().port());
    assertEquals(Path.of("/usr/bin/kata-runtime"), c.runtimes().handlers().get("kata").path());
    assertTrue(c.runtimes().handlers().containsKey("runc"));
    assertEquals(JcriConfig.defaults().state(), c.state());
    assertEquals(List.of(Path.of("/opt/cdi")), c.cdi().specDirs());
    assertEquals(
        List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi")),
        JcriConfig.defaults().cdi().specDirs());
  }

  @Test
  void flagsWinOverTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jcri.toml");
    Files.writeString(
        file,
        "root = \"/from/file\"\nstate = \"/from/file/state\"\n[cni]\nconf_dir = \"/file/net.d\"\n");
    JcriConfig c =
        ConfigLoader.load(
            file,
            true,
            new ConfigLoader.Flags(
                "unix:///tmp/x.sock",
                Path.of("/from/flag"),
                null,
                Path.of("/flag/net.d"),
                Path.of("/flag/bin"),
                "warn"));
    assertEquals(Path.of("/from/flag"), c.root());
    assertEquals(Path.of("/from/file/state"), c.state());
    assertEquals(Path.of("/tmp/x.sock"), c.socketPath());
    assertEquals(Path.of("/flag/net.d"), c.cni().confDir());
    assertEquals(Path.of("/flag/bin"), c.cni().binDirs().get(0));
    assertEquals("warn", c.logLevel());
  }

  @Test
  void badTomlNamesTheLine() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(F, "root = \"/a\"\nstate = = 3\n"));
    assertTrue(e.getMessage().startsWith("jcri.toml:2: invalid TOML"), e.getMessage());
  }

  @Test
  void wrongTypeNamesTheKeyAndLine() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    F, "root = \"/a\"\n\n[streaming]\naddress = \"127.0.0.1\"\nport = \"ten\"\n"));
    assertEquals(
        "jcri.toml:5: key streaming.port: must be an integer from 0 to 65535", e.getMessage());
  }

  @Test
  void unknownKeyIsAnErrorNotASilentDefault() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(F, "[cni]\nconf_dri = \"/x\"\n"));
    assertTrue(
        e.getMessage().startsWith("jcri.toml:2: key cni.conf_dri: unknown key"), e.getMessage());
  }

  @Test
  void badDurationAndBadListenAreRejected() {
    ConfigException d =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(F, "shutdown_grace = \"10 sec\"\n"));
    assertTrue(d.getMessage().contains("key shutdown_grace"), d.getMessage());
    ConfigException l =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(F, "listen = \"tcp://0.0.0.0:1\"\n"));
    assertTrue(l.getMessage().contains("unix:///"), l.getMessage());
    ConfigException m =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(F, "[registries.\"gcr.io\"]\nmirrors = [\"localhost:5000\"]\n"));
    assertTrue(
        m.getMessage().contains("jcri.toml:2: key registries.\"gcr.io\".mirrors"), m.getMessage());
  }

  @Test
  void defaultRuntimeMustBeConfigured() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(F, "[runtimes]\ndefault_runtime = \"youki\"\n"));
    assertTrue(e.getMessage().contains("youki"), e.getMessage());
  }

  @Test
  void logFormatIsTextOrJson() throws Exception {
    assertEquals("text", JcriConfig.defaults().logFormat());
    assertEquals("json", ConfigLoader.parse(F, "log_format = \"json\"").logFormat());
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(F, "log_format = \"xml\""));
    assertTrue(e.getMessage().contains("jcri.toml:1: key log_format"), e.getMessage());
  }

  @Test
  void pinnedImagesMustBeReferences() throws Exception {
    assertEquals(
        List.of("registry.k8s.io/pause:3.10", "busybox@sha256:" + "a".repeat(64)),
        ConfigLoader.parse(
                F,
                "[images]\npinned = [\"registry.k8s.io/pause:3.10\", \"busybox@sha256:"
                    + "a".repeat(64)
                    + "\"]")
            .images()
            .pinned());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.parse(F, "[images]\npinned = [\"Bad Name\"]"));
    assertTrue(
        e.getMessage()
            .contains("jcri.toml:2: key images.pinned: \"Bad Name\" is not an image reference"),
        e.getMessage());
  }
}
