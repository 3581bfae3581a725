package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.longs;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static io.jcri.runtime.oci.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.SupplementalGroupsPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessSpecTest extends SpecTest {
  private OciSpec withImage(ImageDefaults image, io.jcri.cri.v1.ContainerConfig.Builder c)
      throws OciSpecException {
    return f.build(c, pod(), f.sandbox(), image, options());
  }

  private static ImageDefaults imageWith(String user, List<String> entrypoint, List<String> cmd) {
    ImageDefaults i = image();
    return new ImageDefaults(
        user, i.env(), entrypoint, cmd, i.workingDir(), i.volumes(), i.stopSignal());
  }

  @Test
  void imageEntrypointAndCmdRunWhenTheConfigSaysNothing() throws Exception {
    assertEquals(List.of("/entry", "serve", "--port=80"), f.build(container()).processArgs());
  }

  @Test
  void aCommandReplacesEntrypointAndDropsTheImageCmd() throws Exception {
    assertEquals(
        List.of("/bin/sh", "-c", "true"),
        f.build(container().addCommand("/bin/sh").addCommand("-c").addCommand("true"))
            .processArgs());
    assertEquals(List.of("/bin/sh"), f.build(container().addCommand("/bin/sh")).processArgs());
  }

  @Test
  void argsAloneReplaceOnlyTheImageCmd() throws Exception {
    assertEquals(List.of("/entry", "check"), f.build(container().addArgs("check")).processArgs());
    assertEquals(
        List.of("check"),
        withImage(imageWith("", List.of(), List.of("serve")), container().addArgs("check"))
            .processArgs());
  }

  @Test
  void noCommandAnywhereIsInvalid() {
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(() -> withImage(imageWith("", List.of(), List.of()), container())));
  }

  @Test
  void envIsImageThenConfigWithTheConfigWinningPerKey() throws Exception {
    OciSpec spec =
        f.build(
            container()
                .addEnvs(
                    KeyValue.newBuilder()
                        .setKey("A")
                        .setValue(ByteString.copyFromUtf8("from-config")))
                .addEnvs(
                    KeyValue.newBuilder().setKey("C").setValue(ByteString.copyFromUtf8("x=y"))));
    assertEquals(
        List.of(
            "PATH=/usr/bin:/bin", "HOSTNAME=web-0", "A=from-config", "B=2", "C=x=y", "HOME=/root"),
        texts(json(spec).at("/process/env")));
  }

  @Test
  void workingDirComesFromConfigThenImageThenRoot() throws Exception {
    assertEquals("/srv", json(f.build(container())).at("/process/cwd").asText());
    assertEquals(
        "/work", json(f.build(container().setWorkingDir("/work"))).at("/process/cwd").asText());
    ImageDefaults noDir =
        new ImageDefaults("", List.of(), List.of("/x"), List.of(), "", List.of(), "");
    assertEquals("/", json(withImage(noDir, container())).at("/process/cwd").asText());
  }

  @Test
  void ttyMakesATerminalWithTerm() throws Exception {
    OciSpec spec = f.build(container().setTty(true).setStdin(true).setStdinOnce(true));
    assertTrue(json(spec).at("/process/terminal").asBoolean());
    assertTrue(texts(json(spec).at("/process/env")).contains("TERM=xterm"));
    assertFalse(json(f.build(container())).at("/process/terminal").asBoolean());
  }

  @Test
  void runAsUserTakesItsPrimaryGroupAndMembershipsFromTheImage() throws Exception {
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setRunAsUser(Int64Value.newBuilder().setValue(1000))));
    assertEquals(new ResolvedUser(1000, 1000, List.of(1000L, 10L, 29L)), spec.user());
    JsonNode user = json(spec).at("/process/user");
    assertEquals(1000, user.path("uid").asLong());
    assertEquals(1000, user.path("gid").asLong());
    assertEquals(List.of(1000L, 10L, 29L), longs(user.path("additionalGids")));
    assertTrue(texts(json(spec).at("/process/env")).contains("HOME=/home/alice"));
  }

  @Test
  void runAsGroupOverridesThePrimaryGroupAndConfigGroupsAreAdded() throws Exception {
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                    .setRunAsGroup(Int64Value.newBuilder().setValue(50))
                    .addSupplementalGroups(5000)));
    assertEquals(new ResolvedUser(1000, 50, List.of(50L, 10L, 29L, 5000L)), spec.user());
  }

  @Test
  void strictPolicyIgnoresTheImageGroupFile() throws Exception {
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                    .addSupplementalGroups(5000)
                    .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict)));
    assertEquals(List.of(1000L, 5000L), spec.user().supplementalGroups());
  }

  @Test
  void runAsUsernameIsLookedUp() throws Exception {
    OciSpec spec =
        f.build(container(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("bob")));
    assertEquals(new ResolvedUser(1001, 1001, List.of(1001L, 10L)), spec.user());
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(
            () ->
                f.build(
                    container(
                        LinuxContainerSecurityContext.newBuilder().setRunAsUsername("mallory")))));
  }

  @Test
  void imageUserInEveryForm() throws Exception {
    assertEquals(
        new ResolvedUser(0, 0, List.of(0L)),
        withImage(imageWith("", List.of("/x"), List.of()), container()).user());
    assertEquals(
        new ResolvedUser(1000, 1000, List.of(1000L, 10L, 29L)),
        withImage(imageWith("alice", List.of("/x"), List.of()), container()).user());
    assertEquals(
        new ResolvedUser(1001, 1001, List.of(1001L, 10L)),
        withImage(imageWith("1001", List.of("/x"), List.of()), container()).user());
    assertEquals(
        new ResolvedUser(1000, 29, List.of(29L, 10L)),
        withImage(imageWith("1000:29", List.of("/x"), List.of()), container()).user());
    assertEquals(
        new ResolvedUser(1000, 50, List.of(50L, 10L, 29L)),
        withImage(imageWith("alice:staff", List.of("/x"), List.of()), container()).user());
    // a uid the image does not know still runs, in group 0
    assertEquals(
        new ResolvedUser(4242, 0, List.of(0L)),
        withImage(imageWith("4242", List.of("/x"), List.of()), container()).user());
  }

  @Test
  void unknownImageUserOrGroupNamesAreInvalid() {
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(() -> withImage(imageWith("nobody", List.of("/x"), List.of()), container())));
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(
            () -> withImage(imageWith("alice:nogroup", List.of("/x"), List.of()), container())));
  }

  @Test
  void runAsUserWinsOverTheImageUser() throws Exception {
    OciSpec spec =
        withImage(
            imageWith("alice:staff", List.of("/x"), List.of()),
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setRunAsUser(Int64Value.newBuilder().setValue(1001))));
    assertEquals(new ResolvedUser(1001, 1001, List.of(1001L, 10L)), spec.user());
  }

  @Test
  void passwdSymlinksResolveInsideTheRootfsNeverOnTheHost() throws Exception {
    Path etc = f.rootfs.resolve("etc");
    Files.move(etc.resolve("passwd"), etc.resolve("passwd.real"));
    Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/etc/../etc/passwd.real"));
    // an absolute link that would leave the rootfs if followed on the host
    Files.delete(etc.resolve("group"));
    Files.createSymbolicLink(etc.resolve("group"), Path.of("/../../../../etc/group.real"));
    Files.writeString(etc.resolve("group.real"), "wheel:x:10:alice\n");
    OciSpec spec = withImage(imageWith("alice", List.of("/x"), List.of()), container());
    assertEquals(new ResolvedUser(1000, 1000, List.of(1000L, 10L)), spec.user());
  }

  @Test
  void theSpecSerialisesToTheSameJson() throws Exception {
    OciSpec spec = f.build(container());
    JsonNode parsed = new ObjectMapper().readTree(spec.toJson());
    assertEquals(
        spec.spec(),
        new ObjectMapper().readValue(spec.toJson(), RuntimeSpec.class),
        "records round-trip");
    assertFalse(parsed.path("process").has("rlimits"), "parts the spec does not set are left out");
    assertFalse(parsed.path("linux").has("uidMappings"));
    assertFalse(parsed.path("linux").has("sysctl"));
    assertFalse(parsed.at("/linux/resources").has("pids"));
    assertEquals(
        List.of("type"),
        List.copyOf(iterable(parsed.at("/linux/namespaces/0"))),
        "a new namespace has no path");
    assertEquals("1.0.2", parsed.path("ociVersion").asText());
    assertEquals(f.rootfs.toString(), parsed.at("/root/path").asText());
    assertEquals("web-0", parsed.path("hostname").asText());
  }

  private static List<String> iterable(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
