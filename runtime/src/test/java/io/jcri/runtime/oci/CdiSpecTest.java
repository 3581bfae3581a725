package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.mount;
import static io.jcri.runtime.oci.Fixtures.pod;
import static io.jcri.runtime.oci.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.KeyValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CdiSpecTest extends SpecTest {
  private static final String GPU_SPEC =
      """
      {
        "cdiVersion": "0.6.0",
        "kind": "example.com/gpu",
        "containerEdits": {
          "env": ["GPU_DRIVER=1.2"],
          "hooks": [{"hookName": "createContainer", "path": "/usr/bin/gpu-hook", "args": ["gpu-hook", "update"],
                     "timeout": 5}]
        },
        "devices": [
          {"name": "gpu0", "containerEdits": {
            "env": ["GPU=0"],
            "deviceNodes": [{"path": "/dev/gpu0", "hostPath": "/dev/null", "permissions": "rw"}],
            "mounts": [{"hostPath": "/usr/lib/gpu", "containerPath": "/usr/lib/gpu", "options": ["ro", "nosuid"]}]
          }},
          {"name": "gpu1", "containerEdits": {
            "env": ["GPU=1"],
            "deviceNodes": [{"path": "/dev/gpu1", "type": "c", "major": 195, "minor": 1, "fileMode": 432, "gid": 44}]
          }}
        ]
      }
      """;

  private Path etc;
  private Path run;
  private OciOptions options;

  @BeforeEach
  void specDirs() throws Exception {
    etc = Files.createDirectories(tmp.resolve("etc-cdi"));
    run = Files.createDirectories(tmp.resolve("run-cdi"));
    OciOptions o = Fixtures.options();
    options =
        new OciOptions(
            o.defaultCapabilities(),
            o.minOomScoreAdj(),
            o.seccompAvailable(),
            o.seccompProfileRoot(),
            o.apparmorAvailable(),
            o.selinuxAvailable(),
            o.cgroupDriver(),
            o.extraMaskedPaths(),
            o.extraReadonlyPaths(),
            List.of(etc, run));
    Files.writeString(etc.resolve("gpu.json"), GPU_SPEC);
  }

  private OciSpec build(ContainerConfig.Builder c) throws Exception {
    return f.build(c, pod(), f.sandbox(), image(), options);
  }

  private static ContainerConfig.Builder withDevices(String... names) {
    ContainerConfig.Builder c = container();
    for (String n : names) {
      c.addCDIDevices(CDIDevice.newBuilder().setName(n));
    }
    return c;
  }

  private static JsonNode device(OciSpec spec, String path) {
    for (JsonNode d : json(spec).at("/linux/devices")) {
      if (d.path("path").asText().equals(path)) {
        return d;
      }
    }
    return null;
  }

  private static boolean allowed(OciSpec spec, long major, long minor, String access) {
    for (JsonNode r : json(spec).at("/linux/resources/devices")) {
      if (r.path("allow").asBoolean()
          && r.path("major").asLong() == major
          && r.path("minor").asLong() == minor
          && r.path("access").asText().equals(access)) {
        return true;
      }
    }
    return false;
  }

  private String refusal(ContainerConfig.Builder c) {
    OciSpecException e = assertThrows(OciSpecException.class, () -> build(c));
    assertEquals(OciSpecException.Reason.INVALID_ARGUMENT, e.reason(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void aDeviceBringsItsSpecsEditsAndItsOwn() throws Exception {
    OciSpec spec = build(withDevices("example.com/gpu=gpu0"));
    List<String> env = texts(json(spec).at("/process/env"));
    assertTrue(env.containsAll(List.of("GPU_DRIVER=1.2", "GPU=0")), env.toString());
    JsonNode node = device(spec, "/dev/gpu0");
    assertNotNull(node, "the node stat-ed from its host path /dev/null");
    assertEquals("c", node.path("type").asText());
    assertEquals(1, node.path("major").asLong());
    assertEquals(3, node.path("minor").asLong());
    assertTrue(allowed(spec, 1, 3, "rw"), json(spec).at("/linux/resources/devices").toString());
    JsonNode m = mount(spec, "/usr/lib/gpu");
    assertNotNull(m);
    assertEquals("/usr/lib/gpu", m.path("source").asText());
    assertEquals(List.of("rbind", "ro", "nosuid"), texts(m.path("options")));
    JsonNode hook = json(spec).at("/hooks/createContainer/0");
    assertEquals("/usr/bin/gpu-hook", hook.path("path").asText());
    assertEquals(List.of("gpu-hook", "update"), texts(hook.path("args")));
    assertEquals(5, hook.path("timeout").asInt());
  }

  @Test
  void aFullyDescribedNodeIsTakenAsItIsAndSpecEditsApplyOnce() throws Exception {
    OciSpec spec = build(withDevices("example.com/gpu=gpu0", "example.com/gpu=gpu1"));
    JsonNode node = device(spec, "/dev/gpu1");
    assertNotNull(node);
    assertEquals(195, node.path("major").asLong());
    assertEquals(1, node.path("minor").asLong());
    assertEquals(0660, node.path("fileMode").asInt());
    assertEquals(44, node.path("gid").asInt());
    assertTrue(allowed(spec, 195, 1, "rwm"));
    assertNotNull(device(spec, "/dev/gpu0"));
    assertEquals(
        1,
        json(spec).at("/hooks/createContainer").size(),
        "the spec's hook once for two of its devices");
    assertTrue(
        texts(json(spec).at("/process/env")).contains("GPU=1"), "the later device's value wins");
  }

  @Test
  void cdiEnvWinsOverTheConfigsAndALaterDirectoryOverAnEarlierOne() throws Exception {
    Files.writeString(
        run.resolve("override.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/gpu",
         "devices": [{"name": "gpu0", "containerEdits": {"env": ["GPU=run"]}}]}
        """);
    OciSpec spec =
        build(
            withDevices("example.com/gpu=gpu0")
                .addEnvs(
                    KeyValue.newBuilder()
                        .setKey("GPU")
                        .setValue(ByteString.copyFromUtf8("config"))));
    List<String> env = texts(json(spec).at("/process/env"));
    assertTrue(env.contains("GPU=run"), env.toString());
    assertTrue(
        env.stream().noneMatch(e -> e.equals("GPU=config") || e.equals("GPU=0")), env.toString());
  }

  @Test
  void unknownOrMalformedDevicesAreRefusedNamingTheField() throws Exception {
    Files.writeString(run.resolve("nic.yaml"), "cdiVersion: 0.6.0\nkind: example.com/nic\n");
    Files.writeString(run.resolve("broken.json"), "{\"kind\": ");
    String unknown = refusal(withDevices("example.com/gpu=gpu0", "example.com/nic=eth0"));
    assertTrue(
        unknown.startsWith("CDI_devices[1] \"example.com/nic=eth0\" is defined by no CDI spec"),
        unknown);
    assertTrue(unknown.contains("nic.yaml: it defines no devices"), unknown);
    assertTrue(unknown.contains("broken.json"), unknown);
    String malformed = refusal(withDevices("gpu0"));
    assertTrue(
        malformed.startsWith("CDI_devices[0] \"gpu0\" is not a fully-qualified CDI name"),
        malformed);
  }

  @Test
  void editsJcriCannotApplyAreRefusedNotDropped() throws Exception {
    Files.writeString(
        run.resolve("rdt.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/rdt",
         "devices": [{"name": "a", "containerEdits": {"additionalGids": [44]}},
                     {"name": "empty", "containerEdits": {"intelRdt": null, "netDevices": [], "additionalGids": [],
                                                          "env": ["EMPTY_EDITS=ok"]}},
                     {"name": "b", "containerEdits": {"hooks": [{"hookName": "afterLunch", "path": "/bin/true"}]}}]}
        """);
    String gids = refusal(withDevices("example.com/rdt=a"));
    assertTrue(gids.startsWith("CDI_devices[0] \"example.com/rdt=a\""), gids);
    assertTrue(gids.contains("additionalGids"), gids);
    assertTrue(
        texts(json(build(withDevices("example.com/rdt=empty"))).at("/process/env"))
            .contains("EMPTY_EDITS=ok"),
        "empty edits of those kinds ask for nothing");
    String hook = refusal(withDevices("example.com/gpu=gpu1", "example.com/rdt=b"));
    assertTrue(hook.startsWith("CDI_devices[1] \"example.com/rdt=b\""), hook);
    assertTrue(hook.contains("afterLunch"), hook);
  }

  @Test
  void aDeviceTwoSpecsOfOneDirectoryDefineIsRefusedNamingBoth() throws Exception {
    Files.writeString(
        etc.resolve("other.yaml"),
        "cdiVersion: 0.6.0\nkind: example.com/gpu\ndevices: [{name: gpu0}]\n");
    OciSpecException e =
        assertThrows(OciSpecException.class, () -> build(withDevices("example.com/gpu=gpu0")));
    assertEquals(OciSpecException.Reason.FAILED_PRECONDITION, e.reason(), e.getMessage());
    assertTrue(
        e.getMessage()
            .startsWith("CDI_devices[0] \"example.com/gpu=gpu0\" is defined by several CDI specs"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains(etc.resolve("gpu.json") + ", " + etc.resolve("other.yaml")),
        e.getMessage());
    assertNotNull(
        device(build(withDevices("example.com/gpu=gpu1")), "/dev/gpu1"),
        "the spec's other devices work");
  }

  @Test
  void aYamlSpecsEditsReachTheSpec() throws Exception {
    Files.writeString(
        run.resolve("fpga.yml"),
        """
        cdiVersion: 0.5.0
        kind: vendor.com/fpga
        containerEdits:
          env: [FPGA_VENDOR=vendor]
        devices:
          - name: fpga0
            containerEdits:
              env: [FPGA=0]
              deviceNodes: [{path: /dev/null}]
              mounts: [{hostPath: /usr/lib/fpga, containerPath: /opt/fpga, type: bind, options: [bind, ro]}]
        """);
    OciSpec spec = build(withDevices("vendor.com/fpga=fpga0"));
    assertTrue(
        texts(json(spec).at("/process/env")).containsAll(List.of("FPGA_VENDOR=vendor", "FPGA=0")));
    JsonNode node = device(spec, "/dev/null");
    assertNotNull(node, "a node given by its path only");
    assertEquals(
        "c", node.path("type").asText(), "type, major and minor stat-ed from the host node");
    assertEquals(1, node.path("major").asLong());
    assertEquals(3, node.path("minor").asLong());
    assertEquals(List.of("bind", "ro"), texts(mount(spec, "/opt/fpga").path("options")));
  }

  @Test
  void aNodeWhoseHostTypeDiffersFromTheSpecsIsRefused() throws Exception {
    Files.writeString(
        run.resolve("blk.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/blk",
         "devices": [{"name": "b0", "containerEdits": {"deviceNodes": [{"path": "/dev/blk0", "hostPath": "/dev/null",
                                                                         "type": "b"}]}}]}
        """);
    String refused = refusal(withDevices("example.com/blk=b0"));
    assertTrue(refused.startsWith("CDI_devices[0] \"example.com/blk=b0\""), refused);
    assertTrue(
        refused.contains("is of type \"b\" in the spec but /dev/null on the node is \"c\""),
        refused);
  }

  @Test
  void whereTwoDevicesEditTheSameThingTheLaterRequestedWins() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("lib-a"));
    Path b = Files.createDirectories(tmp.resolve("lib-b"));
    Files.writeString(
        run.resolve("pair.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/pair",
         "devices": [
           {"name": "a", "containerEdits": {"env": ["PAIR=a", "ONLY_A=1"],
             "deviceNodes": [{"path": "/dev/pair", "hostPath": "/dev/null"}],
             "mounts": [{"hostPath": "%s", "containerPath": "/opt/pair"}]}},
           {"name": "b", "containerEdits": {"env": ["PAIR=b"],
             "deviceNodes": [{"path": "/dev/pair", "hostPath": "/dev/zero"}],
             "mounts": [{"hostPath": "%s", "containerPath": "/opt/pair/"}]}}]}
        """
            .formatted(a, b));
    for (List<String> order : List.of(List.of("a", "b"), List.of("b", "a"))) {
      OciSpec spec =
          build(
              withDevices("example.com/pair=" + order.get(0), "example.com/pair=" + order.get(1)));
      String last = order.get(1);
      List<String> env = texts(json(spec).at("/process/env"));
      assertEquals(
          List.of("PAIR=" + last),
          env.stream().filter(e -> e.startsWith("PAIR=")).toList(),
          env.toString());
      assertTrue(env.contains("ONLY_A=1"), env.toString());
      int pairs = 0;
      for (JsonNode d : json(spec).at("/linux/devices")) {
        pairs += d.path("path").asText().equals("/dev/pair") ? 1 : 0;
      }
      assertEquals(1, pairs, "one node per path");
      assertEquals(last.equals("a") ? 3 : 5, device(spec, "/dev/pair").path("minor").asLong());
      int mounts = 0;
      for (JsonNode m : json(spec).at("/mounts")) {
        mounts += m.path("destination").asText().startsWith("/opt/pair") ? 1 : 0;
      }
      assertEquals(1, mounts, "one mount per container path");
      assertTrue(
          json(spec).at("/mounts").toString().contains("\"" + (last.equals("a") ? a : b) + "\""),
          json(spec).at("/mounts").toString());
    }
  }

  @Test
  void badDeviceNodesAreRefusedNamingTheDevice() throws Exception {
    Files.writeString(
        run.resolve("bad.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/bad",
         "devices": [{"name": "perm", "containerEdits": {"deviceNodes": [{"path": "/dev/b", "hostPath": "/dev/null",
                                                                         "permissions": "rwx"}]}},
                     {"name": "rel", "containerEdits": {"deviceNodes": [{"path": "/dev/b", "hostPath": "dev/null"}]}}]}
        """);
    String perm = refusal(withDevices("example.com/bad=perm"));
    assertTrue(perm.startsWith("CDI_devices[0] \"example.com/bad=perm\""), perm);
    assertTrue(perm.contains("permissions must be made of r, w, m, not \"rwx\""), perm);
    String rel = refusal(withDevices("example.com/bad=rel"));
    assertTrue(rel.contains("hostPath must be absolute: \"dev/null\""), rel);
  }

  @Test
  void noDevicesNoSpecFilesRead() throws Exception {
    Files.writeString(etc.resolve("gpu.json"), "not json");
    OciSpec spec = build(container());
    assertTrue(json(spec).path("hooks").isMissingNode());
  }
}
