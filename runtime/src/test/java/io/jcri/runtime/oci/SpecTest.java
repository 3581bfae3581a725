package io.jcri.runtime.oci;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The spec tests' common start: fresh {@link Fixtures} in a temporary directory per test. */
abstract class SpecTest {
  @TempDir Path tmp;
  Fixtures f;

  @BeforeEach
  void createFixtures() throws Exception {
    f = new Fixtures(tmp);
  }
}
