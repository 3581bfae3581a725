package io.jcri.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.AuthConfig;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageFilter;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ImageFsInfoResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ImageStatusResponse;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.Layer;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ImageService of the real daemon against the real docker-registry. */
class ImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MIRRORED_HOST = "mirrored.jcri.invalid";
  private static Jcrid jcrid;

  @BeforeAll
  static void start() throws Exception {
    LocalRegistry registry = LocalRegistry.shared();
    jcrid =
        Jcrid.start(
            """
        [registries."%s"]
        mirrors = ["http://%s"]
        """
                .formatted(MIRRORED_HOST, registry.host()));
  }

  @AfterAll
  static void stop() throws Exception {
    jcrid.close();
  }

  private static String pull(String ref) {
    return jcrid
        .images()
        .pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build())
        .getImageRef();
  }

  private static ImageStatusResponse status(String ref, boolean verbose) {
    return jcrid
        .images()
        .imageStatus(
            ImageStatusRequest.newBuilder().setImage(spec(ref)).setVerbose(verbose).build());
  }

  private static void remove(String ref) {
    jcrid.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
  }

  private static ImageSpec spec(String ref) {
    return ImageSpec.newBuilder().setImage(ref).build();
  }

  private static List<Image> list(String filter) {
    return jcrid
        .images()
        .listImages(
            ListImagesRequest.newBuilder()
                .setFilter(ImageFilter.newBuilder().setImage(spec(filter)))
                .build())
        .getImagesList();
  }

  @Test
  void pullStatusListRemoveBusybox() throws Exception {
    // a repository of its own: other tests share TestImages.busybox()
    String ref =
        TestImages.image(LocalRegistry.shared(), "test/busybox-crud")
            .layer(TestImages.busyboxLayer())
            .cmd("sh")
            .label("test", "crud")
            .push("latest")
            .reference();
    String id = pull(ref);
    assertTrue(id.startsWith("sha256:"));
    Image image = status(ref, false).getImage();
    assertEquals(id, image.getId());
    assertEquals(List.of(ref), image.getRepoTagsList());
    assertTrue(image.getRepoDigests(0).startsWith(ref.replace(":latest", "@sha256:")));
    assertTrue(image.getSize() > 1_000_000, "busybox is in there");
    assertEquals(List.of(image), list(ref));
    assertEquals(image, status(id, false).getImage(), "found by ID");
    assertEquals(image, status(image.getRepoDigests(0), false).getImage(), "found by digest");

    JsonNode info = JSON.readTree(status(ref, true).getInfoOrThrow("info"));
    assertEquals("sh", info.path("config").path("config").path("Cmd").path(0).asText());
    Path snapshot = Path.of(info.path("layers").path(0).path("snapshot").asText());
    assertTrue(Files.isExecutable(snapshot.resolve("bin/busybox")));
    assertTrue(Files.isSymbolicLink(snapshot.resolve("bin/ls")));

    assertEquals(id, pull(ref), "pulling again gives the same ID");
    remove(ref);
    assertFalse(status(ref, false).hasImage(), "unknown image: empty status, no error");
    assertFalse(
        Files.exists(jcrid.root().resolve("images/blobs/sha256/" + id.substring(7))),
        "last reference removed: its config blob is freed (the busybox snapshot stays: other images share it)");
    assertTrue(list(ref).isEmpty());
    remove(ref); // removing an unknown image succeeds
  }

  @Test
  void userOfTheImageGivesUidOrUsername() {
    LocalRegistry r = LocalRegistry.shared();
    String numeric =
        TestImages.image(r, "test/user-numeric")
            .layer(TestImages.busyboxLayer())
            .user("1000:1000")
            .push("v1")
            .reference();
    String named =
        TestImages.image(r, "test/user-named")
            .layer(TestImages.busyboxLayer())
            .user("jcri")
            .push("v1")
            .reference();
    pull(numeric);
    pull(named);
    assertEquals(1000, status(numeric, false).getImage().getUid().getValue());
    assertEquals("jcri", status(named, false).getImage().getUsername());
    assertFalse(status(named, false).getImage().hasUid());
  }

  @Test
  void multiLayerImageWithWhiteoutsAndZstd() throws Exception {
    LocalRegistry r = LocalRegistry.shared();
    Layer base = TestImages.busyboxLayer();
    Layer middle =
        Layer.builder()
            .dir("data", 0755)
            .file("data/old", 0644, "old\n")
            .file("data/keep", 0644, "k\n")
            .dir("cache", 0755)
            .file("cache/junk", 0644, "j\n")
            .build(Layer.Compression.ZSTD);
    Layer top =
        Layer.builder()
            .whiteout("data/old")
            .opaque("cache")
            .file("cache/fresh", 0644, "f\n")
            .build(Layer.Compression.NONE);
    TestImages.Pushed pushed =
        TestImages.image(r, "test/layers").layer(base).layer(middle).layer(top).push("v1");
    assertEquals(pushed.imageId(), pull(pushed.reference()));
    JsonNode layers =
        JSON.readTree(status(pushed.reference(), true).getInfoOrThrow("info")).path("layers");
    assertEquals(3, layers.size());
    Path topDir = Path.of(layers.path(2).path("snapshot").asText());
    Path whiteout = topDir.resolve("data/old");
    assertEquals(
        0020000,
        (int) Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000);
    assertEquals("f\n", Files.readString(topDir.resolve("cache/fresh")));
    assertEquals(
        "k\n",
        Files.readString(Path.of(layers.path(1).path("snapshot").asText()).resolve("data/keep")));
  }

  @Test
  void indexResolvesToLinuxAmd64() {
    LocalRegistry r = LocalRegistry.shared();
    TestImages.Pushed arm =
        TestImages.image(r, "test/multi")
            .layer(TestImages.fileLayer("arch", "arm64"))
            .platform("linux", "arm64", "v8")
            .push(null);
    TestImages.Pushed amd =
        TestImages.image(r, "test/multi").layer(TestImages.fileLayer("arch", "amd64")).push(null);
    TestImages.Pushed index = TestImages.pushIndex(r, "test/multi", "v1", false, List.of(arm, amd));
    assertEquals(amd.imageId(), pull(index.reference()));
    assertEquals(
        List.of(index.digestReference()),
        status(index.reference(), false).getImage().getRepoDigestsList());
    TestImages.Pushed list =
        TestImages.pushIndex(r, "test/multi", "docker", true, List.of(arm, amd));
    assertEquals(amd.imageId(), pull(list.reference()));
  }

  @Test
  void mirrorServesWhileTheImageKeepsItsName() {
    TestImages.busybox();
    String name = MIRRORED_HOST + "/test/busybox:latest";
    String id = pull(name);
    Image image = status(name, false).getImage();
    assertEquals(id, image.getId());
    assertTrue(image.getRepoTagsList().contains(name));
    assertTrue(
        image.getRepoDigestsList().stream()
            .anyMatch(d -> d.startsWith(MIRRORED_HOST + "/test/busybox@")));
  }

  @Test
  void basicAuthRegistryNeedsTheRequestCredentials() throws Exception {
    LocalRegistry r = LocalRegistry.withBasicAuth();
    String ref =
        TestImages.image(r, "private/busybox")
            .layer(TestImages.busyboxLayer())
            .push("v1")
            .reference();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull(ref));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    String id =
        jcrid
            .images()
            .pullImage(
                PullImageRequest.newBuilder()
                    .setImage(spec(ref))
                    .setAuth(
                        AuthConfig.newBuilder()
                            .setUsername(LocalRegistry.USERNAME)
                            .setPassword(LocalRegistry.PASSWORD))
                    .build())
            .getImageRef();
    assertEquals(id, status(ref, false).getImage().getId());
    assertFalse(jcrid.log().contains(LocalRegistry.PASSWORD), "credentials never logged");
  }

  @Test
  void hostileLayersFailCleanly() throws Exception {
    LocalRegistry r = LocalRegistry.shared();
    Path outside = Files.createTempDirectory("jcri-outside");
    List<Layer> hostile =
        List.of(
            TestImages.dotDotLayer("jcri-dotdot-escape"),
            TestImages.absolutePathLayer(outside.resolve("absolute")),
            TestImages.symlinkEscapeLayer(outside),
            TestImages.relativeSymlinkEscapeLayer(outside),
            TestImages.hardlinkOutsideLayer());
    for (int i = 0; i < hostile.size(); i++) {
      String ref =
          TestImages.image(r, "hostile/h" + i)
              .layer(TestImages.busyboxLayer())
              .layer(hostile.get(i))
              .push("v1")
              .reference();
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull(ref), ref);
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
      assertFalse(status(ref, false).hasImage());
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "nothing written outside the store");
    }
    Path images = jcrid.root().resolve("images");
    assertFalse(Files.exists(images.resolve("../jcri-dotdot-escape")));
    assertFalse(Files.exists(jcrid.root().resolve("jcri-dotdot-escape")));
    try (Stream<Path> s = Files.list(images.resolve("snapshots"))) {
      assertTrue(
          s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")),
          "no partial snapshot left");
    }
    try (Stream<Path> s = Files.list(images.resolve("tmp"))) {
      assertEquals(0, s.count(), "no partial blob left");
    }
  }

  @Test
  void invalidAndMissingReferences() {
    StatusRuntimeException invalid =
        assertThrows(StatusRuntimeException.class, () -> pull("docker.io/UPPER/case"));
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class,
            () -> pull(LocalRegistry.shared().host() + "/no/such:image"));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  @Test
  void pauseImageIsListedPinnedAndFsInfoCountsTheStore() {
    Image pause = list("").stream().filter(Image::getPinned).findFirst().orElseThrow();
    assertTrue(pause.getRepoTagsList().getFirst().contains("pause"), pause.toString());
    ImageFsInfoResponse fs = jcrid.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
    assertTrue(fs.getImageFilesystems(0).getUsedBytes().getValue() > 500_000);
    assertTrue(fs.getImageFilesystems(0).getInodesUsed().getValue() > 5);
    assertTrue(
        fs.getImageFilesystems(0).getFsId().getMountpoint().startsWith(jcrid.root().toString()));
    assertEquals(1, fs.getContainerFilesystemsCount());
  }

  @Test
  void imagesSurviveARestart() throws Exception {
    String ref =
        TestImages.image(LocalRegistry.shared(), "test/restart")
            .layer(TestImages.busyboxLayer())
            .push("v1")
            .reference();
    String id = pull(ref);
    jcrid.restart();
    assertEquals(id, status(ref, false).getImage().getId());
  }
}
