package io.jcri.runtime.server;

import static io.jcri.runtime.server.Refusals.assertInvalid;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageChecksTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                                | image.image is required",
        "'   '                             | image.image is required",
        "busybox@sha256:12                 | image.image: invalid image reference \"busybox@sha256:12\": bad digest",
        "busybox:bad:tag                   | image.image: invalid image reference \"busybox:bad:tag\"",
        "docker.io/UPPER/case              | image.image: invalid image reference \"docker.io/UPPER/case\": bad repository name",
        "'bad host!/app'                   | image.image: invalid image reference",
        "busybox:-x                        | image.image: invalid image reference \"busybox:-x\": bad tag"
      })
  void badReferencesAreRefusedNamingTheField(String image, String expected) {
    assertInvalid(expected, () -> ImageChecks.reference("image.image", image));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "busybox",
        "busybox:1.36",
        "localhost:5000/a/b:c",
        "[::1]:5000/app",
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123abc",
        " busybox "
      })
  void referencesAndImageIdsPass(String image) {
    ImageChecks.reference("image.image", image);
  }
}
