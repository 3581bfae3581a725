package io.jcri.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PauseImageTest {
  @TempDir Path dir;

  @Test
  void theRecordedDigestHoldsOnlyWhileTheBinaryIsUnchanged() throws Exception {
    Path binary = dir.resolve("catatonit");
    Files.copy(Path.of("/usr/bin/catatonit"), binary);
    Path record = dir.resolve("pause-built-from");
    assertNull(PauseImage.recordedConfigDigest(record, binary), "nothing recorded yet");

    PauseImage pause = PauseImage.build(binary);
    pause.record(record, binary);
    assertEquals(pause.configDigest(), PauseImage.recordedConfigDigest(record, binary));
    assertEquals(pause.configDigest(), PauseImage.build(binary).configDigest());

    Files.setLastModifiedTime(binary, FileTime.fromMillis(0));
    assertNull(PauseImage.recordedConfigDigest(record, binary), "a touched binary is built again");
    pause.record(record, binary);
    Files.write(binary, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    Files.setLastModifiedTime(binary, FileTime.fromMillis(0));
    assertNull(PauseImage.recordedConfigDigest(record, binary), "another size is built again");
  }
}
