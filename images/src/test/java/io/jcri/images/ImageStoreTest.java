package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.registry.Digests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  @TempDir Path root;
  FakeRegistry registry;
  ImageStore store;

  private final byte[] base =
      new TestTar()
          .dir("bin", 0755)
          .file("bin/app", 0755, 0, 0, "#!app")
          .file("etc/x", "1")
          .bytes();
  private final byte[] top = new TestTar().file("etc/.wh.x", "").file("etc/y", "2").bytes();

  @BeforeEach
  void start() throws Exception {
    registry = new FakeRegistry();
    store = open();
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  private ImageStore open() throws Exception {
    return ImageStore.open(
        root, new ImageOptions(Map.of(), null, "linux", "amd64", "", Duration.ofSeconds(2), 2));
  }

  private String[] push(String repo, String tag) {
    return registry.image(
        repo,
        tag,
        "amd64",
        "1000:1000",
        List.of(base, top),
        List.of(TestTar.gzip(base), TestTar.gzip(top)));
  }

  @Test
  void pullsListsFindsAndRemovesWithGarbageCollection() throws Exception {
    String[] pushed = push("test/app", "v1");
    String ref = registry.host() + "/test/app:v1";
    Image image = store.pull(ref, Credentials.NONE);
    assertEquals(pushed[0], image.id());
    assertEquals(List.of(ref), image.repoTags());
    assertEquals(List.of(registry.host() + "/test/app@" + pushed[1]), image.repoDigests());
    assertEquals("1000:1000", image.config().user());
    assertEquals(List.of("/bin/app"), image.config().entrypoint());
    assertEquals(Map.of("l", "v"), image.config().labels());
    List<Path> lower = store.lowerDirs(image.id());
    assertEquals(2, lower.size());
    assertEquals("2", Files.readString(lower.get(0).resolve("etc/y")), "top layer first");
    assertEquals("#!app", Files.readString(lower.get(1).resolve("bin/app")));
    assertTrue(store.inspect(image).contains("\"diff_ids\""));

    assertEquals(image, store.find(ref).orElseThrow());
    assertEquals(image, store.find(image.id()).orElseThrow());
    assertEquals(image, store.find(image.id().substring(7, 19)).orElseThrow());
    assertEquals(image, store.find(image.repoDigests().getFirst()).orElseThrow());

    registry.manifest(
        "test/app",
        "v2",
        "application/vnd.oci.image.manifest.v1+json",
        registryManifest("test/app", pushed[1]));
    store.pull(registry.host() + "/test/app:v2", Credentials.NONE);
    assertEquals(2, store.find(ref).orElseThrow().repoTags().size());

    store.remove(ref);
    assertTrue(store.find(ref).isEmpty(), "untagged");
    assertTrue(store.find(registry.host() + "/test/app:v2").isPresent(), "other tag stays");
    store.setInUse(id -> id.equals(image.id()));
    ImageException inUse = assertThrows(ImageException.class, () -> store.remove(image.id()));
    assertEquals(Reason.IN_USE, inUse.reason());
    store.setInUse(id -> false);
    store.remove(registry.host() + "/test/app:v2");
    assertTrue(store.list().isEmpty());
    assertEquals(0, count(root.resolve("images/snapshots")));
    assertEquals(0, count(root.resolve("images/blobs/sha256")));
    store.remove("never-pulled:latest"); // unknown: no error
  }

  private byte[] registryManifest(String repo, String digest) throws Exception {
    try (var in =
        java.net
            .URI
            .create("http://" + registry.host() + "/v2/" + repo + "/manifests/" + digest)
            .toURL()
            .openStream()) {
      return in.readAllBytes();
    }
  }

  @Test
  void concurrentPullsShareLayersAndRecordsSurviveReopen() throws Exception {
    push("test/app", "v1");
    String ref = registry.host() + "/test/app:v1";
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Callable<Image> pull = () -> store.pull(ref, Credentials.NONE);
      List<Future<Image>> pulls = pool.invokeAll(List.of(pull, pull, pull));
      for (Future<Image> f : pulls) {
        assertEquals(pulls.getFirst().get().id(), f.get().id());
      }
    }
    assertTrue(
        registry.blobRequests.get() <= 3 + 2,
        "layers fetched once, config at most per pull: " + registry.blobRequests.get());
    Files.createDirectories(root.resolve("images/snapshots/.tmp-leftover/x"));
    Files.writeString(root.resolve("images/tmp/partial"), "x");
    ImageStore reopened = open();
    assertEquals(store.list(), reopened.list());
    assertFalse(Files.exists(root.resolve("images/snapshots/.tmp-leftover")));
    assertFalse(Files.exists(root.resolve("images/tmp/partial")));
  }

  @Test
  void picksTheNodePlatformFromAnIndexAndRefusesSchema1() throws Exception {
    String[] arm =
        registry.image("multi/app", null, "arm64", null, List.of(top), List.of(TestTar.gzip(top)));
    String[] amd = push("multi/app", null);
    ObjectNode index =
        FakeRegistry.JSON
            .createObjectNode()
            .put("schemaVersion", 2)
            .put("mediaType", "application/vnd.oci.image.index.v1+json");
    var ms = index.putArray("manifests");
    for (String[] p : List.of(arm, amd)) {
      ms.addObject()
          .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
          .put("digest", p[1])
          .put("size", Long.parseLong(p[2]))
          .putObject("platform")
          .put("os", "linux")
          .put("architecture", p == arm ? "arm64" : "amd64");
    }
    String indexDigest =
        registry.manifest(
            "multi/app",
            "latest",
            "application/vnd.oci.image.index.v1+json",
            FakeRegistry.bytes(index));
    Image image = store.pull(registry.host() + "/multi/app", Credentials.NONE);
    assertEquals(amd[0], image.id());
    assertEquals(List.of(registry.host() + "/multi/app@" + indexDigest), image.repoDigests());

    registry.manifest(
        "old/app",
        "v1",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "{\"schemaVersion\":1,\"name\":\"old/app\"}".getBytes());
    assertEquals(
        Reason.UNSUPPORTED,
        assertThrows(
                ImageException.class,
                () -> store.pull(registry.host() + "/old/app:v1", Credentials.NONE))
            .reason());
  }

  @Test
  void wrongDigestFailsCleanly() throws Exception {
    registry.blobFaults.put(Digests.sha256(TestTar.gzip(top)), FakeRegistry.Fault.WRONG_BYTES);
    assertFailsCleanly(Reason.REGISTRY);
  }

  @Test
  void truncatedBlobFailsCleanly() throws Exception {
    registry.blobFaults.put(Digests.sha256(TestTar.gzip(top)), FakeRegistry.Fault.TRUNCATE);
    assertFailsCleanly(null);
  }

  @Test
  void stalledTransferIsCancelled() throws Exception {
    registry.blobFaults.put(Digests.sha256(TestTar.gzip(top)), FakeRegistry.Fault.STALL);
    long t0 = System.nanoTime();
    assertFailsCleanly(Reason.DEADLINE);
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos());
  }

  @Test
  void oversizedManifestIsRefused() throws Exception {
    byte[] huge = ("{\"schemaVersion\":2,\"pad\":\"" + "x".repeat(5 << 20) + "\"}").getBytes();
    registry.manifest("big/app", "v1", "application/vnd.oci.image.manifest.v1+json", huge);
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> store.pull(registry.host() + "/big/app:v1", Credentials.NONE));
    assertEquals(Reason.REGISTRY, e.reason());
    assertTrue(e.getMessage().contains("limit"));
  }

  @Test
  void bearerTokenFlowUsesTheRequestCredentials() throws Exception {
    push("private/app", "v1");
    registry.requiredUserPass = "alice:s3cret";
    String ref = registry.host() + "/private/app:v1";
    assertEquals(
        Reason.UNAUTHORIZED,
        assertThrows(ImageException.class, () -> store.pull(ref, Credentials.NONE)).reason());
    assertEquals(
        Reason.UNAUTHORIZED,
        assertThrows(
                ImageException.class, () -> store.pull(ref, Credentials.basic("alice", "wrong")))
            .reason());
    Image image =
        store.pull(
            ref,
            new Credentials(
                "",
                "",
                java.util.Base64.getEncoder().encodeToString("alice:s3cret".getBytes()),
                "",
                ""));
    assertEquals(List.of(ref), image.repoTags());
    assertEquals(
        Reason.UNAUTHORIZED,
        assertThrows(ImageException.class, () -> store.pull(ref, Credentials.NONE)).reason(),
        "alice's cached token must not serve an anonymous pull");
  }

  @Test
  void authFileCredentialsApplyUnlessTheRequestBringsItsOwn() throws Exception {
    push("private/app", "v1");
    registry.requiredUserPass = "bob:from-file";
    Path authFile = root.resolve("auth.json");
    Files.writeString(
        authFile,
        "{\"auths\":{\""
            + registry.host()
            + "\":{\"auth\":\""
            + java.util.Base64.getEncoder().encodeToString("bob:from-file".getBytes())
            + "\"}}}");
    ImageStore withFile =
        ImageStore.open(
            root,
            new ImageOptions(Map.of(), authFile, "linux", "amd64", "", Duration.ofSeconds(2), 2));
    String ref = registry.host() + "/private/app:v1";
    assertEquals(List.of(ref), withFile.pull(ref, Credentials.NONE).repoTags());
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> open().pull(ref, Credentials.basic("bob", "not-the-file-one")));
    assertEquals(Reason.UNAUTHORIZED, e.reason());
    ImageStore requestWins =
        ImageStore.open(
            root,
            new ImageOptions(Map.of(), authFile, "linux", "amd64", "", Duration.ofSeconds(2), 2));
    registry.requiredUserPass = "carol:from-request";
    assertEquals(
        List.of(ref), requestWins.pull(ref, Credentials.basic("carol", "from-request")).repoTags());
  }

  @Test
  void snapshotsStackAsARealOverlay() throws Exception {
    push("test/app", "v1");
    Image image = store.pull(registry.host() + "/test/app:v1", Credentials.NONE);
    Path mnt = Files.createDirectories(root.resolve("mnt"));
    String lower =
        String.join(":", store.lowerDirs(image.id()).stream().map(Path::toString).toList());
    io.jcri.sys.Syscalls.mount(
        "overlay", mnt, "overlay", io.jcri.sys.LibC.MS_RDONLY, "lowerdir=" + lower);
    try {
      assertEquals("#!app", Files.readString(mnt.resolve("bin/app")));
      assertEquals("2", Files.readString(mnt.resolve("etc/y")));
      assertFalse(
          Files.exists(mnt.resolve("etc/x")),
          "whiteout of the top layer hides the base layer's file");
    } finally {
      io.jcri.sys.Syscalls.unmountIfMounted(mnt);
    }
  }

  @Test
  void pauseImageIsBuiltOncePinnedAndUsable() throws Exception {
    Image pause =
        store.ensurePauseImage("jcri.local/pause:catatonit", Path.of("/usr/bin/catatonit"));
    assertTrue(pause.pinned());
    assertEquals(List.of("/pause", "-P"), pause.config().entrypoint());
    assertEquals("65535:65535", pause.config().user());
    assertEquals(List.of("jcri.local/pause:catatonit"), pause.repoTags());
    Path binary = store.lowerDirs(pause.id()).getFirst().resolve("pause");
    assertTrue(Files.isExecutable(binary));
    assertEquals(Files.size(Path.of("/usr/bin/catatonit")), Files.size(binary));
    assertEquals(
        pause,
        open().ensurePauseImage("jcri.local/pause:catatonit", Path.of("/usr/bin/catatonit")));
    assertEquals(pause.id(), open().find("jcri.local/pause:catatonit").orElseThrow().id());
    ImageException refused =
        assertThrows(ImageException.class, () -> store.remove("jcri.local/pause:catatonit"));
    assertEquals(Reason.IN_USE, refused.reason());
    assertTrue(
        refused.getMessage().contains("is pinned as jcri.local/pause:catatonit"),
        refused.getMessage());
    assertThrows(ImageException.class, () -> store.remove(pause.id()));
    assertTrue(store.find(pause.id()).isPresent());
  }

  @Test
  void configuredPinnedImagesAreReportedAndRefusedRemoval() throws Exception {
    push("test/app", "v1");
    String v1 = registry.host() + "/test/app:v1";
    String v2 = registry.host() + "/test/app:v2";
    Image image = store.pull(v1, Credentials.NONE);
    assertFalse(image.pinned());
    store.setPinned(List.of(v1));
    assertTrue(store.find(v1).orElseThrow().pinned());
    assertTrue(store.find(image.id()).orElseThrow().pinned());
    assertTrue(store.list().getFirst().pinned());
    ImageException refused = assertThrows(ImageException.class, () -> store.remove(image.id()));
    assertTrue(refused.getMessage().contains("is pinned as " + v1), refused.getMessage());
    assertThrows(ImageException.class, () -> store.remove(v1));

    // another tag of a pinned image may go; the pin does not reach the stored record
    registry.manifest(
        "test/app",
        "v2",
        "application/vnd.oci.image.manifest.v1+json",
        registryManifest("test/app", image.repoDigests().getFirst().split("@")[1]));
    store.pull(v2, Credentials.NONE);
    store.remove(v2);
    assertEquals(List.of(v1), store.find(v1).orElseThrow().repoTags());
    assertFalse(open().find(v1).orElseThrow().pinned(), "pinning is configuration, not stored");

    store.setPinned(List.of()); // a reload that drops the pin
    assertFalse(store.find(v1).orElseThrow().pinned());
    store.remove(v1);
    assertTrue(store.list().isEmpty());
  }

  private void assertFailsCleanly(Reason expected) throws Exception {
    push("test/app", "v1");
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> store.pull(registry.host() + "/test/app:v1", Credentials.NONE));
    if (expected != null) {
      assertEquals(expected, e.reason(), e.getMessage());
    }
    assertTrue(store.list().isEmpty());
    assertEquals(0, count(root.resolve("images/tmp")));
    try (Stream<Path> s = Files.list(root.resolve("images/snapshots"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")));
    }
    assertEquals(0, count(root.resolve("images/records")));
  }

  private static long count(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }
}
