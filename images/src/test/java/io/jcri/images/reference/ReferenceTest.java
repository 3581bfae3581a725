package io.jcri.images.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jcri.images.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  private static final String D = "sha256:" + "a".repeat(64);

  @ParameterizedTest
  @CsvSource({
    "busybox, docker.io/library/busybox:latest",
    "busybox:1.36, docker.io/library/busybox:1.36",
    "library/busybox, docker.io/library/busybox:latest",
    "docker.io/busybox, docker.io/library/busybox:latest",
    "index.docker.io/foo/bar:v1, docker.io/foo/bar:v1",
    "gcr.io/a/b/c:t, gcr.io/a/b/c:t",
    "localhost/x, localhost/x:latest",
    "localhost:5000/x:y, localhost:5000/x:y",
    "127.0.0.1:5000/test/busybox, 127.0.0.1:5000/test/busybox:latest",
    "[::1]:5000/a/b:c, [::1]:5000/a/b:c",
    "registry.k8s.io/pause:3.9, registry.k8s.io/pause:3.9",
    "a-b.c/e__f-g_h:T.1_x, a-b.c/e__f-g_h:T.1_x",
  })
  void normalises(String input, String expected) {
    assertEquals(expected, Reference.parse(input).toString());
  }

  @Test
  void digestAndTagTogether() {
    Reference r = Reference.parse("quay.io/x/y:1@" + D);
    assertEquals("quay.io", r.domain());
    assertEquals("x/y", r.path());
    assertEquals("1", r.tag());
    assertEquals(D, r.digest());
    assertEquals(D, r.manifestKey());
    assertEquals("quay.io/x/y@" + D, r.withDigest(D));
  }

  @Test
  void digestOnlyHasNoTag() {
    Reference r = Reference.parse("busybox@" + D);
    assertNull(r.tag());
    assertNull(r.tagged());
    assertEquals("docker.io/library/busybox@" + D, r.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "UPPER",
        "a//b",
        "a/b:",
        "a:b:c",
        "-a",
        "a/b@sha256:short",
        "a@sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg",
        "host:port/x",
        "a/.b",
        "a/b/ c",
        "/a"
      })
  void rejects(String input) {
    ImageException e = assertThrows(ImageException.class, () -> Reference.parse(input));
    assertEquals(ImageException.Reason.INVALID_REFERENCE, e.reason());
  }

  @Test
  void rejectsOverlongNamesAndTags() {
    assertThrows(ImageException.class, () -> Reference.parse("a:" + "t".repeat(129)));
    assertThrows(ImageException.class, () -> Reference.parse("example.com/" + "a".repeat(250)));
  }
}
