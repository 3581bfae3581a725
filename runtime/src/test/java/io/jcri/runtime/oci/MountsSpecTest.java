package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.mount;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static io.jcri.runtime.oci.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MountsSpecTest extends SpecTest {
  private static Mount.Builder bind(Path host, String container) {
    return Mount.newBuilder().setHostPath(host.toString()).setContainerPath(container);
  }

  @Test
  void kernelFilesystemsAndPodFilesAreMountedParentsFirst() throws Exception {
    OciSpec spec = f.build(container());
    assertEquals("proc", mount(spec, "/proc").path("type").asText());
    assertEquals("tmpfs", mount(spec, "/dev").path("type").asText());
    assertEquals("devpts", mount(spec, "/dev/pts").path("type").asText());
    assertEquals("mqueue", mount(spec, "/dev/mqueue").path("type").asText());
    assertTrue(texts(mount(spec, "/sys").path("options")).contains("ro"));
    assertTrue(texts(mount(spec, "/sys/fs/cgroup").path("options")).contains("ro"));
    assertEquals(tmp.resolve("shm").toString(), mount(spec, "/dev/shm").path("source").asText());
    assertEquals(
        tmp.resolve("resolv.conf").toString(),
        mount(spec, "/etc/resolv.conf").path("source").asText());
    assertEquals(
        tmp.resolve("hostname").toString(), mount(spec, "/etc/hostname").path("source").asText());
    assertEquals(
        tmp.resolve("hosts").toString(), mount(spec, "/etc/hosts").path("source").asText());
    assertTrue(texts(mount(spec, "/etc/hosts").path("options")).contains("rw"));
    List<String> order = new ArrayList<>();
    json(spec).path("mounts").forEach(m -> order.add(m.path("destination").asText()));
    assertTrue(order.indexOf("/dev") < order.indexOf("/dev/shm"));
    assertTrue(order.indexOf("/sys") < order.indexOf("/sys/fs/cgroup"));
  }

  @Test
  void aReadonlyRootfsMakesThePodFilesReadonlyToo() throws Exception {
    OciSpec spec =
        f.build(container(LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true)));
    assertTrue(json(spec).at("/root/readonly").asBoolean());
    assertTrue(texts(mount(spec, "/etc/resolv.conf").path("options")).contains("ro"));
    assertTrue(texts(mount(spec, "/etc/hostname").path("options")).contains("ro"));
    assertTrue(texts(mount(spec, "/dev/shm").path("options")).contains("rw"), "shm stays writable");
  }

  @Test
  void criMountsCarryReadonlyAndPropagation() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    OciSpec spec =
        f.build(
            container()
                .addMounts(bind(data, "/data").setReadonly(true))
                .addMounts(
                    bind(data, "/slave")
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)));
    assertEquals(List.of("rbind", "rprivate", "ro"), texts(mount(spec, "/data").path("options")));
    assertEquals("bind", mount(spec, "/data").path("type").asText());
    assertEquals(List.of("rbind", "rslave", "rw"), texts(mount(spec, "/slave").path("options")));
    assertEquals("rslave", json(spec).at("/linux/rootfsPropagation").asText());
    OciSpec shared =
        f.build(
            container()
                .addMounts(
                    bind(data, "/slave")
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
                .addMounts(
                    bind(data, "/shared")
                        .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)));
    assertEquals(
        List.of("rbind", "rshared", "rw"), texts(mount(shared, "/shared").path("options")));
    assertEquals("rshared", json(shared).at("/linux/rootfsPropagation").asText());
    assertFalse(
        json(f.build(container().addMounts(bind(data, "/data"))))
            .path("linux")
            .has("rootfsPropagation"));
  }

  @Test
  void aPrivateHostMountIsReportedForSharingUntilItIsShared() throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Syscalls.mount("tmpfs", mnt, "tmpfs", 0, "size=1m");
    try {
      Syscalls.setPropagation(mnt, LibC.MS_PRIVATE);
      Path sub = Files.createDirectories(mnt.resolve("sub"));
      OciSpec spec =
          f.build(
              container()
                  .addMounts(
                      bind(sub, "/shared")
                          .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)));
      assertEquals(Map.of(mnt, "shared"), spec.hostPropagation());
      Syscalls.setPropagation(mnt, LibC.MS_SHARED);
      assertEquals(
          Map.of(),
          f.build(
                  container()
                      .addMounts(
                          bind(sub, "/shared")
                              .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)))
              .hostPropagation());
      assertEquals(
          Map.of(),
          f.build(
                  container()
                      .addMounts(
                          bind(sub, "/slave")
                              .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)))
              .hostPropagation());
    } finally {
      Syscalls.unmountIfMounted(mnt);
    }
  }

  @Test
  void symlinkedHostPathsAreResolvedAndMissingOnesCreated() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("real"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    Path missing = tmp.resolve("new/dir");
    OciSpec spec = f.build(container().addMounts(bind(link, "/l")).addMounts(bind(missing, "/m")));
    assertEquals(real.toRealPath().toString(), mount(spec, "/l").path("source").asText());
    assertTrue(Files.isDirectory(missing));
  }

  @Test
  void recursiveReadOnlyMountsAreReadOnlyAllTheWayDown() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("rro"));
    OciSpec spec =
        f.build(
            container()
                .addMounts(bind(data, "/rro").setReadonly(true).setRecursiveReadOnly(true))
                .addMounts(bind(data, "/ro").setReadonly(true)));
    assertEquals(
        List.of("rbind", "rprivate", "ro", "rro"), texts(mount(spec, "/rro").path("options")));
    assertEquals(List.of("rbind", "rprivate", "ro"), texts(mount(spec, "/ro").path("options")));
  }

  @Test
  void criMountsReplaceTheDefaultAtTheSameDestination() throws Exception {
    Path hosts = Files.writeString(tmp.resolve("kubelet-hosts"), "127.0.0.1 localhost\n");
    OciSpec spec = f.build(container().addMounts(bind(hosts, "/etc/hosts")));
    long count = 0;
    for (JsonNode m : json(spec).path("mounts")) {
      count += m.path("destination").asText().equals("/etc/hosts") ? 1 : 0;
    }
    assertEquals(1, count);
    assertEquals(hosts.toString(), mount(spec, "/etc/hosts").path("source").asText());
  }

  @Test
  void imageMountsBindTheMountedImageReadOnlyWithItsSubPathResolvedInside() throws Exception {
    Path image = Files.createDirectories(tmp.resolve("image-volume"));
    Files.createDirectories(image.resolve("usr/share/data"));
    Files.createSymbolicLink(image.resolve("data"), Path.of("/usr/share/data"));
    Mount.Builder m =
        Mount.newBuilder()
            .setContainerPath("/models")
            .setImage(ImageSpec.newBuilder().setImage("models:v1"));
    ContainerConfig.Builder c =
        container()
            .addMounts(m.clone())
            .addMounts(m.clone().setContainerPath("/data").setImageSubPath("data"));
    OciSpec spec =
        ContainerSpecs.build(
            c.build(),
            pod(),
            f.sandbox(),
            Fixtures.image(),
            "c0ffee",
            f.rootfs,
            f.volumes,
            Map.of(0, image, 1, image),
            options());
    assertEquals(image.toString(), mount(spec, "/models").path("source").asText());
    assertEquals(List.of("rbind", "rprivate", "ro"), texts(mount(spec, "/models").path("options")));
    assertEquals(
        image.resolve("usr/share/data").toString(),
        mount(spec, "/data").path("source").asText(),
        "the absolute symlink resolves inside the image, not on the host");
    ContainerConfig.Builder missing =
        container().addMounts(m.clone().setImageSubPath("no/such/dir"));
    OciSpecException e =
        assertThrows(
            OciSpecException.class,
            () ->
                ContainerSpecs.build(
                    missing.build(),
                    pod(),
                    f.sandbox(),
                    Fixtures.image(),
                    "c0ffee",
                    f.rootfs,
                    f.volumes,
                    Map.of(0, image),
                    options()));
    assertEquals(OciSpecException.Reason.NOT_FOUND, e.reason());
    assertTrue(
        e.getMessage().startsWith("mounts[0].image_sub_path \"no/such/dir\" does not exist"),
        e.getMessage());
  }

  @Test
  void imageVolumesAreBindsSeededFromTheImage() throws Exception {
    Files.createDirectories(f.rootfs.resolve("var/lib/data/sub"));
    Files.writeString(f.rootfs.resolve("var/lib/data/sub/seed"), "seed");
    Files.createSymbolicLink(f.rootfs.resolve("var/lib/data/escape"), Path.of("/etc/shadow"));
    ImageDefaults i = Fixtures.image();
    ImageDefaults image =
        new ImageDefaults(
            "",
            i.env(),
            i.entrypoint(),
            i.cmd(),
            i.workingDir(),
            List.of("/var/lib/data", "/empty"),
            "");
    OciSpec spec = f.build(container(), pod(), f.sandbox(), image, options());
    JsonNode data = mount(spec, "/var/lib/data");
    assertNotNull(data);
    Path dir = Path.of(data.path("source").asText());
    assertTrue(dir.startsWith(f.volumes));
    assertEquals("seed", Files.readString(dir.resolve("sub/seed")));
    assertTrue(Files.isSymbolicLink(dir.resolve("escape")), "links are copied, never followed");
    assertTrue(Files.isDirectory(Path.of(mount(spec, "/empty").path("source").asText())));
    assertEquals(List.of("rbind", "rprivate", "rw"), texts(data.path("options")));
  }

  @Test
  void criDevicesBecomeNodesAndCgroupRules() throws Exception {
    OciSpec spec =
        f.build(
            container()
                .addDevices(
                    Device.newBuilder()
                        .setHostPath("/dev/null")
                        .setContainerPath("/dev/mynull")
                        .setPermissions("rw")));
    JsonNode dev = json(spec).at("/linux/devices/0");
    assertEquals("/dev/mynull", dev.path("path").asText());
    assertEquals("c", dev.path("type").asText());
    assertEquals(1, dev.path("major").asInt());
    assertEquals(3, dev.path("minor").asInt());
    JsonNode rules = json(spec).at("/linux/resources/devices");
    assertFalse(rules.get(0).path("allow").asBoolean(), "everything else denied");
    assertEquals("rwm", rules.get(0).path("access").asText());
    JsonNode allow = rules.get(1);
    assertTrue(allow.path("allow").asBoolean());
    assertEquals(
        List.of("c", "1", "3", "rw"),
        List.of(
            allow.path("type").asText(),
            allow.path("major").asText(),
            allow.path("minor").asText(),
            allow.path("access").asText()));
  }

  @Test
  void badDevicesAreRefusedClearly() {
    assertEquals(
        OciSpecException.Reason.NOT_FOUND,
        failure(
            () ->
                f.build(
                    container()
                        .addDevices(
                            Device.newBuilder()
                                .setHostPath("/dev/does-not-exist")
                                .setContainerPath("/dev/x")))));
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(
            () ->
                f.build(
                    container()
                        .addDevices(
                            Device.newBuilder()
                                .setHostPath(tmp.resolve("hosts").toString())
                                .setContainerPath("/dev/x")))));
  }
}
