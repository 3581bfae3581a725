package io.jcri.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class CdiSpecsTest {
  @TempDir Path tmp;
  private Path etc;
  private Path run;
  private final List<String> logged = new ArrayList<>();
  private final Logger log = Logger.getLogger(CdiSpecs.class.getName());
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
  void dirs() throws Exception {
    etc = Files.createDirectories(tmp.resolve("etc-cdi"));
    run = Files.createDirectories(tmp.resolve("run-cdi"));
    log.addHandler(capture);
  }

  @AfterEach
  void unhook() {
    log.removeHandler(capture);
  }

  private static String spec(String version, String kind, String... devices) {
    StringBuilder s =
        new StringBuilder(
            "{\"cdiVersion\": \"" + version + "\", \"kind\": \"" + kind + "\", \"devices\": [");
    for (int i = 0; i < devices.length; i++) {
      s.append(i == 0 ? "" : ", ").append("{\"name\": \"").append(devices[i]).append("\"}");
    }
    return s.append("]}").toString();
  }

  private CdiSpecs.Index load() throws Exception {
    return CdiSpecs.load(List.of(etc, run));
  }

  @Test
  void yamlSpecsAreReadIntoTheSameModelAsJson() throws Exception {
    Files.writeString(
        etc.resolve("vendor.yaml"),
        """
        cdiVersion: "0.6.0"
        kind: vendor.com/fpga
        containerEdits:
          env: [FPGA_VENDOR=vendor]
        devices:
          - name: fpga0
            containerEdits:
              env: [FPGA=0]
              deviceNodes:
                - path: /dev/fpga0
                  hostPath: /dev/null
                  type: c
                  major: 1
                  minor: 3
              mounts:
                - hostPath: /usr/lib/fpga
                  containerPath: /usr/lib/fpga
                  options: [ro]
              hooks:
                - hookName: createContainer
                  path: /usr/bin/fpga-hook
                  args: [fpga-hook, start]
        """);
    Files.writeString(
        run.resolve("other.yml"),
        "cdiVersion: 1.1.0\nkind: vendor.com/dsp\ndevices:\n  - name: \"0\"\n");
    CdiSpecs.Index index = load();
    assertEquals(List.of(), index.skipped());
    CdiSpecs.Found fpga = index.devices().get("vendor.com/fpga=fpga0");
    assertEquals(List.of("FPGA_VENDOR=vendor"), fpga.spec().containerEdits().env());
    CdiDevices.Edits edits = fpga.device().containerEdits();
    assertEquals(List.of("FPGA=0"), edits.env());
    assertEquals(
        new CdiDevices.DeviceNode("/dev/fpga0", "/dev/null", "c", 1L, 3L, null, null, null, null),
        edits.deviceNodes().get(0));
    assertEquals(List.of("ro"), edits.mounts().get(0).options());
    assertEquals(List.of("fpga-hook", "start"), edits.hooks().get(0).args());
    assertEquals(run.resolve("other.yml"), index.devices().get("vendor.com/dsp=0").file());
  }

  @Test
  void invalidSpecFilesAreSkippedWithOneLogLineEach() throws Exception {
    Files.writeString(etc.resolve("good.json"), spec("0.6.0", "example.com/gpu", "gpu0"));
    // each would (re)define example.com/gpu=gpu0 from the higher-priority directory if it were read
    Files.writeString(run.resolve("a-version.json"), spec("0.9.9", "example.com/gpu", "gpu0"));
    Files.writeString(
        run.resolve("b-no-version.json"),
        "{\"kind\": \"example.com/gpu\", \"devices\": [{\"name\": \"gpu0\"}]}");
    Files.writeString(run.resolve("c-kind.json"), spec("0.6.0", "example.com/gpu/x", "gpu0"));
    Files.writeString(run.resolve("d-kind.json"), spec("0.6.0", "gpu", "gpu0"));
    Files.writeString(
        run.resolve("e-name.json"), spec("0.6.0", "example.com/gpu", "gpu0", "bad/name"));
    Files.writeString(
        run.resolve("f-twice.json"), spec("0.6.0", "example.com/gpu", "gpu0", "gpu0"));
    Files.writeString(run.resolve("g-none.json"), spec("0.6.0", "example.com/gpu"));
    Files.writeString(run.resolve("h-broken.yaml"), "cdiVersion: 0.6.0\nkind: [example.com/gpu\n");
    Files.writeString(run.resolve("i-empty.yaml"), "");
    Files.writeString(run.resolve("notes.txt"), "not a spec");
    Files.createDirectories(run.resolve("sub.json"));
    CdiSpecs.Index index = load();
    assertEquals(etc.resolve("good.json"), index.devices().get("example.com/gpu=gpu0").file());
    assertEquals(List.of("example.com/gpu=gpu0"), List.copyOf(index.devices().keySet()));
    List<String> skipped =
        List.of(
            "a-version",
            "b-no-version",
            "c-kind",
            "d-kind",
            "e-name",
            "f-twice",
            "g-none",
            "h-broken",
            "i-empty");
    assertEquals(skipped.size(), index.skipped().size(), index.skipped().toString());
    for (String name : skipped) {
      assertEquals(
          1,
          logged.stream()
              .filter(l -> l.startsWith("event=cdi_spec_skipped file=" + run + "/" + name))
              .count(),
          name + " in " + logged);
    }
    assertEquals(skipped.size(), logged.size(), logged.toString());
    String why = String.join("\n", index.skipped());
    assertTrue(why.contains("a-version.json: cdiVersion '0.9.9' is none of the CDI versions"), why);
    assertTrue(why.contains("c-kind.json: kind 'example.com/gpu/x' is not vendor.com/class"), why);
    assertTrue(why.contains("e-name.json: device name 'bad/name' is invalid"), why);
    assertTrue(why.contains("f-twice.json: device 'gpu0' is defined twice"), why);
    assertTrue(why.contains("g-none.json: it defines no devices"), why);
  }

  @Test
  void aDeviceTwoFilesOfOneDirectoryDefineConflictsAndALaterDirectoryResolvesIt() throws Exception {
    Files.writeString(etc.resolve("a.json"), spec("0.6.0", "example.com/gpu", "gpu0", "gpu1"));
    Files.writeString(
        etc.resolve("b.yaml"),
        "cdiVersion: 0.6.0\nkind: example.com/gpu\ndevices: [{name: gpu0}]\n");
    CdiSpecs.Index index = load();
    assertEquals(
        List.of(etc.resolve("a.json"), etc.resolve("b.yaml")),
        index.conflicts().get("example.com/gpu=gpu0"));
    assertFalse(
        index.devices().containsKey("example.com/gpu=gpu0"), "neither definition is picked");
    assertEquals(
        etc.resolve("a.json"),
        index.devices().get("example.com/gpu=gpu1").file(),
        "its other devices stay");

    Files.writeString(run.resolve("c.json"), spec("v1.0.0", "example.com/gpu", "gpu0"));
    index = load();
    assertEquals(run.resolve("c.json"), index.devices().get("example.com/gpu=gpu0").file());
    assertTrue(index.conflicts().isEmpty(), index.conflicts().toString());
  }

  @Test
  void aLaterDirectoryWinsAndAnEarlierOneNever() throws Exception {
    Files.writeString(run.resolve("a.json"), spec("0.6.0", "example.com/gpu", "gpu0"));
    Files.writeString(etc.resolve("z.json"), spec("0.6.0", "example.com/gpu", "gpu0"));
    CdiSpecs.Index index = load();
    assertEquals(run.resolve("a.json"), index.devices().get("example.com/gpu=gpu0").file());
    assertTrue(index.conflicts().isEmpty());
    assertEquals(
        run.resolve("a.json"),
        CdiSpecs.load(List.of(tmp.resolve("absent"), etc, run))
            .devices()
            .get("example.com/gpu=gpu0")
            .file(),
        "a missing directory has no specs");
  }

  @Test
  void qualifiedNamesFollowTheCdiGrammar() {
    for (String ok :
        List.of(
            "vendor.com/class=name",
            "nvidia.com/gpu=0",
            "a/b=c",
            "foo.bar.baz/foo-bar123.B_az=x:y.z")) {
      assertTrue(CdiSpecs.qualified(ok), ok);
    }
    for (String bad :
        List.of(
            "gpu0",
            "vendor.com/class",
            "vendor.com/class=",
            "=x",
            "vendor.com/a/b=x",
            "1vendor.com/class=x",
            "vendor.com/class-=x",
            "vendor.com/class=x/y",
            "vendor.com/class=-x")) {
      assertFalse(CdiSpecs.qualified(bad), bad);
    }
  }
}
